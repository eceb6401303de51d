"""The salesman's follow-up flow in the web client, at phone and desktop width.

The tours (static/tests/tours/followup_flow_tour.js):

- on the pipeline, log a follow-up from a card, raise a risk on a second lead and set a third
  one dormant;
- from the home screen, open Today, call a customer and log the call (the taps are counted),
  postpone a follow-up with a reason and check in at a visit, the browser's position granted.

The tests check the records the tours wrote and keep a screenshot of each stage in
``artifacts/tour/<series>/<width>/`` at the repository root.
"""

from datetime import timedelta
from pathlib import Path

from odoo import fields
from odoo.tests import tagged

from .tour_common import POSITION, FollowupTourCase

TOUR = "sales_followup_followup_flow"
TODAY_TOUR = "sales_followup_today_flow"

# Kept in step with the tour.
LOG_CUSTOMER = "杭州精工阀门"
RISK_CUSTOMER = "苏州恒达精密"
DORMANT_CUSTOMER = "宁波港通物流"
LOG_SUMMARY = (
    "Visited the plant: 40 DN50 valves for the May line upgrade, budget approved by the plant "
    "manager"
)
LOG_CUSTOMER_WORDS = "价格和去年一样的话，月底前就签。"
LOG_NEXT_ACTION = "Send the quotation with the 40-unit discount"
NEXT_DATE_DAYS = 12
RISK_NOTE = "The purchasing manager asked a competitor for a quote on the same valves"
WAKEUP_DATE_DAYS = 45
DORMANT_NOTE = "Budget frozen until the next fiscal year"

CALL_CUSTOMER = "温州东方泵业"
CALL_SUMMARY = "Called the buyer: needs 12 pumps in June, asks for a quotation by Friday"
CALL_NEXT_ACTION = "Send the pump quotation"
POSTPONE_CUSTOMER = "嘉兴华美纺织"
POSTPONE_REASON = "The buyer is at the Canton Fair until next week"
VISIT_CUSTOMER = "绍兴万通机械"
VISIT_SUMMARY = "Visited the workshop: two presses to replace before Q3, budget being approved"
# From the landing page to a saved call log (and typing): the apps menu, Today, Dial, Save;
# phones open the current app's menu before all apps.
TAPS_TO_LOG = {"desktop": 4, "phone": 5}

SCREENSHOTS = ("01_pipeline", "02_log_dialog", "03_card_next_date", "04_risk_raised", "05_dormant")
TODAY_SCREENSHOTS = ("06_today", "07_saved_notification", "08_postpone", "09_checkin")


