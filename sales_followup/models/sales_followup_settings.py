import logging
from datetime import datetime, timedelta

from odoo import api, fields, models, tools
from odoo.exceptions import ValidationError
from odoo.tools import SQL, frozendict

from ..tools.pool import POOL_PUBLIC_DEFAULT, POOL_PUBLIC_FIELDS

_logger = logging.getLogger(__name__)

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
    "pool_days_a": 7,
    "pool_days_b": 15,
    "pool_days_c": 60,
    "pool_missed_count": 5,
    "pool_warning_days": 2,
    "pool_max_open": 200,
    "pool_max_claims_day": 10,
    "pool_cooldown_days": 7,
    "digest_hour": 8,
    "digest_lines": 10,
    "escalate_remind_days": 1,
    "escalate_leader_days": 3,
    "escalate_high_days": 7,
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
    "pool_days_a": (1, 3650),
    "pool_days_b": (1, 3650),
    "pool_days_c": (1, 3650),
    "pool_missed_count": (1, 50),
    "pool_warning_days": (0, 60),
    "pool_max_open": (1, 100000),
    "pool_max_claims_day": (1, 1000),
    "pool_cooldown_days": (0, 365),
    "digest_hour": (0, 23),
    "digest_lines": (1, 100),
    "escalate_remind_days": (1, 365),
    "escalate_leader_days": (1, 365),
    "escalate_high_days": (1, 365),
}
# Escalation steps, in the order they come: each after at least as many days as the one before.
ESCALATION_KEYS = ("escalate_remind_days", "escalate_leader_days", "escalate_high_days")
# A follow-up is due at most a year ahead (or the longest rhythm when longer): further away, the
# lead should be set dormant.
FOLLOWUP_HORIZON_DAYS = 366
# The settings' dates: stamped by the upgrade that brought escalation and the day the pool was
# switched on (the install's own date: _get_install_date).
DATE_KEYS = ("escalation_since", "pool_enabled_date")
# Where a cron stopped (the lead id its next batch starts after).
POSITION_KEYS = ("risk_scan_position",)


