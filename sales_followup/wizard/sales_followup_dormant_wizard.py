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

    @api.model_create_multi
    def create(self, vals_list):
        # A lead the user may not change is refused by name now, before the dialog holds it
        # (19.0 refuses a lead the user may not read as soon as the dialog is written).
        self._input_check_create(vals_list)
        Lead = self.env["crm.lead"]
        for vals in vals_list:
            chosen = [
                lead_id
                for command in vals.get("lead_ids") or []
                if isinstance(command, (list, tuple)) and command and command[0] in (4, 6)
                for lead_id in ([command[1]] if command[0] == 4 else command[2] or [])
                if isinstance(lead_id, int)
            ]
            self._check_changeable(Lead.browse(chosen).exists())
        return super().create(vals_list)

    def _check_changeable(self, requested):
        allowed = requested._filtered_access("write")
        if requested - allowed:
            raise AccessError(
                _(
                    "Leads: you may not change %s; only its salesperson or a sales manager sets "
                    "it dormant.",
                    ", ".join(str(lead_id) for lead_id in (requested - allowed).ids),
                )
            )

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
        self._check_changeable(requested)
        requested.with_context(active_test=False)._followup_set_dormant(self.wakeup_date, self.note)
        return {"type": "ir.actions.act_window_close"}
