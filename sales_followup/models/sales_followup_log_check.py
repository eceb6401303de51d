from markupsafe import escape

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, ValidationError

from ..tools import geo
from .sales_followup_log import (
    CHECKIN_FIELDS,
    CONTACT_DATE_MIN,
    FUTURE_TOLERANCE,
    LOG_SYSTEM_FIELDS_SET,
    _is_id,
    _to_date,
    _to_datetime,
    _visible_text,
)

# One concern per file: what a log accepts from a caller (its values, its check-in, its
# author, the discipline fields it keeps itself) is not the log's fields, create/write and
# business of sales_followup_log.py, whose create and write call these checks.
# pylint: disable=consider-merging-classes-inherited


class SalesFollowupLog(models.Model):
    _inherit = "sales.followup.log"

    # ------------------------------------------------------------
    # Validation
    # ------------------------------------------------------------

    @api.model
    def _check_system_values(self, vals, system):
        """Refuse the discipline fields a caller sends at creation, but for the values the log
        takes anyway (a form sending them back)."""
        sent = {
            fname
            for fname in LOG_SYSTEM_FIELDS_SET & vals.keys()
            if fname not in system or not self._same_system_value(fname, vals[fname], system[fname])
        }
        if sent:
            self._refuse_system_write(sent)

    def _without_unchanged_system_values(self, vals):
        """``vals`` without the discipline fields sent back unchanged; any other value of them
        is refused."""
        vals = dict(vals)
        changed = set()
        for fname in LOG_SYSTEM_FIELDS_SET & vals.keys():
            if all(self._same_system_value(fname, vals[fname], log[fname]) for log in self):
                del vals[fname]
            else:
                changed.add(fname)
        if changed:
            self._refuse_system_write(changed)
        return vals

    def _same_system_value(self, fname, value, current):
        field = self._fields[fname]
        try:
            return field.convert_to_cache(value, self) == field.convert_to_cache(current, self)
        except (TypeError, ValueError):
            return False

    def _refuse_system_write(self, fnames):
        labels = ", ".join(
            sorted(self._fields[fname]._description_string(self.env) for fname in fnames)
        )
        raise ValidationError(
            _(
                "%(fields)s: recorded by Sales Follow-up when the contact is logged (the lead's "
                "stage and grade, the follow-up it answered); they are not written by hand.",
                fields=labels,
            )
        )

    def _summary_companies(self, vals):
        """The companies of the logs a summary is written for: those of the logs, or of the
        lead of a new one (when the user may read it; else the lead is refused later)."""
        if self:
            return self.sudo().company_id
        lead = self.env["crm.lead"].browse(vals.get("lead_id") or [])
        return lead.exists()._filtered_access("read").sudo().company_id

    @api.model
    def _check_log_values(self, vals, creating):
        """What a caller sends, checked before anything is written: each bad value gets a
        ValidationError naming the field and the value (in the user's language), never a bare
        Python error."""
        if creating and not vals.get("lead_id"):
            raise ValidationError(_("Lead: a follow-up log needs a lead."))
        if "lead_id" in vals and vals["lead_id"] and not _is_id(vals["lead_id"]):
            raise ValidationError(_("Lead: %r is not a lead (a lead's id).", vals["lead_id"]))
        if creating or "summary" in vals:
            raw = vals.get("summary")
            if raw not in (None, False) and not isinstance(raw, str):
                raise ValidationError(_("Discussed: %r is not a text.", raw))
            summary = _visible_text(raw)
            if not summary:
                raise ValidationError(_("Discussed: say what was discussed with the customer."))
            # Whole summaries that say nothing concrete ("interested", "有意向"), as listed
            # in Configuration > Follow-up Words: write what the customer needs or said.
            if self.env["sales.followup.word"]._is_vague(
                summary, lambda: self._summary_companies(vals)
            ):
                raise ValidationError(
                    _(
                        "Discussed: '%s' is too vague. Write what the customer needs or said, "
                        "e.g. 'needs 20 units before June, budget 500k, asks for a demo'.",
                        summary,
                    )
                )
        if vals.get("date"):
            date = _to_datetime(vals["date"])
            if date is None:
                raise ValidationError(
                    _(
                        "Date: %r is not a date and time (e.g. 2026-03-10 14:30:00, in UTC).",
                        vals["date"],
                    )
                )
            if date > fields.Datetime.now() + FUTURE_TOLERANCE:
                raise ValidationError(_("Date: a contact cannot be logged in the future."))
            if date < CONTACT_DATE_MIN:
                raise ValidationError(
                    _(
                        "Date: %(date)s is not a plausible day for a contact (from %(min)s on).",
                        date=fields.Datetime.to_string(date),
                        min=fields.Date.to_string(CONTACT_DATE_MIN.date()),
                    )
                )
        if vals.get("next_date"):
            next_date = _to_date(vals["next_date"])
            if next_date is None:
                raise ValidationError(
                    _("Next Follow-up: %r is not a date (e.g. 2026-03-10).", vals["next_date"])
                )
            if not self.env.context.get("sales_followup_import"):
                today = fields.Date.context_today(self)
                if next_date < today:
                    raise ValidationError(
                        _(
                            "Next Follow-up: %s is in the past; choose today or a later date.",
                            fields.Date.to_string(next_date),
                        )
                    )
                self.env["sales.followup.settings"]._check_horizon(
                    next_date,
                    today,
                    lambda date, latest: _(
                        "Next Follow-up: %(date)s is too far away (%(latest)s at the latest); "
                        "set the lead dormant instead when the customer asks to wait.",
                        date=date,
                        latest=latest,
                    ),
                )
        if vals.get("user_id") and not _is_id(vals["user_id"]):
            raise ValidationError(_("Follow-up Person: %r is not a user.", vals["user_id"]))

    @api.model
    def _check_checkin_values(self, vals):
        """A check-in comes with a visit, whole (latitude, longitude and accuracy), on Earth;
        its time defaults to now and is never in the future."""
        # The web client sends 0.0 for the coordinates of a log without a check-in: its time
        # (which the check-in button always sets) or a coordinate other than 0 says there is
        # one, so that 0.0 stays a position (the equator, the prime meridian).
        given = [fname for fname in CHECKIN_FIELDS if vals.get(fname) not in (None, False, 0)]
        if not given:
            for fname in CHECKIN_FIELDS:
                vals.pop(fname, None)
            return
        labels = {
            "latitude": _("Check-in Latitude"),
            "longitude": _("Check-in Longitude"),
            "accuracy": _("Check-in Accuracy (m)"),
        }
        missing = [
            fname
            for fname in CHECKIN_FIELDS[:3]
            if vals.get(fname) is None or vals.get(fname) is False
        ]
        if missing:
            raise ValidationError(
                _(
                    "%(field)s: a check-in needs the latitude, the longitude and the accuracy.",
                    field=labels[missing[0].removeprefix("checkin_")],
                )
            )
        if vals.get("method", "phone") != "visit":
            raise ValidationError(
                _("Check-in: only a visit has a check-in (the method is %s).", vals.get("method"))
            )
        problem = geo.position_problem(
            vals["checkin_latitude"], vals["checkin_longitude"], vals["checkin_accuracy"]
        )
        if problem:
            field, value = problem
            raise ValidationError(
                _(
                    "%(field)s: %(value)r is not a position on Earth (latitude -90 to 90, "
                    "longitude -180 to 180, accuracy 0 to %(max)s m).",
                    field=labels[field],
                    value=value,
                    max=geo.MAX_ACCURACY_METERS,
                )
            )
        if vals.get("checkin_date"):
            checkin = _to_datetime(vals["checkin_date"])
            if checkin is None or not (
                CONTACT_DATE_MIN <= checkin <= fields.Datetime.now() + FUTURE_TOLERANCE
            ):
                raise ValidationError(
                    _(
                        "Checked In At: %r is not a time of a check-in (a past date and time, "
                        "in UTC).",
                        vals["checkin_date"],
                    )
                )
        else:
            vals["checkin_date"] = fields.Datetime.now()

    def _check_checkin_kept(self, vals):
        """A check-in is recorded once, when the visit is logged: nobody moves it later, and
        the log stays a visit."""
        if any(fname in vals for fname in CHECKIN_FIELDS):
            if any(
                log._followup_checkin_changes(fname, vals[fname])
                for log in self
                for fname in CHECKIN_FIELDS
                if fname in vals
            ):
                raise ValidationError(
                    _(
                        "Check-in: it is recorded once, when the visit is logged; it cannot be "
                        "changed."
                    )
                )
        if vals.get("method", "visit") != "visit" and any(self.mapped("checkin_date")):
            raise ValidationError(
                _("Method: this log is a visit with a check-in; it stays a visit.")
            )

    def _followup_checkin_changes(self, fname, value):
        try:
            return self._fields[fname].convert_to_cache(value, self) != self[fname]
        except (TypeError, ValueError):
            return True

    @api.onchange("method")
    def _onchange_method_checkin(self):
        """A check-in belongs to a visit: changing the method drops it."""
        if self.method != "visit":
            for fname in CHECKIN_FIELDS:
                self[fname] = False

    @api.model
    def _check_log_authors(self, user_ids):
        """A log belongs to who made the contact: salespeople log their own; sales managers may
        credit (or re-credit) a colleague, never a portal user. One query for all of them."""
        user_ids = {user_id for user_id in user_ids if user_id}
        if not user_ids:
            return
        users = self.env["res.users"].sudo().browse(user_ids).exists()
        unknown = user_ids - set(users.ids)
        wrong = users.filtered("share")
        if unknown or wrong:
            raise ValidationError(
                _(
                    "Follow-up Person: %s is not an internal user; follow-up logs belong to the "
                    "salespeople.",
                    wrong[:1].name or min(unknown),
                )
            )
        others = users - self.env.user
        if others and not self.env["crm.lead"]._followup_is_manager():
            raise AccessError(
                _(
                    "Follow-up Person: you log your own follow-ups; only sales managers "
                    "credit a log to %s.",
                    others[0].name,
                )
            )

    def _reattribute_note(self, user_id):
        """A manager credits logs to someone else: said on their leads' chatter."""
        user = self.env["res.users"].browse(user_id)
        for log in self.filtered(lambda log: log.user_id != user):
            log.lead_id._message_log(
                body=escape(
                    _(
                        "Follow-up of %(date)s credited to %(new)s instead of %(old)s.",
                        date=fields.Date.to_string(
                            fields.Datetime.context_timestamp(log, log.date).date()
                        ),
                        new=user.name,
                        old=log.user_id.name,
                    )
                ),
                message_type="comment",
            )

    def _check_own_same_day(self):
        """Salespeople correct only their own logs, on the day they wrote them."""
        today = fields.Date.context_today(self)
        for log in self:
            if log.user_id != self.env.user and log.create_uid != self.env.user:
                raise AccessError(
                    _("Follow-up Person: you can only correct your own follow-up logs.")
                )
            if fields.Datetime.context_timestamp(self, log.create_date).date() != today:
                raise AccessError(
                    _(
                        "Date: a follow-up log can only be corrected on the day it was written; "
                        "ask a sales manager."
                    )
                )
