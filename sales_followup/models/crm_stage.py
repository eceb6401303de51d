from odoo import fields, models


class CrmStage(models.Model):
    _name = "crm.stage"
    _inherit = ["sales.followup.input.guard", "crm.stage"]

    followup_tracker_names = fields.Char(
        string="Names in Trackers",
        help="Other names of this stage in the teams' tracker spreadsheets, separated by "
        "commas (e.g. 需求分析, 需求确认): the tracker import maps them to this stage.",
    )
