"""What the views show: dates and times of logs and risks read without seconds (a phone
shows 2026-03-10 14:30, not 14:30:07)."""

from lxml import etree

from odoo.tests import tagged
from odoo.tools.safe_eval import safe_eval

from .common import FollowupCommon


@tagged("post_install", "-at_install")
class TestViews(FollowupCommon):
    def _datetime_nodes(self, model, view_type, view_ref=None):
        Model = self.env[model].with_user(self.user_salesman)
        view_id = self.env.ref(view_ref).id if view_ref else False
        result = Model.get_views([(view_id, view_type)])
        arch = etree.fromstring(result["views"][view_type]["arch"])
        nodes = []
        for node in arch.iter("field"):
            # The field of the model the node sits in (embedded lists of the lead form).
            owner = model
            parent = node.getparent()
            while parent is not None:
                if parent.tag == "field" and parent.get("name") in self.env[model]._fields:
                    owner = self.env[model]._fields[parent.get("name")].comodel_name or model
                    break
                parent = parent.getparent()
            field = self.env[owner]._fields.get(node.get("name"))
            if field is not None and field.type == "datetime":
                nodes.append((owner, node))
        return nodes

    def test_dates_without_seconds(self):
        views = [
            ("sales.followup.log", "list", None),
            ("sales.followup.log", "form", None),
            ("sales.followup.log", "form", "sales_followup.sales_followup_log_view_form_quick"),
            ("sales.followup.risk", "list", None),
            ("sales.followup.risk", "form", None),
            ("crm.lead", "form", None),
            ("sales.followup.pool.lead", "list", None),
            ("sales.followup.ownership", "list", None),
        ]
        for model, view_type, ref in views:
            with self.subTest(model=model, view_type=view_type, ref=ref):
                nodes = self._datetime_nodes(model, view_type, ref)
                shown = [
                    (owner, node.get("name"))
                    for owner, node in nodes
                    if node.get("invisible") not in ("1", "True")
                    and node.get("column_invisible") not in ("1", "True")
                    and safe_eval(node.get("options") or "{}").get("show_seconds", True)
                    # The lead form: this module's fields (crm's own dates are crm's).
                    and (owner != "crm.lead" or node.get("name").startswith("followup_"))
                ]
                self.assertFalse(shown, "dates and times shown with seconds")
