"""What the web client tours share: a salesman of a Chinese sales team, the browser at phone or
desktop width, and the screenshots the tours ask for."""

import base64
import json
import re
import struct
from concurrent.futures import Future
from pathlib import Path

from odoo.tests import HttpCase, new_test_user

from odoo.addons.sales_followup.compat import SERIES, TOUR_STEP_LEAVING_PAGE

# The screenshot handshake with the tours (static/tests/tours/tour_utils.js).
SCREENSHOT_FLAG = "salesFollowupScreenshots"
SCREENSHOT_MARKER = "sales_followup:screenshot:"
SCREENSHOT_EVENT = "sales_followup:screenshot-taken"
SCREENSHOT_NAME = re.compile(r"[a-z0-9]+(?:_[a-z0-9]+)*")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# What the tours add to a step that loads a new page (tour_utils.js).
LEAVING_PAGE_KEYS = "salesFollowupLeavingPage"
# One folder per series: both series' suites run at once from one checkout.
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "tour" / f"{SERIES}.0"
# Where the browser says the rep is (Shaoxing).
POSITION = {"latitude": 30.0023, "longitude": 120.5811, "accuracy": 25}


class FollowupTourCase(HttpCase):
    """Runs tours as a salesman of a Chinese sales team and keeps their screenshots.

    The browser is hooked when the test authenticates it (the one place HttpCase hands it
    over): a console message ``sales_followup:screenshot:<name>`` from the tour captures the
    page into ``artifacts/tour/<series>/<screenshot_folder>/<name>.png``, then tells the tour
    to go on, so each picture shows the state the tour reached. The browser also runs in the
    salesman's time zone, so that "today" is the same day for the browser and the server, and
    the tours learn what the tour runner of the series wants on a step that loads a new page.
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
        cls.team = cls.env["crm.team"].create(
            {
                "name": "East China Sales",
                "crm_team_member_ids": [(0, 0, {"user_id": cls.salesman.id})],
            }
        )
        cls.followup_type = cls.env.ref("sales_followup.mail_activity_type_followup")

    def setUp(self):
        super().setUp()
        self.screenshot_dir = ARTIFACTS / self.screenshot_folder
        self.screenshot_dir.mkdir(parents=True, exist_ok=True)
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
            params={
                "source": f"window.{SCREENSHOT_FLAG} = true;"
                f" window.{LEAVING_PAGE_KEYS} = {json.dumps(TOUR_STEP_LEAVING_PAGE)};"
            },
        )
        browser._websocket_request(
            "Emulation.setTimezoneOverride", params={"timezoneId": self.salesman.tz}
        )
        # The rep lets the site know where they are (the visit check-in).
        browser._websocket_request(
            "Browser.grantPermissions",
            params={"permissions": ["geolocation"], "origin": self.base_url()},
        )
        browser._websocket_request("Emulation.setGeolocationOverride", params=POSITION)
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

    def _start(self, url, tour, screenshots, login=None):
        """Run ``tour`` from ``url`` as the salesman (or ``login``), its old screenshots removed
        first."""
        for name in screenshots:
            (self.screenshot_dir / f"{name}.png").unlink(missing_ok=True)
        login = login or self.salesman.login
        # The user has met OdooBot: its first chat would open over the page (all of a phone's).
        user = self.env["res.users"].search([("login", "=", login)])
        if "odoobot_state" in user._fields:
            user.odoobot_state = "disabled"
        self.start_tour(url, tour, login=login)
        self._check_screenshots(screenshots)

    def _check_screenshots(self, names):
        width, height = self._viewport()
        for name in names:
            self.assertIn(name, self.screenshots, f"the tour took no screenshot {name}")
            data = self.screenshots[name].result(timeout=10).read_bytes()
            self.assertEqual(data[:8], PNG_SIGNATURE, f"{name} is not a PNG")
            self.assertEqual(
                struct.unpack(">II", data[16:24]), (width, height), f"{name}: not the viewport"
            )
            self.assertGreater(len(data), 20000, f"{name} looks blank")
