from odoo import api, fields, models


class SalesFollowupImportStage(models.TransientModel):
    """A stage value found in a tracker's stage column, and the CRM stage it becomes."""

    _name = "sales.followup.import.stage"
    _inherit = ["sales.followup.input.guard"]
    _description = "Stage Mapping of a Follow-up Tracker Import"
    _input_strict_texts = False
    _order = "value"

    wizard_id = fields.Many2one("sales.followup.import", required=True, ondelete="cascade")
    value = fields.Char(string="Stage in the File", required=True, readonly=True)
    row_count = fields.Integer(string="Leads", readonly=True)
    match = fields.Selection(
        [
            ("found", "Recognised"),
            ("ambiguous", "Several stages match"),
            ("unknown", "Unknown"),
        ],
        readonly=True,
        help="How the value was recognised: by a stage's name (in any installed language) or "
        "by the names the stage lists for trackers.",
    )
    stage_id = fields.Many2one(
        "crm.stage",
        string="CRM Stage",
        domain="['|', ('team_id', '=', False), ('team_id', '=', team_id)]",
    )
    team_id = fields.Many2one(related="wizard_id.team_id")
    create_stage = fields.Boolean(
        string="Create",
        help="Create a stage with this name (after the last open stage of the pipeline).",
    )

    @api.onchange("stage_id")
    def _onchange_stage_id(self):
        if self.stage_id:
            self.create_stage = False
