from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL

from ..tools import robot as platform
from ..tools.system_write import is_system

ROBOT_KINDS = [
    (platform.WECOM, "WeCom"),
    (platform.DINGTALK, "DingTalk"),
    (platform.FEISHU, "Feishu / Lark"),
]
ALLOWED_HOSTS_PARAM = "sales_followup.robot_allowed_hosts"
MANAGER = "sales_team.group_sale_manager"
SEND_CRON = "sales_followup.ir_cron_followup_robot_send"
# What the robots' own runs write: refused to callers (they move through the posts only).
ROBOT_SYSTEM_FIELDS = ("last_sheet_date",)


class SalesFollowupRobot(models.Model):
    """A team chat's group robot (WeCom, DingTalk or Feishu): the morning sheet, escalations,
    pool notices and the weekly review of its sales teams are posted to the group, in the
    team's language. What it posts waits in its outbox (``sales.followup.robot.message``)
    and is sent by a scheduled action at the platform's pace, never inside a user's request.

    The webhook's URL and the signing secret are credentials: sales managers only read them,
    they are masked in the form and never shown in a message, the log or an error."""

    _name = "sales.followup.robot"
    _inherit = ["sales.followup.input.guard"]
    _description = "Team Robot"
    _order = "name, id"
    _input_visible_fields = ("name",)

    name = fields.Char(required=True, help="The group chat it posts to, as your team calls it.")
    kind = fields.Selection(
        ROBOT_KINDS,
        string="Platform",
        required=True,
        default=platform.WECOM,
        help="WeCom (企业微信), DingTalk (钉钉) or Feishu / Lark (飞书): the app of the group.",
    )
    webhook_url = fields.Char(
        string="Webhook URL",
        required=True,
        copy=False,
        groups=MANAGER,
        help="The address the group's robot settings show (its key is in it: keep it secret). "
        "It must be the platform's own HTTPS address.",
    )
    secret = fields.Char(
        string="Signing Secret",
        copy=False,
        groups=MANAGER,
        help="DingTalk and Feishu: the secret of the robot's signature security setting, when "
        "it is on (SEC… on DingTalk). WeCom robots do not sign.",
    )
    team_ids = fields.Many2many(
        "crm.team",
        string="Sales Teams",
        required=True,
        help="The teams whose sheet, escalations, pool notices and review it posts.",
    )
    company_id = fields.Many2one(
        "res.company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
    )
    active = fields.Boolean(default=True)
    lang = fields.Selection(
        selection="_selection_lang",
        string="Language",
        help="The language of its posts. Empty: the language of the first team's leader.",
    )
    post_team_sheet = fields.Boolean(
        string="Morning Sheet",
        default=True,
        help="Each morning, per salesperson: due today, overdue, logged yesterday and on "
        "rhythm, recorded late, returned to the pool; and the three most overdue leads.",
    )
    post_escalation = fields.Boolean(
        string="Escalations",
        default=True,
        help="When an overdue follow-up reaches the team leader's step, the salesperson is "
        "mentioned in the group.",
    )
    post_pool = fields.Boolean(
        string="Pool Notices",
        default=True,
        help="Each morning: the leads returned to the pool in the last 24 hours and those "
        "returning within the warning days, per salesperson.",
    )
    post_review = fields.Boolean(
        string="Weekly Review",
        default=True,
        help="The weekly review's headline figures with a link to the report (with Sales "
        "Follow-up Reports installed, on the review's day and hour).",
    )
    sheet_hour = fields.Integer(
        string="Morning Hour",
        default=lambda self: self.env["sales.followup.settings"]._get_int("digest_hour"),
        help="Hour of the morning sheet and pool notices, in the time zone of the first "
        "team's leader (0-23). By default the digests' hour.",
    )
    last_sheet_date = fields.Date(
        string="Last Morning Post",
        readonly=True,
        copy=False,
        help="The day of its last morning sheet and pool notices.",
    )
    message_ids = fields.One2many("sales.followup.robot.message", "robot_id", string="Outbox")
    queued_count = fields.Integer(string="Queued", compute="_compute_counts")
    failed_count = fields.Integer(string="Failed", compute="_compute_counts")
    last_error = fields.Char(
        compute="_compute_counts",
        help="The platform's answer to the last message tried, when it did not go.",
    )
    webhook_host = fields.Char(
        string="Posts To",
        compute="_compute_webhook_host",
        help="The host of the webhook (its address without the key).",
    )

    @api.model
    def _selection_lang(self):
        return self.env["res.lang"].get_installed()

    @api.depends("message_ids.state")
    def _compute_counts(self):
        counts = {(robot.id, state): 0 for robot in self for state in ("queued", "failed")}
        if self.ids:
            self.env["sales.followup.robot.message"].flush_model(["robot_id", "state"])
            self.env.cr.execute(
                SQL(
                    """SELECT robot_id, state, count(*) FROM sales_followup_robot_message
                        WHERE robot_id = ANY(%s) AND state IN ('queued', 'failed')
                     GROUP BY 1, 2""",
                    self.ids,
                )
            )
            counts.update({(rid, state): n for rid, state, n in self.env.cr.fetchall()})
            self.env.cr.execute(
                SQL(
                    """SELECT DISTINCT ON (robot_id) robot_id, state, error
                         FROM sales_followup_robot_message
                        WHERE robot_id = ANY(%s) AND last_attempt IS NOT NULL
                     ORDER BY robot_id, last_attempt DESC, id DESC""",
                    self.ids,
                )
            )
            errors = {rid: error for rid, state, error in self.env.cr.fetchall() if state != "sent"}
        else:
            errors = {}
        for robot in self:
            robot.queued_count = counts.get((robot.id, "queued"), 0)
            robot.failed_count = counts.get((robot.id, "failed"), 0)
            robot.last_error = errors.get(robot.id) or False

    @api.depends("webhook_url")
    def _compute_webhook_host(self):
        for robot in self:
            robot.webhook_host = platform.url_host(robot.sudo().webhook_url)

    # ------------------------------------------------------------
    # Checks
    # ------------------------------------------------------------

    @api.model
    def _allowed_hosts(self):
        raw = self.env["ir.config_parameter"].sudo().get_param(ALLOWED_HOSTS_PARAM, "")
        return platform.parse_allowed_hosts(raw)

    def _url_problem_message(self):
        """Why the robot may not post to its webhook, naming only the URL's host; or None."""
        self.ensure_one()
        url = self.sudo().webhook_url
        problem = platform.url_problem(url, self.kind, self._allowed_hosts())
        if not problem:
            return None
        label = dict(self._fields["kind"]._description_selection(self.env)).get(self.kind)
        hosts = ", ".join(platform.OFFICIAL_HOSTS.get(self.kind, ()))
        host = platform.url_host(url)
        if problem == "not_url" or not host:
            return _(
                "Team robot %(robot)s: the Webhook URL is not a web address (https://…). Copy "
                "it from the robot's settings in %(platform)s.",
                robot=self.name,
                platform=label,
            )
        if problem == "scheme":
            return _(
                "Team robot %(robot)s: the Webhook URL of %(host)s must start with https://.",
                robot=self.name,
                host=host,
            )
        return _(
            "Team robot %(robot)s: %(host)s is not an address of %(platform)s (%(hosts)s). A "
            "company gateway can be allowed by an administrator in the system parameter "
            "%(param)s.",
            robot=self.name,
            host=host,
            platform=label,
            hosts=hosts,
            param=ALLOWED_HOSTS_PARAM,
        )

    @api.constrains("webhook_url", "kind")
    def _check_webhook_url(self):
        for robot in self:
            message = robot._url_problem_message()
            if message:
                raise ValidationError(message)

    @api.constrains("secret", "kind")
    def _check_secret(self):
        for robot in self.sudo():
            if robot.secret and robot.kind == platform.WECOM:
                raise ValidationError(
                    _(
                        "Team robot %(robot)s: WeCom group robots do not sign their messages; "
                        "leave the Signing Secret empty (the key in the Webhook URL is the "
                        "secret).",
                        robot=robot.name,
                    )
                )

    @api.constrains("sheet_hour")
    def _check_sheet_hour(self):
        for robot in self:
            if not 0 <= robot.sheet_hour <= 23:
                raise ValidationError(
                    _(
                        "Team robot %(robot)s: the Morning Hour %(hour)s is not an hour of the "
                        "day (0 to 23).",
                        robot=robot.name,
                        hour=robot.sheet_hour,
                    )
                )

    @api.constrains("team_ids", "company_id")
    def _check_teams(self):
        for robot in self:
            other = robot.team_ids.filtered(
                lambda team, robot=robot: team.company_id and team.company_id != robot.company_id
            )
            if other:
                raise ValidationError(
                    _(
                        "Team robot %(robot)s: the team %(team)s belongs to another company.",
                        robot=robot.name,
                        team=other[0].sudo().display_name,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        self._check_system_fields(vals_list)
        return super().create(vals_list)

    def write(self, vals):
        self._check_system_fields([vals])
        return super().write(vals)

    @api.model
    def _robot_system_fields(self):
        """The fields the robots' own runs write, refused to callers."""
        return ROBOT_SYSTEM_FIELDS

    @api.model
    def _check_system_fields(self, vals_list):
        if is_system(self.env):
            return
        system = self._robot_system_fields()
        for vals in vals_list:
            names = [name for name in system if isinstance(vals, dict) and name in vals]
            if names:
                raise UserError(
                    _(
                        "%(field)s is set by the robot's posts: it cannot be written.",
                        field=self._fields[names[0]]._description_string(self.env),
                    )
                )

    # ------------------------------------------------------------
    # Buttons
    # ------------------------------------------------------------

    def action_test(self):
        """Queue a test message to the robot's group, and wake the outbox up: the result shows
        in the outbox within a minute."""
        self._input_check_ids()
        self.check_access("write")
        for robot in self:
            message = robot._url_problem_message()
            if message:
                raise UserError(message)
        for robot in self:
            lang = robot._robot_lang()
            env = robot.with_context(lang=lang).env
            title = env._("Sales Follow-up: test message")
            text = env._(
                "This group will receive the follow-up posts of %(teams)s (%(robot)s).",
                teams=", ".join(robot.team_ids.with_context(lang=lang).sudo().mapped("name")),
                robot=robot.name,
            )
            robot._robot_queue("test", title, text)
        self._robot_wake_outbox()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "title": _("Test message queued"),
                "message": _(
                    "It is posted within a minute; the Outbox shows whether the group got it."
                ),
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    def action_open_messages(self):
        """The robot's outbox."""
        self._input_check_ids()
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "sales_followup.action_followup_robot_message"
        )
        action["domain"] = [("robot_id", "=", self.id)]
        action["context"] = {"default_robot_id": self.id}
        return action

    # ------------------------------------------------------------
    # Queueing
    # ------------------------------------------------------------

    def _robot_lang(self):
        """The language of the robot's posts: its own, else the first team leader's, else the
        company's, else English."""
        self.ensure_one()
        installed = {code for code, _name in self.env["res.lang"].get_installed()}
        for lang in (
            self.lang,
            self.sudo().team_ids[:1].user_id.lang,
            self.sudo().company_id.partner_id.lang,
        ):
            if lang and lang in installed:
                return lang
        return "en_US"

    def _robot_tz(self):
        """The time zone of the robot's morning: the first team leader's, else UTC."""
        self.ensure_one()
        return self.sudo().team_ids[:1].user_id.tz or "UTC"

    def _robot_queue(self, post, title, text, mobiles=(), feishu_ids=()):
        """Queue ``text`` (Markdown) titled ``title`` to each of these robots, split to their
        platform's size: the messages created."""
        vals_list = []
        for robot in self:
            for body in platform.bodies(robot.kind, title, text, mobiles, feishu_ids):
                vals_list.append(
                    {
                        "robot_id": robot.id,
                        "post": post,
                        "title": title[:200],
                        "payload": platform.encode(body).decode("utf-8"),
                    }
                )
        return self.env["sales.followup.robot.message"].sudo().create(vals_list)

    @api.model
    def _robot_wake_outbox(self):
        cron = self.env.ref(SEND_CRON, raise_if_not_found=False)
        if cron:
            cron.sudo()._trigger()
