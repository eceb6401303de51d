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
# Sensible range of each setting (both ends included): beyond it a value is a typing error, and
# would overflow the dates it computes.
FOLLOWUP_SETTING_BOUNDS = {
    "interval_a": (1, 365),
    "interval_b": (1, 365),
    "interval_c": (1, 365),
    "interval_converted": (1, 730),
    "first_contact_hours": (1, 720),
    "risk_overdue_grace_days": (0, 365),
    "risk_no_reply_count": (1, 50),
    "risk_silent_days": (1, 3650),
}


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    followup_interval_a = fields.Integer(
        string="Grade A rhythm (days)",
        config_parameter="sales_followup.interval_a",
        default=FOLLOWUP_SETTING_DEFAULTS["interval_a"],
        help="Days between two follow-ups of a grade A lead (high potential); 1 to 365.",
    )
    followup_interval_b = fields.Integer(
        string="Grade B rhythm (days)",
        config_parameter="sales_followup.interval_b",
        default=FOLLOWUP_SETTING_DEFAULTS["interval_b"],
        help="Days between two follow-ups of a grade B lead (3 = about twice a week); 1 to 365.",
    )
    followup_interval_c = fields.Integer(
        string="Grade C rhythm (days)",
        config_parameter="sales_followup.interval_c",
        default=FOLLOWUP_SETTING_DEFAULTS["interval_c"],
        help="Days between two follow-ups of a grade C lead (low potential); 1 to 365.",
    )
    followup_interval_converted = fields.Integer(
        string="After-sale revisit (days)",
        config_parameter="sales_followup.interval_converted",
        default=FOLLOWUP_SETTING_DEFAULTS["interval_converted"],
        help="Days between two revisits of a converted (won) customer; 1 to 730.",
    )
    followup_first_contact_hours = fields.Integer(
        string="First-contact window (hours)",
        config_parameter="sales_followup.first_contact_hours",
        default=FOLLOWUP_SETTING_DEFAULTS["first_contact_hours"],
        help="A new lead with a salesperson gets its first follow-up due within this window; "
        "1 to 720 hours.",
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
        help="A follow-up past due by more than these days raises the Overdue risk; 0 to 365.",
    )
    followup_risk_no_reply_count = fields.Integer(
        string="No reply after (follow-ups)",
        config_parameter="sales_followup.risk_no_reply_count",
        default=FOLLOWUP_SETTING_DEFAULTS["risk_no_reply_count"],
        help="That many follow-ups in a row without a response raise the No Reply risk and "
        "make the lead a lost candidate; 1 to 50.",
    )
    followup_risk_silent_days = fields.Integer(
        string="Silent after (days)",
        config_parameter="sales_followup.risk_silent_days",
        default=FOLLOWUP_SETTING_DEFAULTS["risk_silent_days"],
        help="No response from the customer for that many days raises the Silent risk "
        "(open leads and converted customers); 1 to 3650.",
    )
    followup_risk_auto_lost = fields.Boolean(
        string="Mark lost candidates lost",
        config_parameter="sales_followup.risk_auto_lost",
        help="Leads that stopped answering (No Reply) are marked lost with the reason "
        "'No response' automatically.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        # Checked before the values reach the database (a number too large for its column
        # would fail there with a raw error).
        for vals in vals_list:
            for key in FOLLOWUP_SETTING_BOUNDS:
                if f"followup_{key}" in vals:
                    self._followup_check_bound(key, vals[f"followup_{key}"])
        return super().create(vals_list)

    def set_values(self):
        Lead = self.env["crm.lead"]
        window = Lead._followup_setting("first_contact_hours")
        res = super().set_values()
        if Lead._followup_setting("first_contact_hours") != window:
            # The first-contact due date of the leads still waiting for it follows the new
            # window (a stored compute cannot depend on a parameter).
            waiting = Lead.sudo().search(
                [("followup_status", "=", "to_contact"), ("followup_origin", "=", "odoo")]
            )
            self.env.add_to_compute(Lead._fields["followup_next_date"], waiting)
        return res

    @api.constrains(*(f"followup_{key}" for key in FOLLOWUP_SETTING_DEFAULTS))
    def _check_followup_bounds(self):
        for settings in self:
            for key in FOLLOWUP_SETTING_BOUNDS:
                settings._followup_check_bound(key, settings[f"followup_{key}"])

    @api.model
    def _followup_check_bound(self, key, value):
        low, high = FOLLOWUP_SETTING_BOUNDS[key]
        value = 0 if value is False else value  # an emptied number field
        if not (isinstance(value, int) and not isinstance(value, bool) and low <= value <= high):
            fname = f"followup_{key}"
            raise ValidationError(
                _(
                    "%(setting)s must be a whole number from %(low)s to %(high)s (got %(value)s).",
                    setting=self._fields[fname].get_description(self.env)["string"],
                    low=low,
                    high=high,
                    value=value,
                )
            )
