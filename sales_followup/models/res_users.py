from odoo import _, api, fields, models
from odoo.fields import Command

from ..compat import USER_GROUPS


class ResUsers(models.Model):
    _name = "res.users"
    _inherit = ["sales.followup.input.guard", "res.users"]

    followup_digest_enabled = fields.Boolean(
        string="Morning follow-up digest",
        default=True,
        help="Every morning, the day's follow-ups, the overdue ones, the leads about to return "
        "to the pool and the new risks (and, for team leaders, the team's sheet), in the Odoo "
        "inbox or by e-mail as chosen under Notification.",
    )
    followup_digest_date = fields.Date(
        string="Last Follow-up Digest",
        readonly=True,
        copy=False,
        help="Technical: the day (in the user's time zone) of the last morning digest.",
    )

    followup_feishu_id = fields.Char(
        string="Feishu User ID",
        copy=False,
        help="The person's Feishu (Lark) user id or open id (ou_…): the team robots of Feishu "
        "mention them by it. Without it, they are named only. WeCom and DingTalk mention by "
        "the mobile number of the user's contact.",
    )

    @property
    def SELF_READABLE_FIELDS(self):
        return super().SELF_READABLE_FIELDS + ["followup_digest_enabled"]

    @property
    def SELF_WRITEABLE_FIELDS(self):
        return super().SELF_WRITEABLE_FIELDS + ["followup_digest_enabled"]

    @api.model
    def _followup_set_groups(self, user_ids, group_ids):
        """The users ``user_ids`` get exactly the groups ``group_ids`` (the demo's salespeople,
        from the data file, whatever the series calls the field)."""
        self.browse(user_ids).write({USER_GROUPS: [Command.set(group_ids)]})

    def action_archive(self):
        """A salesperson who leaves holds open leads: before archiving, the dialog asks where
        they go (the pool, or a named colleague). Archived otherwise, their leads go back to
        the pool at the next pool run (see crm.lead._cron_followup_pool_reclaim)."""
        self._input_check_ids()
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
