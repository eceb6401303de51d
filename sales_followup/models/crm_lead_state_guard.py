from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

from ..tools import lead_code
from ..tools.lead_states import FOLLOWUP_SYSTEM_FIELDS, LEAD_DATE_MIN
from ..tools.system_write import is_system
from .utm_source import DEFAULT_LEAD_CODE_PREFIX

# One concern per file: what a caller may write of the lead's follow-up state (refused but
# through the module's doors) is not the lead's fields and actions of crm_lead.py, whose one
# create and write call these checks.
# pylint: disable=consider-merging-classes-inherited


class CrmLead(models.Model):
    """The follow-up state moves through its doors: the fields the module keeps
    (FOLLOWUP_SYSTEM_FIELDS), the lead code, the origin and the lead date are refused to a
    caller, but for what a form sends back unchanged and what a manager may correct."""

    _inherit = "crm.lead"

    @api.constrains("followup_start_date")
    def _check_followup_start_date(self):
        for lead in self:
            lead._followup_check_plausible_start(lead.followup_start_date)

    def _followup_check_plausible_start(self, day):
        # A day of tolerance: "today" of a user east of the server is the server's tomorrow.
        latest = fields.Date.context_today(self) + timedelta(days=1)
        if day and not (LEAD_DATE_MIN <= day <= latest):
            raise ValidationError(
                _(
                    "Lead Date: %(date)s is not a plausible date for when %(lead)s came in "
                    "(from %(min)s to today).",
                    date=fields.Date.to_string(day),
                    lead=", ".join(self.mapped("display_name")),
                    min=fields.Date.to_string(LEAD_DATE_MIN),
                )
            )

    def _followup_check_system_write(self, vals):
        """``vals`` without the follow-up state sent back unchanged; anything else of that
        state is refused, but for moving a dormant lead's wake-up date to a later day."""
        vals = dict(vals)
        changed = set()
        for fname in FOLLOWUP_SYSTEM_FIELDS & vals.keys():
            if self._followup_same_value(fname, vals[fname]):
                del vals[fname]
            else:
                changed.add(fname)
        if changed == {"followup_wakeup_date"}:
            try:
                day = fields.Date.to_date(vals["followup_wakeup_date"])
            except (TypeError, ValueError):
                day = None
            today = fields.Date.context_today(self)
            if all(lead.followup_status == "dormant" for lead in self) and day and day > today:
                self._followup_check_wakeup_horizon(day, today)
                return vals
            raise UserError(
                _(
                    "Wake-up Date: only a dormant lead has one, and it is after today; use Set "
                    "Dormant (or Wake Up) on %(leads)s.",
                    leads=", ".join(self.mapped("display_name")),
                )
            )
        if changed:
            self._followup_refuse_system_write(changed)
        return vals

    def _followup_check_code_allowed(self, vals):
        """Lead codes are the system's: salespeople never set one; sales managers set one that
        follows the source's pattern (PREFIX-YYYYMMDD-NNN), and the tracker import keeps the
        tracker's own codes (letters, digits, - _ . /)."""
        if not self._followup_is_manager():
            raise AccessError(
                _(
                    "Lead Code: codes are given by Sales Follow-up; only sales managers set one "
                    "by hand."
                )
            )
        code = vals["followup_code"]
        if not isinstance(code, str):
            raise ValidationError(_("Lead Code: %r is not a code.", code))
        if self.env.context.get("sales_followup_import"):
            if not lead_code.is_imported_code(code):
                raise ValidationError(
                    _(
                        "Lead Code: '%s' holds characters a code does not (letters, digits and "
                        "- _ . / only, 64 at most).",
                        code,
                    )
                )
            return
        sources = (
            self.env["utm.source"].browse(vals["source_id"])
            if vals.get("source_id")
            else self.source_id
        )
        prefixes = {source.followup_code_prefix or DEFAULT_LEAD_CODE_PREFIX for source in sources}
        prefixes = prefixes or {DEFAULT_LEAD_CODE_PREFIX}
        if not lead_code.follows_pattern(code, prefixes):
            pattern = lead_code.pattern_label(prefixes)
            raise ValidationError(
                _(
                    "Lead Code: '%(code)s' does not follow the pattern of its source "
                    "(%(pattern)s).",
                    code=code,
                    pattern=pattern,
                )
            )

    def _followup_same_value(self, fname, value):
        """Whether every lead of self already holds ``value`` in ``fname`` (the form sending a
        read-only value back)."""
        field = self._fields[fname]
        if field.type in ("one2many", "many2many"):
            return False
        try:
            new = field.convert_to_cache(value, self)
        except (TypeError, ValueError):
            return False
        return all(field.convert_to_cache(lead[fname], lead) == new for lead in self)

    def _followup_refuse_system_write(self, fnames):
        labels = ", ".join(
            sorted(self._fields[fname]._description_string(self.env) for fname in fnames)
        )
        raise UserError(
            _(
                "%(fields)s: kept by Sales Follow-up from the logged contacts, the activities "
                "and the rules; log a follow-up, set the lead dormant, mark it won or lost "
                "instead of writing it.",
                fields=labels,
            )
        )

    def _followup_check_start_date_change(self, value):
        """A manager moves the lead date; never after the lead's first logged contact, which
        would make its durations negative."""
        if not self._followup_is_manager():
            raise AccessError(_("Lead Date: only sales managers can change the lead date."))
        try:
            day = fields.Date.to_date(value) if value else None
        except (TypeError, ValueError):
            raise ValidationError(
                _("Lead Date: %(value)r is not a date (e.g. 2026-03-10).", value=value)
            ) from None
        if not day:
            raise ValidationError(_("Lead Date: a lead needs the date it came in."))
        self._followup_check_plausible_start(day)
        first = self.env["sales.followup.log"]._read_group(
            [("lead_id", "in", self.ids)], ["lead_id"], ["date:min"]
        )
        for lead, first_date in first:
            first_day = self._followup_local_date(first_date)
            if day > first_day:
                raise ValidationError(
                    _(
                        "Lead Date: %(date)s is after the first contact with %(lead)s "
                        "(%(first)s); the lead came in on or before its first contact.",
                        date=fields.Date.to_string(day),
                        lead=lead.display_name,
                        first=fields.Date.to_string(first_day),
                    )
                )

    def _followup_may_set_origin(self):
        """The tracker import (run by sales managers) marks the leads it writes."""
        return bool(self.env.context.get("sales_followup_import")) and self._followup_is_manager()

    def _followup_is_manager(self):
        return self.env.su or self.env.user.has_group("sales_team.group_sale_manager")

    def _followup_check_create(self, vals_list):
        """Refuse what a caller may not give a new lead (the module's own code may)."""
        if is_system(self.env):
            return
        today = fields.Date.context_today(self)
        for vals in vals_list:
            if "followup_origin" in vals and not self._followup_may_set_origin():
                raise AccessError(_("Origin: it is set by Sales Follow-up, not by hand."))
            # A new lead starts To Follow Up, with nothing of the rest: the default values
            # a form sends are accepted.
            system = {
                fname
                for fname in FOLLOWUP_SYSTEM_FIELDS & vals.keys()
                if vals[fname] not in (False, None, 0, [])
                and not (fname == "followup_status" and vals[fname] == "to_contact")
                and not (fname == "followup_risk_level" and vals[fname] == "none")
            }
            if system:
                self._followup_refuse_system_write(system)
            if vals.get("followup_code"):
                self._followup_check_code_allowed(vals)
            if (
                vals.get("followup_start_date")
                and fields.Date.to_date(vals["followup_start_date"]) != today
                and not self._followup_is_manager()
            ):
                raise AccessError(_("Lead Date: only sales managers can give a lead another date."))

    def _followup_check_write(self, vals):
        """``vals`` as the caller may write them: the follow-up state sent back unchanged is
        dropped, the rest of it, the code, the origin and the lead date are checked."""
        if "followup_code" in vals and not self._followup_is_manager():
            raise AccessError(_("Lead Code: only sales managers can change a lead code."))
        if vals.get("followup_code") and not self.env.su:
            self._followup_check_code_allowed(vals)
        if FOLLOWUP_SYSTEM_FIELDS & vals.keys() and not is_system(self.env):
            vals = self._followup_check_system_write(vals)
        if "followup_origin" in vals and not self.env.su and not self._followup_may_set_origin():
            raise AccessError(_("Origin: it is set by Sales Follow-up, not by hand."))
        if "followup_start_date" in vals and not is_system(self.env):
            self._followup_check_start_date_change(vals["followup_start_date"])
        return vals
