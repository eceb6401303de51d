"""1.5.0: escalation of overdue follow-ups. The step reached by each lead is added with a
constant default before Odoo adds the field, so that the table of leads is not rewritten."""


def migrate(cr, version):
    if not version:
        return
    cr.execute(
        "ALTER TABLE crm_lead ADD COLUMN IF NOT EXISTS followup_escalation_level varchar "
        "DEFAULT '0'"
    )
    cr.execute("ALTER TABLE crm_lead ALTER COLUMN followup_escalation_level DROP DEFAULT")
