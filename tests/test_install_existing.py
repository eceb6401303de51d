"""Install on a database that already holds leads: stock ``crm`` with its demo data (a company
that has been using Odoo CRM), then ``sales_followup`` on top of it.

The leads that were there must come under the follow-up rules at once, without a flood of
risks: a unique ``LEAD-YYYYMMDD-NNN`` code from their creation day, a status read from Odoo's
own state (won, lost, worked on, untouched), grade C, and one Follow-up spread over the grade's
rhythm for the open leads that have a salesperson. The risk scan must then raise nothing on
them, until their spread follow-up really is overdue.

Needs PostgreSQL and Odoo's source, which ``./setup/test`` provides for each series (``ODOO_SRC``,
``ODOO_CONF``).
"""

import os
import re
from datetime import timedelta

import pytest
from odoo_run import demo_options, drop_database, odoo, query

# One database per run (dropped at the end), so that two runs never share one.
DB = f"sales_followup_install_existing_{os.getpid()}"


def _automatic_risks():
    """{(lead id, rule code)} of the open risks raised by the rules."""
    rows = query(
        DB,
        """
        SELECT r.lead_id, t.code FROM sales_followup_risk r
          JOIN sales_followup_risk_type t ON t.id = r.type_id
         WHERE t.automatic AND r.state = 'open'""",
    )
    return set(rows)


@pytest.fixture(scope="module")
def adopted():
    try:
        drop_database(DB)
        # crm's demo leads stand for the leads of a company that has used Odoo CRM for years.
        odoo(DB, "-i", "crm", *demo_options(True), "--stop-after-init")
        before = query(
            DB,
            """
            SELECT lead.id, lead.name, lead.active, lead.probability, lead.lost_reason_id,
                   COALESCE(stage.is_won, FALSE), lead.user_id, lead.create_date
              FROM crm_lead lead LEFT JOIN crm_stage stage ON stage.id = lead.stage_id""",
        )
        # The module's demo leads come along all the same: Odoo installs a module with demo data
        # when a module it depends on has it (crm here; 19.0 loads it in any database that has
        # demo data). Hence the checks below look only at the leads of this snapshot.
        odoo(DB, "-i", "sales_followup", *demo_options(False), "--stop-after-init")
        # The adoption reads days in the time zone of the user the install runs as (the
        # superuser); UTC when it has none.
        ((tz,),) = query(
            DB,
            """
            SELECT COALESCE(p.tz, 'UTC') FROM res_users u
              JOIN res_partner p ON p.id = u.partner_id WHERE u.id = 1""",
        )
        ((install_day,),) = query(
            DB,
            """SELECT (value::timestamp AT TIME ZONE 'UTC' AT TIME ZONE %s)::date
                 FROM ir_config_parameter WHERE key = 'sales_followup.install_date'""",
            [tz],
        )
        after = query(
            DB,
            """
            SELECT id, followup_code, followup_origin, followup_start_date, followup_status,
                   followup_grade, followup_risk_level,
                   (create_date AT TIME ZONE 'UTC' AT TIME ZONE %s)::date
              FROM crm_lead""",
            [tz],
        )
        followups = query(
            DB,
            """
            SELECT a.res_id, a.date_deadline FROM mail_activity a
              JOIN ir_model_data d ON d.res_id = a.activity_type_id
                   AND d.module = 'sales_followup' AND d.name = 'mail_activity_type_followup'
             WHERE a.res_model = 'crm.lead' AND a.active""",
        )
        existing = {row[0]: row for row in before}
        yield {
            "before": existing,
            "leads": {row[0]: row for row in after if row[0] in existing},
            "followups": [row for row in followups if row[0] in existing],
            "install_day": install_day,
        }
    finally:
        # The database is this run's own: dropped even when an install failed.
        drop_database(DB)


