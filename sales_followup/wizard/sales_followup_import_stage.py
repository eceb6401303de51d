from odoo import api, fields, models

from ..compat import STAGE_TEAMS


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
        domain=f"['|', ('{STAGE_TEAMS}', '=', False), ('{STAGE_TEAMS}', 'in', [team_id])]",
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

    @api.model
    def _sync(self, wizard, counts):
        """The stage mapping of ``wizard``: one line per stage value of its file (``counts``:
        {value: leads}), matched by name in any language or by the stages' tracker names; what
        the user chose is kept. The values left without a stage: {value: how it matched}."""
        lines = {line.value: line for line in wizard.stage_line_ids}
        wizard.stage_line_ids.filtered(lambda line: line.value not in counts).unlink()
        new_values = [value for value in counts if value not in lines]
        matches = self.env["sales.followup.import.loader"]._match_stages(
            new_values, wizard.team_id.id
        )
        values = []
        for value in new_values:
            stage_ids = matches[value]
            values.append(
                {
                    "wizard_id": wizard.id,
                    "value": value,
                    "row_count": counts[value],
                    "stage_id": stage_ids[0] if len(stage_ids) == 1 else False,
                    "match": "found"
                    if len(stage_ids) == 1
                    else ("ambiguous" if stage_ids else "unknown"),
                }
            )
        self.create(values)
        for value, line in lines.items():
            if value in counts:
                line.row_count = counts[value]
        return {
            line.value: line.match
            for line in wizard.stage_line_ids.sorted("value")
            if not (line.stage_id or line.create_stage)
        }

    def _stage_map(self):
        """{stage value of the file: CRM stage id} of the lines mapped to a stage."""
        return {line.value: line.stage_id.id for line in self if line.stage_id}

    def _create_stages(self, team_id):
        """Create the stages of the lines ticked Create (in the pipeline of ``team_id``)."""
        to_create = self.filtered(lambda line: line.create_stage and not line.stage_id)
        created = self.env["sales.followup.import.loader"]._create_stages(
            to_create.mapped("value"), team_id
        )
        for line in to_create:
            line.stage_id = created[line.value]
