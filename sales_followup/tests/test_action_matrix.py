"""The action matrix of sales_followup: every button of its views and every action it binds to a
model, clicked by each role (see action_matrix_common)."""

import base64
import io
from unittest.mock import patch

import openpyxl

from odoo.tests import tagged

from .action_matrix_common import HIDDEN, OK, REFUSED, ActionMatrixCase, Case, Click, Dialog, Flow

FORM = "sales_followup.crm_lead_view_form"
KANBAN = "sales_followup.crm_case_kanban_view_leads"
TODAY_LIST = "sales_followup.crm_lead_view_list_followup_today"
TODAY_KANBAN = "sales_followup.crm_lead_view_kanban_followup_today"
POOL_LIST = "sales_followup.sales_followup_pool_lead_view_list"
POOL_KANBAN = "sales_followup.sales_followup_pool_lead_view_kanban"
RISK_FORM = "sales_followup.sales_followup_risk_view_form"
RISK_LIST = "sales_followup.sales_followup_risk_view_list"
SETTINGS = "sales_followup.res_config_settings_view_form"
LOG_DIALOG = "sales_followup.sales_followup_log_view_form_quick"
DORMANT_DIALOG = "sales_followup.sales_followup_dormant_wizard_view_form"
POSTPONE_DIALOG = "sales_followup.sales_followup_postpone_wizard_view_form"
RELEASE_DIALOG = "sales_followup.sales_followup_release_wizard_view_form"
ASSIGN_DIALOG = "sales_followup.sales_followup_pool_assign_wizard_view_form"
HANDOVER_DIALOG = "sales_followup.sales_followup_handover_wizard_view_form"
IMPORT_DIALOG = "sales_followup.sales_followup_import_view_form"
IMPORT_JOB_FORM = "sales_followup.sales_followup_import_job_view_form"
ROBOT_FORM = "sales_followup.sales_followup_robot_view_form"
OUTBOX_LIST = "sales_followup.sales_followup_robot_message_view_list"
DORMANT_BINDING = "sales_followup.sales_followup_dormant_wizard_action"
ASSIGN_BINDING = "sales_followup.sales_followup_pool_lead_action_assign_dialog"
PIPELINE = "crm.crm_lead_action_pipeline"


def on_open_lead(*extra, all_docs=OK, leader=OK, prepare=""):
    """The usual cases of a button of an open lead: each role on a lead it may act on (its own,
    its team's, its company's), and the salespeople on another team's or company's lead."""
    return (
        Case("own", "lead 1a open", prepare=prepare),
        Case("own", "lead 1b open", REFUSED, prepare=prepare),
        Case("own_b", "lead 1a open", REFUSED, prepare=prepare),
        Case("all_docs", "lead 1a open", all_docs, prepare=prepare),
        Case("leader", "lead 1a open", leader, prepare=prepare),
        Case("manager", "lead 1b open", prepare=prepare),
        Case("admin", "lead 1a open", prepare=prepare),
        Case("other_company", "lead 2a open", prepare=prepare),
        Case("other_company", "lead 1a open", REFUSED, prepare=prepare),
        *extra,
    )


def on_risk(*extra):
    return (
        Case("own", "risk 1a open"),
        Case("own_b", "risk 1a open", REFUSED),
        Case("all_docs", "risk 1a open"),
        Case("leader", "risk 1a open"),
        Case("manager", "risk 1b open"),
        Case("admin", "risk 1a won"),
        Case("other_company", "risk 2a open"),
        Case("other_company", "risk 1a open", REFUSED),
        *extra,
    )


def on_pool(*extra):
    claimable = "_prepare_released_by_colleague"
    return (
        Case("own", "pool 1a", prepare=claimable),
        # Released by themselves: the cooldown.
        Case("own", "pool 1a", REFUSED),
        Case("own", "pool 1b", REFUSED),
        Case("own_b", "pool 1a", REFUSED),
        Case("all_docs", "pool 1a"),
        Case("leader", "pool 1a"),
        Case("manager", "pool 1b"),
        Case("admin", "pool 1a"),
        Case("other_company", "pool 2a", prepare=claimable),
        Case("other_company", "pool 1a", REFUSED),
        *extra,
    )


def only(roles, record, others=HIDDEN, others_record=None):
    """``roles`` complete on ``record``; the other roles do not see it."""
    return tuple(
        Case(
            role,
            record if role in roles else (others_record or record),
            OK if role in roles else others,
        )
        for role in ("own", "all_docs", "leader", "manager", "admin", "other_company")
    )


