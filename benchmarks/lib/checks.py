"""What a run must have left in the database, counted once the server stopped: every follow-up
log the server said it saved is there, exactly one open Follow-up per open lead, the risks are
the rules' result, nothing is left to reclaim, every salesperson's digest was sent."""

from freezegun import freeze_time

from odoo import SUPERUSER_ID, api
from odoo.tools import SQL

FOLLOWUPS_PER_LEAD_SQL = """
SELECT count(*) FILTER (WHERE open AND followups <> 1),
       count(*) FILTER (WHERE open AND followups = 0),
       count(*) FILTER (WHERE open AND followups > 1),
       count(*) FILTER (WHERE NOT open AND followups > 0),
       count(*) FILTER (WHERE open)
  FROM (
        SELECT lead.active AND lead.user_id IS NOT NULL
               AND lead.followup_in_pool IS NOT TRUE
               AND lead.followup_status IN ('to_contact', 'in_progress', 'converted')
               AS open,
               count(activity.id) AS followups
          FROM crm_lead lead
          LEFT JOIN mail_activity activity
                 ON activity.res_model = 'crm.lead' AND activity.res_id = lead.id
                AND activity.activity_type_id = %s AND activity.active
      GROUP BY lead.id
       ) per_lead
"""


def logs_kept(cr, logged):
    """``logged``: (summary, id) of each follow-up log the server said it saved, with a summary
    starting with 'Load bench_rep_'."""
    cr.execute("SELECT id, summary FROM sales_followup_log WHERE summary LIKE 'Load bench_rep_%%'")
    stored = dict(cr.fetchall())
    return {
        "logs_saved": len(logged),
        "logs_stored": len(stored),
        "logs_lost": sum(1 for summary, log_id in logged if stored.get(log_id) != summary),
        "logs_unexpected": len(set(stored) - {log_id for _summary, log_id in logged}),
    }


def followups_per_lead(env):
    """Open leads without exactly one open Follow-up, closed or pool leads with one."""
    env.cr.execute(FOLLOWUPS_PER_LEAD_SQL, [env["sales.followup.engine"]._type_id()])
    names = ("open_not_one", "open_none", "open_several", "closed_with_followup", "open_leads")
    return dict(zip(names, env.cr.fetchone(), strict=True))


def risks_against_rules(env, scan_cron):
    """The open automatic risks against the rules as the scan applied them: at the time of its
    last batch (since then, a lead may have crossed a time threshold, which tomorrow's scan
    raises)."""
    cr, Risk = env.cr, env["sales.followup.risk"]
    cr.execute("SELECT max(write_date) FROM ir_cron_progress WHERE cron_id = %s", [scan_cron])
    scanned_at = cr.fetchone()[0]
    with freeze_time(scanned_at):
        params = Risk._rule_params()
    cr.execute(Risk._desired_risks_sql(SQL("TRUE"), params))
    desired = {tuple(row) for row in cr.fetchall()}
    cr.execute(
        "SELECT risk.lead_id, risk.type_id FROM sales_followup_risk risk "
        "JOIN sales_followup_risk_type rtype ON rtype.id = risk.type_id "
        "WHERE risk.state = 'open' AND rtype.automatic"
    )
    found = set(cr.fetchall())
    return {
        "risks_open": len(found),
        "risks_missing": len(desired - found),
        "risks_extra": len(found - desired),
        "risks_differ": sorted((desired - found) | (found - desired))[:5],
    }


def pool_moves(env, since):
    """Leads still due back to the pool, leads reclaimed and claimed since ``since``."""
    cr, Lead = env.cr, env["crm.lead"]
    cr.execute(Lead._followup_pool_candidates_sql(Lead._followup_pool_params()))
    result = {"left_to_reclaim": sum(1 for row in cr.fetchall() if row[1] <= row[2])}
    for how in ("reclaimed", "claimed"):
        cr.execute(
            "SELECT count(*) FROM sales_followup_ownership WHERE how = %s AND create_date >= %s",
            [how, since],
        )
        result[how] = cr.fetchone()[0]
    return result


def digests_sent(cr):
    cr.execute(
        "SELECT count(*), count(*) FILTER (WHERE followup_digest_date IS NOT NULL) "
        "FROM res_users WHERE login LIKE 'bench_rep_%%' AND active"
    )
    users, sent = cr.fetchone()
    return {"digest_users": users, "digest_sent": sent}


def cron_runs(cr, crons, since):
    """{cron id: (runs, records done)} of the crons (ids) since ``since``."""
    cr.execute(
        "SELECT cron_id, count(*), sum(done) FROM ir_cron_progress "
        "WHERE cron_id = ANY(%s) AND create_date >= %s GROUP BY cron_id",
        [list(crons), since],
    )
    return {row[0]: (row[1], row[2]) for row in cr.fetchall()}


def checks(registry, logged, crons, since):
    """All of the above, for a run since ``since`` whose crons are ``crons`` ({name: id}, the
    risk scan as "scan")."""
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        return {
            **logs_kept(cr, logged),
            **followups_per_lead(env),
            **risks_against_rules(env, crons["scan"]),
            **pool_moves(env, since),
            **digests_sent(cr),
            "cron_runs": cron_runs(cr, crons.values(), since),
        }
