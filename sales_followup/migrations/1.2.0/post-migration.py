"""1.2.0: the leads that were in the database before the previous release was installed
were left "To Follow Up" without a code, flagged "First contact late" at once, and given
first-contact follow-ups dated from their old assignment (years overdue). Those the salespeople
have not touched since (no follow-up log) are brought under the rules the way a new install
now does it: status from Odoo's own state, a code from their creation day, a follow-up spread
over the rhythm; the false automatic risks and the overdue automatic follow-ups go.
"""

from odoo import SUPERUSER_ID, api, fields
from odoo.tools import SQL, convert_file

UNTOUCHED = SQL(
    "lead.followup_origin = 'existing' AND NOT EXISTS "
    "(SELECT 1 FROM sales_followup_log log WHERE log.lead_id = lead.id)"
)


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    # The tracker names of crm's stages (need analysis = 需求分析...) belong to records of crm:
    # an update leaves them alone (noupdate), so they are written here, once.
    convert_file(env, "sales_followup", "data/crm_stage_data.xml", {}, mode="init", noupdate=True)
    ICP = env["ir.config_parameter"]
    if not ICP.get_param("sales_followup.install_date"):
        cr.execute(
            "SELECT MIN(create_date) FROM ir_model_data WHERE module = 'sales_followup' "
            "AND model = 'mail.activity.type'"
        )
        installed = cr.fetchone()[0] or fields.Datetime.now()
        ICP.set_param("sales_followup.install_date", fields.Datetime.to_string(installed))
    type_id = env.ref("sales_followup.mail_activity_type_followup").id
    today = fields.Date.context_today(env["crm.lead"])
    cr.execute(
        SQL(
            """
            DELETE FROM mail_activity activity
             USING crm_lead lead
             WHERE activity.res_model = 'crm.lead' AND activity.res_id = lead.id
               AND activity.activity_type_id = %(type_id)s AND activity.automated
               AND activity.active AND activity.date_deadline < %(today)s
               AND %(untouched)s;
            DELETE FROM sales_followup_risk risk
             USING crm_lead lead, sales_followup_risk_type rtype
             WHERE risk.lead_id = lead.id AND rtype.id = risk.type_id AND rtype.automatic
               AND %(untouched)s;
            UPDATE crm_lead lead
               SET followup_next_date = NULL
             WHERE %(untouched)s
               AND NOT EXISTS (SELECT 1 FROM mail_activity activity
                                WHERE activity.res_model = 'crm.lead'
                                  AND activity.res_id = lead.id
                                  AND activity.activity_type_id = %(type_id)s
                                  AND activity.active);
            """,
            type_id=type_id,
            today=today,
            untouched=UNTOUCHED,
        )
    )
    env.invalidate_all()
    leads = env["crm.lead"]
    adopted = leads._followup_adopt_existing(SQL("lead.followup_origin = 'existing'"))
    # Won or lost by Odoo's own state: the first-contact follow-up they were given goes.
    cr.execute(
        SQL(
            """
            WITH closed AS (
                DELETE FROM mail_activity activity
                 USING crm_lead lead
                 WHERE activity.res_model = 'crm.lead' AND activity.res_id = lead.id
                   AND activity.activity_type_id = %(type_id)s AND activity.automated
                   AND lead.followup_status IN ('converted', 'lost') AND %(untouched)s
             RETURNING lead.id
            )
            UPDATE crm_lead SET followup_next_date = NULL FROM closed WHERE crm_lead.id = closed.id
            """,
            type_id=type_id,
            untouched=UNTOUCHED,
        )
    )
    cr.execute(SQL("SELECT lead.id FROM crm_lead lead WHERE %s", UNTOUCHED))
    env["sales.followup.risk"]._refresh_leads(leads.browse([row[0] for row in cr.fetchall()]))
    return adopted
