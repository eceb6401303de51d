from odoo import api, fields, models
from odoo.tools import SQL

from odoo.addons.sales_followup.compat import Constraint


class SalesFollowupReviewSent(models.Model):
    """The weekly reviews sent: one row per recipient and period, claimed before the review
    is built so that a second run of the cron (or a second server) sends nothing twice."""

    _name = "sales.followup.review.sent"
    _inherit = ["sales.followup.input.guard"]
    _description = "Weekly Review Sent"
    _order = "date_to desc, id desc"
    _rec_name = "user_id"

    user_id = fields.Many2one(
        "res.users", string="Recipient", required=True, readonly=True, ondelete="cascade"
    )
    date_from = fields.Date(string="From", required=True, readonly=True)
    date_to = fields.Date(string="To", required=True, readonly=True)
    sent_on = fields.Datetime(required=True, readonly=True)
    # The review's figures are those of the recipient's company when it was sent: the rows (and
    # the review PDF and charts attached to them) are seen within that company only.
    company_id = fields.Many2one(
        "res.company",
        compute="_compute_company_id",
        store=True,
        readonly=True,
        index=True,
    )

    _user_period_unique = Constraint(
        "UNIQUE(user_id, date_from, date_to)", "A recipient gets the review of a period once."
    )

    @api.depends("user_id")
    def _compute_company_id(self):
        for sent in self:
            sent.company_id = sent.user_id.company_id

    @api.model
    def _claim(self, user, date_from, date_to):
        """Record that ``user`` gets the review of the period now, unless it was sent (or is
        being sent by another transaction, which the unique index makes this one wait for):
        the new row, or an empty recordset when the period was taken."""
        self.flush_model()
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO sales_followup_review_sent
                       (user_id, company_id, date_from, date_to, sent_on, create_uid,
                        create_date, write_uid, write_date)
                VALUES (%(user)s, %(company)s, %(start)s, %(end)s, %(now)s, %(uid)s, %(now)s,
                        %(uid)s, %(now)s)
                ON CONFLICT (user_id, date_from, date_to) DO NOTHING
                RETURNING id
                """,
                user=user.id,
                company=user.company_id.id,
                start=date_from,
                end=date_to,
                now=fields.Datetime.now(),
                uid=self.env.uid,
            )
        )
        return self.browse([row[0] for row in self.env.cr.fetchall()])
