"""The team chat robots: what each platform receives (its format, its signature, split to its
size), in the team's language; the outbox sent at the platform's pace, tried again after a
rate limit or an outage, failed after 8 tries; credentials that never show; a webhook only on
the platform's own host. Against a real HTTP server on 127.0.0.1 that checks each request by
the platform's rules (robot_server)."""

import json
import logging
from datetime import date, datetime, timedelta

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import HttpCase, new_test_user, tagged

from ..tools import robot as platform
from .common import FollowupCommon
from .robot_server import RobotServer

ALLOWED = "sales_followup.robot_allowed_hosts"
SECRET = "SECa1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6"


class RobotCommon(FollowupCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.server = RobotServer().start()
        cls.addClassCleanup(cls.server.stop)
        cls.env["ir.config_parameter"].sudo().set_param(ALLOWED, cls.server.host)
        cls.env["res.lang"]._activate_lang("zh_CN")
        cls.env["ir.module.module"]._load_module_terms(
            ["sales_followup"], ["zh_CN"], overwrite=True
        )
        cls.team.user_id = cls.user_manager
        cls.Robot = cls.env["sales.followup.robot"].with_user(cls.user_manager)
        cls.Message = cls.env["sales.followup.robot.message"]

    def setUp(self):
        super().setUp()
        self.server.reset()

    def _robot(self, kind, token, secret=None, **vals):
        if secret:
            self.server.set_secret(token, secret)
        values = {
            "name": f"{kind} group",
            "kind": kind,
            "webhook_url": self.server.url(kind, token),
            "secret": secret or False,
            "team_ids": [(6, 0, self.team.ids)],
        }
        values.update(vals)
        return self.Robot.create(values)

    def _send(self, when=None):
        """The outbox's scheduled action, as the scheduler calls it, at ``when``."""
        if when:
            with self.frozen(when), self.batch_commits_skipped():
                return self.Message._cron_robot_send()
        with self.batch_commits_skipped():
            return self.Message._cron_robot_send()

    def _messages(self, robot):
        return self.Message.search([("robot_id", "=", robot.id)], order="id")

    def assertServerClean(self):
        self.assertFalse(self.server.rejected, "the platform refused a request")
        self.assertFalse(self.server.errors)


@tagged("post_install", "-at_install")
class TestRobotFormats(RobotCommon):
    def test_test_message_on_each_platform(self):
        wecom = self._robot("wecom", "wk1")
        dingtalk = self._robot("dingtalk", "dt1", secret=SECRET, lang="zh_CN")
        feishu = self._robot("feishu", "fs1", secret=SECRET)
        robots = wecom | dingtalk | feishu
        action = robots.action_test()
        self.assertEqual(action["params"]["type"], "success")
        # Queued, never sent inside the click.
        self.assertFalse(self.server.requests)
        self.assertEqual(
            set(self.Message.search([("robot_id", "in", robots.ids)]).mapped("state")), {"queued"}
        )
        self.assertEqual(self._send(), 3)
        self.assertServerClean()
        received = {entry["kind"]: entry for entry in self.server.received}
        self.assertEqual(set(received), {"wecom", "dingtalk", "feishu"})
        self.assertEqual(received["wecom"]["body"]["msgtype"], "markdown")
        self.assertIn("East China Sales", received["wecom"]["text"])
        self.assertIn("This group will receive", received["feishu"]["text"])
        # The Chinese robot writes Chinese.
        self.assertIn("测试消息", received["dingtalk"]["body"]["markdown"]["title"])
        self.assertNotIn("This group", received["dingtalk"]["text"])
        for robot in robots:
            message = self._messages(robot)
            self.assertEqual((message.state, message.attempts), ("sent", 1))
            self.assertTrue(message.date_sent)

    def test_signatures(self):
        good = self._robot("dingtalk", "dt2", secret=SECRET)
        self._robot("feishu", "fs2", secret=SECRET)
        (good | self.Robot.search([("name", "=", "feishu group")])).action_test()
        self._send()
        self.assertServerClean()
        self.assertEqual(len(self.server.received), 2)
        # A robot configured with the wrong secret: the platform refuses, the message fails at
        # once (sending it again changes nothing), with the platform's answer.
        wrong = self._robot("dingtalk", "dt3", name="Wrong secret")
        self.server.set_secret("dt3", SECRET)
        wrong.sudo().secret = "SECnot-the-right-one"
        wrong.action_test()
        self._send()
        message = self._messages(wrong)
        self.assertEqual((message.state, message.attempts), ("failed", 1))
        self.assertIn("310000", message.error)
        self.assertEqual(wrong.failed_count, 1)

    def test_split_at_the_platform_size(self):
        line = "宁波海天塑料制品厂 — 注塑机采购，客户要求下周报价，预算约 120 万元。🙂"
        text = "\n".join(f"{index}. {line}" for index in range(400))
        self.assertGreater(len(text.encode()), 30_000)
        for kind in ("wecom", "dingtalk", "feishu"):
            robot = self._robot(kind, f"split-{kind}")
            messages = robot.sudo()._robot_queue("test", "长消息", text)
            self.assertGreater(len(messages), 1, kind)
        self._send()
        self.assertServerClean()
        for kind in ("wecom", "dingtalk", "feishu"):
            parts = [entry["text"] for entry in self.server.received if entry["kind"] == kind]
            joined = "\n".join(parts)
            # Every line arrives whole, once, in order.
            for index in (0, 199, 399):
                self.assertEqual(
                    joined.count(f"\n{index}. {line}") + joined.startswith(f"{index}. {line}"), 1
                )
            self.assertNotIn("\ufffd", joined)


@tagged("post_install", "-at_install")
class TestRobotOutbox(RobotCommon):
    def test_rate_limit_31_messages_two_minutes(self):
        robot = self._robot("wecom", "rate1")
        with self.frozen("2026-03-10 09:00:00"):
            for index in range(31):
                robot.sudo()._robot_queue("test", f"Message {index}", f"Body {index}")
        self.assertEqual(self._send("2026-03-10 09:00:00"), 20)
        self.assertEqual(self._send("2026-03-10 09:00:30"), 0, "the same minute: nothing more")
        self.assertEqual(self._send("2026-03-10 09:01:00"), 11)
        self.assertServerClean()
        self.assertFalse(self.server.limited, "the platform never had to refuse")
        bodies = [entry["text"] for entry in self.server.received]
        self.assertEqual(len(bodies), 31)
        self.assertEqual(len(set(bodies)), 31, "none twice")
        self.assertEqual(set(self._messages(robot).mapped("state")), {"sent"})
        # In the order they were queued.
        self.assertEqual(bodies[0].splitlines()[-1], "Body 0")
        self.assertEqual(bodies[-1].splitlines()[-1], "Body 30")

    def test_feishu_five_a_second(self):
        robot = self._robot("feishu", "pace1", secret=SECRET)
        for index in range(12):
            robot.sudo()._robot_queue("test", f"Pace {index}", f"Paced message {index}")
        self.assertEqual(self._send(), 12, "Feishu takes 100 a minute")
        self.assertServerClean()
        self.assertFalse(self.server.limited, "never more than 5 in a second")
        self.assertEqual(len(self.server.received), 12)
        times = [entry["time"] for entry in self.server.received]
        self.assertGreaterEqual(times[5] - times[0], 1.0)
        self.assertGreaterEqual(times[10] - times[5], 1.0)

    def test_backoff_then_failed_after_eight_tries(self):
        robot = self._robot("dingtalk", "down1")
        other = self._robot("dingtalk", "down2", name="Second group")
        with self.frozen("2026-03-10 09:00:00"):
            robot.sudo()._robot_queue("test", "First", "First message")
            robot.sudo()._robot_queue("test", "Second", "Second message")
        self.server.script(
            "down1",
            ("status", 429),
            ("status", 502),
            ("close",),
            ("code", 130101),
            ("status", 503),
            ("status", 500),
            ("close",),
            ("status", 502),
        )
        when = datetime(2026, 3, 10, 9, 0, 0)
        waits = []
        first, second = self._messages(robot)
        for attempt in range(1, 9):
            self.assertEqual(self._send(when), 1, f"try {attempt}: one message, then a pause")
            self.assertEqual(first.attempts, attempt)
            if attempt < 8:
                self.assertEqual(first.state, "queued")
                waits.append(first.next_attempt - when)
                # The robot's other messages wait with it: no storm after the outage.
                self.assertGreaterEqual(second.next_attempt, first.next_attempt)
                self.assertEqual(second.attempts, 0)
                # Nothing goes before the time.
                self.assertEqual(self._send(first.next_attempt - timedelta(seconds=1)), 0)
                when = first.next_attempt
        self.assertEqual(first.state, "failed")
        self.assertIn("502", first.error)
        self.assertEqual(
            waits[:3], [timedelta(minutes=1), timedelta(minutes=2), timedelta(minutes=4)]
        )
        self.assertEqual(waits[-1], timedelta(hours=1), "at most an hour")
        self.assertEqual(robot.failed_count, 1)
        # The backlog then drains.
        self.assertEqual(self._send(when + timedelta(hours=2)), 1)
        self.assertEqual(second.state, "sent")
        self.assertEqual(second.attempts, 1)
        self.assertFalse(self._messages(other))
        # A manager sends the failed one again.
        with self.frozen(when + timedelta(hours=2, minutes=4)):
            first.with_user(self.user_manager).action_retry()
        self.assertEqual((first.state, first.attempts), ("queued", 0))
        self.assertEqual(self._send(when + timedelta(hours=2, minutes=5)), 1)
        self.assertEqual(first.state, "sent")
        self.assertServerClean()

    def test_no_answer_within_the_time_out(self):
        robot = self._robot("feishu", "slow1")
        robot.sudo()._robot_queue("test", "Slow", "Slow platform")
        # The platform answers after the 10 s the outbox waits.
        self.server.script("slow1", ("hang", platform.TIMEOUT + 1))
        self._send()
        message = self._messages(robot)
        self.assertEqual((message.state, message.attempts), ("queued", 1))
        self.assertIn(f"{platform.TIMEOUT} seconds", message.error)
        self.assertEqual(len(self.server.late), 1)

    def test_redirect_not_followed_and_big_answer(self):
        robot = self._robot("wecom", "redir1")
        robot.sudo()._robot_queue("test", "Redirect", "To elsewhere")
        self.server.script("redir1", ("redirect", f"http://{self.server.host}/elsewhere"))
        self._send()
        message = self._messages(robot)
        self.assertEqual(message.state, "failed")
        self.assertIn("302", message.error)
        self.assertEqual(
            [request["path"] for request in self.server.requests if "elsewhere" in request["path"]],
            [],
        )
        big = self._robot("wecom", "big1")
        big.sudo()._robot_queue("test", "Big", "A big answer")
        self.server.script("big1", ("big",))
        self._send()
        self.assertEqual(self._messages(big).state, "sent")

    def test_sent_messages_kept_thirty_days(self):
        robot = self._robot("wecom", "gc1")
        with self.frozen("2026-02-01 09:00:00"):
            robot.sudo()._robot_queue("test", "Old", "Old")
            robot.sudo()._robot_queue("test", "Failed", "Failed")
        with self.frozen("2026-03-01 09:00:00"):
            robot.sudo()._robot_queue("test", "Recent", "Recent")
        old, failed, recent = self._messages(robot)
        self._send("2026-02-01 09:00:00")  # the first two
        failed.sudo().write({"state": "failed"})
        self._send("2026-03-01 09:00:00")
        self.assertEqual((old | failed | recent).mapped("state"), ["sent", "failed", "sent"])
        with self.frozen("2026-03-10 09:00:00"):
            self.Message._gc_sent_messages()
        self.assertEqual(self._messages(robot), failed | recent)

    def test_archived_robot_waits(self):
        robot = self._robot("wecom", "arch1")
        robot.sudo()._robot_queue("test", "Later", "Later")
        robot.active = False
        self.assertEqual(self._send(), 0)
        robot.active = True
        self.assertEqual(self._send(), 1)


@tagged("post_install", "-at_install")
class TestRobotSafety(RobotCommon):
    def test_only_the_platform_hosts(self):
        for kind, url, host in (
            ("wecom", "https://evil.example.com/cgi-bin/webhook/send?key=abc", "evil.example.com"),
            (
                "wecom",
                "https://qyapi.weixin.qq.com.evil.example.com/cgi-bin/webhook/send?key=abc",
                "qyapi.weixin.qq.com.evil.example.com",
            ),
            ("dingtalk", "https://open.feishu.cn/open-apis/bot/v2/hook/abc", "open.feishu.cn"),
            ("feishu", "https://127.0.0.2:8443/open-apis/bot/v2/hook/abc", "127.0.0.2:8443"),
        ):
            with self.assertRaises(ValidationError) as caught:
                self.Robot.create(
                    {"name": "Bad", "kind": kind, "webhook_url": url, "team_ids": self.team.ids}
                )
            self.assertIn(host, str(caught.exception))
            self.assertNotIn("key=abc", str(caught.exception))
            self.assertNotIn("/hook/abc", str(caught.exception))
        with self.assertRaises(ValidationError) as caught:
            self.Robot.create(
                {
                    "name": "Plain HTTP",
                    "kind": "wecom",
                    "webhook_url": "http://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc",
                    "team_ids": self.team.ids,
                }
            )
        self.assertIn("https://", str(caught.exception))
        # The official hosts over HTTPS.
        for kind, url in (
            ("wecom", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc"),
            ("dingtalk", "https://oapi.dingtalk.com/robot/send?access_token=abc"),
            ("feishu", "https://open.larksuite.com/open-apis/bot/v2/hook/abc"),
        ):
            self.assertTrue(
                self.Robot.create(
                    {"name": kind, "kind": kind, "webhook_url": url, "team_ids": self.team.ids}
                )
            )
        # WeCom does not sign.
        with self.assertRaises(ValidationError):
            self._robot("wecom", "wk-secret", secret=SECRET)

    def test_secrets_never_shown(self):
        token = "tok-0123456789-never-show"
        robot = self._robot("dingtalk", token, secret=SECRET)
        # The platform cannot be reached: the error names the host, not the URL nor the key.
        closed = RobotServer().start()
        closed_url = closed.url("dingtalk", token)
        closed_host = closed.host
        closed.stop()
        params = self.env["ir.config_parameter"].sudo()
        params.set_param(ALLOWED, f"{self.server.host},{closed_host}")
        robot.sudo().webhook_url = closed_url
        robot.sudo()._robot_queue("test", "Unreachable", "Nobody listens")
        with self.assertLogs("odoo.addons.sales_followup", level="DEBUG") as logs:
            logging.getLogger("odoo.addons.sales_followup").debug("capture starts")
            self._send()
            unreachable = self._messages(robot)
            self.assertEqual(unreachable.state, "queued")
            self.assertIn(closed_host, unreachable.error)
            errors = [unreachable.error]
            # A wrong key: failed at once, logged as a warning.
            robot.sudo().webhook_url = self.server.url("dingtalk", token)
            self.server.script(token, ("code", 300001))
            robot.sudo()._robot_queue("test", "Refused", "Wrong key")
            with self.frozen(datetime.now() + timedelta(hours=2)):
                self._send()
        messages = self._messages(robot)
        # The unreachable one was tried again (and went) once the URL was right.
        self.assertEqual(messages.mapped("state"), ["sent", "failed"])
        self.assertEqual(messages[0].attempts, 2)
        shown = "\n".join(
            [
                *logs.output,
                *errors,
                *filter(None, messages.mapped("error") + messages.mapped("payload")),
            ]
            + [body for body in self.env["mail.message"].search([]).mapped("body") if body]
        )
        for secret in (token, SECRET):
            self.assertNotIn(secret, shown)
        self.assertTrue(any("300001" in line for line in logs.output))

    def test_salesperson_cannot_read_the_robot(self):
        robot = self._robot("wecom", "acl1")
        with self.assertRaises(AccessError):
            robot.with_user(self.user_salesman).read(["name"])
        with self.assertRaises(AccessError):
            self.Message.with_user(self.user_salesman).search([])
        # Managers read it; callers write nothing the robots' runs write.
        self.assertEqual(
            robot.read(["webhook_url"])[0]["webhook_url"], self.server.url("wecom", "acl1")
        )
        with self.assertRaises(UserError):
            robot.write({"last_sheet_date": date(2026, 3, 10)})
        robot.sudo()._robot_queue("test", "Mine", "Mine")
        message = self._messages(robot).with_user(self.user_manager)
        with self.assertRaises(UserError):  # an AccessError, as for any write
            message.write({"state": "sent"})
        with self.assertRaises(UserError):
            message.action_retry()  # only a failed one
        # Another company's manager sees none of it.
        other = self.env["res.company"].create({"name": "Other Co"})
        outsider = new_test_user(
            self.env,
            login="sf_robot_outsider",
            groups="sales_team.group_sale_manager",
            company_id=other.id,
            company_ids=[(6, 0, other.ids)],
        )
        self.assertFalse(self.env["sales.followup.robot"].with_user(outsider).search([]))


@tagged("post_install", "-at_install")
class TestRobotPosts(RobotCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user_manager.lang = "zh_CN"
        cls.user_salesman.write({"name": "王磊"})
        cls.user_salesman.partner_id.phone = "+86 138 0000 1111"
        cls.user_salesman.followup_feishu_id = "ou_wanglei"

    def _overdue_lead(self, name, customer, due, action):
        with self.frozen("2026-03-01 09:00:00"):
            lead = self._lead(name=name, partner_name=customer, followup_grade="b")
            self._log(lead, next_date=due, next_action=action)
        return lead

    def _digest(self, when):
        with self.frozen(when), self.batch_commits_skipped():
            self.env["sales.followup.digest"]._cron_followup_digest()
            self.env.flush_all()

    def test_morning_sheet_in_the_team_language(self):
        zh = self._robot("wecom", "sheet-zh")
        en = self._robot("dingtalk", "sheet-en", lang="en_US", name="English group")
        self._overdue_lead("注塑机采购", "宁波海天塑料制品厂", date(2026, 3, 7), "发送报价单")
        # 07:00: not the hour yet.
        self._digest("2026-03-10 07:00:00")
        self.assertFalse(self.Message.search([("post", "=", "team_sheet")]))
        # 08:10: the leader's digest and the robots' sheets, from one computation: the
        # robots post from the batch of the leader's digest, with its figures.
        Post = type(self.env["sales.followup.robot.post"])
        posted = []
        original = Post._post_mornings

        def recorded(post, shared=None):
            done = original(post, shared)
            posted.append((bool(shared), done))
            return done

        self.patch(Post, "_post_mornings", recorded)
        self._digest("2026-03-10 08:10:00")
        self.assertIn((True, 2), posted)
        self.assertEqual([done for shared, done in posted if not shared], [0])
        self._digest("2026-03-10 09:10:00")  # the next run: once a day
        sheets = self.Message.search([("post", "=", "team_sheet")])
        self.assertEqual(sheets.robot_id, zh | en)
        self.assertEqual(len(sheets), 2)
        self.assertEqual(zh.last_sheet_date, date(2026, 3, 10))
        self._send("2026-03-10 09:10:00")
        self.assertServerClean()
        chinese = next(entry for entry in self.server.received if entry["kind"] == "wecom")
        self.assertIn("王磊", chinese["text"])
        self.assertIn("逾期", chinese["text"])
        self.assertIn("宁波海天塑料制品厂", chinese["text"])
        self.assertIn("/odoo/crm/", chinese["text"])
        self.assertNotIn("overdue", chinese["text"])
        english = next(entry for entry in self.server.received if entry["kind"] == "dingtalk")
        self.assertIn("overdue 1", english["text"])
        self.assertIn("Most overdue", english["text"])
        self.assertIn("宁波海天塑料制品厂", english["text"])
        # The leader's digest has the same figures (one computation).
        digest = self.env["mail.message"].search(
            [
                ("message_type", "=", "user_notification"),
                ("partner_ids", "in", self.user_manager.partner_id.ids),
            ]
        )
        self.assertIn("宁波海天塑料制品厂", digest.body)

    def test_escalation_mentions_the_salesperson(self):
        wecom = self._robot("wecom", "esc-wk")
        dingtalk = self._robot("dingtalk", "esc-dt", secret=SECRET)
        feishu = self._robot("feishu", "esc-fs")
        quiet = self._robot("wecom", "esc-quiet", post_escalation=False, name="Quiet")
        self._set_param("escalation_since", "2026-03-01")
        self._overdue_lead("注塑机采购", "宁波海天塑料制品厂", date(2026, 3, 7), "发送报价单")
        self._digest("2026-03-10 02:00:00")
        messages = self.Message.search([("post", "=", "escalation")])
        self.assertEqual(messages.robot_id, wecom | dingtalk | feishu)
        self.assertNotIn(quiet, messages.robot_id)
        self._send("2026-03-10 02:00:00")
        self.assertServerClean()
        by_kind = {entry["kind"]: entry for entry in self.server.received}
        for kind in ("wecom", "dingtalk", "feishu"):
            text = by_kind[kind]["text"]
            # "王磊 的 宁波海天塑料制品厂 逾期 3 天 — 下一步：发送报价单", the customer a link.
            self.assertRegex(text, r"王磊 的 \[?宁波海天塑料制品厂", kind)
            self.assertIn("逾期 3 天 — 下一步：发送报价单", text, kind)
            self.assertIn("/odoo/crm/", text, kind)
        self.assertEqual(by_kind["wecom"]["body"]["msgtype"], "text")
        self.assertEqual(by_kind["wecom"]["body"]["text"]["mentioned_mobile_list"], ["13800001111"])
        self.assertEqual(by_kind["dingtalk"]["body"]["at"]["atMobiles"], ["13800001111"])
        self.assertIn("@13800001111", by_kind["dingtalk"]["text"])
        self.assertIn(
            "<at id=ou_wanglei></at>", json.dumps(by_kind["feishu"]["body"], ensure_ascii=False)
        )
        # Once per step: the next run says nothing more.
        self._digest("2026-03-10 03:00:00")
        self.assertEqual(len(self.Message.search([("post", "=", "escalation")])), 3)

    def test_pool_notices(self):
        self._set_param("pool_enabled", "True")
        self._set_param("pool_enabled_date", "2026-02-01")
        self._set_param("pool_missed_count", "50")
        robot = self._robot("feishu", "pool-fs")
        with self.frozen("2026-02-10 09:00:00"):
            lead = self._lead(name="Returns tonight", partner_name="上海贸易", followup_grade="b")
            self._log(lead, next_date=date(2026, 2, 13))
        with self.frozen("2026-02-24 09:00:00"):
            soon = self._lead(name="Returns soon", partner_name="苏州精密", followup_grade="b")
            self._log(soon, next_date=date(2026, 2, 27))
        with self.frozen("2026-03-10 01:00:00"), self.batch_commits_skipped():
            self.env["crm.lead"]._cron_followup_pool_reclaim()
        self.assertTrue(lead.followup_in_pool)
        self._digest("2026-03-10 08:10:00")
        pool = self.Message.search([("post", "=", "pool"), ("robot_id", "=", robot.id)])
        self.assertEqual(len(pool), 1)
        self.assertIn("上海贸易", pool.content)
        self.assertIn("苏州精密", pool.content)
        self.assertIn("王磊", pool.content)
        self.assertFalse(soon.followup_in_pool)
        self._send("2026-03-10 08:10:00")
        self.assertServerClean()


@tagged("post_install", "-at_install")
class TestRobotRpc(HttpCase):
    """Over the web client's RPC: a salesperson reads no robot, a manager reads its URL."""

    def test_salesperson_cannot_read_the_url(self):
        server = RobotServer().start()
        self.addCleanup(server.stop)
        self.env["ir.config_parameter"].sudo().set_param(ALLOWED, server.host)
        team = self.env["crm.team"].create({"name": "RPC team"})
        robot = self.env["sales.followup.robot"].create(
            {
                "name": "RPC robot",
                "kind": "wecom",
                "webhook_url": server.url("wecom", "rpc-secret-key"),
                "team_ids": team.ids,
            }
        )
        new_test_user(self.env, login="sf_rpc_rep", groups="sales_team.group_sale_salesman")
        new_test_user(self.env, login="sf_rpc_mgr", groups="sales_team.group_sale_manager")
        for login, fields_ in (("sf_rpc_rep", ["webhook_url"]), ("sf_rpc_rep", ["name"])):
            self.authenticate(login, login)
            with self.assertRaises(Exception) as caught:
                self.make_jsonrpc_request(
                    "/web/dataset/call_kw",
                    {
                        "model": "sales.followup.robot",
                        "method": "read",
                        "args": [robot.ids, fields_],
                        "kwargs": {},
                    },
                )
            self.assertNotIn("rpc-secret-key", str(caught.exception))
            self.assertIn("AccessError", str(caught.exception))
        self.authenticate("sf_rpc_mgr", "sf_rpc_mgr")
        result = self.make_jsonrpc_request(
            "/web/dataset/call_kw",
            {
                "model": "sales.followup.robot",
                "method": "read",
                "args": [robot.ids, ["webhook_url"]],
                "kwargs": {},
            },
        )
        self.assertIn("rpc-secret-key", result[0]["webhook_url"])
