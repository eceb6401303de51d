from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError


class SalesFollowupDormantWizard(models.TransientModel):
    _name = "sales.followup.dormant.wizard"
    _inherit = ["sales.followup.input.guard"]
    _description = "Set Leads Dormant"
    _input_visible_fields = ("note",)

    lead_ids = fields.Many2many("crm.lead", string="Leads", required=True)
    wakeup_date = fields.Date(
        string="Wake-up Date",
        required=True,
        help="The lead comes back to Following with a follow-up due on this date.",
    )
    note = fields.Char(
        string="Why", help="Why the customer has no need now (posted in the chatter)."
    )

    @api.model
    def default_get(self, fields_list):
        res = super().default_get(fields_list)
        if "lead_ids" in fields_list and not res.get("lead_ids"):
            if self.env.context.get("active_model") == "crm.lead" and self.env.context.get(
                "active_ids"
            ):
                res["lead_ids"] = [(6, 0, self.env.context["active_ids"])]
        return res

    def action_apply(self):
        """Set the leads dormant, or say why not: a lead the user may not change, or that is
        lost or archived, is refused by name (the dialog never pretends to have done it)."""
        self._input_check_ids()
        self.ensure_one()
        # The leads as chosen, archived (lost) ones included, whoever may see them.
        requested = self.env["crm.lead"].browse(
            self.sudo().with_context(active_test=False).lead_ids.ids
        )
        if not requested:
            raise UserError(_("Leads: choose the leads to set dormant."))
        allowed = requested._filtered_access("write")
        if requested - allowed:
            raise AccessError(
                _(
                    "Leads: you may not change %s; only its salesperson or a sales manager sets "
                    "it dormant.",
                    ", ".join(str(lead_id) for lead_id in (requested - allowed).ids),
                )
            )
        requested.with_context(active_test=False)._followup_set_dormant(self.wakeup_date, self.note)
        return {"type": "ir.actions.act_window_close"}