MATRIX = {
    # The lead form.
    (FORM, "action_followup_log"): Click(
        action=PIPELINE,
        cases=on_open_lead(
            Case("own", "lead 1a lost", HIDDEN), Case("own", "lead 1a lost", REFUSED)
        ),
    ),
    (FORM, "action_followup_wakeup"): Click(
        action=PIPELINE,
        cases=(
            Case("own", "lead 1a dormant"),
            Case("own", "lead 1a open", HIDDEN),
            Case("own", "lead 1a open", REFUSED),
            Case("own_b", "lead 1a dormant", REFUSED),
            Case("all_docs", "lead 1a dormant"),
            Case("leader", "lead 1a dormant"),
            Case("manager", "lead 1b dormant"),
            Case("admin", "lead 1a dormant"),
            Case("other_company", "lead 2a dormant"),
            Case("other_company", "lead 1a dormant", REFUSED),
        ),
    ),
    (FORM, "action_followup_mark_lost_no_response"): Click(
        action=PIPELINE,
        cases=on_open_lead(
            Case("own", "lead 1a open", HIDDEN),
            prepare="_prepare_lost_candidate",
        ),
    ),
    (FORM, "action_followup_release"): Click(
        action=PIPELINE,
        # Only the salesperson holding the lead, or a sales manager, releases it.
        cases=on_open_lead(
            Case("own", "lead 1a dormant", HIDDEN),
            Case("own", "lead 1a dormant", REFUSED),
            Case("manager", "lead 1a pool", HIDDEN),
            Case("manager", "lead 1a pool", REFUSED),
            all_docs=REFUSED,
            leader=REFUSED,
        ),
    ),
    (FORM, "action_followup_open_assign"): Click(
        action=PIPELINE,
        cases=(
            Case("own", "lead 1a open", HIDDEN),
            # A pool lead is not a lead for them: only the pool shows it.
            Case("own", "lead 1a pool", REFUSED),
            Case("all_docs", "lead 1a pool", HIDDEN),
            Case("all_docs", "lead 1a pool", REFUSED),
            Case("leader", "lead 1a pool", HIDDEN),
            Case("leader", "lead 1a pool", REFUSED),
            Case("manager", "lead 1a pool"),
            Case("manager", "lead 1a open", HIDDEN),
            Case("admin", "lead 1b pool"),
            Case("other_company", "lead 2a open", HIDDEN),
        ),
    ),
    (FORM, "action_followup_open_logs"): Click(
        action=PIPELINE,
        cases=(
            Case("own", "lead 1a open"),
            Case("own", "lead 1a lost"),
            Case("own_b", "lead 1a open", REFUSED),
            Case("all_docs", "lead 1a won"),
            Case("leader", "lead 1a open"),
            Case("manager", "lead 1b lost"),
            Case("admin", "lead 1a pool"),
            Case("other_company", "lead 2a open"),
            Case("other_company", "lead 1a open", REFUSED),
        ),
    ),
    (FORM, "action_followup_postpone"): Click(
        action=PIPELINE,
        cases=on_open_lead(
            Case("own", "lead 1a dormant", HIDDEN), Case("own", "lead 1a dormant", REFUSED)
        ),
    ),
    (FORM, "action_followup_raise_risk"): Click(
        action=PIPELINE,
        cases=on_open_lead(
            Case("own", "lead 1a lost", HIDDEN), Case("own", "lead 1a lost", REFUSED)
        ),
    ),
    (FORM, "action_followup_set_dormant"): Click(
        action=PIPELINE,
        cases=on_open_lead(
            Case("own", "lead 1a dormant", HIDDEN), Case("own", "lead 1a dormant", REFUSED)
        ),
    ),
    (FORM, "action_resolve"): Click(action=PIPELINE, cases=on_risk()),
    # The pipeline's cards.
    (KANBAN, "action_followup_log"): Click(
        action=PIPELINE, cases=on_open_lead(Case("own", "lead 1a lost", HIDDEN))
    ),
    (KANBAN, "action_followup_mark_lost_no_response"): Click(
        action=PIPELINE,
        cases=on_open_lead(Case("own", "lead 1a open", HIDDEN), prepare="_prepare_lost_candidate"),
    ),
    # Today.
    (TODAY_LIST, "action_followup_log"): Click(
        action="sales_followup.action_followup_today", cases=on_open_lead()
    ),
    (TODAY_LIST, "action_followup_postpone"): Click(
        action="sales_followup.action_followup_today", cases=on_open_lead()
    ),
    (TODAY_KANBAN, "action_followup_log"): Click(
        action="sales_followup.action_followup_today", cases=on_open_lead()
    ),
    (TODAY_KANBAN, "action_followup_postpone"): Click(
        action="sales_followup.action_followup_today", cases=on_open_lead()
    ),
    # The pool.
    (POOL_LIST, "action_claim"): Click(
        action="sales_followup.action_followup_pool", cases=on_pool()
    ),
    (POOL_KANBAN, "action_claim"): Click(
        action="sales_followup.action_followup_pool", cases=on_pool()
    ),
    ASSIGN_BINDING: Click(
        cases=(
            *only(("manager", "admin"), "pool 1a+1b", others_record="pool 1a"),
            Case("own", "pool 1a", REFUSED),
            Case("all_docs", "pool 1a", REFUSED),
            Case("other_company", "pool 2a+2b", HIDDEN),
        )
    ),
    # Risks.
    (RISK_FORM, "action_resolve"): Click(
        action="sales_followup.sales_followup_risk_action", cases=on_risk()
    ),
    (RISK_LIST, "action_resolve"): Click(
        action="sales_followup.sales_followup_risk_action", cases=on_risk()
    ),
    # Settings: administrators only.
    (SETTINGS, "sales_followup.sales_followup_risk_type_action"): Click(
        action="crm.crm_config_settings_action",
        cases=(*only(("admin",), "new"), Case("manager", "new", REFUSED)),
    ),
    (SETTINGS, "crm.crm_lost_reason_action"): Click(
        action="crm.crm_config_settings_action", cases=only(("admin",), "new")
    ),
    (SETTINGS, "utm.utm_source_action"): Click(
        action="crm.crm_config_settings_action", cases=only(("admin",), "new")
    ),
    # Set Dormant from the Actions menu of the leads.
    DORMANT_BINDING: Click(
        cases=(
            Case("own", "lead 1a open"),
            Case("own", "lead 1b open", REFUSED),
            Case("own", "lead 1a won", REFUSED),
            Case("all_docs", "leads 1a open+1b open"),
            Case("leader", "lead 1a open"),
            Case("manager", "leads 1a open+1b open"),
            Case("admin", "lead 1b open"),
            Case("other_company", "lead 2a open"),
            Case("other_company", "lead 1a open", REFUSED),
        )
    ),
    # Tracker imports: sales managers.
    "flow:import": Flow(
        opener="sales_followup.sales_followup_import_action",
        steps=(
            "action_load",
            "action_load_sheet",
            "action_preview",
            "action_import",
            "action_open_leads",
        ),
        cases=(*only(("manager", "admin"), "new"), Case("own", "new", REFUSED)),
    ),
    "flow:import_background": Flow(
        opener="sales_followup.sales_followup_import_action",
        steps=(
            "action_load",
            "action_import",
            "_run_import_jobs",
            "action_refresh",
            "action_open_leads",
        ),
        cases=tuple(
            Case(case.role, case.record, case.expect, "_prepare_background_import")
            for case in only(("manager", "admin"), "new")
        ),
    ),
    (IMPORT_JOB_FORM, "action_open_leads"): Click(
        action="sales_followup.sales_followup_import_job_action",
        cases=(
            *(
                Case(case.role, "new", case.expect, "_prepare_import_job")
                for case in only(("manager", "admin"), "new")
            ),
            Case("manager", "new", REFUSED, "_prepare_import_job_of_admin"),
            Case("own", "new", REFUSED, "_prepare_import_job"),
        ),
    ),
    # Team robots: sales managers.
    (ROBOT_FORM, "action_test"): Click(
        action="sales_followup.action_followup_robot",
        cases=(
            *(
                Case(case.role, "new", case.expect, "_prepare_robot")
                for case in only(("manager", "admin"), "new")
            ),
            Case("own", "new", REFUSED, "_prepare_robot"),
            Case("leader", "new", REFUSED, "_prepare_robot"),
        ),
    ),
    (ROBOT_FORM, "action_open_messages"): Click(
        action="sales_followup.action_followup_robot",
        cases=(
            *(
                Case(case.role, "new", case.expect, "_prepare_robot")
                for case in only(("manager", "admin"), "new")
            ),
            Case("own", "new", REFUSED, "_prepare_robot"),
        ),
    ),
    (OUTBOX_LIST, "action_retry"): Click(
        action="sales_followup.action_followup_robot_message",
        cases=(
            *(
                Case(case.role, "new", case.expect, "_prepare_failed_robot_message")
                for case in only(("manager", "admin"), "new")
            ),
            Case("manager", "new", HIDDEN, "_prepare_sent_robot_message"),
            Case("manager", "new", REFUSED, "_prepare_sent_robot_message"),
            Case("all_docs", "new", REFUSED, "_prepare_failed_robot_message"),
        ),
    ),
    # Hand-over of a leaving salesperson's leads: administrators archiving a user.
    "flow:handover": Flow(
        opener="_open_handover",
        visible="_may_archive_users",
        steps=(),
        cases=(*only(("admin",), "user 1b"), Case("manager", "user 1b", REFUSED)),
    ),
    # Dialogs.
    (LOG_DIALOG, "action_followup_save"): Dialog(
        opened_by=(
            (FORM, "action_followup_log"),
            (KANBAN, "action_followup_log"),
            (TODAY_LIST, "action_followup_log"),
            (TODAY_KANBAN, "action_followup_log"),
        )
    ),
    (DORMANT_DIALOG, "action_apply"): Dialog(
        opened_by=((FORM, "action_followup_set_dormant"), DORMANT_BINDING)
    ),
    (POSTPONE_DIALOG, "action_apply"): Dialog(
        opened_by=(
            (FORM, "action_followup_postpone"),
            (TODAY_LIST, "action_followup_postpone"),
            (TODAY_KANBAN, "action_followup_postpone"),
        )
    ),
    (RELEASE_DIALOG, "action_apply"): Dialog(opened_by=((FORM, "action_followup_release"),)),
    (ASSIGN_DIALOG, "action_apply"): Dialog(
        opened_by=((FORM, "action_followup_open_assign"), ASSIGN_BINDING)
    ),
    (HANDOVER_DIALOG, "action_apply"): Dialog(opened_by=("flow:handover",)),
    (IMPORT_DIALOG, "action_load"): Dialog(opened_by=("flow:import", "flow:import_background")),
    (IMPORT_DIALOG, "action_load_sheet"): Dialog(opened_by=("flow:import",)),
    (IMPORT_DIALOG, "action_preview"): Dialog(opened_by=("flow:import",)),
    (IMPORT_DIALOG, "action_import"): Dialog(opened_by=("flow:import", "flow:import_background")),
    (IMPORT_DIALOG, "action_refresh"): Dialog(opened_by=("flow:import_background",)),
    (IMPORT_DIALOG, "action_open_leads"): Dialog(
        opened_by=("flow:import", "flow:import_background")
    ),
}

