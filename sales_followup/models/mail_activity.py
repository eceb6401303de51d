from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import html2plaintext


class MailActivity(models.Model):
    _inherit = "mail.activity"

    @api.model_create_multi
    def create(self, vals_list):
        activities = super().create(vals_list)
        activities._followup_check_single()
        activities._followup_check_deadline()
        return activities

    def write(self, vals):
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
        if not followups:
            return
        Lead = self.env["crm.lead"]
        latest = Lead._followup_latest_deadline(fields.Date.context_today(self))
        late = followups.filtered(lambda act: act.date_deadline and act.date_deadline > latest)
        if late:
            raise ValidationError(
                _(
                    "Due Date: %(date)s is too far away for a Follow-up (%(latest)s at the "
                    "latest); set the lead dormant when the customer asks to wait.",
                    date=fields.Date.to_string(late[0].date_deadline),
                    latest=fields.Date.to_string(latest),
                )
            )

    def _followup_only(self):
        """The open Follow-up activities of leads among these."""
        followup_type_id = self.env["crm.lead"]._followup_activity_type_id()
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
        followup_type_id = self.env["crm.lead"]._followup_activity_type_id()
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
        followup_type_id = self.env["crm.lead"]._followup_activity_type_id()
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
