from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from ..compat import STAGE_ROTTING, Constraint

# Codes of the automatic rules (see sales.followup.risk._desired_risks_sql).
AUTOMATIC_RISK_CODES = (
    "overdue",
    "overdue_long",
    "no_reply",
    "silent",
    "first_contact_late",
    "stage_rotting",
)


class SalesFollowupRiskType(models.Model):
    _name = "sales.followup.risk.type"
    _inherit = ["sales.followup.input.guard"]
    _description = "Follow-up Risk Type"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    code = fields.Char(required=True, help="Technical key of the risk type, unique.")
    sequence = fields.Integer(default=10)
    severity = fields.Selection(
        [("watch", "Watch"), ("high", "High")],
        required=True,
        default="watch",
        help="The lead's risk level is the highest severity among its open risks.",
    )
    automatic = fields.Boolean(
        readonly=True,
        help="Raised and resolved by the follow-up rules, not by hand.",
    )
    color = fields.Integer(
        compute="_compute_color", help="Tag colour: red for high, orange for watch."
    )
    description = fields.Text(translate=True)
    active = fields.Boolean(default=True)

    _code_uniq = Constraint("unique(code)", "Two risk types cannot share a code.")

    @api.depends("severity")
    def _compute_color(self):
        for risk_type in self:
            risk_type.color = 1 if risk_type.severity == "high" else 2

    @api.constrains("automatic", "code")
    def _check_automatic(self):
        for risk_type in self:
            if risk_type.automatic and risk_type.code not in AUTOMATIC_RISK_CODES:
                raise ValidationError(
                    _(
                        "Automatic: only the shipped rules (%s) are automatic; "
                        "new risk types are raised by hand.",
                        ", ".join(AUTOMATIC_RISK_CODES),
                    )
                )

    @api.model
    def _followup_archive_unsupported(self):
        """Archive the shipped rules this series of Odoo cannot evaluate (a stage's days to rot
        exist from 19.0 on), so that nobody sees a rule that never fires. Never reactivates:
        a manager may have archived one."""
        if not STAGE_ROTTING:
            self.env.ref("sales_followup.risk_type_stage_rotting").active = False
