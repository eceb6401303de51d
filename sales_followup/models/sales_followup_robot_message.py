import json
import logging
import time
from datetime import timedelta

import requests

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..compat import cron_progress
from ..tools import robot as platform

_logger = logging.getLogger(__name__)

POSTS = [
    ("test", "Test"),
    ("team_sheet", "Morning Sheet"),
    ("escalation", "Escalation"),
    ("pool", "Pool Notice"),
    ("review", "Weekly Review"),
]
STATES = [("queued", "Queued"), ("sent", "Sent"), ("failed", "Failed")]
# Messages sent to one robot in one call of the outbox: one platform minute at most.
SEND_BATCH = 20
# The advisory lock of one robot's sending: a second worker goes to another robot.
LOCK_KEY = 720_260_26
# Days a sent message stays in the outbox (failed ones stay until they are sent again).
SENT_KEPT_DAYS = 30


class SalesFollowupRobotMessage(models.Model):
    """A message waiting for, or done with, a team robot: the outbox. Created by the posts
    (never by a caller), sent by the scheduled action at the platform's pace: each robot's
    messages in order, at most its platform's rate, tried again later after a rate limit, an
    HTTP 429 or 5xx, a time-out or no answer (1, 2, 4 … minutes, at most an hour), failed
    after 8 tries or at once on an error that sending again would not change (a wrong key or
    signature), with the platform's answer for the sales managers."""

    _name = "sales.followup.robot.message"
    _inherit = ["sales.followup.input.guard"]
    _description = "Team Robot Message"
    _order = "id desc"
    _rec_name = "title"

    robot_id = fields.Many2one(
        "sales.followup.robot", required=True, index=True, ondelete="cascade", readonly=True
    )
    company_id = fields.Many2one(related="robot_id.company_id", store=True, index=True)
    kind = fields.Selection(related="robot_id.kind")
    post = fields.Selection(POSTS, required=True, readonly=True)
    title = fields.Char(readonly=True)
    state = fields.Selection(STATES, required=True, default="queued", readonly=True)
    attempts = fields.Integer(string="Tries", default=0, readonly=True)
    next_attempt = fields.Datetime(
        string="Next Try", default=fields.Datetime.now, readonly=True, required=True
    )
    last_attempt = fields.Datetime(string="Last Try", readonly=True)
    date_sent = fields.Datetime(string="Sent On", readonly=True)
    payload = fields.Text(readonly=True, help="The message as the platform receives it.")
    content = fields.Text(string="Message", compute="_compute_content")
    error = fields.Text(readonly=True, help="The platform's answer to the last try.")

    def init(self):
        self.env.cr.execute(
            """CREATE INDEX IF NOT EXISTS sales_followup_robot_message_due_idx
                   ON sales_followup_robot_message (next_attempt, robot_id)
                WHERE state = 'queued'"""
        )
        self.env.cr.execute(
            """CREATE INDEX IF NOT EXISTS sales_followup_robot_message_attempt_idx
                   ON sales_followup_robot_message (robot_id, last_attempt)"""
        )

    @api.depends("payload")
    def _compute_content(self):
        for message in self:
            try:
                body = json.loads(message.payload or "{}")
            except ValueError:
                body = {}
            inner = body.get("markdown") or body.get("text") or {}
            if isinstance(inner, dict):
                text = inner.get("content") or inner.get("text") or ""
            else:
                text = ""
            if not text and isinstance(body.get("card"), dict):
                text = "\n".join(
                    element.get("content", "")
                    for element in body["card"].get("elements", [])
                    if isinstance(element, dict)
                )
            message.content = text

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su:
            raise UserError(_("Team robot messages are written by the robots' posts only."))
        return super().create(vals_list)

    def write(self, vals):
        if not self.env.su:
            raise UserError(_("Team robot messages are written by the robots' posts only."))
        return super().write(vals)

    # ------------------------------------------------------------
    # Buttons
    # ------------------------------------------------------------

    def action_retry(self):
        """Queue failed messages again, from their first try."""
        self._input_check_ids()
        self.check_access("read")
        self.robot_id.check_access("write")
        not_failed = self.filtered(lambda message: message.state != "failed")
        if not_failed:
            raise UserError(
                _(
                    "Only failed messages are sent again: %(message)s is %(state)s.",
                    message=not_failed[0].title,
                    state=dict(self._fields["state"]._description_selection(self.env)).get(
                        not_failed[0].state
                    ),
                )
            )
        self.sudo().write(
            {
                "state": "queued",
                "attempts": 0,
                "error": False,
                "next_attempt": fields.Datetime.now(),
            }
        )
        self.env["sales.followup.robot"]._robot_wake_outbox()
        return True

    @api.autovacuum
    def _gc_sent_messages(self):
        """The messages sent more than SENT_KEPT_DAYS ago leave the outbox."""
        limit = fields.Datetime.now() - timedelta(days=SENT_KEPT_DAYS)
        self.sudo().search([("state", "=", "sent"), ("date_sent", "<", limit)]).unlink()

    # ------------------------------------------------------------
    # Sending
    # ------------------------------------------------------------

    @api.model
    def _cron_robot_send(self):
        """Every minute: send the due messages, one robot per call in the scheduler (progress
        API: the runner commits and calls again), by hand until nothing more may go now. A
        robot is sent by one worker at a time (an advisory lock: a second worker takes another
        robot), its messages claimed with FOR UPDATE SKIP LOCKED: a message goes once."""
        in_cron = bool(self.env.context.get("ir_cron_progress_id"))
        done = 0
        idle = set()  # robots with nothing this worker may send (another worker has them)
        while True:
            due = [row for row in self._robot_due() if row[0] not in idle]
            sent = None
            for index, (robot_id, allowance) in enumerate(due):
                self.env.cr.execute(
                    SQL("SELECT pg_try_advisory_xact_lock(%s, %s)", LOCK_KEY, robot_id)
                )
                if not self.env.cr.fetchone()[0]:
                    idle.add(robot_id)
                    continue
                sent = self._robot_send(robot_id, allowance)
                if not sent:
                    idle.add(robot_id)
                done += sent
                if in_cron:
                    cron_progress(self.env, sent, remaining=len(due) - index - 1)
                    return done
                break
            if sent is None:
                break
        return done

    @api.model
    def _robot_due(self):
        """[(robot id, how many it may send now)] of the active robots with due messages and
        room left under their platform's limit per minute (the tries of the last minute
        count)."""
        self.flush_model()
        self.env["sales.followup.robot"].flush_model(["active"])
        now = fields.Datetime.now()
        self.env.cr.execute(
            SQL(
                """
                SELECT robot.id, robot.kind,
                       (SELECT count(*) FROM sales_followup_robot_message tried
                         WHERE tried.robot_id = robot.id AND tried.last_attempt > %(minute)s)
                  FROM sales_followup_robot robot
                 WHERE robot.active
                   AND EXISTS (SELECT 1 FROM sales_followup_robot_message due
                                WHERE due.robot_id = robot.id AND due.state = 'queued'
                                  AND due.next_attempt <= %(now)s)
              ORDER BY robot.id
                """,
                now=now,
                minute=now - timedelta(seconds=60),
            )
        )
        due = []
        for robot_id, kind, tried in self.env.cr.fetchall():
            per_minute = min(n for seconds, n in platform.RATE_LIMITS[kind] if seconds >= 60)
            allowance = min(per_minute - tried, SEND_BATCH)
            if allowance > 0:
                due.append((robot_id, allowance))
        return due

    @api.model
    def _robot_claim(self, robot_id, limit):
        self.env.cr.execute(
            SQL(
                """
                SELECT id, payload, COALESCE(attempts, 0) FROM sales_followup_robot_message
                 WHERE robot_id = %s AND state = 'queued' AND next_attempt <= %s
              ORDER BY next_attempt, id
                 LIMIT %s
                   FOR UPDATE SKIP LOCKED
                """,
                robot_id,
                fields.Datetime.now(),
                limit,
            )
        )
        return self.env.cr.fetchall()

    @api.model
    def _robot_send(self, robot_id, allowance):
        """Send up to ``allowance`` due messages of the robot: how many were tried."""
        robot = self.env["sales.followup.robot"].sudo().browse(robot_id)
        claimed = self._robot_claim(robot_id, allowance)
        if not claimed:
            return 0
        problem = robot._url_problem_message()
        results = []
        pause = None
        paced = []  # when this call's answers came (real time), for the per-second limits
        for message_id, payload, attempts in claimed:
            attempts += 1
            now = fields.Datetime.now()
            if problem:
                results.append((message_id, "failed", attempts, now, None, problem))
                continue
            self._robot_pace(robot.kind, paced)
            verdict, error = self._robot_post(robot, payload)
            # When the answer came: the platform had the message by then.
            paced.append(time.monotonic())
            if verdict == platform.SENT:
                results.append((message_id, "sent", attempts, now, None, False))
                continue
            if verdict == platform.RETRY and attempts < platform.MAX_ATTEMPTS:
                wait = now + timedelta(seconds=platform.backoff(attempts))
                results.append((message_id, "queued", attempts, now, wait, error))
                # The platform is down or says "slower": the robot's other messages wait too
                # (no storm of tries; the backlog drains at the platform's pace afterwards).
                pause = wait
                break
            results.append((message_id, "failed", attempts, now, None, error))
            if verdict == platform.RETRY:
                # Still down after the last try: the others wait as after any outage.
                pause = now + timedelta(seconds=platform.backoff(attempts))
            _logger.warning(
                "Team robot %s (id %s): a message failed after %s tries: %s",
                robot.name,
                robot.id,
                attempts,
                error,
            )
            if pause:
                break
        self._robot_record(results)
        if pause:
            self.env.cr.execute(
                SQL(
                    """UPDATE sales_followup_robot_message
                          SET next_attempt = GREATEST(next_attempt, %s)
                        WHERE robot_id = %s AND state = 'queued'""",
                    pause,
                    robot_id,
                )
            )
            self.invalidate_model(["next_attempt"])
        return len(results)

    @api.model
    def _robot_pace(self, kind, paced):
        """Wait as the platform's limits under a minute ask (Feishu: 5 a second), ``paced``
        being when the answers to this call's messages came."""
        for seconds, limit in platform.RATE_LIMITS[kind]:
            if seconds >= 60 or len(paced) < limit:
                continue
            wait = paced[-limit] + seconds - time.monotonic()
            if wait > 0:
                time.sleep(wait)

    @api.model
    def _robot_post(self, robot, payload):
        """POST one message: (verdict, error). No redirect followed, at most 64 KB of answer
        read, 10 s; the error never holds the URL, its key nor the secret."""
        secrets = platform.url_secrets(robot.webhook_url, robot.secret)
        try:
            body = json.loads(payload)
            url, body = platform.signed(
                robot.kind, robot.webhook_url, body, robot.secret, time.time()
            )
            with requests.post(
                url,
                data=platform.encode(body),
                headers={"Content-Type": "application/json; charset=utf-8"},
                timeout=platform.TIMEOUT,
                allow_redirects=False,
                stream=True,
            ) as response:
                if 300 <= response.status_code < 400:
                    return platform.FAILED, self.env._(
                        "The webhook answered with a redirect (HTTP %(status)s), which is not "
                        "followed: check its address.",
                        status=response.status_code,
                    )
                content = response.raw.read(platform.RESPONSE_LIMIT, decode_content=True)
                verdict, error = platform.outcome(robot.kind, response.status_code, content)
        except requests.Timeout:
            verdict, error = (
                platform.RETRY,
                self.env._("No answer within %(seconds)s seconds.", seconds=platform.TIMEOUT),
            )
        except requests.RequestException as exc:
            verdict, error = (
                platform.RETRY,
                self.env._(
                    "Could not reach %(host)s (%(error)s).",
                    host=platform.url_host(robot.webhook_url),
                    error=type(exc).__name__,
                ),
            )
        except ValueError as exc:
            verdict, error = platform.FAILED, str(exc)
        return verdict, platform.scrub(error, secrets)

    @api.model
    def _robot_record(self, results):
        """Write the outcome of the tries: one statement."""
        if not results:
            return
        self.env.cr.execute(
            SQL(
                """
                UPDATE sales_followup_robot_message message
                   SET state = tried.state, attempts = tried.attempts,
                       last_attempt = tried.at,
                       date_sent = CASE WHEN tried.state = 'sent' THEN tried.at END,
                       next_attempt = COALESCE(tried.retry_at, message.next_attempt),
                       error = NULLIF(tried.error, ''), write_date = %(now)s
                  FROM (SELECT unnest(%(ids)s::int[]) AS id, unnest(%(states)s::varchar[]) AS state,
                               unnest(%(attempts)s::int[]) AS attempts,
                               unnest(%(ats)s::timestamp[]) AS at,
                               unnest(%(retries)s::timestamp[]) AS retry_at,
                               unnest(%(errors)s::text[]) AS error) tried
                 WHERE message.id = tried.id
                """,
                now=fields.Datetime.now(),
                ids=[row[0] for row in results],
                states=[row[1] for row in results],
                attempts=[row[2] for row in results],
                ats=[row[3] for row in results],
                retries=[row[4] for row in results],
                errors=[row[5] or "" for row in results],
            )
        )
        self.invalidate_model()
        self.env["sales.followup.robot"].invalidate_model(
            ["queued_count", "failed_count", "last_error"]
        )
