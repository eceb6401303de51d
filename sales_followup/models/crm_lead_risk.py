from odoo import _, fields, models
from odoo.exceptions import UserError

# One concern per file: the lead's side of its risks (the figures the rules keep, raising one by
# hand). The rules, the scan and the figures' refresh are the risk's (sales_followup_risk.py).
# pylint: disable=consider-merging-classes-inherited


class CrmLead(models.Model):
    """The lead's risks, kept up to date by sales.followup.risk (``_apply_rules``,
    ``_refresh_leads``)."""

    _inherit = "crm.lead"

    followup_risk_ids = fields.One2many("sales.followup.risk", "lead_id", string="Risks")
    followup_risk_level = fields.Selection(
        [("none", "None"), ("watch", "Watch"), ("high", "High")],
        string="Risk Level",
        default="none",
        required=True,
        readonly=True,
        copy=False,
        index=True,
        help="The highest severity among the lead's open risks.",
    )
    followup_lost_candidate = fields.Boolean(
        string="Lost Candidate",
        readonly=True,
        copy=False,
        index=True,
        help="The customer did not respond to the last follow-ups (No Reply risk is open).",
    )
    followup_risk_type_ids = fields.Many2many(
        "sales.followup.risk.type",
        "crm_lead_followup_risk_type_rel",
        "crm_lead_id",
        "risk_type_id",
        string="Open Risks",
        readonly=True,
        copy=False,
        help="Types of the lead's open risks.",
    )

    def action_followup_raise_risk(self):
        """Open the dialog to raise a risk by hand."""
        self._input_check_ids()
        self.ensure_one()
        self._followup_check_risk_allowed()
        return self._followup_dialog(
            _("Raise a Risk"),
            "sales.followup.risk",
            "sales_followup.sales_followup_risk_view_form_raise",
            {"default_lead_id": self.id},
        )

    def _followup_check_risk_allowed(self):
        for lead in self:
            if not lead.active or lead.followup_status in ("lost", "dormant"):
                raise UserError(
                    _(
                        "Lead: %s is lost, dormant or archived; risks are raised on open leads.",
                        lead.display_name,
                    )
                )

    def _followup_apply_risk_rules(self):
        """Apply the automatic risk rules to these leads at once (after a log, a status change)."""
        if self.ids:
            self.env["sales.followup.risk"]._apply_rules(lead_ids=self.ids)
