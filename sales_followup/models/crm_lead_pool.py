from collections import defaultdict
from datetime import datetime, time, timedelta

import psycopg2.errors
import pytz

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import format_date

from ..compat import AND, OR, USER_ALL_GROUPS
from ..tools.system_write import system_env
from .crm_lead_pool_rules import OPEN_STATUSES
from .sales_followup_log import _visible_text
from .sales_followup_ownership import POOL_HOWS

# The customer pool (公海) is its own concern: who holds a lead, when it goes back to its team
# and who may take it. The lead's fields, checks and actions stay in crm_lead.py.
# pylint: disable=consider-merging-classes-inherited


class CrmLead(models.Model):
    _inherit = "crm.lead"

    followup_in_pool = fields.Boolean(
        string="In the Pool",
        readonly=True,
        copy=False,
        index=True,
        help="The lead went back to its sales team's pool (公海): no salesperson holds it, and "
        "any salesperson of the team may claim it.",
    )
    followup_pool_date = fields.Datetime(
        string="In the Pool Since", readonly=True, copy=False, index=True
    )
    followup_pool_reason = fields.Char(
        string="Why in the Pool",
        readonly=True,
        copy=False,
        help="Why the lead went back to the pool: the rule that reclaimed it, or the reason "
        "given by who released it.",
    )
    followup_previous_user_id = fields.Many2one(
        "res.users",
        string="Previous Salesperson",
        readonly=True,
        copy=False,
        index=True,
        help="Who held the lead before it went back to the pool.",
    )
    followup_woken_date = fields.Date(
        string="Woken Up On",
        readonly=True,
        copy=False,
        help="When the lead last came back from dormant: the pool's clock starts again then.",
    )
    followup_reclaim_warned_date = fields.Date(
        string="Pool Warning Sent For",
        readonly=True,
        copy=False,
        help="Technical: the return date the salesperson was last warned about.",
    )
    followup_reclaim_date = fields.Date(
        string="Returns to the Pool On",
        compute="_compute_followup_reclaim_date",
        search="_search_followup_reclaim_date",
        help="The day the lead goes back to the team's pool unless its salesperson logs a "
        "contact (pool rules in the CRM settings).",
    )
    followup_reclaim_label = fields.Char(
        string="Pool Warning", compute="_compute_followup_reclaim_date"
    )
    followup_ownership_ids = fields.One2many(
        "sales.followup.ownership", "lead_id", string="Ownership History", readonly=True
    )
    followup_duplicate_note = fields.Text(
        string="Possible Duplicates",
        compute="_compute_followup_duplicate_note",
        help="Leads of the same company or phone number that are in the pool or held by "
        "another salesperson.",
    )

    # ------------------------------------------------------------
    # Computes
    # ------------------------------------------------------------

    @api.depends("partner_name", "partner_id", "phone_sanitized", "user_id")
    @api.depends_context("uid", "allowed_company_ids", "sales_followup_hide_customer")
    def _compute_followup_duplicate_note(self):
        """Odoo's duplicate detection (same phone, same commercial entity) and the company name
        typed on the lead, limited to the leads a salesperson would otherwise miss: in the
        pool, or held by someone else. One search for all the leads of self."""
        keys = {}
        for lead in self:
            name = (lead.partner_name or "").strip()
            commercial = lead.partner_id.commercial_partner_id.id
            keys[lead] = (lead.phone_sanitized or False, name.lower() or False, commercial)
        phones = {key[0] for key in keys.values() if key[0]}
        names = {lead.partner_name.strip() for lead in self if (lead.partner_name or "").strip()}
        partners = {key[2] for key in keys.values() if key[2]}
        matches = self.browse()
        if phones or names or partners:
            criteria = []
            if phones:
                criteria.append([("phone_sanitized", "in", list(phones))])
            if names:
                criteria.append([("partner_name", "in", list(names))])
            if partners:
                criteria.append([("partner_id.commercial_partner_id", "in", list(partners))])
            domain = [
                ("id", "not in", [lead.id for lead in self if isinstance(lead.id, int)]),
                # Read as the superuser, so within the companies the user works in: a lead of
                # another company of the group is none of their business.
                ("company_id", "in", [*self.env.companies.ids, False]),
                ("followup_status", "!=", "lost"),
                "|",
                ("followup_in_pool", "=", True),
                ("user_id", "!=", False),
            ]
            matches = (
                self.sudo()
                .with_context(active_test=True)
                .search(AND([domain, OR(criteria)]), limit=50)
            )
        for lead in self:
            phone, name, commercial = keys[lead]
            owner = lead.user_id or self.env.user
            lines = []
            for match in matches:
                if not (
                    (phone and match.phone_sanitized == phone)
                    or (name and (match.partner_name or "").strip().lower() == name)
                    or (commercial and match.partner_id.commercial_partner_id.id == commercial)
                ):
                    continue
                # In the pool, the customer is named only where the pool shows it.
                customer = not self.env.context.get("sales_followup_hide_customer") and (
                    match.followup_customer_name
                )
                label = " — ".join(part for part in (customer, match.followup_code) if part)
                if match.followup_in_pool:
                    lines.append(
                        _(
                            "Already in the pool of %(team)s: %(lead)s",
                            team=match.team_id.name or _("the company"),
                            lead=label,
                        )
                    )
                elif match.user_id != owner:
                    lines.append(
                        _(
                            "Held by another salesperson, %(user)s: %(lead)s",
                            user=match.user_id.name,
                            lead=label,
                        )
                    )
                if len(lines) == 5:
                    break
            lead.followup_duplicate_note = "\n".join(lines) or False

    # ------------------------------------------------------------
    # Every change of salesperson is an ownership period (called by crm_lead.py's create and
    # write)
    # ------------------------------------------------------------

    def _followup_owner_created(self):
        assigned = self.filtered("user_id")
        if assigned:
            self.env["sales.followup.ownership"]._record(
                [(lead, False, "assigned", False) for lead in assigned], fields.Datetime.now()
            )

    def _followup_check_owner_write(self, user_id):
        """Salespeople change who holds a lead through the pool's doors: a lead in the pool is
        claimed (team, limits, cooldown), and a lead they hold goes back with a reason
        (Release to Pool), never by emptying its salesperson. Managers assign and reassign;
        the doors themselves write as the superuser."""
        if self._followup_is_manager():
            return
        self.check_access("write")
        in_pool = self.filtered("followup_in_pool")
        if in_pool:
            raise UserError(
                _(
                    "Salesperson: %s is in the pool; claim it from the pool (Pool > Claim).",
                    in_pool[0].display_name,
                )
            )
        if not user_id:
            held = self.filtered("user_id")
            if held:
                raise UserError(
                    _(
                        "Salesperson: %s cannot be left without a salesperson; release it to the "
                        "pool with a reason (Release to Pool), or ask a sales manager to assign "
                        "it.",
                        held[0].display_name,
                    )
                )

    def _followup_owner_changed(self, previous):
        """Record the new ownership periods of the leads whose salesperson changed, and take
        the leads given a salesperson out of the pool with a first follow-up due within the
        first-contact window."""
        changed = self.filtered(lambda lead: lead.user_id.id != previous[lead.id])
        if not changed:
            return
        # How and why the doors moved it (a caller's context names nothing).
        how, reason = (
            self.env.context.get("sales_followup_ownership") or (False, False)
            if self._followup_is_manager()
            else (False, False)
        )
        changes = []
        for lead in changed:
            if lead.user_id:
                lead_how = how if how in ("claimed", "assigned", "reassigned") else False
                lead_how = lead_how or ("reassigned" if previous[lead.id] else "assigned")
            else:
                lead_how = how if how in POOL_HOWS else False
            changes.append((lead, previous[lead.id], lead_how, reason))
        now = fields.Datetime.now()
        self.env["sales.followup.ownership"]._record(changes, now)
        left_pool = changed.filtered(lambda lead: lead.user_id and lead.followup_in_pool)
        if left_pool:
            system_env(left_pool).write(
                {
                    "followup_in_pool": False,
                    "followup_pool_date": False,
                    "followup_pool_reason": False,
                }
            )
            self.env["sales.followup.engine"]._first_contact_after_claim(left_pool, now)
            # Back under the rules (they skip the pool's leads): its risks show now, not after
            # the nightly scan.
            left_pool._followup_apply_risk_rules()

    # ------------------------------------------------------------
    # Moves
    # ------------------------------------------------------------

    def _followup_to_pool(self, how, reasons):
        """Send these leads back to their team's pool: their salesperson's open Follow-up is
        closed, the move is written in the chatter (in the salesperson's language) and in the
        ownership history. ``reasons``: {lead id: reason}."""
        leads = self.sudo()
        if not leads:
            return
        now = fields.Datetime.now()
        self.env["sales.followup.engine"]._open_activities(leads).unlink()
        previous = {lead.id: lead.user_id for lead in leads}
        groups = defaultdict(lambda: leads.browse())
        for lead in leads:
            groups[(previous[lead.id].id, reasons[lead.id], lead.company_id.id)] |= lead
        for (user_id, reason, company_id), group in groups.items():
            group.with_context(tracking_disable=True, sales_followup_ownership=(how, reason)).write(
                {
                    "user_id": False,
                    # Odoo empties the company of a lead with neither salesperson nor a team
                    # of a company: a pool lead stays in its company's pool.
                    "company_id": company_id,
                    "followup_in_pool": True,
                    "followup_pool_date": now,
                    "followup_pool_reason": reason,
                    "followup_previous_user_id": user_id,
                    "followup_date_fixed": False,
                    "followup_postponed_from": False,
                    "followup_reclaim_warned_date": False,
                }
            )
        bodies = {}
        for lead in leads:
            user = previous[lead.id]
            lang_lead = lead.with_context(lang=user.lang or self.env.lang)
            bodies[lead.id] = lang_lead._followup_pool_message(how, user, reasons[lead.id])
        leads._message_log_batch(bodies=bodies)
        leads._followup_apply_risk_rules()
        # What the move leaves to recompute (the team's lead properties among others) is
        # computed now, as the superuser: at the end of the request it would be computed as the
        # salesperson who released the lead, who no longer reads it once in the pool.
        leads.env.flush_all()

    def _followup_pool_message(self, how, user, reason):
        if how == "released":
            return _("Released to the pool by %(user)s: %(reason)s", user=user.name, reason=reason)
        return _("Returned to the pool from %(user)s: %(reason)s", user=user.name, reason=reason)

    # ------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------

    def action_followup_claim(self):
        """Take these pool leads (one tap in the pool): they become the current user's, with a
        first follow-up due within the first-contact window."""
        self._input_check_ids(exist=False)  # its own check names the lead
        user = self.env.user
        if not user.has_group("sales_team.group_sale_salesman"):
            raise AccessError(_("Pool: only salespeople claim leads from the pool."))
        leads = self.sudo().with_context(active_test=False)
        found = leads.exists()
        if not self or len(found) != len(set(self.ids)):
            missing = sorted(set(self.ids) - set(found.ids)) or self.ids
            raise UserError(
                _("Pool: there is no lead %(ids)s to claim.", ids=", ".join(map(str, missing)))
            )
        leads._followup_lock_for_claim()
        leads._followup_check_claimable(user)
        leads.with_context(sales_followup_ownership=("claimed", False)).write({"user_id": user.id})
        for lead in leads:
            lead._message_log(body=_("Claimed from the pool by %s.", user.name))
        if len(leads) == 1:
            return {
                "type": "ir.actions.act_window",
                "res_model": "crm.lead",
                "res_id": leads.id,
                "views": [(False, "form")],
                "target": "current",
            }
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": _("%s leads claimed from the pool.", len(leads)),
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    def _followup_lock_for_claim(self):
        """Lock the leads for this claim: a salesperson claiming the same lead at the same
        moment gets a clear message instead of a second owner (exactly one claim wins)."""
        try:
            with self.env.cr.savepoint(flush=False):
                self.env.cr.execute(
                    "SELECT id FROM crm_lead WHERE id = ANY(%s) FOR UPDATE NOWAIT",
                    [self.ids],
                )
        except (psycopg2.errors.LockNotAvailable, psycopg2.errors.SerializationFailure):
            raise UserError(
                _(
                    "Pool: %s was just claimed by someone else; refresh the pool.",
                    ", ".join(self.mapped(lambda lead: lead.followup_code or lead.name)),
                )
            ) from None

    def _followup_check_claimable(self, user):
        """Claims are for leads still in the pool, of a team the user belongs to and a company
        they work for, outside the previous owner's cooldown and within the claim limits
        (managers are exempt from the limits). A constant number of queries."""
        is_manager = user.has_group("sales_team.group_sale_manager")
        teams = user.crm_team_ids | self.env["crm.team"].sudo().search([("user_id", "=", user.id)])
        companies = self.env.companies
        now = fields.Datetime.now()
        cooldown = self.env["sales.followup.settings"]._get_int("pool_cooldown_days")
        readable = self.with_user(user).with_context(active_test=False)._filtered_access("read")
        for lead in self:
            # A lead of another company is none of the user's business: answered as a lead
            # that does not exist, so that no id tells its code, holder or team.
            if lead.company_id and lead.company_id not in companies:
                raise UserError(_("Pool: there is no lead %(ids)s to claim.", ids=lead.id))
            # Named only to who may read it (or see it in their pool).
            name = (
                lead.followup_code or lead.name
                if lead in readable or (lead.followup_in_pool and lead.team_id in teams)
                else _("lead %s", lead.id)
            )
            if not lead.followup_in_pool or not lead.active:
                if lead in readable and lead.user_id:
                    raise UserError(
                        _(
                            "Pool: %(lead)s is no longer in the pool (held by %(user)s).",
                            lead=name,
                            user=lead.user_id.name,
                        )
                    )
                raise UserError(
                    _("Pool: %(lead)s is no longer in the pool; refresh the pool.", lead=name)
                )
            if lead.team_id and lead.team_id not in teams and not is_manager:
                raise UserError(
                    _(
                        "Pool: %(lead)s is in the pool of another sales team; only its "
                        "salespeople claim it.",
                        lead=name,
                    )
                )
            if (
                lead.followup_previous_user_id == user
                and lead.followup_pool_date
                and lead.followup_pool_date > now - timedelta(days=cooldown)
            ):
                claimable = lead.followup_pool_date + timedelta(days=cooldown)
                raise UserError(
                    _(
                        "Pool: %(lead)s left you on %(date)s; you can claim it again from "
                        "%(again)s (%(days)s days later).",
                        lead=name,
                        date=format_date(self.env, lead.followup_pool_date),
                        again=format_date(self.env, claimable),
                        days=cooldown,
                    )
                )
        if is_manager:
            return
        held = self.with_user(user).search_count(
            [
                ("user_id", "=", user.id),
                ("active", "=", True),
                ("followup_status", "in", OPEN_STATUSES),
            ]
        )
        max_open = self.env["sales.followup.settings"]._get_int("pool_max_open")
        if held + len(self) > max_open:
            raise UserError(
                _(
                    "Pool: you hold %(held)s open leads, and may hold %(max)s; close or release "
                    "some before claiming more.",
                    held=held,
                    max=max_open,
                )
            )
        tz = pytz.timezone(user.tz or "UTC") if user.tz in pytz.all_timezones_set else pytz.utc
        local_midnight = tz.localize(
            datetime.combine(pytz.utc.localize(now).astimezone(tz).date(), time.min)
        )
        day_start = local_midnight.astimezone(pytz.utc).replace(tzinfo=None)
        claimed = (
            self.env["sales.followup.ownership"]
            .sudo()
            .search_count(
                [("user_id", "=", user.id), ("how", "=", "claimed"), ("date_from", ">=", day_start)]
            )
        )
        max_claims = self.env["sales.followup.settings"]._get_int("pool_max_claims_day")
        if claimed + len(self) > max_claims:
            raise UserError(
                _(
                    "Pool: you claimed %(claimed)s leads today, and may claim %(max)s a day; "
                    "claim more tomorrow.",
                    claimed=claimed,
                    max=max_claims,
                )
            )

    def action_followup_release(self):
        """Open the dialog asking why the lead goes back to the pool."""
        self._input_check_ids()
        self._followup_check_releasable()
        return self._followup_dialog(
            _("Release to the Pool"),
            "sales.followup.release.wizard",
            "sales_followup.sales_followup_release_wizard_view_form",
            {"default_lead_ids": self.ids},
        )

    def action_followup_open_assign(self):
        """Managers: the dialog handing these leads to a salesperson."""
        self._input_check_ids()
        if not self._followup_is_manager():
            raise AccessError(_("Pool: only sales managers assign leads."))
        return self._followup_dialog(
            _("Assign"),
            "sales.followup.pool.assign.wizard",
            "sales_followup.sales_followup_pool_assign_wizard_view_form",
            {"default_lead_ids": self.ids},
        )

    def _followup_check_releasable(self):
        is_manager = self._followup_is_manager()
        for lead in self:
            if (
                not lead.active
                or lead.followup_in_pool
                or not lead.user_id
                or lead.followup_status not in OPEN_STATUSES
            ):
                raise UserError(
                    _(
                        "Pool: only open leads held by a salesperson go to the pool; %s is not "
                        "one.",
                        lead.display_name,
                    )
                )
            if lead.user_id != self.env.user and not is_manager:
                raise AccessError(
                    _(
                        "Pool: %(lead)s is held by %(user)s; only they or a sales manager "
                        "release it.",
                        lead=lead.display_name,
                        user=lead.user_id.name,
                    )
                )

    @api.model
    def _followup_requested(self, wizard, fname):
        """The leads a dialog was opened on, as they were chosen (lost ones included, whoever
        may see them), for the current user; Odoo's access error, which names none of them,
        when one is not theirs to see."""
        ids = wizard.sudo().with_context(active_test=False)[fname].ids
        leads = self.with_context(active_test=False).browse(ids)
        leads.check_access("read")
        return leads

    def _followup_release(self, reason):
        reason = _visible_text(reason) if isinstance(reason, str) else ""
        if not reason:
            raise UserError(_("Reason: say why the lead goes back to the pool."))
        self._followup_check_releasable()
        self._followup_to_pool("released", dict.fromkeys(self.ids, reason))

    def _followup_assign(self, user):
        """A sales manager hands these leads (from the pool or another salesperson) to
        ``user``."""
        if not self._followup_is_manager():
            raise AccessError(_("Pool: only sales managers assign leads."))
        self._followup_hand_to(user)

    @api.model
    def _followup_salesperson_domain(self):
        return [
            ("share", "=", False),
            (USER_ALL_GROUPS, "in", self.env.ref("sales_team.group_sale_salesman").id),
        ]

    def _followup_hand_to(self, user):
        """Give these open leads to the active salesperson ``user``."""
        if not user or not user.active or not user.has_group("sales_team.group_sale_salesman"):
            raise UserError(
                _(
                    "Salesperson: %s is not an active salesperson.",
                    user.name if user else _("nobody"),
                )
            )
        closed = self.filtered(
            lambda lead: not lead.active or lead.followup_status not in OPEN_STATUSES
        )
        if closed:
            raise UserError(
                _(
                    "Pool: only open leads are assigned this way; %s is not open.",
                    closed[0].display_name,
                )
            )
        wrong_company = self.filtered(
            lambda lead: lead.company_id and lead.company_id not in user.company_ids
        )
        if wrong_company:
            raise UserError(
                _(
                    "Salesperson: %(user)s does not work for %(company)s (lead %(lead)s).",
                    user=user.name,
                    company=wrong_company[0].company_id.name,
                    lead=wrong_company[0].display_name,
                )
            )
        self.sudo().write({"user_id": user.id})