TRACKER = [
    [
        "客户编号",
        "客户名称(行业)",
        "联系人(职位)",
        "联系电话",
        "首次接触时间",
        "跟进记录",
        "当前状态",
    ],
    [
        "MX01",
        "华东矩阵机械有限公司(制造)",
        "黄经理(采购)",
        "13894751800",
        "2026-03-02",
        "2026-03-05电话沟通：客户要报价",
        "Y-意向客户",
    ],
    [
        "MX02",
        "深圳矩阵科技有限公司(软件)",
        "刘经理(IT)",
        "13864186300",
        "2026-03-03",
        "2026-03-06上门拜访：确认参数",
        "Y-意向客户",
    ],
]


def tracker_file():
    """A workbook of two sheets: a note first, then the tracker (so the sheet can be chosen)."""
    book = openpyxl.Workbook()
    book.active.title = "说明"
    book.active.append(["本表为测试用"])
    sheet = book.create_sheet("跟进表")
    for row in TRACKER:
        sheet.append(row)
    output = io.BytesIO()
    book.save(output)
    return base64.b64encode(output.getvalue())


@tagged("post_install", "-at_install")
class TestActionMatrix(ActionMatrixCase):
    matrix_module = "sales_followup"
    MATRIX = MATRIX

    def test_action_matrix(self):
        """Every button and bound action of sales_followup completes for each role that sees
        it on a record it may act on, and refuses the others with a message for them."""
        self._run_action_matrix()

    # Dialogs --------------------------------------------------------------------------------

    def _fill_dialog(self, role, model, form, context):
        if model == "sales.followup.log":
            form.summary = "Called the buyer: the quotation is expected by Friday"
            form.method = "phone"
        elif model == "sales.followup.risk":
            form.type_id = self.env.ref("sales_followup.risk_type_competitor")
            form.note = "Asked a competitor for a quote"
        elif model == "sales.followup.dormant.wizard":
            form.wakeup_date = self._in_days(30)
            form.note = "Budget frozen until next quarter"
        elif model == "sales.followup.postpone.wizard":
            form.reason = "The customer is at a trade fair until Friday"
        elif model == "sales.followup.release.wizard":
            form.reason = "The customer moved to another province"
        elif model == "sales.followup.pool.assign.wizard":
            company = form.lead_ids[0].company_id if len(form.lead_ids) else self.company_1
            form.user_id = (
                self.roles["all_docs"] if company == self.company_1 else (self.other_company_b)
            )
        elif model == "sales.followup.handover.wizard":
            form.target = "pool"
            form.reason = "Left the company"
        elif model == "sales.followup.import":
            form.file = tracker_file()
            # The file widget writes the file's name in the (invisible) filename field.
            form._values["filename"] = "tracker.xlsx"
            form._values._changed.add("filename")

    def _check_dialog(self, role, model, form, context):
        if model == "sales.followup.pool.assign.wizard":
            # The dialog counts the leads it assigns.
            self.assertTrue(len(form.lead_ids), "The Assign dialog has no lead")
            self.assertEqual(form.lead_count, len(form.lead_ids), "The Assign dialog's count")

    def _untranslated_texts(self):
        return {
            "Called the buyer: the quotation is expected by Friday",
            "Asked a competitor for a quote",
        }

    # Preparations (as the superuser, before the click) ---------------------------------------

    def _prepare_lost_candidate(self, role, record):
        """The customer stopped answering: with a "no reply" rule at one unanswered follow-up,
        the salesperson's unanswered call makes the lead a lost candidate."""
        self.env["ir.config_parameter"].sudo().set_param("sales_followup.risk_no_reply_count", "1")
        for lead in record:
            self.env["sales.followup.log"].with_user(lead.user_id).with_company(
                lead.company_id
            ).create(
                {
                    "lead_id": lead.id,
                    "summary": "No answer on the mobile",
                    "method": "phone",
                    "customer_responded": False,
                }
            )
        self.assertTrue(all(record.mapped("followup_lost_candidate")))

    def _prepare_released_by_colleague(self, role, record):
        """The pool lead was released by a colleague of the role, not by the role itself."""
        colleague = self.roles["leader" if role != "leader" else "all_docs"]
        self.env["crm.lead"].browse(record.ids).write({"followup_previous_user_id": colleague.id})

    def _import_job(self, user):
        return self.env["sales.followup.import.job"].create(
            {
                "name": "tracker.xlsx",
                "user_id": user.id,
                "company_id": self.company_1.id,
                "state": "done",
                "row_count": 1,
                "rows_done": 1,
                "lead_count": 1,
                "lead_ids": [(6, 0, self.leads[(1, "a", "open")].ids)],
            }
        )

    def _prepare_import_job(self, role, record):
        return self._import_job(self.roles["manager"])

    def _prepare_import_job_of_admin(self, role, record):
        return self._import_job(self.roles["admin"])

    def _prepare_background_import(self, role, record):
        patcher = patch(
            "odoo.addons.sales_followup.wizard.sales_followup_import.BACKGROUND_ROWS", 1
        )
        patcher.start()
        self.case_cleanups.append(patcher.stop)

    def _run_import_jobs(self, role, wizard):
        """The cron of the tracker imports, as it runs: until the job is done."""
        Job = self.env["sales.followup.import.job"]
        for _run in range(5):
            Job._cron_process()
            if wizard.job_id.state in ("done", "failed"):
                break
        self.assertEqual(wizard.job_id.state, "done", wizard.job_id.message)

    # Team robots ---------------------------------------------------------------------------

    def _robot(self):
        return self.env["sales.followup.robot"].create(
            {
                "name": "华东销售群",
                "kind": "wecom",
                "webhook_url": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=matrix",
                "company_id": self.company_1.id,
                "team_ids": [(6, 0, self.leads[(1, "a", "open")].team_id.ids)],
            }
        )

    def _prepare_robot(self, role, record):
        return self._robot()

    def _robot_message(self, state):
        message = self._robot()._robot_queue("test", "Test", "Test")
        message.sudo().write({"state": state, "attempts": 8, "error": "93000 invalid webhook url"})
        return message

    def _prepare_failed_robot_message(self, role, record):
        return self._robot_message("failed")

    def _prepare_sent_robot_message(self, role, record):
        return self._robot_message("sent")

    # Hand-over -----------------------------------------------------------------------------

    def _may_archive_users(self, role):
        return self.roles[role].has_group("base.group_erp_manager")

    def _open_handover(self, env, user):
        """The user's form > Archive: the hand-over dialog of their open leads."""
        user.with_env(env).read(["name", "login", "active"])
        return self._call_button(env, "res.users", "action_archive", user.ids, env.context)
