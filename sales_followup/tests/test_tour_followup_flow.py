"""The salesman's follow-up flow in the web client, at phone and desktop width.

The tour (static/tests/tours/followup_flow_tour.js) logs a follow-up from a pipeline card, raises
a risk on a second lead and sets a third one dormant; the tests check the records it wrote and
keep a screenshot of each stage in ``artifacts/tour/<width>/`` at the repository root.
"""

import base64
import json
import re
import struct
from concurrent.futures import Future
from datetime import timedelta
from pathlib import Path

from odoo import fields
from odoo.tests import HttpCase, new_test_user, tagged

TOUR = "sales_followup_followup_flow"

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

# The screenshot handshake with the tour.
SCREENSHOT_FLAG = "salesFollowupScreenshots"
SCREENSHOT_MARKER = "sales_followup:screenshot:"
SCREENSHOT_EVENT = "sales_followup:screenshot-taken"
SCREENSHOTS = ("01_pipeline", "02_log_dialog", "03_card_next_date", "04_risk_raised", "05_dormant")
SCREENSHOT_NAME = re.compile(r"\d\d_[a-z_]+")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "tour"


class FollowupFlowTourCase(HttpCase):
    """Runs the tour as a salesman of a Chinese sales team and keeps its screenshots.

    The browser is hooked when the test authenticates it (the one place HttpCase hands it
    over): a console message ``sales_followup:screenshot:<name>`` from the tour captures the
    page into ``artifacts/tour/<screenshot_folder>/<name>.png``, then tells the tour to go on, so
    each picture shows the state the tour reached. The browser also runs in the salesman's time
    zone, so that "today" is the same day for the browser and the server.
    """

    screenshot_folder = None

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.salesman = new_test_user(
            cls.env,
            login="sf_tour_salesman",
            name="Wang Wei",
            groups="sales_team.group_sale_salesman",
            tz="Asia/Shanghai",
            lang="en_US",
            email="wang.wei@example.com",
        )
        cls.env["crm.team"].create(
            {
                "name": "East China Sales",
                "crm_team_member_ids": [(0, 0, {"user_id": cls.salesman.id})],
            }
        )
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
        cls.risk_type = cls.env.ref("sales_followup.risk_type_competitor")
        cls.followup_type = cls.env.ref("sales_followup.mail_activity_type_followup")

    def setUp(self):
        super().setUp()
        self.screenshot_dir = ARTIFACTS / self.screenshot_folder
        self.screenshot_dir.mkdir(parents=True, exist_ok=True)
        for name in SCREENSHOTS:
            (self.screenshot_dir / f"{name}.png").unlink(missing_ok=True)
        # name -> Future of the written file
        self.screenshots = {}

    def authenticate(self, user, password, browser=None):
        if browser is not None:
            self._hook_browser(browser)
        return super().authenticate(user, password, browser=browser)

    def _hook_browser(self, browser):
        handle_console = browser._handlers["Runtime.consoleAPICalled"]

        def on_console(**params):
            handle_console(**params)
            name = self._screenshot_request(params)
            if name:
                self._capture(browser, name)

        browser._handlers["Runtime.consoleAPICalled"] = on_console
        browser._websocket_request(
            "Page.addScriptToEvaluateOnNewDocument",
            params={"source": f"window.{SCREENSHOT_FLAG} = true;"},
        )
        browser._websocket_request(
            "Emulation.setTimezoneOverride", params={"timezoneId": self.salesman.tz}
        )
        # Headless Chromium does not give the page its window's size (a 390x844 window makes a
        # 500x701 page): the page gets browser_size itself, as on a phone.
        width, height = self._viewport()
        browser._websocket_request(
            "Emulation.setDeviceMetricsOverride",
            params={
                "width": width,
                "height": height,
                "deviceScaleFactor": 1,
                "mobile": self.touch_enabled,
            },
        )

    def _viewport(self):
        width, height = re.split("[x,]", self.browser_size)
        return int(width), int(height)

    @staticmethod
    def _screenshot_request(params):
        args = params.get("args") or []
        if params.get("type") != "log" or not args:
            return None
        text = args[0].get("value")
        if not isinstance(text, str) or not text.startswith(SCREENSHOT_MARKER):
            return None
        name = text.removeprefix(SCREENSHOT_MARKER)
        return name if SCREENSHOT_NAME.fullmatch(name) else None

    def _capture(self, browser, name):
        """Capture the page (called from the browser's event thread: no blocking request)."""
        written = self.screenshots[name] = Future()
        path = self.screenshot_dir / f"{name}.png"

        def write(capture):
            try:
                path.write_bytes(base64.b64decode(capture.result()["data"], validate=True))
            except Exception as error:  # reported by the test, not in this thread
                written.set_exception(error)
            else:
                written.set_result(path)
            event = (
                f"new CustomEvent({json.dumps(SCREENSHOT_EVENT)}, {{detail: {json.dumps(name)}}})"
            )
            browser._websocket_send(
                "Runtime.evaluate", params={"expression": f"document.dispatchEvent({event})"}
            )

        browser._websocket_send(
            "Page.captureScreenshot", params={"format": "png"}, with_future=True
        ).add_done_callback(write)

    def _check_screenshots(self):
        width, height = self._viewport()
        for name in SCREENSHOTS:
            self.assertIn(name, self.screenshots, f"the tour took no screenshot {name}")
            data = self.screenshots[name].result(timeout=10).read_bytes()
            self.assertEqual(data[:8], PNG_SIGNATURE, f"{name} is not a PNG")
            self.assertEqual(
                struct.unpack(">II", data[16:24]), (width, height), f"{name}: not the viewport"
            )
            self.assertGreater(len(data), 20000, f"{name} looks blank")

    def _run_flow(self):
        today = fields.Date.context_today(self.salesman.with_context(tz=self.salesman.tz))
        self.start_tour("/odoo/crm", TOUR, login=self.salesman.login)
        self._check_screenshots()
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


@tagged("post_install", "-at_install")
class TestFollowupFlowPhone(FollowupFlowTourCase):
    browser_size = "390x844"
    touch_enabled = True
    screenshot_folder = "phone"

    def test_followup_flow_phone(self):
        self._run_flow()


@tagged("post_install", "-at_install")
class TestFollowupFlowDesktop(FollowupFlowTourCase):
    browser_size = "1440x900"
    screenshot_folder = "desktop"

    def test_followup_flow_desktop(self):
        self._run_flow()
