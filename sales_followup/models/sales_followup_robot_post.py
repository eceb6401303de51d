from collections import defaultdict
from datetime import timedelta

import pytz

from odoo import api, fields, models
from odoo.tools import SQL, format_date

from ..compat import PARTNER_PHONES
from ..tools import robot as platform

# Leads named per salesperson in a pool notice, and per escalation message.
POOL_LINES = 3
ESCALATION_LINES = 20


class SalesFollowupRobotPost(models.AbstractModel):
    """What the team robots post, written in each robot's language (its own, else its first
    team leader's): the morning sheet and the pool notices at the robot's hour (the sheet's
    figures are the leaders' digests' own, ``_digest_team_figures``), the escalations as they
    happen. Everything is queued in the robots' outbox; nothing is sent here."""

    _name = "sales.followup.robot.post"
    _description = "Team Robot Posts"

    # ------------------------------------------------------------
    # Morning: the team sheet and the pool notices
    # ------------------------------------------------------------

    @api.model
    def _post_mornings(self, shared=None):
        """Queue today's morning posts of the robots whose hour has come in their time zone
        and that had none today: how many robots posted. Each robot's day is claimed first (a
        second run finds it taken). With ``shared`` (the teams and figures of the leaders'
        sheets a digest batch just computed), only the robots whose sheets are among them,
        with those figures: one computation for the digest and the robot."""
        Robot = self.env["sales.followup.robot"].sudo()
        robots = Robot.search(
            ["|", ("post_team_sheet", "=", True), ("post_pool", "=", True)], order="id"
        )
        if shared:
            robots = robots.filtered(
                lambda robot: not robot.post_team_sheet or not robot.team_ids - shared["teams"]
            )
        now = fields.Datetime.now()
        due = {}
        for robot in robots:
            local = pytz.utc.localize(now).astimezone(self._post_zone(robot._robot_tz()))
            today = local.date()
            if local.hour >= robot.sheet_hour and (
                not robot.last_sheet_date or robot.last_sheet_date < today
            ):
                due[robot.id] = today
        claimed = self._post_claim(due)
        if not claimed:
            return 0
        robots = Robot.browse(sorted(claimed))
        base_url = self.get_base_url()
        Digest = self.env["sales.followup.digest"]
        self.env["crm.lead"].flush_model()
        self.env["mail.activity"].flush_model()
        self.env["sales.followup.log"].flush_model()
        self.env["sales.followup.ownership"].flush_model()
        sheet_teams = robots.filtered("post_team_sheet").team_ids
        if shared:
            figures = shared["figures"]
        else:
            figures = Digest._digest_team_figures(sheet_teams, base_url) if sheet_teams else None
        pool_teams = robots.filtered("post_pool").team_ids
        pool = self._post_pool_figures(pool_teams, base_url) if pool_teams else None
        for robot in robots:
            lang = robot._robot_lang()
            env = self.with_context(lang=lang).env
            day = format_date(env, claimed[robot.id])
            for team in robot.team_ids.sorted("name"):
                if robot.post_team_sheet:
                    sheet = Digest._digest_sheet(team, lang, figures)
                    if sheet:
                        robot._robot_queue(
                            "team_sheet",
                            env._(
                                "%(team)s · morning sheet · %(day)s", team=sheet["name"], day=day
                            ),
                            self._post_sheet_text(env, sheet, base_url),
                        )
                if robot.post_pool and pool and pool.get(team.id):
                    robot._robot_queue(
                        "pool",
                        env._(
                            "%(team)s · customer pool · %(day)s",
                            team=team.with_context(lang=lang).name,
                            day=day,
                        ),
                        self._post_pool_text(env, pool[team.id]),
                    )
        self.env["sales.followup.robot"]._robot_wake_outbox()
        return len(robots)

    @api.model
    def _post_zone(self, tz):
        try:
            return pytz.timezone(tz)
        except pytz.UnknownTimeZoneError:
            return pytz.utc

    @api.model
    def _post_claim(self, due):
        """Mark today's morning post of these robots ({robot id: their today}) as done for
        those that had none: {robot id: today}."""
        if not due:
            return {}
        self.env["sales.followup.robot"].flush_model(["last_sheet_date"])
        self.env.cr.execute(
            SQL(
                """
                UPDATE sales_followup_robot robot SET last_sheet_date = due.today
                  FROM (SELECT unnest(%(ids)s::int[]) AS id, unnest(%(days)s::date[]) AS today)
                       due
                 WHERE robot.id = due.id
                   AND (robot.last_sheet_date IS NULL OR robot.last_sheet_date < due.today)
             RETURNING robot.id, due.today
                """,
                ids=list(due),
                days=list(due.values()),
            )
        )
        claimed = dict(self.env.cr.fetchall())
        self.env["sales.followup.robot"].browse(list(claimed)).invalidate_recordset(
            ["last_sheet_date"]
        )
        return claimed

    @api.model
    def _post_sheet_text(self, env, sheet, base_url):
        lines = []
        for row in sheet["rows"]:
            lines.append(
                env._(
                    "- **%(user)s**: due today %(due)s, overdue %(overdue)s, logged yesterday "
                    "%(logged)s (on rhythm %(on_rhythm)s), recorded late %(late)s, back to the "
                    "pool yesterday %(reclaimed)s",
                    user=row["user"],
                    due=row["due_today"],
                    overdue=row["overdue"],
                    logged=row["logged"],
                    on_rhythm=row["on_rhythm"],
                    late=row["late"],
                    reclaimed=row["reclaimed"],
                )
            )
        if sheet["worst"]:
            lines.append("")
            lines.append(bold(env._("Most overdue")))
            for index, lead in enumerate(sheet["worst"], start=1):
                lines.append(
                    env._(
                        "%(index)s. [%(customer)s](%(url)s) %(lead)s — %(user)s, %(days)s days "
                        "overdue",
                        index=index,
                        customer=platform_text(lead["customer"] or lead["name"]),
                        url=lead["url"],
                        lead=platform_text(lead["name"]) if lead["customer"] else "",
                        user=lead["user"],
                        days=lead["days"],
                    )
                )
        lines.append("")
        label = env._("Open Today's Follow-ups in Odoo")
        lines.append(f"[{label}]({base_url}/odoo/action-sales_followup.action_followup_today)")
        return "\n".join(lines)

    @api.model
    def _post_pool_figures(self, teams, base_url):
        """{team id: {"returned": {user id: [lead]}, "warned": {user id: [lead]}, "names":
        {user id: name}, "warning_days": n}}: the leads of ``teams`` returned to the pool in the
        last day (by whom they were held), and those returning within the warning days (by
        who holds them). Two queries for all the teams."""
        Lead = self.env["crm.lead"]
        params = Lead._followup_pool_params()
        if not params["enabled"]:
            return {}
        result = defaultdict(
            lambda: {"returned": defaultdict(list), "warned": defaultdict(list), "counts": {}}
        )
        customer = SQL("COALESCE(commercial.name, lead.partner_name, lead.contact_name)")
        partners = SQL(
            "LEFT JOIN res_partner partner ON partner.id = lead.partner_id "
            "LEFT JOIN res_partner commercial ON commercial.id = partner.commercial_partner_id"
        )
        self.env.cr.execute(
            SQL(
                """
                SELECT team_id, uid, id, name, customer, total FROM (
                    SELECT own.team_id, own.from_user_id AS uid, lead.id, lead.name,
                           %(customer)s AS customer,
                           row_number() OVER win AS rank, count(*) OVER all_win AS total
                      FROM sales_followup_ownership own
                      JOIN crm_lead lead ON lead.id = own.lead_id
                      %(partners)s
                     WHERE own.how = 'reclaimed' AND own.date_from >= %(since)s
                       AND own.team_id = ANY(%(teams)s) AND own.from_user_id IS NOT NULL
                    WINDOW win AS (PARTITION BY own.team_id, own.from_user_id
                                   ORDER BY own.date_from, lead.id),
                           all_win AS (PARTITION BY own.team_id, own.from_user_id)
                ) ranked
                 WHERE rank <= %(lines)s
              ORDER BY team_id, uid, rank
                """,
                customer=customer,
                partners=partners,
                since=fields.Datetime.now() - timedelta(days=1),
                teams=teams.ids,
                lines=POOL_LINES,
            )
        )
        user_ids = set()
        for team_id, uid, lead_id, name, cust, total in self.env.cr.fetchall():
            entry = result[team_id]
            entry["returned"][uid].append(self._post_lead(base_url, lead_id, name, cust))
            entry["counts"][("returned", uid)] = total
            user_ids.add(uid)
        if params["warning_days"]:
            reclaim = Lead._followup_reclaim_date_sql(params)
            today = Lead._followup_local_today_sql(params)
            self.env.cr.execute(
                SQL(
                    """
                    SELECT team_id, uid, id, name, customer, days, total FROM (
                        SELECT lead.team_id, lead.user_id AS uid, lead.id, lead.name,
                               %(customer)s AS customer, %(reclaim)s - %(today)s AS days,
                               row_number() OVER (PARTITION BY lead.team_id, lead.user_id
                                                  ORDER BY %(reclaim)s, lead.id) AS rank,
                               count(*) OVER (PARTITION BY lead.team_id, lead.user_id) AS total
                          FROM %(from)s
                          %(partners)s
                         WHERE %(eligible)s AND lead.team_id = ANY(%(teams)s)
                           AND %(reclaim)s <= %(today)s + %(warning)s
                    ) ranked
                     WHERE rank <= %(lines)s
                  ORDER BY team_id, uid, rank
                    """,
                    customer=customer,
                    reclaim=reclaim,
                    today=today,
                    partners=partners,
                    eligible=Lead._followup_pool_eligible_sql(),
                    teams=teams.ids,
                    warning=params["warning_days"],
                    lines=POOL_LINES,
                    **{"from": Lead._followup_pool_from_sql()},
                )
            )
            for team_id, uid, lead_id, name, cust, days, total in self.env.cr.fetchall():
                entry = result[team_id]
                lead = self._post_lead(base_url, lead_id, name, cust)
                lead["days"] = max(days, 0)
                entry["warned"][uid].append(lead)
                entry["counts"][("warned", uid)] = total
                user_ids.add(uid)
        names = {user.id: user.name for user in self.env["res.users"].sudo().browse(user_ids)}
        for entry in result.values():
            entry["names"] = names
            entry["warning_days"] = params["warning_days"]
        return dict(result)

    @api.model
    def _post_lead(self, base_url, lead_id, name, customer):
        return {
            "name": name,
            "customer": customer or "",
            "url": self.env["sales.followup.digest"]._digest_lead_url(base_url, lead_id),
        }

    @api.model
    def _post_link(self, lead):
        label = lead["customer"] or lead["name"]
        return f"[{platform_text(label)}]({lead['url']})"

    @api.model
    def _post_pool_text(self, env, entry):
        """The pool notice: the leads returned last night, then those returning soon, per
        salesperson (how many, and the first ones linked)."""
        sections = [
            (
                "returned",
                env._("Returned to the pool in the last 24 hours"),
                lambda lead: self._post_link(lead),
            ),
            (
                "warned",
                env._("Returning to the pool within %(days)s days", days=entry["warning_days"]),
                lambda lead: env._(
                    "%(lead)s in %(days)s days", lead=self._post_link(lead), days=lead["days"]
                ),
            ),
        ]
        names, counts, lines = entry["names"], entry["counts"], []
        for key, heading, describe in sections:
            if not entry[key]:
                continue
            lines.extend([""] if lines else [])
            lines.append(bold(heading))
            for uid, leads in sorted(entry[key].items(), key=lambda item: names.get(item[0], "")):
                lines.append(
                    env._(
                        "- %(user)s: %(count)s — %(leads)s",
                        user=names.get(uid, ""),
                        count=counts[(key, uid)],
                        leads=", ".join(describe(lead) for lead in leads),
                    )
                )
        return "\n".join(lines)

    # ------------------------------------------------------------
    # Escalations
    # ------------------------------------------------------------

    @api.model
    def _post_escalations(self, overdue):
        """Queue, to the robots of the leads' teams that post escalations, one message per
        robot naming each lead whose follow-up reached the team leader's step (``overdue``:
        {lead: days overdue}), the salespeople mentioned."""
        leads = self.env["crm.lead"].sudo().browse([lead.id for lead in overdue])
        leads = leads.filtered("team_id")
        if not leads:
            return 0
        robots = (
            self.env["sales.followup.robot"]
            .sudo()
            .search([("post_escalation", "=", True), ("team_ids", "in", leads.team_id.ids)])
        )
        if not robots:
            return 0
        days = {lead.id: n for lead, n in overdue.items()}
        actions = self._post_next_actions(leads)
        base_url = self.get_base_url()
        for robot in robots:
            mine = leads.filtered(lambda lead, robot=robot: lead.team_id in robot.team_ids)
            if not mine:
                continue
            lang = robot._robot_lang()
            env = self.with_context(lang=lang).env
            lines = []
            for lead in mine.sorted(lambda lead: (-days[lead.id], lead.id))[:ESCALATION_LINES]:
                link = self._post_link(
                    self._post_lead(base_url, lead.id, lead.name, lead.followup_customer_name or "")
                )
                if actions.get(lead.id):
                    line = env._(
                        "%(user)s's %(customer)s is %(days)s days overdue — next step: %(action)s",
                        user=lead.user_id.name,
                        customer=link,
                        days=days[lead.id],
                        action=platform_text(actions[lead.id]),
                    )
                else:
                    line = env._(
                        "%(user)s's %(customer)s is %(days)s days overdue",
                        user=lead.user_id.name,
                        customer=link,
                        days=days[lead.id],
                    )
                lines.append(line)
            if len(mine) > ESCALATION_LINES:
                lines.append(env._("… and %(count)s more.", count=len(mine) - ESCALATION_LINES))
            users = mine.user_id
            robot._robot_queue(
                "escalation",
                env._("Overdue follow-ups"),
                "\n".join(lines),
                mobiles=self._post_mobiles(users) if robot.kind != platform.FEISHU else (),
                feishu_ids=users.mapped("followup_feishu_id")
                if robot.kind == platform.FEISHU
                else (),
            )
        self.env["sales.followup.robot"]._robot_wake_outbox()
        return len(robots)

    @api.model
    def _post_next_actions(self, leads):
        """{lead id: the next step its open Follow-up names}, without the type's own summary."""
        Engine = self.env["sales.followup.engine"]
        self.env["mail.activity"].flush_model()
        self.env.cr.execute(
            SQL(
                """SELECT DISTINCT ON (res_id) res_id, summary FROM mail_activity
                    WHERE res_model = 'crm.lead' AND res_id = ANY(%s)
                      AND activity_type_id = %s AND active AND summary IS NOT NULL
                 ORDER BY res_id, date_deadline, id""",
                leads.ids,
                Engine._type_id(),
            )
        )
        rows = dict(self.env.cr.fetchall())
        followup_type = self.env["mail.activity.type"].browse(Engine._type_id())
        generic = {
            followup_type.with_context(lang=lang).summary
            for lang, _name in self.env["res.lang"].get_installed()
        }
        return {lead_id: text for lead_id, text in rows.items() if text not in generic}

    @api.model
    def _post_mobiles(self, users):
        """The mobile numbers the platforms mention ``users`` by (their contact's mobile, else
        phone)."""
        numbers = []
        for user in users.sudo():
            for fname in PARTNER_PHONES:
                number = platform.mobile_number(user.partner_id[fname])
                if number:
                    numbers.append(number)
                    break
        return numbers


def bold(text):
    return f"**{text}**"


def platform_text(text):
    """``text`` safe inside a Markdown link or line: no brackets nor line breaks."""
    return " ".join(str(text or "").replace("[", "(").replace("]", ")").split())
