"""The action matrix of sales_followup_reports: the buttons of its dialogs and the report it binds
to the leads, clicked by each role (see sales_followup's action_matrix_common)."""

import re

from odoo.tests import tagged

from odoo.addons.sales_followup.tests.action_matrix_common import (
    MAIN_ROLES,
    REFUSED,
    ActionMatrixCase,
    Case,
    Click,
    Dialog,
    Flow,
)

FUNNEL_DIALOG = "sales_followup_reports.sales_followup_funnel_wizard_view_form"
FUNNEL_ACTION = "sales_followup_reports.sales_followup_funnel_wizard_action"
HISTORY_REPORT = "sales_followup_reports.action_report_lead_followup_history"
XLSX_URL = re.compile(r"^/sales_followup_reports/funnel/(\d+)/xlsx$")

# Every salesperson prints the funnel of what they may see (the Reporting menu is theirs).
EVERYONE = tuple(Case(role, "new") for role in (*MAIN_ROLES, "own_b"))

MATRIX = {
    "flow:funnel_pdf": Flow(opener=FUNNEL_ACTION, steps=("action_print_pdf",), cases=EVERYONE),
    "flow:funnel_xlsx": Flow(opener=FUNNEL_ACTION, steps=("action_export_xlsx",), cases=EVERYONE),
    (FUNNEL_DIALOG, "action_print_pdf"): Dialog(opened_by=("flow:funnel_pdf",)),
    (FUNNEL_DIALOG, "action_export_xlsx"): Dialog(opened_by=("flow:funnel_xlsx",)),
    # Print > Follow-up History on the leads.
    HISTORY_REPORT: Click(
        cases=(
            Case("own", "lead 1a open"),
            Case("own", "lead 1a lost"),
            Case("own", "lead 1b open", REFUSED),
            Case("own", "lead 1a pool", REFUSED),
            Case("own_b", "lead 1a open", REFUSED),
            Case("all_docs", "leads 1a open+1a won"),
            Case("leader", "lead 1a pool"),
            Case("manager", "leads 1a open+1b lost"),
            Case("admin", "lead 1b dormant"),
            Case("other_company", "lead 2a open"),
            Case("other_company", "lead 1a open", REFUSED),
        )
    ),
}


@tagged("post_install", "-at_install")
class TestActionMatrixReports(ActionMatrixCase):
    matrix_module = "sales_followup_reports"
    MATRIX = MATRIX

    def test_action_matrix(self):
        """Every button and bound action of sales_followup_reports completes for each role
        that sees it, and refuses the others with a message for them."""
        self._run_action_matrix()

    def _fill_dialog(self, role, model, form, context):
        if model == "sales.followup.funnel.wizard":
            form.period = "this_quarter"

    def _follow_url(self, role, env, url, trail):
        """The XLSX download: what its route does, as the user."""
        match = XLSX_URL.match(url)
        if not match:
            return super()._follow_url(role, env, url, trail)
        wizard = env["sales.followup.funnel.wizard"].browse(int(match[1])).exists()
        self.assertTrue(wizard, f"{url}: no such dialog")
        wizard.check_access("read")
        content, filename = wizard._xlsx_export()
        self.assertTrue(content.startswith(b"PK") and filename.endswith(".xlsx"), url)
        self._end_request(env)
        return None
