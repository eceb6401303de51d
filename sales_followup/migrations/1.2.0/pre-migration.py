"""1.2.0: lead dates and origins for the leads of the previous release.

- Leads without a lead code were in the database before the module was installed (the previous
  release gave every lead it saw created a code): origin 'existing'; the post-migration brings
  them under the rules the way a new install does.
- Leads imported by the previous release's tracker importer (their logs were written in the same
  transaction as the lead, dated days before it at 09:00 and answering no follow-up, as that
  importer wrote them): origin 'import'.
- Lead date: the creation day, or the day of the first logged contact when that is earlier
  (imported history), so that no duration counts from after a contact.
- Imported logs are no longer "recorded late".

Set-based SQL, before Odoo adds the fields (it would compute nothing for existing rows then).
"""


def migrate(cr, version):
    if not version:
        return
    cr.execute(
        """
        ALTER TABLE crm_lead ADD COLUMN IF NOT EXISTS followup_origin varchar;
        ALTER TABLE crm_lead ADD COLUMN IF NOT EXISTS followup_start_date date;
        WITH first_log AS (
            SELECT lead_id, MIN(date) AS first_date,
                   BOOL_OR(log.create_date = lead.create_date
                           AND log.date < lead.create_date - INTERVAL '1 day'
                           AND log.due_date IS NULL
                           AND log.date::time = '09:00:00') AS imported
              FROM sales_followup_log log
              JOIN crm_lead lead ON lead.id = log.lead_id
          GROUP BY lead_id
        )
        UPDATE crm_lead lead
           SET followup_origin = CASE
                   WHEN lead.followup_code IS NULL THEN 'existing'
                   WHEN first_log.imported THEN 'import'
                   ELSE 'odoo'
               END,
               followup_start_date = LEAST(lead.create_date::date, first_log.first_date::date)
          FROM crm_lead self
          LEFT JOIN first_log ON first_log.lead_id = self.id
         WHERE self.id = lead.id AND lead.followup_origin IS NULL;
        -- History brought in by the previous release's importer is not a contact recorded late.
        UPDATE sales_followup_log log
           SET recorded_late = FALSE
          FROM crm_lead lead
         WHERE lead.id = log.lead_id AND lead.followup_origin = 'import'
           AND log.create_date = lead.create_date AND log.due_date IS NULL
           AND log.recorded_late;
        """
    )
