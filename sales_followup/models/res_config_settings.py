from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

# Defaults of the follow-up settings, stored as ir.config_parameter "sales_followup.<key>".
FOLLOWUP_SETTING_DEFAULTS = {
    "interval_a": 1,
    "interval_b": 3,
    "interval_c": 30,
    "interval_converted": 30,
    "first_contact_hours": 24,
}


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    followup_interval_a = fields.Integer(
        string="Grade A rhythm (days)",
        config_parameter="sales_followup.interval_a",
        default=FOLLOWUP_SETTING_DEFAULTS["interval_a"],
        help="Days between two follow-ups of a grade A lead (high potential).",
    )
    followup_interval_b = fields.Integer(
        string="Grade B rhythm (days)",
        config_parameter="sales_followup.interval_b",
        default=FOLLOWUP_SETTING_DEFAULTS["interval_b"],
        help="Days between two follow-ups of a grade B lead (3 = about twice a week).",
    )
    followup_interval_c = fields.Integer(
        string="Grade C rhythm (days)",
        config_parameter="sales_followup.interval_c",
        default=FOLLOWUP_SETTING_DEFAULTS["interval_c"],
        help="Days between two follow-ups of a grade C lead (low potential).",
    )
    followup_interval_converted = fields.Integer(
        string="After-sale revisit (days)",
        config_parameter="sales_followup.interval_converted",
        default=FOLLOWUP_SETTING_DEFAULTS["interval_converted"],
        help="Days between two revisits of a converted (won) customer.",
    )
    followup_first_contact_hours = fields.Integer(
        string="First-contact window (hours)",
        config_parameter="sales_followup.first_contact_hours",
        default=FOLLOWUP_SETTING_DEFAULTS["first_contact_hours"],
        help="A new lead with a salesperson gets its first follow-up due within this window.",
    )
    followup_lost_reason_optional = fields.Boolean(
        string="Lost reason optional",
        config_parameter="sales_followup.lost_reason_optional",
        help="When unchecked, the Lost dialog refuses to mark a lead lost without a reason.",
    )

    @api.constrains(
        "followup_interval_a",
        "followup_interval_b",
        "followup_interval_c",
        "followup_interval_converted",
        "followup_first_contact_hours",
    )
    def _check_followup_positive(self):
        for settings in self:
            for fname in (
                "followup_interval_a",
                "followup_interval_b",
                "followup_interval_c",
                "followup_interval_converted",
                "followup_first_contact_hours",
            ):
                if settings[fname] <= 0:
                    raise ValidationError(
                        _(
                            "%(setting)s must be a whole number above 0 (got %(value)s).",
                            setting=settings._fields[fname].get_description(self.env)["string"],
                            value=settings[fname],
                        )
                    )
