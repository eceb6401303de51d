import base64
import logging
from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import format_date
from odoo.tools.mail import is_html_empty
from odoo.tools.misc import format_amount, formatLang

from odoo.addons.sales_followup.compat import GROUP_ALL_USERS

from ..tools import review_schedule
from .res_config_settings import REVIEW_DEFAULTS, REVIEW_HOUR_BOUNDS

_logger = logging.getLogger(__name__)

REVIEW_TEMPLATE = "sales_followup_reports.mail_template_followup_weekly_review"
REVIEW_REPORT = "sales_followup_reports.action_report_followup_funnel"
FUNNEL_ACTION = "sales_followup_reports.sales_followup_funnel_report_action"
REVIEW_BATCH_SIZE = 10
# The charts of the funnel report shown in the e-mail, in this order.
REVIEW_CHARTS = ("trend", "funnel", "lost_reasons")


class SalesFollowupReview(models.AbstractModel):
    """The weekly review e-mailed to managers: on the chosen weekday and hour of each
    recipient's time zone, the funnel report of the last week (or month) for the recipient's
    scope (a team leader: the teams he or she leads; the chosen group: the whole company), as
    headline figures and charts in the body and the printable PDF attached. Rendered with a
    mail template in the recipient's language and queued as an e-mail."""

    _name = "sales.followup.review"
    _description = "Weekly Review"

    # ------------------------------------------------------------
    # Cron
    # ------------------------------------------------------------

    @api.model
    def _cron_followup_weekly_review(self, batch_size=REVIEW_BATCH_SIZE):
        """Hourly: send the reviews that are due and not sent yet. One batch per call in the
        cron (progress API: the runner commits and calls again); by hand, it loops. Each
        recipient's period is claimed before the review is built, so a second run (or a
        second server) sends nothing twice."""
        in_cron = bool(self.env.context.get("ir_cron_progress_id"))
        # The team robots' reviews first: a few robots, posted in this call.
        done = self._review_robots()
        while True:
            due = self._review_recipients()
            if not due:
                break
            sent = 0
            for recipient in due[:batch_size]:
                sent += self._review_send(*recipient)
            done += sent
            if in_cron:
                self.env["ir.cron"]._notify_progress(
                    done=sent, remaining=max(len(due) - batch_size, 0)
                )
                break
            if len(due) <= batch_size:
                break
        if done:
            queue = self.env.ref("mail.ir_cron_mail_scheduler_action", raise_if_not_found=False)
            if queue:
                queue.sudo()._trigger()
        return done

    # ------------------------------------------------------------
    # Settings and recipients
    # ------------------------------------------------------------

    @api.model
    def _review_settings(self):
        """The review's settings, each falling back to its default (with a warning in the log)
        when the stored parameter is not valid: a bad system parameter must not stop the
        cron."""
        ICP = self.env["ir.config_parameter"].sudo()

        def param(key):
            return ICP.get_param(f"sales_followup_reports.{key}")

        def fallback(key, raw):
            _logger.warning(
                "System parameter sales_followup_reports.%s = %r is not valid: the default %r "
                "is used.",
                key,
                raw,
                REVIEW_DEFAULTS[key],
            )
            return REVIEW_DEFAULTS[key]

        settings = {}
        raw = param("review_weekday")
        if raw and raw not in {str(day) for day in range(7)}:
            raw = fallback("review_weekday", raw)
        settings["weekday"] = int(raw or REVIEW_DEFAULTS["review_weekday"])
        raw = param("review_hour")
        try:
            hour = int(raw) if raw not in (None, False, "") else REVIEW_DEFAULTS["review_hour"]
        except ValueError:
            hour = None
        low, high = REVIEW_HOUR_BOUNDS
        if hour is None or not low <= hour <= high:
            hour = fallback("review_hour", raw)
        settings["hour"] = hour
        raw = param("review_period")
        if raw and raw not in review_schedule.REVIEW_PERIODS:
            raw = fallback("review_period", raw)
        settings["period"] = raw or REVIEW_DEFAULTS["review_period"]
        for key in ("review_leaders", "review_group_enabled"):
            raw = param(key)
            settings[key] = REVIEW_DEFAULTS[key] if raw in (None, False) else raw == "True"
        group = self.env["res.groups"].sudo()
        if settings["review_group_enabled"]:
            raw = param("review_group_id")
            try:
                group = group.browse(int(raw)).exists() if raw else group
            except (TypeError, ValueError):
                group = group.browse()
            if not raw:
                group = self.env.ref("sales_team.group_sale_manager").sudo()
        settings["group"] = group
        return settings

    @api.model
    def _review_scopes(self, settings):
        """{user: sales teams} of the review's recipients: an empty recordset of teams means
        the whole company (the group's users), else the teams the user leads. Active internal
        users with sales rights and an e-mail address only."""
        Teams = self.env["crm.team"].sudo()
        scopes = {}
        if settings["review_leaders"]:
            for team in Teams.search([("user_id", "!=", False)]):
                scopes.setdefault(team.user_id, Teams)
                scopes[team.user_id] |= team
        for user in settings["group"][GROUP_ALL_USERS]:
            scopes[user] = Teams  # the company's review covers the teams led
        return {
            user: teams
            for user, teams in scopes.items()
            if user.active
            and not user.share
            and user.email
            and user.has_group("sales_team.group_sale_salesman")
        }

    @api.model
    def _review_recipients(self):
        """[(user, teams, first day, last day)] of the reviews due now and not sent yet."""
        settings = self._review_settings()
        now = fields.Datetime.now()
        due = []
        for user, teams in self._review_scopes(settings).items():
            period = review_schedule.review_due(
                now, user.tz, settings["weekday"], settings["hour"], settings["period"]
            )
            if period:
                due.append((user, teams, *period))
        if not due:
            return []
        Sent = self.env["sales.followup.review.sent"].sudo()
        sent = {
            (row.user_id.id, row.date_from, row.date_to)
            for row in Sent.search([("user_id", "in", [row[0].id for row in due])])
        }
        return sorted(
            (row for row in due if (row[0].id, row[2], row[3]) not in sent),
            key=lambda row: row[0].id,
        )

    # ------------------------------------------------------------
    # Sending
    # ------------------------------------------------------------

    @api.model
    def _review_send(self, user, teams, date_from, date_to):
        """Claim the review of ``user`` for the period, then build and queue it: 1 when sent,
        0 when it was already taken."""
        claim = self.env["sales.followup.review.sent"].sudo()._claim(user, date_from, date_to)
        if not claim:
            return 0
        wizard = self._review_wizard(user, teams, date_from, date_to)
        data = wizard.get_report_data()
        review = self._review_values(user, teams, wizard, data)
        review["charts"] = self._review_chart_images(data["charts"], claim)
        pdf = self._review_pdf(wizard, claim, review)
        template = self.env.ref(REVIEW_TEMPLATE).sudo()
        context = {"review": review}
        rendered = {
            fname: template.with_context(review=review)._render_field(
                fname, user.ids, compute_lang=True, add_context=context
            )[user.id]
            for fname in ("subject", "body_html", "email_from")
        }
        body = self._review_layout(user, rendered["body_html"], review)
        self.env["mail.mail"].sudo().create(
            {
                "subject": rendered["subject"],
                "body_html": body,
                "email_from": rendered["email_from"] or False,
                "recipient_ids": [(4, user.partner_id.id)],
                "attachment_ids": [(4, pdf.id)],
                "auto_delete": template.auto_delete,
                "model": False,
                "res_id": False,
            }
        )
        return 1

    @api.model
    def _review_env(self, user):
        """The recipient's environment: his or her rights, language, time zone and company."""
        return (
            self.with_user(user)
            .with_context(
                lang=user.lang or "en_US",
                tz=user.tz if user.tz else "UTC",
                allowed_company_ids=user.company_id.ids,
            )
            .env
        )

    @api.model
    def _review_wizard(self, user, teams, date_from, date_to):
        """The funnel report's wizard for the review, as the recipient (record rules keep him
        or her to what he or she may see)."""
        return self._review_env(user)["sales.followup.funnel.wizard"].create(
            {
                "period": self._review_settings()["period"],
                "date_from": date_from,
                "date_to": date_to,
                "team_ids": [(6, 0, teams.ids)],
                "breakdown": "source_id",
            }
        )

    @api.model
    def _review_values(self, user, teams, wizard, data):
        """The review's headline figures, formatted for the recipient's language."""
        env = wizard.env
        company = user.company_id
        currency = company.currency_id
        contacts, on_rhythm_rate = self._review_contacts(wizard)
        closed = data["closed"] or {}
        pool_by_user = (data.get("pool") or {}).get("by_user") or {}

        def count(value):
            return formatLang(env, value or 0, digits=0)

        def rate(value):
            return "–" if value is None else f"{value * 100:.1f}%"

        base_url = self.get_base_url()
        return {
            "user_name": user.name,
            "scope": ", ".join(teams.with_env(env).mapped("name")) or company.name,
            "is_company": not teams,
            "date_from": format_date(env, wizard.date_from),
            "date_to": format_date(env, wizard.date_to),
            "figures": {
                "new_leads": count(data["totals"]["leads"]),
                "contacts": count(contacts),
                "on_rhythm_rate": rate(on_rhythm_rate),
                "won": count(closed.get("won")),
                "won_revenue": format_amount(env, closed.get("won_revenue") or 0.0, currency),
                "lost": count(closed.get("lost")),
                "open_risks": count(sum(row["count"] for row in data["risks"])),
                "pool_reclaims": count(
                    sum(figures["reclaims"] for figures in pool_by_user.values())
                ),
            },
            "funnel_url": f"{base_url}/odoo/action-{FUNNEL_ACTION}",
            "settings_url": f"{base_url}/odoo/action-crm.crm_config_settings_action",
        }

    @api.model
    def _review_contacts(self, wizard):
        """(follow-ups logged in the period, the on-rhythm rate of those with a due date) for
        the wizard's scope, as the funnel's weekly trend counts them (the logs of the leads in
        scope that the user may read, by their date in the user's time zone)."""
        Funnel = wizard.env["sales.followup.funnel.report"]
        Report = wizard.env["report.sales_followup_reports.report_followup_funnel"]
        start = Report._trend_utc(wizard.date_from)
        end = Report._trend_utc(wizard.date_to + timedelta(days=1))
        contacts = due = on_rhythm = 0
        for flag, logs, with_due in wizard.env["sales.followup.log"]._read_group(
            [
                ("lead_id", "in", Funnel._search(wizard._scope_domain())),
                ("date", ">=", start),
                ("date", "<", end),
            ],
            ["on_rhythm"],
            ["__count", "due_date:count"],
        ):
            contacts += logs
            due += with_due
            if flag:
                on_rhythm += with_due
        return contacts, (on_rhythm / due if due else None)

    @api.model
    def _review_chart_images(self, charts, claim):
        """[{"url", "alt"}] of the report's charts as PNG pictures, stored as attachments of
        the sent review and shown by URL with their access token: e-mail clients do not show
        inline SVG, and many drop data: URIs. Charts that could not be drawn are left out
        (the PDF has them all)."""
        Report = self.env["ir.actions.report"]
        base_url = self.get_base_url()
        images = []
        for key in REVIEW_CHARTS:
            svg = str(charts.get(key) or "")
            if not svg:
                continue
            width, height = review_schedule.svg_size(svg)
            png = Report._run_wkhtmltoimage(
                [review_schedule.svg_page(svg)], width, height, image_format="png"
            )[0]
            if not png:
                continue
            attachment = (
                self.env["ir.attachment"]
                .sudo()
                .create(
                    {
                        "name": f"weekly_review_{key}.png",
                        "datas": base64.b64encode(png),
                        "mimetype": "image/png",
                        "res_model": claim._name,
                        "res_id": claim.id,
                    }
                )
            )
            token = attachment.generate_access_token()[0]
            images.append(
                {
                    "key": key,
                    "url": f"{base_url}/web/image/{attachment.id}?access_token={token}",
                    "width": width,
                }
            )
        return images

    @api.model
    def _review_pdf(self, wizard, claim, review):
        """The funnel report of the review as a PDF attachment of the sent review, printed as
        the recipient in his or her language."""
        content, _kind = wizard.env["ir.actions.report"]._render_qweb_pdf(REVIEW_REPORT, wizard.ids)
        name = wizard.env._(
            "Weekly review %(date_from)s - %(date_to)s.pdf",
            date_from=wizard.date_from,
            date_to=wizard.date_to,
        )
        return (
            self.env["ir.attachment"]
            .sudo()
            .create(
                {
                    "name": name,
                    "raw": content,
                    "mimetype": "application/pdf",
                    "res_model": claim._name,
                    "res_id": claim.id,
                }
            )
        )

    @api.model
    def _review_layout(self, user, body, review):
        """The body in Odoo's light e-mail layout (company logo and footer), as mail
        templates sent with a layout get it."""
        env = self._review_env(user)
        company = user.company_id
        html = env["ir.qweb"]._render(
            "mail.mail_notification_light",
            {
                "message": self.env["mail.message"]
                .sudo()
                .new({"body": body, "record_name": review["scope"]}),
                "subtype": self.env["mail.message.subtype"].sudo(),
                "model_description": env._("Weekly review"),
                "record": company,
                "record_name": False,
                "subtitles": False,
                "company": company,
                "email_add_signature": False,
                "signature": "",
                "website_url": "",
                "is_html_empty": is_html_empty,
                "lang": user.lang,
            },
            minimal_qcontext=True,
            raise_if_not_found=False,
        )
        if not html:
            return body
        return self.env["mail.render.mixin"]._replace_local_links(html)
