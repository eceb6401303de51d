from odoo import api, fields, models


class SalesFollowupRobot(models.Model):
    _inherit = "sales.followup.robot"

    last_review_date = fields.Date(
        string="Last Weekly Review",
        readonly=True,
        copy=False,
        help="The last day of the period of its last weekly review post.",
    )

    @api.model
    def _robot_system_fields(self):
        return (*super()._robot_system_fields(), "last_review_date")
