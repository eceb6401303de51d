"""1.5.0: escalation counts overdue days from the upgrade: the follow-ups that were already
overdue do not all remind their salespeople and notify their team leaders on the first run."""

from odoo import SUPERUSER_ID, api, fields


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    ICP = env["ir.config_parameter"]
    if not ICP.get_param("sales_followup.escalation_since"):
        ICP.set_param(
            "sales_followup.escalation_since",
            fields.Date.to_string(fields.Date.context_today(env["crm.lead"])),
        )
