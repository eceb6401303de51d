from odoo import _, _lt, api, models
from odoo.exceptions import UserError
from odoo.tools.translate import code_translations

from odoo.addons.sales_followup.tools import input_check

# The names of the funnel's saved favourites (report/sales_followup_funnel_report_views.xml),
# as terms of this addon: the name of an ir.filters is not a translated field, so the
# favourites this addon ships are shown in the user's language when they are listed.
FAVOURITE_NAMES = (
    _lt("This week"),
    _lt("Last week"),
    _lt("This quarter"),
    _lt("By source"),
    _lt("By grade"),
)


class IrFilters(models.Model):
    _inherit = "ir.filters"

    @api.model
    def get_filters(
        self, model, action_id=None, embedded_action_id=None, embedded_parent_res_id=None
    ):
        self._followup_check_filter_arguments(
            model, action_id, embedded_action_id, embedded_parent_res_id
        )
        filters = super().get_filters(model, action_id, embedded_action_id, embedded_parent_res_id)
        lang = self.env["res.users"].context_get().get("lang")
        if not filters or not lang or lang == "en_US":
            return filters
        shipped = set(
            self.env["ir.model.data"]
            .sudo()
            .search(
                [
                    ("module", "=", "sales_followup_reports"),
                    ("model", "=", "ir.filters"),
                    ("res_id", "in", [record["id"] for record in filters]),
                ]
            )
            .mapped("res_id")
        )
        if shipped:
            translations = code_translations.get_python_translations("sales_followup_reports", lang)
            for record in filters:
                if record["id"] in shipped:
                    record["name"] = translations.get(record["name"], record["name"])
        return filters

    @api.model
    def _followup_check_filter_arguments(self, model, *ids):
        """What the favourites menu sends, checked: a model's name and action ids. Anything
        else (a lone surrogate, a list, a dict) would reach the database and come back as a
        raw error."""
        if not isinstance(model, str) or input_check.check_text("", model):
            raise UserError(
                _("Filters: %(value)s is not the name of a model.", value=input_check.shown(model))
            )
        for value in ids:
            if value not in (None, False, 0) and not input_check.is_id(value):
                raise UserError(
                    _("Filters: %(value)s is not an id.", value=input_check.shown(value))
                )
