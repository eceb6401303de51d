"""1.6.0: a lead released to the pool of a team without a company lost its company (Odoo
empties the company of a lead with neither salesperson nor a company team), so every company of
the group saw it in its pool. Such leads get back the company they had while someone held them
(the last ownership period that recorded one)."""


def migrate(cr, version):
    if not version:
        return
    cr.execute(
        """
        UPDATE crm_lead lead
           SET company_id = held.company_id
          FROM (SELECT DISTINCT ON (lead_id) lead_id, company_id
                  FROM sales_followup_ownership
                 WHERE company_id IS NOT NULL
              ORDER BY lead_id, date_from DESC, id DESC) held
         WHERE held.lead_id = lead.id
           AND lead.followup_in_pool
           AND lead.company_id IS NULL
        """
    )
