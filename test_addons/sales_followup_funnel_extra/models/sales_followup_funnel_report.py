from odoo import fields, models
from odoo.tools import SQL

from odoo.addons.crm.models.crm_stage import AVAILABLE_PRIORITIES


class SalesFollowupFunnelReport(models.Model):
    """A column of another module on the funnel: the leads' priority (stars), to group by and
    a starred lead count to sum."""

    _inherit = "sales.followup.funnel.report"

    priority = fields.Selection(AVAILABLE_PRIORITIES, readonly=True)
    starred = fields.Integer(
        string="Starred Leads",
        readonly=True,
        aggregator="sum",
        help="1 when the lead has at least one star.",
    )

    def _select_additional_fields(self):
        return {
            **super()._select_additional_fields(),
            "priority": SQL("lead.priority"),
            "starred": SQL("(COALESCE(lead.priority, '0') <> '0')::int"),
        }
