"""1.4.0: the customer pool. Its flag is added with a constant default before Odoo adds
the field, so that an existing table of leads is not rewritten lead by lead."""


def migrate(cr, version):
    if not version:
        return
    cr.execute(
        "ALTER TABLE crm_lead ADD COLUMN IF NOT EXISTS followup_in_pool boolean DEFAULT false"
    )
    cr.execute("ALTER TABLE crm_lead ALTER COLUMN followup_in_pool DROP DEFAULT")
