from odoo import _, api, models
from odoo.exceptions import ValidationError


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
