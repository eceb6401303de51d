"""The weekly review in the team's group chat: on the review's weekday and hour in the team
leader's time zone, once per period, the headline figures of the robot's teams with a link to
the funnel report (no PDF to the group), in the robot's language; sent by the robots' outbox
to a stand-in of the platform."""

from odoo.tests import tagged

from odoo.addons.sales_followup.tests.robot_server import RobotServer

from .test_weekly_review import ReviewCommon


@tagged("post_install", "-at_install")
class TestReviewRobot(ReviewCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.server = RobotServer().start()
        cls.addClassCleanup(cls.server.stop)
        cls.env["ir.config_parameter"].sudo().set_param(
            "sales_followup.robot_allowed_hosts", cls.server.host
        )
        Robot = cls.env["sales.followup.robot"].with_user(cls.manager)
        cls.east = Robot.create(
            {
                "name": "华东群",
                "kind": "feishu",
                "webhook_url": cls.server.url("feishu", "review-east"),
                "team_ids": cls.team_1.ids,
                "lang": "zh_CN",
            }
        )
        cls.north = Robot.create(
            {
                "name": "North group",
                "kind": "dingtalk",
                "webhook_url": cls.server.url("dingtalk", "review-north"),
                "team_ids": cls.team_2.ids,
                "lang": "en_US",
            }
        )
        cls.quiet = Robot.create(
            {
                "name": "No review",
                "kind": "wecom",
                "webhook_url": cls.server.url("wecom", "review-quiet"),
                "team_ids": cls.team_1.ids,
                "post_review": False,
            }
        )

    def _posts(self):
        return self.env["sales.followup.robot.message"].search(
            [("post", "=", "review")], order="id"
        )

    def test_review_posted_once_per_period(self):
        self.server.reset()
        # Monday 07:30 in Shanghai (Team East's leader): not yet.
        self._review("2026-03-01 23:30:00")
        self.assertFalse(self._posts())
        # Monday 08:10 in Shanghai: Team East's; Team North has no leader (UTC): 00:10 there.
        self._review("2026-03-02 00:10:00")
        self.assertEqual(self._posts().robot_id, self.east)
        self._review("2026-03-02 08:10:00")
        self._review("2026-03-02 09:10:00")  # the next hourly run: nothing twice
        posts = self._posts()
        self.assertEqual(posts.robot_id, self.east | self.north)
        self.assertEqual(len(posts), 2)
        self.assertNotIn(self.quiet, posts.robot_id)
        with self._frozen("2026-03-02 09:10:00"):
            self.env["sales.followup.robot.message"]._cron_robot_send()
        self.assertFalse(self.server.rejected)
        by_kind = {entry["kind"]: entry for entry in self.server.received}
        east, north = by_kind["feishu"], by_kind["dingtalk"]
        # Team East: L3 won on 03-01 (80,000); in Chinese, the report linked, no PDF.
        self.assertIn("每周复盘", east["title"])
        self.assertIn("Team East", east["title"])
        self.assertIn("赢单：1", east["text"])
        self.assertIn("80,000", east["text"])
        self.assertIn(
            "action-sales_followup_reports.sales_followup_funnel_report_action", east["text"]
        )
        self.assertNotIn("Team North", east["text"] + east["title"])
        # Team North: L5 came in and was contacted; in English.
        self.assertIn("weekly review", north["title"])
        self.assertIn("- New leads: 1", north["text"])
        self.assertIn("- Follow-ups logged: 1 (on rhythm 100.0%)", north["text"])
        self.assertEqual(self.east.last_review_date.isoformat(), "2026-03-01")