def test_existing_leads_get_codes(adopted):
    leads, before = adopted["leads"], adopted["before"]
    assert len(leads) >= 40, "crm's demo leads were there before the install"
    codes = {lead_id: row[1] for lead_id, row in leads.items()}
    assert all(codes.values()), "every lead has a code"
    assert len(set(codes.values())) == len(codes), "codes are unique"
    for lead_id, code in codes.items():
        assert re.fullmatch(r"LEAD-\d{8}-\d{3}", code), code
        assert code[5:13] == leads[lead_id][7].strftime("%Y%m%d"), (code, leads[lead_id][7])
    # Serials in creation order within a day.
    ordered = sorted(leads, key=lambda lead_id: (before[lead_id][7], lead_id))
    for day in {row[7] for row in leads.values()}:
        serials = [int(codes[i][-3:]) for i in ordered if leads[i][7] == day]
        assert serials == sorted(serials) and len(set(serials)) == len(serials), (day, serials)


def test_existing_leads_get_origin_date_and_grade(adopted):
    for row in adopted["leads"].values():
        assert row[2] == "existing", row
        assert row[3] == row[7], "lead date: the creation day"
        assert row[5] == "c", row


def test_existing_leads_get_status_from_odoo_state(adopted):
    leads, before = adopted["leads"], adopted["before"]
    # (id, name, active, probability, lost reason, stage won, user, create date)
    won = {i for i, row in before.items() if row[5]}
    lost = {i for i, row in before.items() if not row[2] and (row[4] or not row[3])}
    assert "Distributor Contract" in {before[i][1] for i in won}
    assert lost, "crm's demo has lost leads"
    assert {leads[i][4] for i in won} == {"converted"}
    assert {leads[i][4] for i in lost} == {"lost"}
    statuses = [row[4] for row in leads.values()]
    assert "in_progress" in statuses and "to_contact" in statuses
    (distributor,) = [i for i in won if before[i][1] == "Distributor Contract"]
    assert leads[distributor][4] == "converted" and leads[distributor][6] == "none"
    assert not query(DB, "SELECT id FROM sales_followup_risk WHERE lead_id = %s", [distributor])


def test_open_assigned_leads_get_one_spread_followup(adopted):
    leads, before, day = adopted["leads"], adopted["before"], adopted["install_day"]
    open_assigned = {
        i
        for i, row in leads.items()
        if before[i][2] and before[i][6] and row[4] in ("to_contact", "in_progress")
    }
    assert open_assigned
    lead_ids = [row[0] for row in adopted["followups"]]
    assert sorted(lead_ids) == sorted(open_assigned), "one follow-up per open assigned lead"
    deadlines = [row[1] for row in adopted["followups"]]
    assert day <= min(deadlines) and max(deadlines) <= day + timedelta(days=30), deadlines


SCAN_SCRIPT = """
late = {late}
if late:
    followup = env.ref("sales_followup.mail_activity_type_followup")
    env.cr.execute(
        "UPDATE mail_activity SET date_deadline = CURRENT_DATE - 10 WHERE res_model = 'crm.lead'"
        " AND res_id = %s AND activity_type_id = %s AND active", [late, followup.id])
    env.cr.execute(
        "UPDATE crm_lead SET followup_next_date = CURRENT_DATE - 10 WHERE id = %s", [late])
    env.invalidate_all()
env["sales.followup.risk"]._cron_followup_risk_scan()
env.cr.commit()
"""


def test_risk_scan_spares_existing_leads_until_their_followup_is_late(adopted):
    """Last: changes the database."""
    leads, before = adopted["leads"], adopted["before"]
    odoo(DB, command=["shell"], stdin=SCAN_SCRIPT.format(late=None))
    assert not {risk for risk in _automatic_risks() if risk[0] in leads}
    # One untouched lead whose spread follow-up is ten days overdue: first contact late.
    late = min(
        i for i, row in leads.items() if row[4] == "to_contact" and before[i][2] and before[i][6]
    )
    odoo(DB, command=["shell"], stdin=SCAN_SCRIPT.format(late=late))
    risks = {risk for risk in _automatic_risks() if risk[0] in leads}
    assert risks == {(late, "first_contact_late")}
