from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import html2plaintext

from ..compat import ACTIVITY_LATER


class MailActivity(models.Model):
    _name = "mail.activity"
    _inherit = ["sales.followup.input.guard", "mail.activity"]

    @api.model_create_multi
    def create(self, vals_list):
        activities = super().create(vals_list)
        activities._followup_check_single()
        activities._followup_check_deadline()
        return activities

    def write(self, vals):
        if "date_deadline" in vals and not self.env.context.get("sales_followup_engine"):
            self._followup_check_not_snoozed(vals["date_deadline"])
        res = super().write(vals)
        if {"activity_type_id", "res_id", "res_model_id", "active"} & vals.keys():
            self._followup_check_single()
        if {"date_deadline", "activity_type_id"} & vals.keys():
            self._followup_check_deadline()
        return res

    def _followup_check_deadline(self):
        """A Follow-up is due within the rhythm's sensible range: a year ahead (or the longest
        rhythm). Pushing one to 2099 is not following up; setting the lead dormant is."""
        followups = self._followup_only()
        late = followups.filtered("date_deadline")
        if late:
            self._followup_check_deadline_of(late, max(late.mapped("date_deadline")))

    def _followup_check_deadline_of(self, followups, day):
        if followups:
            self.env["sales.followup.settings"]._check_horizon(
                day,
                fields.Date.context_today(self),
                lambda date, latest: _(
                    "Due Date: %(date)s is too far away for a Follow-up (%(latest)s at the "
                    "latest); set the lead dormant when the customer asks to wait.",
                    date=date,
                    latest=latest,
                ),
            )

    def _followup_check_not_snoozed(self, deadline):
        """No silent snoozing: a Follow-up moves to a later day when a contact is logged or
        with a reason (Postpone), never by editing its due date."""
        followups = self._followup_only()
        if not followups or not deadline:
            return
        try:
            day = fields.Date.to_date(deadline)
        except (TypeError, ValueError):
            raise ValidationError(
                _("Due Date: %r is not a date (e.g. 2026-03-10).", deadline)
            ) from None
        # Too far is said first: no postponement could go that far either.
        self._followup_check_deadline_of(followups, day)
        later = followups.filtered(lambda act: act.date_deadline and day > act.date_deadline)
        if later:
            leads = self.env["crm.lead"].browse(later.mapped("res_id"))
            raise UserError(
                _(
                    "Due Date: a Follow-up moves to a later day when you log the contact, or "
                    "with a reason: use Postpone on %(leads)s.",
                    leads=", ".join(leads.sudo().mapped("display_name")),
                )
            )

    def _followup_later(self, later_day, odoo_later):
        """A "later" button of Odoo's (Snooze on 18.0, Tomorrow and Next Week on 19.0) on a
        Follow-up asks for the reason: the Postpone dialog opens, the day the button names
        proposed (on a working day). Other activities, and a Follow-up the button brings
        forward, move as in Odoo (``odoo_later``)."""
        self._input_check_ids()
        followups = self._followup_only()
        if not followups:
            return odoo_later()
        if len(self) > 1:
            raise UserError(_("Due Date: postpone follow-ups one at a time, each with its reason."))
        today = fields.Date.context_today(self)
        day = later_day(followups.date_deadline, today)
        if day <= followups.date_deadline:
            return odoo_later()
        lead = self.env["crm.lead"].browse(followups.res_id)
        action = lead.action_followup_postpone()
        action["context"]["default_new_date"] = fields.Date.to_string(
            self.env["sales.followup.engine"]._on_working_days(lead, {lead.id: day})[lead.id]
        )
        return action

    def _followup_only(self):
        """The open Follow-up activities of leads among these."""
        followup_type_id = self.env["sales.followup.engine"]._type_id()
        return self.filtered(
            lambda act: (
                act.active
                and act.res_model == "crm.lead"
                and act.activity_type_id.id == followup_type_id
            )
        )

    def _action_done(self, feedback=False, attachment_ids=None):
        """Marking a Follow-up done from the chatter or the activity menu logs the contact:
        the feedback becomes the log's summary, and the log closes the activity and schedules
        the next one. Without feedback there is nothing to log, so it is refused."""
        if self.env.context.get("sales_followup_logging"):
            return super()._action_done(feedback=feedback, attachment_ids=attachment_ids)
        followup_type_id = self.env["sales.followup.engine"]._type_id()
        followups = self.filtered(
            lambda act: act.res_model == "crm.lead" and act.activity_type_id.id == followup_type_id
        )
        others = self - followups
        messages, next_activities = (
            super(MailActivity, others)._action_done(
                feedback=feedback, attachment_ids=attachment_ids
            )
            if others
            else (self.env["mail.message"], self.env["mail.activity"])
        )
        if followups:
            summary = html2plaintext(feedback or "").strip()
            if not summary:
                raise UserError(
                    _(
                        "Follow-up: say what was discussed with the customer in the feedback; "
                        "marking a follow-up done logs the contact."
                    )
                )
            self.env["sales.followup.log"].create(
                [{"lead_id": act.res_id, "summary": summary} for act in followups]
            )
        return messages, next_activities

    def _followup_check_single(self):
        """A lead has at most one open Follow-up: a second one would split the rhythm."""
        followup_type_id = self.env["sales.followup.engine"]._type_id()
        followups = self._followup_only()
        if not followups:
            return
        counts = self.sudo()._read_group(
            [
                ("res_model", "=", "crm.lead"),
                ("res_id", "in", followups.mapped("res_id")),
                ("activity_type_id", "=", followup_type_id),
            ],
            ["res_id"],
            ["__count"],
        )
        twice = [res_id for res_id, count in counts if count > 1]
        if twice:
            leads = self.env["crm.lead"].sudo().browse(twice)
            raise ValidationError(
                _(
                    "Activity Type: %(leads)s already has an open Follow-up; reschedule it "
                    "instead of adding a second one.",
                    leads=", ".join(leads.mapped("display_name")),
                )
            )


def _later_button(name, later_day):
    def button(self):
        return self._followup_later(later_day, getattr(super(MailActivity, self), name))

    button.__name__ = name
    button.__doc__ = "Odoo's button, a Follow-up postponed with a reason (_followup_later)."
    return button


# The series' "later" buttons (compat.ACTIVITY_LATER).
for _name, _later_day in ACTIVITY_LATER.items():
    setattr(MailActivity, _name, _later_button(_name, _later_day))
