from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from ..tools.pool import POOL_PUBLIC_FIELDS
from .sales_followup_settings import (
    ESCALATION_KEYS,
    FOLLOWUP_SETTING_BOUNDS,
    FOLLOWUP_SETTING_DEFAULTS,
)


class ResConfigSettings(models.TransientModel):
    _name = "res.config.settings"
    _inherit = ["sales.followup.input.guard", "res.config.settings"]

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

    # Customer pool (公海)
    followup_pool_enabled = fields.Boolean(
        string="Customer pool",
        config_parameter="sales_followup.pool_enabled",
        help="Open leads nobody follows go back to their sales team's pool, where any "
        "salesperson of the team may claim them. The rules count from the day the pool is "
        "switched on: no lead returns before its full delay.",
    )
    followup_pool_days_a = fields.Integer(
        string="Grade A: back to the pool after (days without contact)",
        config_parameter="sales_followup.pool_days_a",
        default=FOLLOWUP_SETTING_DEFAULTS["pool_days_a"],
        help="Days without a logged contact after which a grade A lead returns to the pool; "
        "1 to 3650.",
    )
    followup_pool_days_b = fields.Integer(
        string="Grade B: back to the pool after (days without contact)",
        config_parameter="sales_followup.pool_days_b",
        default=FOLLOWUP_SETTING_DEFAULTS["pool_days_b"],
        help="Days without a logged contact after which a grade B lead returns to the pool; "
        "1 to 3650.",
    )
    followup_pool_days_c = fields.Integer(
        string="Grade C: back to the pool after (days without contact)",
        config_parameter="sales_followup.pool_days_c",
        default=FOLLOWUP_SETTING_DEFAULTS["pool_days_c"],
        help="Days without a logged contact after which a grade C lead returns to the pool; "
        "1 to 3650.",
    )
    followup_pool_missed_count = fields.Integer(
        string="Or after missed follow-ups in a row",
        config_parameter="sales_followup.pool_missed_count",
        default=FOLLOWUP_SETTING_DEFAULTS["pool_missed_count"],
        help="A lead also returns when that many follow-ups of its grade's rhythm passed "
        "without a contact; 1 to 50.",
    )
    followup_pool_warning_days = fields.Integer(
        string="Warn the salesperson (days before)",
        config_parameter="sales_followup.pool_warning_days",
        default=FOLLOWUP_SETTING_DEFAULTS["pool_warning_days"],
        help="The salesperson is told that many days before a lead returns to the pool, and the "
        "lead shows a badge; 0 to 60 (0: no warning).",
    )
    followup_pool_max_open = fields.Integer(
        string="Open leads a salesperson may hold",
        config_parameter="sales_followup.pool_max_open",
        default=FOLLOWUP_SETTING_DEFAULTS["pool_max_open"],
        help="Claiming from the pool stops at that many open leads held (sales managers are "
        "exempt); 1 to 100000.",
    )
    followup_pool_max_claims_day = fields.Integer(
        string="Claims per salesperson per day",
        config_parameter="sales_followup.pool_max_claims_day",
        default=FOLLOWUP_SETTING_DEFAULTS["pool_max_claims_day"],
        help="Leads a salesperson may claim from the pool in one day (sales managers are "
        "exempt); 1 to 1000.",
    )
    followup_pool_cooldown_days = fields.Integer(
        string="Previous owner waits (days)",
        config_parameter="sales_followup.pool_cooldown_days",
        default=FOLLOWUP_SETTING_DEFAULTS["pool_cooldown_days"],
        help="A salesperson whose lead went back to the pool may claim it again only after "
        "that many days; 0 to 365.",
    )
    followup_pool_public_field_ids = fields.Many2many(
        "ir.model.fields",
        string="Shown before claiming",
        domain=[("model", "=", "crm.lead"), ("name", "in", list(POOL_PUBLIC_FIELDS))],
        help="What salespeople see of a pool lead before they claim it. The rest (the contact's "
        "phone and e-mail unless listed, the follow-up logs, the chatter) is theirs once they "
        "claim it.",
    )

    # Reminders: morning digests and escalation of overdue follow-ups
    followup_digest_hour = fields.Integer(
        string="Morning digest at (hour)",
        config_parameter="sales_followup.digest_hour",
        default=FOLLOWUP_SETTING_DEFAULTS["digest_hour"],
        help="Each salesperson and team leader gets the day's follow-ups at this hour of their "
        "own time zone; 0 to 23.",
    )
    followup_digest_lines = fields.Integer(
        string="Leads listed per section",
        config_parameter="sales_followup.digest_lines",
        default=FOLLOWUP_SETTING_DEFAULTS["digest_lines"],
        help="A digest lists at most that many leads per section, then how many more and a "
        "link to the full list; 1 to 100.",
    )
    followup_digest_group_id = fields.Many2one(
        "res.groups",
        string="Team digest also to",
        config_parameter="sales_followup.digest_group_id",
        help="Besides each sales team's leader, the users of this group get the morning sheet "
        "of every team they can see (e.g. Sales / Administrator).",
    )
    followup_escalate_remind_days = fields.Integer(
        string="Remind the salesperson after (days overdue)",
        config_parameter="sales_followup.escalate_remind_days",
        default=FOLLOWUP_SETTING_DEFAULTS["escalate_remind_days"],
        help="A follow-up overdue by that many days sends its salesperson a reminder; 1 to 365.",
    )
    followup_escalate_leader_days = fields.Integer(
        string="Tell the team leader after (days overdue)",
        config_parameter="sales_followup.escalate_leader_days",
        default=FOLLOWUP_SETTING_DEFAULTS["escalate_leader_days"],
        help="A follow-up overdue by that many days is reported to the leader of the lead's "
        "sales team, once; 1 to 365.",
    )
    followup_escalate_high_days = fields.Integer(
        string="High risk after (days overdue)",
        config_parameter="sales_followup.escalate_high_days",
        default=FOLLOWUP_SETTING_DEFAULTS["escalate_high_days"],
        help="A follow-up overdue by that many days raises the high-severity risk 'Follow-up "
        "long overdue' instead of 'Follow-up overdue'; 1 to 365.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        self._input_check_create(vals_list)
        # Checked before the values reach the database (a number too large for its column
        # would fail there with a raw error).
        for vals in vals_list:
            for key in FOLLOWUP_SETTING_BOUNDS:
                if f"followup_{key}" in vals:
                    self._followup_check_bound(key, vals[f"followup_{key}"])
        return super().create(vals_list)

    @api.model
    def get_values(self):
        res = super().get_values()
        names = self.env["sales.followup.settings"]._pool_public_fields()
        res["followup_pool_public_field_ids"] = [
            (
                6,
                0,
                self.env["ir.model.fields"]
                .sudo()
                .search([("model", "=", "crm.lead"), ("name", "in", sorted(names))])
                .ids,
            )
        ]
        return res

    def set_values(self):
        self._input_check_ids()
        Lead = self.env["crm.lead"]
        window = self.env["sales.followup.settings"]._get_int("first_contact_hours")
        pool_was_on = self.env["sales.followup.settings"]._get_bool("pool_enabled")
        res = super().set_values()
        ICP = self.env["ir.config_parameter"].sudo()
        if self.followup_pool_enabled and not pool_was_on:
            ICP.set_param(
                "sales_followup.pool_enabled_date",
                fields.Date.to_string(fields.Date.context_today(self)),
            )
        names = [name for name in self.followup_pool_public_field_ids.mapped("name")]
        unknown = set(names) - set(POOL_PUBLIC_FIELDS)
        if unknown:
            raise ValidationError(
                _(
                    "Shown before claiming: %s cannot be shown to salespeople before they claim "
                    "a lead.",
                    ", ".join(sorted(unknown)),
                )
            )
        if sorted(names) != sorted(self.env["sales.followup.settings"]._pool_public_fields()):
            ICP.set_param("sales_followup.pool_public_fields", ",".join(sorted(names)) or "-")
        if self.env["sales.followup.settings"]._get_int("first_contact_hours") != window:
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
            days = [settings[f"followup_{key}"] for key in ESCALATION_KEYS]
            if days != sorted(days):
                labels = [
                    settings._fields[f"followup_{key}"].get_description(self.env)["string"]
                    for key in ESCALATION_KEYS
                ]
                raise ValidationError(
                    _(
                        "Escalation: the steps come one after the other: %(remind)s (%(d1)s) ≤ "
                        "%(leader)s (%(d2)s) ≤ %(high)s (%(d3)s).",
                        remind=labels[0],
                        leader=labels[1],
                        high=labels[2],
                        d1=days[0],
                        d2=days[1],
                        d3=days[2],
                    )
                )

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
