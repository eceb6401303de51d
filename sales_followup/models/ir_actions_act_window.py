from odoo import api, models
from odoo.fields import Command

from ..compat import ACTION_GROUPS


class IrActionsActWindow(models.Model):
    _inherit = "ir.actions.act_window"

    @api.model
    def _followup_restrict(self, action_ids, group_ids):
        """Only the groups ``group_ids`` see the window actions ``action_ids`` (in the Actions
        menu of their model), whatever the series calls the field (from the data files)."""
        self.browse(action_ids).write({ACTION_GROUPS: [Command.set(group_ids)]})
