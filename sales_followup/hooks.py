from odoo import fields
from odoo.tools import SQL

# Columns of crm_lead created before Odoo adds the module's fields, with the value the leads
# already in the database start from. Odoo finds them there and computes nothing lead by lead
# (the stored computed fields would otherwise be computed in Python for every existing lead);
# the post-init hook then sets the real values in one pass. A constant default is stored by
# PostgreSQL without rewriting the table.
EXISTING_LEAD_COLUMNS = [
    ("followup_origin", "varchar", "'existing'"),
    ("followup_status", "varchar", "'to_contact'"),
    ("followup_start_date", "date", "CURRENT_DATE"),
    ("followup_risk_level", "varchar", "'none'"),
    ("followup_grade", "varchar", "'c'"),
    ("followup_unanswered_count", "int4", "0"),
    ("followup_next_date", "date", None),
    ("followup_last_date", "timestamp", None),
    ("followup_last_response_date", "timestamp", None),
    ("followup_in_pool", "bool", "false"),
    ("followup_escalation_level", "varchar", "'0'"),
]


def pre_init_hook(env):
    """Mark the leads already in the database (origin 'existing') before the fields exist."""
    for column, sql_type, default in EXISTING_LEAD_COLUMNS:
        env.cr.execute(
            SQL(
                "ALTER TABLE crm_lead ADD COLUMN IF NOT EXISTS %s %s%s",
                SQL.identifier(column),
                SQL(sql_type),
                SQL(f" DEFAULT {default}") if default else SQL(),
            )
        )
        if default:
            env.cr.execute(
                SQL("ALTER TABLE crm_lead ALTER COLUMN %s DROP DEFAULT", SQL.identifier(column))
            )


def post_init_hook(env):
    """Bring the leads that were there before the module under its rules (statuses from Odoo's
    own state, codes, lead dates, follow-ups spread over the rhythm): see
    crm.lead._followup_adopt_existing."""
    now = fields.Datetime.now()
    ICP = env["ir.config_parameter"].sudo()
    ICP.set_param("sales_followup.install_date", fields.Datetime.to_string(now))
    # Escalation counts overdue days from today: the follow-ups already overdue do not all
    # notify their salespeople and leaders at once.
    ICP.set_param("sales_followup.escalation_since", fields.Date.to_string(now.date()))
    env["crm.lead"]._followup_adopt_existing(SQL("lead.followup_origin = 'existing'"))
    env["sales.followup.ownership"]._backfill()


def uninstall_hook(env):
    """Leave the leads usable and their history readable once the module is gone.

    Odoo removes the module's records (activity type, risk types, lost reason) before it drops
    its tables; what still points at them is settled here first, so the uninstall runs clean:

    - the Follow-up activities, open and done, become To-Do activities: the salespeople keep
      their schedule and the lead chatter keeps its history;
    - the lost reason "No response" stays (without its external id) when leads were lost with it;
    - the risks go before their types (their table goes anyway);
    - the per-source lead-code sequences and the follow-up settings are removed.
    """
    followup_type = env.ref("sales_followup.mail_activity_type_followup", raise_if_not_found=False)
    todo_type = env.ref("mail.mail_activity_data_todo", raise_if_not_found=False)
    if followup_type and todo_type:
        env.flush_all()
        # Plain SQL: the activities' own write logic (and this module's one-open-follow-up guard)
        # has nothing to do with changing a type that is about to disappear.
        env.cr.execute(
            SQL(
                "UPDATE mail_activity SET activity_type_id = %s WHERE activity_type_id = %s",
                todo_type.id,
                followup_type.id,
            )
        )
        env["mail.activity"].invalidate_model(["activity_type_id"])

    no_response = env.ref("sales_followup.lost_reason_no_response", raise_if_not_found=False)
    if no_response and env["crm.lead"].with_context(active_test=False).search_count(
        [("lost_reason_id", "=", no_response.id)], limit=1
    ):
        env["ir.model.data"].search(
            [("module", "=", "sales_followup"), ("name", "=", "lost_reason_no_response")]
        ).unlink()

    env.cr.execute(SQL("DELETE FROM sales_followup_risk"))
    env["ir.sequence"].sudo().with_context(active_test=False).search(
        [("code", "=", "sales_followup.lead_code.source")]
    ).unlink()
    env["ir.config_parameter"].sudo().search([("key", "=like", "sales_followup.%")]).unlink()
