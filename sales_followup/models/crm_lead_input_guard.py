from odoo import models

# One concern per file: the input guard of crm.lead, defined after every other extension of
# crm.lead in this addon so that it checks the values before any of them reads them.
# pylint: disable=consider-merging-classes-inherited


class CrmLead(models.Model):
    """Leads check what a caller sends before Sales Follow-up's code and crm's own read it.

    Odoo's own fields are checked for what the ORM would answer with a raw error (a string for
    an id, a date that is none, a NUL character, a number too large for its column); the fields
    of Sales Follow-up get the whole contract. Sizes and control characters of Odoo's own
    texts are left alone: descriptions come from e-mails."""

    _name = "crm.lead"
    _inherit = ["sales.followup.input.guard", "crm.lead"]

    _input_guard_stock_fields = True