class FollowupFlowTourCase(FollowupTourCase):
    """The salesman's leads on the pipeline and the day's follow-ups (see tour_common)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        partners = cls.env["res.partner"].create(
            [
                {"name": name, "is_company": True}
                for name in (LOG_CUSTOMER, RISK_CUSTOMER, DORMANT_CUSTOMER)
            ]
        )
        cls.lead_log, cls.lead_risk, cls.lead_dormant = cls.env["crm.lead"].create(
            [
                {
                    "name": name,
                    "type": "opportunity",
                    "partner_id": partner.id,
                    "user_id": cls.salesman.id,
                    "expected_revenue": revenue,
                }
                for name, partner, revenue in (
                    ("DN50 valves for the May line", partners[0], 380000),
                    ("Precision bearings, yearly contract", partners[1], 1200000),
                    ("Warehouse racking", partners[2], 90000),
                )
            ]
        )
        # The rep's day: two overdue follow-ups (one to call, one to postpone) and a visit
        # due today, each answered once before.
        day_partners = cls.env["res.partner"].create(
            [
                {"name": name, "is_company": True}
                for name in (CALL_CUSTOMER, POSTPONE_CUSTOMER, VISIT_CUSTOMER)
            ]
        )
        cls.lead_call, cls.lead_postpone, cls.lead_visit = cls.env["crm.lead"].create(
            [
                {
                    "name": name,
                    "type": "opportunity",
                    "partner_id": partner.id,
                    "user_id": cls.salesman.id,
                    "phone": phone,
                    "followup_grade": "a",
                }
                for name, partner, phone in (
                    ("Circulation pumps", day_partners[0], "+86 577 8888 1234"),
                    ("Dyeing line retrofit", day_partners[1], "+86 573 8888 5678"),
                    ("Hydraulic presses", day_partners[2], "+86 575 8888 9012"),
                )
            ]
        )
        today = fields.Date.context_today(cls.salesman.with_context(tz=cls.salesman.tz))
        Log = cls.env["sales.followup.log"].with_user(cls.salesman)
        for lead, due in (
            (cls.lead_call, today - timedelta(days=3)),
            (cls.lead_postpone, today - timedelta(days=2)),
            (cls.lead_visit, today),
        ):
            Log.create(
                {
                    "lead_id": lead.id,
                    "summary": f"First call about the {lead.name.lower()}",
                    "date": fields.Datetime.now() - timedelta(days=6),
                }
            )
            lead.activity_ids.with_context(sales_followup_engine=True).write({"date_deadline": due})
        cls.risk_type = cls.env.ref("sales_followup.risk_type_competitor")

    def _run_flow(self):
        today = fields.Date.context_today(self.salesman.with_context(tz=self.salesman.tz))
        self._start("/odoo/crm", TOUR, SCREENSHOTS)
        self.env.invalidate_all()

        # b, c. the log, and one open Follow-up on the date typed
        log = self.env["sales.followup.log"].search([("lead_id", "=", self.lead_log.id)])
        self.assertEqual(len(log), 1)
        self.assertRecordValues(
            log,
            [
                {
                    "user_id": self.salesman.id,
                    "method": "visit",
                    "summary": LOG_SUMMARY,
                    "customer_words": LOG_CUSTOMER_WORDS,
                    "sentiment": "positive",
                    "next_action": LOG_NEXT_ACTION,
                    "next_date": today + timedelta(days=NEXT_DATE_DAYS),
                }
            ],
        )
        followups = self.env["mail.activity"].search(
            [
                ("res_model", "=", "crm.lead"),
                ("res_id", "=", self.lead_log.id),
                ("activity_type_id", "=", self.followup_type.id),
            ]
        )
        self.assertRecordValues(
            followups,
            [
                {
                    "date_deadline": today + timedelta(days=NEXT_DATE_DAYS),
                    "user_id": self.salesman.id,
                }
            ],
        )
        self.assertRecordValues(
            self.lead_log,
            [
                {
                    "followup_status": "in_progress",
                    "followup_next_date": today + timedelta(days=NEXT_DATE_DAYS),
                }
            ],
        )

        # d. the risk, open, with the note
        self.assertRecordValues(
            self.lead_risk.followup_risk_ids,
            [
                {
                    "type_id": self.risk_type.id,
                    "state": "open",
                    "note": RISK_NOTE,
                    "raised_by_id": self.salesman.id,
                }
            ],
        )
        self.assertEqual(self.lead_risk.followup_risk_level, self.risk_type.severity)

        # e. the dormant lead, with no follow-up left
        self.assertRecordValues(
            self.lead_dormant,
            [
                {
                    "followup_status": "dormant",
                    "followup_wakeup_date": today + timedelta(days=WAKEUP_DATE_DAYS),
                    "followup_next_date": False,
                }
            ],
        )
        self.assertFalse(self.lead_dormant.activity_ids)
        self.assertTrue(
            self.lead_dormant.message_ids.filtered(lambda message: DORMANT_NOTE in message.body)
        )

    def _run_today(self):
        today = fields.Date.context_today(self.salesman.with_context(tz=self.salesman.tz))
        steps = self._tour_steps_source()
        taps = steps.count('tap("') - (0 if self.touch_enabled else steps.count('["mobile"])'))
        self.assertEqual(taps, TAPS_TO_LOG[self.screenshot_folder], "taps to a saved log")
        self._start("/odoo", TODAY_TOUR, TODAY_SCREENSHOTS)
        self.env.invalidate_all()

        # Call, then log: a phone log with the next action, and the next follow-up says it.
        call_log = self.lead_call.followup_log_ids.filtered(lambda log: log.summary == CALL_SUMMARY)
        self.assertRecordValues(
            call_log, [{"method": "phone", "next_action": CALL_NEXT_ACTION, "on_rhythm": False}]
        )
        self.assertEqual(self.lead_call.followup_next_action, CALL_NEXT_ACTION)
        self.assertGreater(self.lead_call.followup_next_date, today)

        # Postponed with the reason, counted, said in the chatter; originally due kept.
        self.assertRecordValues(
            self.lead_postpone,
            [
                {
                    "followup_postpone_count": 1,
                    "followup_postponed_from": today - timedelta(days=2),
                    "followup_overdue": False,
                }
            ],
        )
        self.assertGreater(self.lead_postpone.followup_next_date, today)
        self.assertTrue(
            self.lead_postpone.message_ids.filtered(lambda msg: POSTPONE_REASON in msg.body)
        )

        # The visit, checked in where the browser said.
        visit = self.lead_visit.followup_log_ids.filtered(lambda log: log.summary == VISIT_SUMMARY)
        self.assertEqual(visit.method, "visit")
        self.assertAlmostEqual(visit.checkin_latitude, POSITION["latitude"], places=4)
        self.assertAlmostEqual(visit.checkin_longitude, POSITION["longitude"], places=4)
        self.assertAlmostEqual(visit.checkin_accuracy, POSITION["accuracy"], places=1)
        self.assertTrue(visit.checkin_date)

    @staticmethod
    def _tour_steps_source():
        source = (
            Path(__file__).resolve().parents[1] / "static/tests/tours/followup_flow_tour.js"
        ).read_text(encoding="utf-8")
        return source[source.index(f'add("{TODAY_TOUR}"') :]


@tagged("post_install", "-at_install")
class TestFollowupFlowPhone(FollowupFlowTourCase):
    browser_size = "390x844"
    touch_enabled = True
    screenshot_folder = "phone"

    def test_followup_flow_phone(self):
        self._run_flow()

    def test_today_flow_phone(self):
        self._run_today()


@tagged("post_install", "-at_install")
class TestFollowupFlowDesktop(FollowupFlowTourCase):
    browser_size = "1440x900"
    screenshot_folder = "desktop"

    def test_followup_flow_desktop(self):
        self._run_flow()

    def test_today_flow_desktop(self):
        self._run_today()
