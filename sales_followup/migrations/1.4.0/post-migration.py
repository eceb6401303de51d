"""1.4.0: each lead held by a salesperson starts its ownership history with its current
period (from its assignment date). The pool itself stays off until a manager switches it on."""

from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    env["sales.followup.ownership"]._backfill()
