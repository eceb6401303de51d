from odoo import _, api, fields, models
from odoo.tools import SQL

from ..tools.lead_states import FOLLOWUP_GRADES
from ..tools.pool import POOL_PUBLIC_FIELDS


class SalesFollowupPoolLead(models.Model):
    """The pool (公海) as the salespeople of a team see it: the leads nobody holds, with only
    what the settings make public. The columns that are not public are NULL in the query
    itself, so no read, search, group or export reaches them; the lead itself (phone, logs,
    chatter) is readable once claimed."""

    _name = "sales.followup.pool.lead"
    _inherit = ["sales.followup.input.guard"]
    _description = "Pool Lead"
    _auto = False
    _order = "pool_date desc, id desc"
    _rec_name = "code"

    # The lead's name is its need, which the pool may keep private: only who reads every lead
    # reads which lead a pool row is (a pool row's id is its lead's id).
    lead_id = fields.Many2one(
        "crm.lead", readonly=True, groups="sales_team.group_sale_salesman_all_leads"
    )
    code = fields.Char(string="Lead Code", readonly=True)
    team_id = fields.Many2one("crm.team", string="Sales Team", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    pool_date = fields.Datetime(string="In the Pool Since", readonly=True)
    pool_reason = fields.Char(string="Why in the Pool", readonly=True)
    previous_user_id = fields.Many2one("res.users", string="Previous Salesperson", readonly=True)
    customer_name = fields.Char(string="Customer Company", readonly=True)
    name = fields.Char(string="Need", readonly=True)
    grade = fields.Selection(FOLLOWUP_GRADES, readonly=True)
    source_id = fields.Many2one("utm.source", readonly=True)
    last_contact_date = fields.Datetime(string="Last Contact", readonly=True)
    expected_revenue = fields.Float(readonly=True)
    city = fields.Char(readonly=True)
    country_id = fields.Many2one("res.country", readonly=True)
    contact_name = fields.Char(readonly=True)
    phone = fields.Char(readonly=True)
    email_from = fields.Char(string="Email", readonly=True)
    pool_days = fields.Integer(string="Days in the Pool", compute="_compute_pool_days")
    duplicate_note = fields.Text(string="Possible Duplicates", compute="_compute_duplicate_note")

    @property
    def _table_query(self):
        public = self.env["sales.followup.settings"]._pool_public_fields()
        columns = [
            SQL(
                "%s AS %s",
                SQL(expression) if name in public else SQL("NULL::%s", SQL(sql_type)),
                SQL.identifier(column),
            )
            for name, (column, expression, sql_type) in POOL_PUBLIC_FIELDS.items()
        ]
        return SQL(
            """
            SELECT lead.id, lead.id AS lead_id, lead.followup_code AS code, lead.team_id,
                   lead.company_id, lead.followup_pool_date AS pool_date,
                   lead.followup_pool_reason AS pool_reason,
                   lead.followup_previous_user_id AS previous_user_id, %s
              FROM crm_lead lead
         LEFT JOIN res_partner partner ON partner.id = lead.partner_id
         LEFT JOIN res_partner commercial ON commercial.id = partner.commercial_partner_id
             WHERE lead.followup_in_pool AND lead.active
            """,
            SQL(", ").join(columns),
        )

    @api.depends("pool_date")
    def _compute_pool_days(self):
        today = fields.Date.context_today(self)
        for pool_lead in self:
            pool_lead.pool_days = (
                (today - fields.Date.context_today(self, pool_lead.pool_date)).days
                if pool_lead.pool_date
                else 0
            )

    @api.depends("lead_id")
    @api.depends_context("uid", "allowed_company_ids")
    def _compute_duplicate_note(self):
        # The leads are read as the superuser for the same checks as at creation: what the
        # salesperson learns is only that a lead of the same customer is held, and by whom.
        leads = (
            self.env["crm.lead"]
            .browse(self.ids)
            .sudo()
            .with_context(
                sales_followup_hide_customer="followup_customer_name"
                not in self.env["sales.followup.settings"]._pool_public_fields()
            )
        )
        notes = {lead.id: lead.followup_duplicate_note for lead in leads}
        for pool_lead in self:
            pool_lead.duplicate_note = notes.get(pool_lead.id, False)

    @api.depends("code", "customer_name", "name")
    def _compute_display_name(self):
        for pool_lead in self:
            pool_lead.display_name = (
                " — ".join(part for part in (pool_lead.customer_name, pool_lead.name) if part)
                or pool_lead.code
                or _("Pool lead %s", pool_lead.id)
            )

    def action_claim(self):
        """One tap: the leads become the current user's (see crm.lead.action_followup_claim)."""
        self._input_check_ids(exist=False)  # the claim names missing leads
        return self.env["crm.lead"].browse(self.ids).action_followup_claim()
