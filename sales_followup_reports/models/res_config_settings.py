from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

# Defaults of the weekly review's settings, stored as ir.config_parameter
# "sales_followup_reports.<key>" (read back by sales.followup.review._review_settings).
REVIEW_DEFAULTS = {
    "review_weekday": "0",
    "review_hour": 8,
    "review_period": "last_week",
    "review_leaders": True,
    "review_group_enabled": True,
}
REVIEW_HOUR_BOUNDS = (0, 23)
WEEKDAYS = [
    ("0", "Monday"),
    ("1", "Tuesday"),
    ("2", "Wednesday"),
    ("3", "Thursday"),
    ("4", "Friday"),
    ("5", "Saturday"),
    ("6", "Sunday"),
]
# Switches stored as "True" / "False" (an unchecked box with a config_parameter would delete
# the parameter, and read back as the default: on).
REVIEW_SWITCHES = ("review_leaders", "review_group_enabled")


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    # Weekly review by e-mail
    followup_review_weekday = fields.Selection(
        WEEKDAYS,
        string="Weekly review on",
        config_parameter="sales_followup_reports.review_weekday",
        default=REVIEW_DEFAULTS["review_weekday"],
        help="The day of the week the review is e-mailed, in each recipient's time zone.",
    )
    followup_review_hour = fields.Integer(
        string="Weekly review at (hour)",
        config_parameter="sales_followup_reports.review_hour",
        default=REVIEW_DEFAULTS["review_hour"],
        help="The review is e-mailed from this hour of the recipient's time zone; 0 to 23.",
    )
    followup_review_period = fields.Selection(
        [("last_week", "Last week"), ("last_month", "Last month")],
        string="Weekly review covers",
        config_parameter="sales_followup_reports.review_period",
        default=REVIEW_DEFAULTS["review_period"],
        help="Last week: Monday to Sunday before the sending day. Last month: the calendar "
        "month before, sent on the first chosen weekday of the month.",
    )
    followup_review_leaders = fields.Boolean(
        string="Review to team leaders",
        default=REVIEW_DEFAULTS["review_leaders"],
        help="Each sales team's leader gets the review of the teams he or she leads.",
    )
    followup_review_group_enabled = fields.Boolean(
        string="Review to a group",
        default=REVIEW_DEFAULTS["review_group_enabled"],
        help="The users of the group get the review of the whole company.",
    )
    followup_review_group_id = fields.Many2one(
        "res.groups",
        string="Company review to",
        config_parameter="sales_followup_reports.review_group_id",
        default=lambda self: self.env.ref("sales_team.group_sale_manager", False),
        help="The users of this group get the review of the whole company "
        "(e.g. Sales / Administrator).",
    )

    @api.model_create_multi
    def create(self, vals_list):
        self._input_check_create(vals_list)
        # Checked before the values reach the database (a number too large for its column
        # would fail there with a raw error).
        for vals in vals_list:
            if "followup_review_hour" in vals:
                self._followup_check_review_hour(vals["followup_review_hour"])
            for fname in ("followup_review_weekday", "followup_review_period"):
                allowed = [key for key, _label in self._fields[fname].selection]
                if vals.get(fname) and vals[fname] not in allowed:
                    raise ValidationError(
                        _(
                            "%(setting)s: %(value)s is not one of the choices.",
                            setting=self._followup_setting_label(fname),
                            value=vals[fname],
                        )
                    )
        return super().create(vals_list)

    @api.model
    def get_values(self):
        res = super().get_values()
        ICP = self.env["ir.config_parameter"].sudo()
        for key in REVIEW_SWITCHES:
            raw = ICP.get_param(f"sales_followup_reports.{key}")
            res[f"followup_{key}"] = REVIEW_DEFAULTS[key] if raw in (None, False) else raw == "True"
        return res

    def set_values(self):
        res = super().set_values()
        ICP = self.env["ir.config_parameter"].sudo()
        for key in REVIEW_SWITCHES:
            ICP.set_param(f"sales_followup_reports.{key}", str(bool(self[f"followup_{key}"])))
        if self.followup_review_hour == 0:
            # An integer setting of 0 is not stored (it would read back as the default).
            ICP.set_param("sales_followup_reports.review_hour", "0")
        return res

    @api.constrains(
        "followup_review_weekday",
        "followup_review_hour",
        "followup_review_period",
        "followup_review_group_enabled",
        "followup_review_group_id",
    )
    def _check_followup_review(self):
        for settings in self:
            settings._followup_check_review_hour(settings.followup_review_hour)
            for fname in ("followup_review_weekday", "followup_review_period"):
                if not settings[fname]:
                    raise ValidationError(
                        _(
                            "%(setting)s: choose a value (got %(value)s).",
                            setting=settings._followup_setting_label(fname),
                            value=settings[fname],
                        )
                    )
            if settings.followup_review_group_enabled and not settings.followup_review_group_id:
                raise ValidationError(
                    _(
                        "%(setting)s: choose the group whose users get the company's review, "
                        "or switch off %(switch)s.",
                        setting=settings._followup_setting_label("followup_review_group_id"),
                        switch=settings._followup_setting_label("followup_review_group_enabled"),
                    )
                )

    @api.model
    def _followup_setting_label(self, fname):
        return self._fields[fname].get_description(self.env)["string"]

    @api.model
    def _followup_check_review_hour(self, value):
        low, high = REVIEW_HOUR_BOUNDS
        value = 0 if value is False else value  # an emptied number field
        if not (isinstance(value, int) and not isinstance(value, bool) and low <= value <= high):
            raise ValidationError(
                _(
                    "%(setting)s must be a whole number from %(low)s to %(high)s (got %(value)s).",
                    setting=self._followup_setting_label("followup_review_hour"),
                    low=low,
                    high=high,
                    value=value,
                )
            )
