"""The visibility matrix of Sales Follow-up Reports (the machinery and the roles are Sales
Follow-up's, see its test_visibility_matrix): the funnel and pool analyses, the print dialog
and the weekly reviews sent, for every role; then what the reports print (the funnel's figures,
its PDF, the lead history) and the weekly review's files through ``/web/content``."""

from datetime import date, timedelta

from odoo import Command, fields
from odoo.tests import tagged

from odoo.addons.sales_followup.tests.matrix_common import ROLES
from odoo.addons.sales_followup.tests.test_visibility_matrix import VisibilityMatrixCase

FUNNEL_REPORT = "sales_followup_reports.action_report_followup_funnel"
HISTORY_REPORT = "sales_followup_reports.action_report_lead_followup_history"


@tagged("post_install", "-at_install")
class TestReportsVisibilityMatrix(VisibilityMatrixCase):
    MODULE = "sales_followup_reports"
    EXPECTATIONS = {
        "sales.followup.funnel.report": (
            "lead",
            "A row per lead, seen as the lead: with 'own documents only', the role's leads and "
            "the unassigned ones of its company that are not in a pool.",
        ),
        "sales.followup.pool.report": ("own_moves", "A row per period of a lead's owners."),
        "sales.followup.funnel.wizard": ("creator", "The funnel's print dialog."),
        "sales.followup.review.sent": (
            "review_sent",
            "The reviews sent, with the review PDF and charts attached.",
        ),
        "sales.followup.review": ("abstract", "Builds and sends the weekly reviews."),
        "report.sales_followup_reports.report_followup_funnel": (
            "abstract",
            "Computes the printed funnel (its figures are checked below, as each role).",
        ),
    }
    EXTENDED = {
        "res.config.settings": ("settings", "The weekly review's settings."),
        "sales.followup.robot": ("robot", "The day of a team robot's last weekly review."),
    }

    @classmethod
    def _seed_records(cls):
        today = fields.Date.today()
        cls.period = (today - timedelta(days=7), today + timedelta(days=1))
        cls.dialogs = {}
        for role in ("own", "manager", "other_company"):
            cls.dialogs[role] = (
                cls.env["sales.followup.funnel.wizard"]
                .with_user(cls.roles[role])
                .create(
                    {
                        "period": "custom",
                        "date_from": cls.period[0],
                        "date_to": cls.period[1],
                        "breakdown": "user_id",
                    }
                )
            )
        # The review of the week for a manager of each company, as the cron sends it.
        Review = cls.env["sales.followup.review"]
        Teams = cls.env["crm.team"]
        cls.reviews = {}
        for company, manager in ((1, cls.roles["manager"]), (2, cls.manager_2)):
            Review._review_send(manager, Teams, *cls.period)
            cls.reviews[company] = cls.env["sales.followup.review.sent"].search(
                [("user_id", "=", manager.id)]
            )

    def test_matrix_covers_every_model(self):
        self._check_table()

    def test_visibility_matrix(self):
        self._run_table()

    def test_printed_funnel_names_nothing_unseen(self):
        """The funnel's figures as each role prints them (the PDF's and the XLSX's data, and
        the PDF itself) name no lead, customer, team, company or person the role may not see;
        and the lead history of the leads a role may see, nothing else."""
        for role in ROLES:
            user = self.roles[role]
            self.env.invalidate_all()
            dialog = (
                self.env["sales.followup.funnel.wizard"]
                .with_user(user)
                .create(
                    {
                        "period": "custom",
                        "date_from": self.period[0],
                        "date_to": self.period[1],
                        "breakdown": "user_id",
                    }
                )
            )
            with self.subTest(role=role, output="figures"):
                data = dialog.get_report_data()
                self.assertTrue(data["totals"]["leads"], f"{role} sees leads in its funnel")
                self.assertNamesNothingUnseen(role, data, "the funnel's figures")
            with self.subTest(role=role, output="funnel PDF"):
                html, _kind = (
                    self.env["ir.actions.report"]
                    .with_user(user)
                    ._render_qweb_html(FUNNEL_REPORT, dialog.ids)
                )
                self.assertNamesNothingUnseen(role, html.decode(), "the funnel PDF")
            leads = (
                self.env["crm.lead"]
                .with_user(user)
                .with_context(active_test=False)
                .search([("id", "in", self._all_leads().ids)])
            )
            with self.subTest(role=role, output="lead history"):
                self.assertTrue(leads, f"{role} sees leads")
                html, _kind = (
                    self.env["ir.actions.report"]
                    .with_user(user)
                    ._render_qweb_html(HISTORY_REPORT, leads.ids)
                )
                self.assertNamesNothingUnseen(role, html.decode(), "the lead history")

    def test_funnel_shows_no_pool_lead_to_own_documents(self):
        """The funnel's rows of an own-documents salesperson are its leads and the unassigned
        ones of its company outside the pool: another team's pool leads are not among them
        (name, customer, amount), whatever the operation."""
        Funnel = self.env["sales.followup.funnel.report"]
        pool_leads = self._leads_of(state="pool")
        for role in ("own", "own_b", "other_company"):
            with self.subTest(role=role):
                rows = Funnel.with_user(self.roles[role]).search_read(
                    [], ["lead_id", "partner_id", "expected_revenue"]
                )
                self.assertFalse({row["lead_id"][0] for row in rows} & set(pool_leads.ids))
                total = Funnel.with_user(self.roles[role])._read_group(
                    [("in_pool", "=", True)], [], ["__count", "expected_revenue:sum"]
                )
                self.assertEqual(total, [(0, 0.0)])

    def test_lead_released_to_a_team_without_company_stays_in_its_company(self):
        """A lead of company 1 released to a team that has no company is still company 1's:
        company 2 sees it in neither the funnel nor the pool analysis."""
        team = self.env["crm.team"].create(
            {
                "name": "Matrix Team Without Company",
                "company_id": False,
                "crm_team_member_ids": [Command.create({"user_id": self.roles["own"].id})],
            }
        )
        lead = (
            self.env["crm.lead"]
            .with_company(self.company_1)
            .create(
                {
                    "name": "Matrix Companyless Pool",
                    "type": "opportunity",
                    "partner_name": "Matrix Companyless Customer",
                    "user_id": self.roles["own"].id,
                    "team_id": team.id,
                    "company_id": self.company_1.id,
                }
            )
        )
        self.env.flush_all()
        lead.with_user(self.roles["own"])._followup_release("Outside my region")
        self.env.flush_all()
        self.assertEqual(lead.company_id, self.company_1, "the lead keeps its company")
        for user in (self.roles["other_company"], self.manager_2):
            for model in ("sales.followup.funnel.report", "sales.followup.pool.report"):
                with self.subTest(user=user.login, model=model):
                    self.env.invalidate_all()
                    found = self.env[model].with_user(user).search([("lead_id", "=", lead.id)])
                    self.assertFalse(found, f"{user.login} sees company 1's pool lead")

    def test_review_files_through_web_content(self):
        """The review PDF (and the charts) attached to a weekly review sent: its company's
        managers download it; another company's manager and a salesperson get nothing."""
        for company, sent in self.reviews.items():
            attachments = (
                self.env["ir.attachment"]
                .sudo()
                .search([("res_model", "=", sent._name), ("res_id", "in", sent.ids)])
            )
            self.assertTrue(attachments, "the review PDF is attached to the review sent")
            same = [self.roles["manager"]] if company == 1 else [self.manager_2]
            others = (
                [self.manager_2, self.roles["other_company"]]
                if company == 1
                else [self.roles["manager"], self.roles["admin"], self.roles["own"]]
            )
            for attachment in attachments:
                for user in same + others:
                    with self.subTest(company=company, file=attachment.name, user=user.login):
                        self.authenticate(user.login, user.login)
                        response = self.url_open(f"/web/content/{attachment.id}")
                        if user in same:
                            self.assertEqual(response.status_code, 200)
                            self.assertEqual(response.content, attachment.sudo().raw)
                        else:
                            self.assertIn(response.status_code, (403, 404))
                            self.assertNotEqual(response.content, attachment.sudo().raw)

    def test_reviews_sent_are_their_companys(self):
        """The rows themselves: a manager lists the reviews sent in its company only."""
        Sent = self.env["sales.followup.review.sent"]
        self.assertEqual(
            Sent.with_user(self.roles["manager"]).search([]), self.reviews[1], "company 1's"
        )
        self.assertEqual(Sent.with_user(self.manager_2).search([]), self.reviews[2])
        self.assertEqual(self.reviews[2].company_id, self.company_2)
        self.assertEqual(self.reviews[1].date_from, self.period[0])
        self.assertIsInstance(self.reviews[1].date_to, date)
