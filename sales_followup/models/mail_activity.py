from odoo import _, api, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import html2plaintext


class MailActivity(models.Model):
    _inherit = "mail.activity"

    @api.model_create_multi
    def create(self, vals_list):
        activities = super().create(vals_list)
        activities._followup_check_single()
        return activities

    def write(self, vals):
        res = super().write(vals)
        if {"activity_type_id", "res_id", "res_model_id", "active"} & vals.keys():
            self._followup_check_single()
        return res

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
        followups = self.filtered(
            lambda act: (
                act.active
                and act.res_model == "crm.lead"
                and act.activity_type_id.id == followup_type_id
            )
        )
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
