from odoo import api, fields, models
from odoo.tools import SQL

from ..tools import review_schedule

# The weekly review posted by the team robots is its own concern: which robots are due, and
# the headline figures as a chat message. The e-mailed review stays in sales_followup_review.py.
# pylint: disable=consider-merging-classes-inherited


class SalesFollowupReview(models.AbstractModel):
    _inherit = "sales.followup.review"

    @api.model
    def _review_robots(self):
        """Queue the weekly review to the team robots that post it, on the review's weekday and
        hour in the time zone of their first team's leader, once per period: the headline
        figures of their teams and a link to the funnel report (no PDF to the group). How
        many robots posted."""
        settings = self._review_settings()
        now = fields.Datetime.now()
        Robot = self.env["sales.followup.robot"].sudo()
        due = {}
        for robot in Robot.search([("post_review", "=", True)], order="id"):
            period = review_schedule.review_due(
                now, robot._robot_tz(), settings["weekday"], settings["hour"], settings["period"]
            )
            if period and (not robot.last_review_date or robot.last_review_date < period[1]):
                due[robot.id] = period
        if not due:
            return 0
        Robot.flush_model(["last_review_date"])
        self.env.cr.execute(
            SQL(
                """
                UPDATE sales_followup_robot robot SET last_review_date = due.last
                  FROM (SELECT unnest(%(ids)s::int[]) AS id, unnest(%(days)s::date[]) AS last)
                       due
                 WHERE robot.id = due.id
                   AND (robot.last_review_date IS NULL OR robot.last_review_date < due.last)
             RETURNING robot.id
                """,
                ids=list(due),
                days=[period[1] for period in due.values()],
            )
        )
        claimed = Robot.browse(sorted(row[0] for row in self.env.cr.fetchall()))
        claimed.invalidate_recordset(["last_review_date"])
        for robot in claimed:
            self._review_robot_post(robot, *due[robot.id])
        if claimed:
            Robot._robot_wake_outbox()
        return len(claimed)

    @api.model
    def _review_robot_post(self, robot, date_from, date_to):
        """The review of the robot's teams, computed with the rights of their first leader
        (else of the robot's company as a whole), written in the robot's language."""
        leader = robot.team_ids[:1].user_id
        if not (leader and leader.active and leader.has_group("sales_team.group_sale_salesman")):
            leader = self.env.ref("base.user_root")
        lang = robot._robot_lang()
        wizard = self._review_wizard(leader, robot.team_ids, date_from, date_to).with_context(
            lang=lang, allowed_company_ids=robot.company_id.ids
        )
        data = wizard.get_report_data()
        review = self._review_values(leader, robot.team_ids, wizard, data)
        env = wizard.env
        figures = review["figures"]
        scope = ", ".join(robot.team_ids.with_context(lang=lang).mapped("name"))
        lines = [
            env._("- New leads: %(count)s", count=figures["new_leads"]),
            env._(
                "- Follow-ups logged: %(count)s (on rhythm %(rate)s)",
                count=figures["contacts"],
                rate=figures["on_rhythm_rate"],
            ),
            env._(
                "- Won: %(count)s (%(amount)s)",
                count=figures["won"],
                amount=figures["won_revenue"],
            ),
            env._("- Lost: %(count)s", count=figures["lost"]),
            env._("- Open risks: %(count)s", count=figures["open_risks"]),
            env._("- Returned to the pool: %(count)s", count=figures["pool_reclaims"]),
            "",
            "[{}]({})".format(env._("Open the funnel report in Odoo"), review["funnel_url"]),
        ]
        robot._robot_queue(
            "review",
            env._(
                "%(scope)s · weekly review · %(start)s – %(end)s",
                scope=scope,
                start=review["date_from"],
                end=review["date_to"],
            ),
            "\n".join(lines),
        )
