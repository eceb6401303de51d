"""What of a pool lead the team may see before claiming it (the settings choose among these)."""

# What of a pool lead may be shown to the team before someone claims it: {field of crm.lead:
# (column of the pool, SQL expression on the lead, SQL type)}. The settings pick among these.
POOL_PUBLIC_FIELDS = {
    "followup_customer_name": (
        "customer_name",
        "COALESCE(commercial.name, lead.partner_name, lead.contact_name)",
        "varchar",
    ),
    "name": ("name", "lead.name", "varchar"),
    "followup_grade": ("grade", "lead.followup_grade", "varchar"),
    "source_id": ("source_id", "lead.source_id", "integer"),
    "followup_last_date": ("last_contact_date", "lead.followup_last_date", "timestamp"),
    "expected_revenue": ("expected_revenue", "lead.expected_revenue", "numeric"),
    "city": ("city", "lead.city", "varchar"),
    "country_id": ("country_id", "lead.country_id", "integer"),
    "contact_name": ("contact_name", "lead.contact_name", "varchar"),
    "phone": ("phone", "lead.phone", "varchar"),
    "email_from": ("email_from", "lead.email_from", "varchar"),
}
# The company, the need, the grade, the source and the last contact: enough to choose a lead,
# not enough to call the customer before claiming it.
POOL_PUBLIC_DEFAULT = (
    "followup_customer_name",
    "name",
    "followup_grade",
    "source_id",
    "followup_last_date",
)
