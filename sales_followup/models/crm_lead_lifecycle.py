from collections import defaultdict

from markupsafe import escape

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL

from ..compat import cron_progress
from ..tools.system_write import system_env

# One concern per file, as Odoo itself splits large models (mail/models/discuss/): the lead's
# life (following Odoo's won/lost state, dormant and woken up, the crons that keep every open
# lead followed) is not its fields and actions of crm_lead.py. What a move schedules is the
# engine's (sales_followup_engine.py).
# pylint: disable=consider-merging-classes-inherited


class CrmLead(models.Model):
    """The follow-up status: To Follow Up, Following, Converted, Lost, Dormant. It follows
    Odoo's won/lost state, sleeps until a wake-up date and wakes up."""

    _inherit = "crm.lead"

    @api.constrains("followup_status", "followup_wakeup_date")
    def _check_followup_wakeup_date(self):
        for lead in self:
            if lead.followup_status == "dormant" and not lead.followup_wakeup_date:
                raise ValidationError(
                    _("Wake-up Date: the dormant lead %s needs a wake-up date.", lead.display_name)
                )

    def _followup_sync_status(self):
        """Follow Odoo's won/lost state: inactive is lost, a won stage is converted, and a lead
        leaving either comes back to Following."""
        moves = defaultdict(lambda: self.browse())
        for lead in self:
            if not lead.active:
                target = "lost"
            elif lead.stage_id.is_won:
                target = "converted"
            elif lead.followup_status in ("lost", "converted"):
                target = "in_progress"
            else:
                continue
            if target != lead.followup_status:
                moves[target] |= lead
        changed = self.browse()
        for status, leads in moves.items():
            system_env(leads).write({"followup_status": status, "followup_wakeup_date": False})
            self.env["sales.followup.engine"]._after_status(leads, status)
            changed |= leads
        # Lost leads lose their automatic risks at once; others are re-evaluated.
        changed._followup_apply_risk_rules()

    def _followup_check_loggable(self):
        for lead in self:
            if not lead.active:
                raise UserError(
                    _(
                        "Lead: %s is lost or archived; restore it before logging a follow-up.",
                        lead.display_name,
                    )
                )

    def _followup_check_can_sleep(self):
        for lead in self:
            if not lead.active or lead.followup_status not in ("to_contact", "in_progress"):
                statuses = dict(self._fields["followup_status"]._description_selection(self.env))
                raise UserError(
                    _(
                        "Lead: only open leads (To Follow Up or Following) can be set dormant; "
                        "%(lead)s is %(status)s.",
                        lead=lead.display_name,
                        status=statuses[lead.followup_status]
                        if lead.active
                        else _("lost or archived"),
                    )
                )

    def _followup_check_wakeup_horizon(self, wakeup_date, today):
        """A wake-up date is at most as far as the latest follow-up (a year, or the longest
        rhythm): a lead asleep for longer is out of every rule (pool, risks) for good; such a
        customer is lost (with the reason) rather than dormant."""
        self.env["sales.followup.settings"]._check_horizon(
            wakeup_date,
            today,
            lambda date, latest: _(
                "Wake-up Date: %(date)s is too far away (%(latest)s at the latest); mark the "
                "lead lost when the customer has no need for that long.",
                date=date,
                latest=latest,
            ),
        )

    def _followup_set_dormant(self, wakeup_date, note=False):
        self._followup_check_can_sleep()
        today = fields.Date.context_today(self)
        if not wakeup_date or wakeup_date <= today:
            raise ValidationError(_("Wake-up Date: choose a date after today."))
        self._followup_check_wakeup_horizon(wakeup_date, today)
        system_env(self).write(
            {
                "followup_status": "dormant",
                "followup_wakeup_date": wakeup_date,
                "followup_date_fixed": False,
                "followup_postponed_from": False,
            }
        )
        self.env["sales.followup.engine"]._open_activities(self).unlink()
        self._followup_apply_risk_rules()
        body = _("Set dormant until %s.", fields.Date.to_string(wakeup_date))
        if note:
            body = f"{body} {note}"
        self._message_log_batch(
            bodies=dict.fromkeys(self.ids, escape(body)), message_type="comment"
        )

    def _followup_lock(self):
        """Lock these leads' rows until the end of the transaction, before anything is read
        from them: two follow-ups of one lead at once (Save tapped twice, a phone and a
        desktop) are then applied one after the other. The second one waits, and as the lead
        changed meanwhile, PostgreSQL refuses its snapshot and Odoo replays the request on the
        new state (its lead's Follow-up, its followers), instead of both scheduling a
        Follow-up or both subscribing the salesperson."""
        if self.ids:
            self.env.cr.execute(
                SQL(
                    "SELECT id FROM crm_lead WHERE id IN %s ORDER BY id FOR NO KEY UPDATE",
                    tuple(self.ids),
                )
            )

    def _followup_local_date(self, value):
        """Calendar day of a UTC datetime in the user's timezone."""
        return fields.Datetime.context_timestamp(self, value).date()

    @api.model
    def _cron_followup_first_contact(self, batch_size=1000):
        """Schedule the first-contact Follow-up activity of assigned leads that have none."""
        in_cron = bool(self.env.context.get("ir_cron_progress_id"))
        return self.env["sales.followup.engine"]._first_contacts(batch_size, in_cron)

    # ------------------------------------------------------------
    # Wake-up of dormant leads
    # ------------------------------------------------------------

    def _followup_wake_up(self):
        today = fields.Date.context_today(self)
        system_env(self).write(
            {
                "followup_status": "in_progress",
                "followup_wakeup_date": False,
                "followup_woken_date": today,
            }
        )
        self.env["sales.followup.engine"]._after_status(self, "in_progress")
        self._followup_apply_risk_rules()

    @api.model
    def _cron_followup_wakeup(self, batch_size=1000):
        """Bring dormant leads whose wake-up date has come back to Following.

        Processes one batch per call and reports progress to the cron runner, which commits
        and calls again while leads remain; called by hand, it loops until done.
        """
        in_cron = bool(self.env.context.get("ir_cron_progress_id"))
        domain = [
            ("followup_status", "=", "dormant"),
            ("followup_wakeup_date", "<=", fields.Date.context_today(self)),
        ]
        done = 0
        while True:
            leads = self.search(domain, limit=batch_size, order="id")
            if not leads:
                break
            leads._followup_wake_up()
            done += len(leads)
            if in_cron:
                remaining = self.search_count(domain)
                cron_progress(self.env, done, remaining=remaining)
                break
        return done
