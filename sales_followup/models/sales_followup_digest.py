from collections import defaultdict
from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL, format_date

from ..compat import GROUP_ALL_IMPLIED, USER_ALL_GROUPS, cron_progress

DIGEST_TEMPLATE = "sales_followup.mail_template_followup_digest"
DIGEST_BATCH_SIZE = 50
# Risks that only say a follow-up is late: the digest lists those follow-ups already (overdue).
LATE_RISK_CODES = ("overdue", "overdue_long", "first_contact_late")


class SalesFollowupDigest(models.AbstractModel):
    """The morning digests: for each salesperson, what to do today (due and overdue
    follow-ups, leads about to return to the pool, new risks); for each team leader, the
    team's morning sheet. Computed for a batch of recipients in a fixed number of grouped
    queries, rendered with a mail template in each recipient's language and delivered as a
    notification (Odoo inbox or e-mail, as each user chose)."""

    _name = "sales.followup.digest"
    _description = "Follow-up Digest"

    # ------------------------------------------------------------
    # Cron
    # ------------------------------------------------------------

    @api.model
    def _cron_followup_digest(self, batch_size=DIGEST_BATCH_SIZE):
        """Hourly: escalate the overdue follow-ups, then send the digests of the users whose
        digest hour has come in their time zone and who have not had today's (the team robots
        whose morning has come post the sheets of each batch's leaders), then the morning
        posts of the other team robots. One batch per
        call in the cron (progress API: the runner commits and calls again); by hand, it
        loops. A user's day is claimed before the digest is built, so a second run (or a
        second server) sends nothing twice."""
        in_cron = bool(self.env.context.get("ir_cron_progress_id"))
        Lead = self.env["crm.lead"]
        done = 0
        while True:
            escalated, left = Lead._followup_escalate()
            if escalated:
                done += escalated
                if in_cron:
                    cron_progress(self.env, done, remaining=left)
                    break
                continue
            recipients, total = self._digest_recipients(limit=batch_size)
            if not recipients:
                # The team robots no digest batch posted (their teams' leaders were not due).
                done += self.env["sales.followup.robot.post"]._post_mornings()
                break
            self._digest_send(recipients)
            done += len(recipients)
            if in_cron:
                cron_progress(self.env, done, remaining=total - len(recipients))
                break
        return done

    @api.model
    def _digest_users_sql(self):
        """FROM clause of users ``users`` with their valid time zone (``tz``)."""
        return SQL(
            """res_users users
               JOIN (SELECT inner_users.id,
                            CASE WHEN partner.tz = ANY(%s) THEN partner.tz ELSE 'UTC' END AS tz
                       FROM res_users inner_users
                       JOIN res_partner partner ON partner.id = inner_users.partner_id) zone
                 ON zone.id = users.id""",
            list(self.env["crm.lead"]._followup_known_time_zones()),
        )

    @api.model
    def _digest_granting_groups(self, groups):
        """``groups`` and the groups that imply them: a user given any of them has them
        (19.0 keeps only the groups given in the users' relation table)."""
        Groups = self.env["res.groups"].sudo()
        return groups | Groups.search([]).filtered(
            lambda candidate: candidate[GROUP_ALL_IMPLIED] & groups
        )

    @api.model
    def _digest_recipients(self, limit):
        """[(user id, their today)] of at most ``limit`` users due for today's digest, and how
        many are due in all: active internal users with sales rights (or in the team digest's
        group), the digest on, their digest hour passed today in their time zone."""
        salesman = self.env.ref("sales_team.group_sale_salesman")
        group = self.env["sales.followup.settings"]._digest_group()
        self.env["res.users"].flush_model(["active", "share", "followup_digest_enabled"])
        self.env.cr.execute(
            SQL(
                """
                SELECT id, today, count(*) OVER () FROM (
                    SELECT users.id,
                           (%(now)s::timestamp AT TIME ZONE 'UTC' AT TIME ZONE zone.tz) AS local,
                           (%(now)s::timestamp AT TIME ZONE 'UTC' AT TIME ZONE zone.tz)::date
                               AS today,
                           users.followup_digest_date AS sent
                      FROM %(users)s
                     WHERE users.active AND NOT users.share
                       AND users.followup_digest_enabled IS NOT FALSE
                       AND EXISTS (SELECT 1 FROM res_groups_users_rel rel
                                    WHERE rel.uid = users.id AND rel.gid = ANY(%(groups)s))
                ) due
                 WHERE EXTRACT(HOUR FROM local) >= %(hour)s
                   AND (sent IS NULL OR sent < today)
              ORDER BY id
                 LIMIT %(limit)s
                """,
                now=fields.Datetime.now(),
                users=self._digest_users_sql(),
                groups=self._digest_granting_groups(salesman | group).ids,
                hour=self.env["sales.followup.settings"]._get_int("digest_hour"),
                limit=limit,
            )
        )
        rows = self.env.cr.fetchall()
        return [(row[0], row[1]) for row in rows], (rows[0][2] if rows else 0)

    # ------------------------------------------------------------
    # Sending
    # ------------------------------------------------------------

    @api.model
    def _digest_send(self, recipients):
        """Claim today's digest of ``recipients`` ([(user id, today)]) and send those with
        something to say."""
        claimed = self._digest_claim(recipients)
        if not claimed:
            return
        users = self.env["res.users"].sudo().browse(list(claimed))
        shared = {}
        digests = self._digest_compute(users, claimed, shared)
        template = self.env.ref(DIGEST_TEMPLATE).sudo()
        for user in users:
            digest = digests[user.id]
            if not digest["todo"]:
                continue
            context = {"digest": digest}
            subject = template.with_context(digest=digest)._render_field(
                "subject", user.ids, compute_lang=True
            )[user.id]
            body = template._render_field(
                "body_html", user.ids, compute_lang=True, add_context=context
            )[user.id]
            self.env["mail.thread"].with_context(lang=user.lang).sudo().message_notify(
                partner_ids=user.partner_id.ids,
                subject=subject,
                body=body,
                email_layout_xmlid="mail.mail_notification_light",
                force_send=False,
            )
        queue = self.env.ref("mail.ir_cron_mail_scheduler_action", raise_if_not_found=False)
        if queue:
            queue.sudo()._trigger()
        if shared:
            # The team robots whose morning has come post the sheets just computed.
            self.env["sales.followup.robot.post"]._post_mornings(shared)

    @api.model
    def _digest_claim(self, recipients):
        """Mark today's digest of these users as sent, for those who had none yet: {user id:
        today}. The row lock makes a second run wait, then find the day taken."""
        self.env.cr.execute(
            SQL(
                """
                UPDATE res_users users SET followup_digest_date = due.today
                  FROM (SELECT unnest(%(ids)s::int[]) AS id, unnest(%(days)s::date[]) AS today)
                       due
                 WHERE users.id = due.id
                   AND (users.followup_digest_date IS NULL
                        OR users.followup_digest_date < due.today)
             RETURNING users.id, due.today
                """,
                ids=[uid for uid, _day in recipients],
                days=[day for _uid, day in recipients],
            )
        )
        claimed = dict(self.env.cr.fetchall())
        self.env["res.users"].browse(list(claimed)).invalidate_recordset(["followup_digest_date"])
        return claimed

    # ------------------------------------------------------------
    # Figures
    # ------------------------------------------------------------

    @api.model
    def _digest_compute(self, users, days, shared=None):
        """{user id: digest} for these users ({user id: their today}): the user's own
        sections and, for team leaders (and the team digest's group), their teams' sheets
        (whose figures are left in ``shared``, for the team robots)."""
        lines = self.env["sales.followup.settings"]._get_int("digest_lines")
        base_url = self.get_base_url()
        own = self._digest_own_sections(users, days, lines, base_url)
        teams = self._digest_team_sheets(users, base_url, shared)
        digests = {}
        for user in users:
            sections = own.get(user.id, {})
            sheets = teams.get(user.id, [])
            todo = sum(section["total"] for section in sections.values()) + sum(
                row["due_today"] + row["overdue"] + row["logged"] + row["reclaimed"]
                for sheet in sheets
                for row in sheet["rows"]
            )
            digests[user.id] = {
                "user_name": user.name,
                "day": format_date(self.with_context(lang=user.lang).env, days[user.id]),
                "sections": sections,
                "teams": sheets,
                "todo": todo,
                "count": sum(section["total"] for section in sections.values()),
                "today_url": f"{base_url}/odoo/action-sales_followup.action_followup_today",
                "preferences_url": f"{base_url}/odoo/action-base.action_res_users_my",
                "lines": lines,
            }
        return digests

    @api.model
    def _digest_lead_url(self, base_url, lead_id):
        return f"{base_url}/odoo/crm/{lead_id}"

    @api.model
    def _digest_own_sections(self, users, days, lines, base_url):
        """{user id: {section: {"total": n, "lines": [...]}}} for due today, overdue, returning
        to the pool and new risks: one query per kind, the first lines of each kept in SQL."""
        Lead = self.env["crm.lead"]
        Lead.flush_model()
        self.env["mail.activity"].flush_model()
        self.env["sales.followup.risk"].flush_model()
        ids, day_list = list(days), [days[uid] for uid in days]
        customer = SQL("COALESCE(commercial.name, lead.partner_name, lead.contact_name)")
        partners = SQL(
            "LEFT JOIN res_partner partner ON partner.id = lead.partner_id "
            "LEFT JOIN res_partner commercial ON commercial.id = partner.commercial_partner_id"
        )
        result = defaultdict(dict)

        def add(uid, section, total, line):
            entry = result[uid].setdefault(section, {"total": total, "lines": []})
            entry["lines"].append(line)

        # Due today and overdue: the open Follow-ups.
        self.env.cr.execute(
            SQL(
                """
                WITH rep AS (SELECT unnest(%(ids)s::int[]) AS id,
                                    unnest(%(days)s::date[]) AS today),
                due AS (
                    SELECT lead.user_id AS uid, lead.id, lead.name, %(customer)s AS customer,
                           act.summary, act.date_deadline AS deadline,
                           rep.today - act.date_deadline AS late,
                           CASE WHEN act.date_deadline < rep.today THEN 'overdue' ELSE 'today' END
                               AS section
                      FROM crm_lead lead
                      JOIN rep ON rep.id = lead.user_id
                      JOIN mail_activity act ON act.res_model = 'crm.lead' AND act.res_id = lead.id
                       AND act.activity_type_id = %(type)s AND act.active
                      %(partners)s
                     WHERE lead.active AND act.date_deadline <= rep.today
                )
                SELECT uid, section, total, id, name, customer, summary, late FROM (
                    SELECT due.*, row_number() OVER win AS rank, count(*) OVER win_all AS total
                      FROM due
                    WINDOW win AS (PARTITION BY uid, section ORDER BY deadline, id),
                           win_all AS (PARTITION BY uid, section)
                ) ranked
                 WHERE rank <= %(lines)s
              ORDER BY uid, section, rank
                """,
                ids=ids,
                days=day_list,
                customer=customer,
                partners=partners,
                type=self.env["sales.followup.engine"]._type_id(),
                lines=lines,
            )
        )
        due_rows = self.env.cr.fetchall()
        # A Follow-up that only says "Follow up with the customer" (the type's own summary, in
        # any of the recipients' languages) has no next action to show.
        followup_type = self.env["mail.activity.type"].browse(
            self.env["sales.followup.engine"]._type_id()
        )
        generic = {
            followup_type.with_context(lang=lang).summary
            for lang in set(users.mapped("lang")) | {"en_US"}
        }
        for uid, section, total, lead_id, name, cust, summary, late in due_rows:
            summary = False if summary in generic else summary
            add(
                uid,
                section,
                total,
                {
                    "name": name,
                    "customer": cust or "",
                    "action": summary or "",
                    "days": late,
                    "url": self._digest_lead_url(base_url, lead_id),
                },
            )

        # About to return to the pool.
        params = Lead._followup_pool_params()
        if params["enabled"] and params["warning_days"]:
            reclaim = Lead._followup_reclaim_date_sql(params)
            today = Lead._followup_local_today_sql(params)
            self.env.cr.execute(
                SQL(
                    """
                    SELECT uid, total, id, name, customer, days FROM (
                        SELECT lead.user_id AS uid, lead.id, lead.name, %(customer)s AS customer,
                               %(reclaim)s - %(today)s AS days,
                               row_number() OVER (PARTITION BY lead.user_id
                                                  ORDER BY %(reclaim)s, lead.id) AS rank,
                               count(*) OVER (PARTITION BY lead.user_id) AS total
                          FROM %(from)s
                          %(partners)s
                         WHERE %(eligible)s AND lead.user_id = ANY(%(ids)s)
                           AND %(reclaim)s <= %(today)s + %(warning)s
                    ) ranked
                     WHERE rank <= %(lines)s
                  ORDER BY uid, rank
                    """,
                    customer=customer,
                    reclaim=reclaim,
                    today=today,
                    partners=partners,
                    eligible=Lead._followup_pool_eligible_sql(),
                    ids=ids,
                    warning=params["warning_days"],
                    lines=lines,
                    **{"from": Lead._followup_pool_from_sql()},
                )
            )
            for uid, total, lead_id, name, cust, days_left in self.env.cr.fetchall():
                add(
                    uid,
                    "pool",
                    total,
                    {
                        "name": name,
                        "customer": cust or "",
                        "days": max(days_left, 0),
                        "url": self._digest_lead_url(base_url, lead_id),
                    },
                )

        # Risks raised in the last day.
        self.env.cr.execute(
            SQL(
                """
                SELECT uid, total, id, name, customer, type_id FROM (
                    SELECT lead.user_id AS uid, lead.id, lead.name, %(customer)s AS customer,
                           risk.type_id,
                           row_number() OVER (PARTITION BY lead.user_id
                                              ORDER BY risk.date_raised DESC, risk.id) AS rank,
                           count(*) OVER (PARTITION BY lead.user_id) AS total
                      FROM sales_followup_risk risk
                      JOIN sales_followup_risk_type rtype ON rtype.id = risk.type_id
                      JOIN crm_lead lead ON lead.id = risk.lead_id
                      %(partners)s
                     WHERE risk.state = 'open' AND risk.date_raised >= %(since)s
                       AND rtype.code NOT IN %(late_codes)s
                       AND lead.active AND lead.user_id = ANY(%(ids)s)
                ) ranked
                 WHERE rank <= %(lines)s
              ORDER BY uid, rank
                """,
                customer=customer,
                partners=partners,
                since=fields.Datetime.now() - timedelta(days=1),
                ids=ids,
                lines=lines,
                late_codes=LATE_RISK_CODES,
            )
        )
        risk_rows = self.env.cr.fetchall()
        type_names = self._digest_type_names(users, {row[5] for row in risk_rows})
        langs = {user.id: user.lang for user in users}
        for uid, total, lead_id, name, cust, type_id in risk_rows:
            add(
                uid,
                "risks",
                total,
                {
                    "name": name,
                    "customer": cust or "",
                    "risk": type_names[langs[uid]].get(type_id, ""),
                    "url": self._digest_lead_url(base_url, lead_id),
                },
            )
        return result

    @api.model
    def _digest_type_names(self, users, type_ids):
        """{lang: {risk type id: name}}: the risk types named in each recipient's language."""
        types = self.env["sales.followup.risk.type"].sudo().with_context(active_test=False)
        return {
            lang: {rtype.id: rtype.name for rtype in types.with_context(lang=lang).browse(type_ids)}
            for lang in set(users.mapped("lang"))
        }

    @api.model
    def _digest_team_sheets(self, users, base_url, shared=None):
        """{user id: [sheet]}: for the team leaders among ``users`` (their teams) and the users
        of the team digest's group (the teams of their companies), each team's morning sheet:
        per salesperson due today, overdue, logged yesterday and how many on rhythm, recorded
        late, returned to the pool yesterday; and the team's three most overdue leads."""
        Team = self.env["crm.team"].sudo()
        teams_of = defaultdict(lambda: Team.browse())
        for team in Team.search([("user_id", "in", users.ids)]):
            teams_of[team.user_id.id] |= team
        group = self.env["sales.followup.settings"]._digest_group()
        if group:
            viewers = users.filtered(lambda user: group in user[USER_ALL_GROUPS])
            if viewers:
                all_teams = Team.search([("company_id", "in", viewers.company_ids.ids + [False])])
                for user in viewers:
                    teams_of[user.id] |= all_teams.filtered(
                        lambda team, user=user: (
                            not team.company_id or team.company_id in user.company_ids
                        )
                    )
        teams = Team.browse().union(*teams_of.values()) if teams_of else Team.browse()
        if not teams:
            return {}
        figures = self._digest_team_figures(teams, base_url)
        if shared is not None:
            shared.update(teams=teams, figures=figures)
        langs = {user.id: user.lang for user in users}
        return {
            uid: [
                sheet
                for team in user_teams.sorted("name")
                for sheet in [self._digest_sheet(team, langs[uid], figures)]
                if sheet
            ]
            for uid, user_teams in teams_of.items()
        }

    @api.model
    def _digest_team_figures(self, teams, base_url):
        """The figures of the morning sheets of ``teams``, computed once for all of them (the
        leaders' digests and the team robots' posts): {"stats": {team id: [(user id,
        figures)]}, "worst": {team id: [(lead id, name, customer, user id, days)]}, "names":
        {user id: name}, "base_url": ...}."""
        now = fields.Datetime.now()
        self.env.cr.execute(
            SQL(
                """
                WITH member AS (
                    SELECT DISTINCT member.crm_team_id AS team_id, member.user_id, zone.tz,
                           (%(now)s::timestamp AT TIME ZONE 'UTC' AT TIME ZONE zone.tz)::date
                               AS today
                      FROM crm_team_member member
                      JOIN %(users)s ON users.id = member.user_id
                     WHERE member.active AND users.active AND member.crm_team_id = ANY(%(teams)s)
                ), due AS (
                    SELECT member.team_id, member.user_id,
                           count(*) FILTER (WHERE act.date_deadline = member.today) AS due_today,
                           count(*) FILTER (WHERE act.date_deadline < member.today) AS overdue
                      FROM member
                      JOIN crm_lead lead ON lead.user_id = member.user_id
                       AND lead.team_id = member.team_id AND lead.active
                      JOIN mail_activity act ON act.res_model = 'crm.lead' AND act.res_id = lead.id
                       AND act.activity_type_id = %(type)s AND act.active
                     WHERE act.date_deadline <= member.today
                  GROUP BY 1, 2
                ), logged AS (
                    SELECT member.team_id, member.user_id, count(*) AS logged,
                           count(*) FILTER (WHERE log.on_rhythm) AS on_rhythm,
                           count(*) FILTER (WHERE log.recorded_late) AS late
                      FROM member
                      JOIN sales_followup_log log ON log.user_id = member.user_id
                       AND log.team_id = member.team_id
                     WHERE log.create_date >= %(recent)s
                       AND (log.create_date AT TIME ZONE 'UTC' AT TIME ZONE member.tz)::date
                           = member.today - 1
                  GROUP BY 1, 2
                ), reclaimed AS (
                    SELECT member.team_id, member.user_id, count(*) AS reclaimed
                      FROM member
                      JOIN sales_followup_ownership own ON own.from_user_id = member.user_id
                       AND own.team_id = member.team_id AND own.how = 'reclaimed'
                     WHERE own.date_from >= %(recent)s
                       AND (own.date_from AT TIME ZONE 'UTC' AT TIME ZONE member.tz)::date
                           = member.today - 1
                  GROUP BY 1, 2
                )
                SELECT member.team_id, member.user_id,
                       COALESCE(due.due_today, 0), COALESCE(due.overdue, 0),
                       COALESCE(logged.logged, 0), COALESCE(logged.on_rhythm, 0),
                       COALESCE(logged.late, 0), COALESCE(reclaimed.reclaimed, 0)
                  FROM member
             LEFT JOIN due ON due.team_id = member.team_id AND due.user_id = member.user_id
             LEFT JOIN logged ON logged.team_id = member.team_id
                   AND logged.user_id = member.user_id
             LEFT JOIN reclaimed ON reclaimed.team_id = member.team_id
                   AND reclaimed.user_id = member.user_id
                """,
                now=now,
                users=self._digest_users_sql(),
                teams=teams.ids,
                type=self.env["sales.followup.engine"]._type_id(),
                recent=now - timedelta(days=3),
            )
        )
        stats = defaultdict(list)
        rep_ids = set()
        for team_id, uid, *figures in self.env.cr.fetchall():
            stats[team_id].append((uid, figures))
            rep_ids.add(uid)
        Lead = self.env["crm.lead"]
        pool_params = Lead._followup_pool_params()
        self.env.cr.execute(
            SQL(
                """
                SELECT team_id, id, name, customer, user_id, days FROM (
                    SELECT lead.team_id, lead.id, lead.name,
                           COALESCE(commercial.name, lead.partner_name, lead.contact_name)
                               AS customer,
                           lead.user_id, %(today)s - act.date_deadline AS days,
                           row_number() OVER (PARTITION BY lead.team_id
                                              ORDER BY act.date_deadline, lead.id) AS rank
                      FROM %(from)s
                      JOIN mail_activity act ON act.res_model = 'crm.lead' AND act.res_id = lead.id
                       AND act.activity_type_id = %(type)s AND act.active
                 LEFT JOIN res_partner partner ON partner.id = lead.partner_id
                 LEFT JOIN res_partner commercial ON commercial.id = partner.commercial_partner_id
                     WHERE lead.active AND lead.team_id = ANY(%(teams)s)
                       AND act.date_deadline < %(today)s
                ) ranked
                 WHERE rank <= 3
              ORDER BY team_id, rank
                """,
                today=Lead._followup_local_today_sql(pool_params),
                type=self.env["sales.followup.engine"]._type_id(),
                teams=teams.ids,
                **{"from": Lead._followup_pool_from_sql()},
            )
        )
        worst = defaultdict(list)
        for team_id, lead_id, name, cust, uid, days in self.env.cr.fetchall():
            worst[team_id].append((lead_id, name, cust, uid, days))
            rep_ids.add(uid)
        reps = self.env["res.users"].sudo().browse(rep_ids)
        return {
            "stats": stats,
            "worst": worst,
            "names": {rep.id: rep.name for rep in reps},
            "base_url": base_url,
        }

    @api.model
    def _digest_sheet(self, team, lang, figures):
        """The morning sheet of ``team`` for a reader of ``lang`` (None when the team has
        nothing to show): its name, a row per salesperson (most overdue first) and its most
        overdue leads."""
        stats, worst, names = figures["stats"], figures["worst"], figures["names"]
        if not stats.get(team.id) and not worst.get(team.id):
            return None
        return {
            "name": team.with_context(lang=lang).name,
            "rows": sorted(
                (
                    {
                        "user": names.get(rep_id, ""),
                        "due_today": values[0],
                        "overdue": values[1],
                        "logged": values[2],
                        "on_rhythm": values[3],
                        "late": values[4],
                        "reclaimed": values[5],
                    }
                    for rep_id, values in stats.get(team.id, [])
                ),
                key=lambda row: (-row["overdue"], row["user"]),
            ),
            "worst": [
                {
                    "name": name,
                    "customer": cust or "",
                    "user": names.get(rep_id, ""),
                    "days": days,
                    "url": self._digest_lead_url(figures["base_url"], lead_id),
                }
                for lead_id, name, cust, rep_id, days in worst.get(team.id, [])
            ],
        }