class SalesFollowupSettings(models.AbstractModel):
    """The one reader of the follow-up settings (``ir.config_parameter`` "sales_followup.*").

    Every rule reads its setting here, in Python or in SQL, with the same bounds: a value set
    out of range as a system parameter gives the default (and a warning in the server log)
    rather than breaking logging, the crons or the reports. The settings page writes them
    (``res.config.settings``)."""

    _name = "sales.followup.settings"
    _description = "Follow-up Settings"

    @api.model
    def _raw(self, key):
        return self._raw_all().get(f"sales_followup.{key}")

    @api.model
    @tools.ormcache()
    def _raw_all(self):
        """{key: value} of every follow-up setting, in one query: a write, a crm bulk
        assignment or a cron reads a dozen of them. Cached as Odoo caches each system
        parameter, and cleared with it when one is set."""
        self.env["ir.config_parameter"].flush_model(["key", "value"])
        self.env.cr.execute(
            SQL(
                "SELECT key, value FROM ir_config_parameter WHERE key LIKE %s",
                "sales\\_followup.%",
            )
        )
        return frozendict(self.env.cr.fetchall())

    @api.model
    def _valid_int(self, key, raw):
        """``raw`` as the setting's whole number, or None when it is not one within bounds."""
        low, high = FOLLOWUP_SETTING_BOUNDS[key]
        try:
            value = int(raw)
        except (TypeError, ValueError):
            return None
        return value if low <= value <= high else None

    @api.model
    def _get_int(self, key):
        """Whole-number setting ``key``, its default when unset or out of bounds."""
        default = FOLLOWUP_SETTING_DEFAULTS[key]
        raw = self._raw(key)
        if raw in (None, False, ""):
            return default
        value = self._valid_int(key, raw)
        if value is None:
            low, high = FOLLOWUP_SETTING_BOUNDS[key]
            _logger.warning(
                "System parameter sales_followup.%s = %r is not a whole number from %s to %s: "
                "the default %s is used.",
                key,
                raw,
                low,
                high,
                default,
            )
            return default
        return value

    @api.model
    def _get_bool(self, key):
        return bool(self._raw(key))

    @api.model
    def _get_date(self, key):
        """Date setting ``key`` (see DATE_KEYS), None when unset or not a date."""
        assert key in DATE_KEYS, key
        raw = self._raw(key)
        try:
            return fields.Date.to_date(raw) if raw else None
        except ValueError:
            return None

    @api.model
    def _get_install_date(self):
        """When Sales Follow-up was installed (the leads that were there are 'existing');
        ``datetime.min`` before the install stamped it."""
        try:
            return fields.Datetime.to_datetime(self._raw("install_date")) or datetime.min
        except ValueError:
            return datetime.min

    @api.model
    def _is_installed(self):
        """Whether the install adopted the leads that were there (its date is stamped)."""
        return bool(self._raw("install_date"))

    @api.model
    def _get_position(self, key):
        """Where the cron of ``key`` (see POSITION_KEYS) stopped: 0 to start over."""
        assert key in POSITION_KEYS, key
        raw = self._raw(key)
        return int(raw) if raw and str(raw).isdigit() else 0

    @api.model
    def _set_position(self, key, position):
        assert key in POSITION_KEYS, key
        self.env["ir.config_parameter"].sudo().set_param(f"sales_followup.{key}", position)

    @api.model
    def _sql_int(self, key):
        """Whole-number setting ``key`` as an SQL expression read when the query runs (a view
        that must follow the setting without being rebuilt), with the bounds of ``_get_int``."""
        low, high = FOLLOWUP_SETTING_BOUNDS[key]
        return SQL(
            """COALESCE((SELECT CASE WHEN value ~ '^[0-9]{1,6}$'
                                      AND value::int BETWEEN %s AND %s THEN value::int END
                           FROM ir_config_parameter
                          WHERE key = %s), %s)""",
            low,
            high,
            f"sales_followup.{key}",
            FOLLOWUP_SETTING_DEFAULTS[key],
        )

    # ------------------------------------------------------------
    # What the rules derive from the settings
    # ------------------------------------------------------------

    @api.model
    def _rhythm(self):
        """Days between two follow-ups by grade ("a", "b", "c") and of converted customers
        ("converted")."""
        return {key: self._get_int(f"interval_{key}") for key in ("a", "b", "c", "converted")}

    @api.model
    def _latest_deadline(self, today):
        """The latest sensible due date of a follow-up: a year, or the longest rhythm when
        longer. Further away, the lead should be set dormant."""
        longest = max(self._rhythm().values())
        return today + timedelta(days=max(FOLLOWUP_HORIZON_DAYS, longest))

    @api.model
    def _check_horizon(self, day, today, refusal):
        """Refuse ``day`` when it is after ``_latest_deadline(today)``: ``refusal(date, latest)``
        gives the message (its field, the two dates and what to do instead)."""
        latest = self._latest_deadline(today)
        if day > latest:
            raise ValidationError(
                refusal(fields.Date.to_string(day), fields.Date.to_string(latest))
            )

    @api.model
    def _escalation_days(self):
        return [self._get_int(key) for key in ESCALATION_KEYS]

    @api.model
    def _pool_public_fields(self):
        """Names of the crm.lead fields shown before claiming (the setting, else the default)."""
        raw = self._raw("pool_public_fields")
        if not raw:
            return set(POOL_PUBLIC_DEFAULT)
        return {name.strip() for name in raw.split(",")} & POOL_PUBLIC_FIELDS.keys()

    @api.model
    def _digest_group(self):
        """The group whose users get every team's sheet (empty when not set, or not valid)."""
        raw = self._raw("digest_group_id")
        Groups = self.env["res.groups"].sudo()
        try:
            return Groups.browse(int(raw)).exists() if raw else Groups
        except (TypeError, ValueError):
            return Groups
