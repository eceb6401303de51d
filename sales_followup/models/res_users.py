from odoo import _, models


class ResUsers(models.Model):
    _inherit = "res.users"

    def action_archive(self):
        """A salesperson who leaves holds open leads: before archiving, the dialog asks where
        they go (the pool, or a named colleague). Archived otherwise, their leads go back to
        the pool at the next pool run (see crm.lead._cron_followup_pool_reclaim)."""
        if not self.env.context.get("sales_followup_handover_done"):
            held = self.env["crm.lead"]._followup_held_by(self)
            if held:
                return {
                    "type": "ir.actions.act_window",
                    "name": _("Hand Over Their Leads"),
                    "res_model": "sales.followup.handover.wizard",
                    "view_mode": "form",
                    "views": [(False, "form")],
                    "target": "new",
                    "context": {"default_user_ids": self.ids, "dialog_size": "medium"},
                }
        return super().action_archive()
