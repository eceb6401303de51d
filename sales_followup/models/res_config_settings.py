from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

# Defaults of the follow-up settings, stored as ir.config_parameter "sales_followup.<key>".
FOLLOWUP_SETTING_DEFAULTS = {
    "interval_a": 1,
    "interval_b": 3,
    "interval_c": 30,
    "interval_converted": 30,
    "first_contact_hours": 24,
    "risk_overdue_grace_days": 0,
    "risk_no_reply_count": 3,
    "risk_silent_days": 90,
}
# Settings that may be 0; all others must be above 0.
FOLLOWUP_SETTINGS_ZERO_ALLOWED = {"risk_overdue_grace_days"}


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

    followup_risk_overdue_grace_days = fields.Integer(
        string="Overdue after (days of grace)",
        config_parameter="sales_followup.risk_overdue_grace_days",
        default=FOLLOWUP_SETTING_DEFAULTS["risk_overdue_grace_days"],
        help="A follow-up past due by more than these days raises the Overdue risk.",
    )
    followup_risk_no_reply_count = fields.Integer(
        string="No reply after (follow-ups)",
        config_parameter="sales_followup.risk_no_reply_count",
        default=FOLLOWUP_SETTING_DEFAULTS["risk_no_reply_count"],
        help="That many follow-ups in a row without a response raise the No Reply risk and "
        "make the lead a lost candidate.",
    )
    followup_risk_silent_days = fields.Integer(
        string="Silent after (days)",
        config_parameter="sales_followup.risk_silent_days",
        default=FOLLOWUP_SETTING_DEFAULTS["risk_silent_days"],
        help="No response from the customer for that many days raises the Silent risk "
        "(open leads and converted customers).",
    )
    followup_risk_auto_lost = fields.Boolean(
        string="Mark lost candidates lost",
        config_parameter="sales_followup.risk_auto_lost",
        help="Leads that stopped answering (No Reply) are marked lost with the reason "
        "'No response' automatically.",
    )

    @api.constrains(*(f"followup_{key}" for key in FOLLOWUP_SETTING_DEFAULTS))
    def _check_followup_positive(self):
        for settings in self:
            for key in FOLLOWUP_SETTING_DEFAULTS:
                fname = f"followup_{key}"
                minimum = 0 if key in FOLLOWUP_SETTINGS_ZERO_ALLOWED else 1
                if settings[fname] < minimum:
                    raise ValidationError(
                        _(
                            "%(setting)s must be a whole number of at least %(minimum)s "
                            "(got %(value)s).",
                            setting=settings._fields[fname].get_description(self.env)["string"],
                            minimum=minimum,
                            value=settings[fname],
                        )
                    )
