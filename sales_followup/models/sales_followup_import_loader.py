import datetime
import re
from collections import defaultdict

import pytz
from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.tools import SQL

from ..compat import STAGE_TEAMS, stage_team_values
from ..tools import tracker_analysis as ta
from ..tools.system_write import system_env

# Leads created per ORM call, logs per ORM call.
CREATE_BATCH = 500
LOG_BATCH = 2500
# A contact taken from a tracker is logged at this hour of its day, in the author's timezone.
CONTACT_HOUR = 9


class SalesFollowupImportLoader(models.AbstractModel):
    """The database side of the tracker import: finding what the rows name (salespeople,
    stages, lost reasons, leads imported before) and writing the leads, their customers and
    their history. The parsing and the analysis are in ``tools/``, the screens in the import
    wizard; the background job and the wizard build the leads with the same
    ``tools.tracker_rows.iter_plans`` and write them through the same ``_import_plans``, and
    the wizard's preview is this model's ``_preview``: one place decides what a row becomes.

    ``options`` (a dict, JSON-serialisable for the background job):
    ``stage_map`` {tracker value: stage id}, ``assign_user_id``, ``team_id``.
    """

    _name = "sales.followup.import.loader"
    _description = "Follow-up Tracker Import: Matching and Writing"

    # ------------------------------------------------------------
    # Matching names
    # ------------------------------------------------------------

    @api.model
    def _user_index(self):
        """{lower-cased name, login or word of the name: set of user ids} of internal users
        ("王磊 Wang Lei" is found as "王磊", "Wang" and "Lei" too), read in one query."""
        users = self.env["res.users"].search_fetch([("share", "=", False)], ["name", "login"])
        return ta.user_index((user.id, user.name, user.login) for user in users)

    @api.model
    def _resolve_user(self, index, name):
        """The user id a tracker name designates, None when nobody, ta.AMBIGUOUS when several."""
        return ta.resolve_user(index, name)

    @api.model
    def _plan_user(self, index, plan, default_user=False):
        """The salesperson of a lead (a LeadPlan or LeadDigest): the one its rows name, else
        who followed it up, else ``default_user`` (the wizard's choice for such leads); False
        for none (a lead imported before then keeps its own)."""
        return (
            ta.user_of(index, plan.salesperson)
            or ta.user_of(index, plan.followup_user)
            or default_user
        )

    @api.model
    def _stage_domain(self, team_id):
        return ["|", (STAGE_TEAMS, "=", False), (STAGE_TEAMS, "in", [team_id])] if team_id else []

    @api.model
    def _match_stages(self, values, team_id=False):
        """{tracker value: [stage ids]} by the stage's name in any installed language, else by
        the names the stage lists for trackers (``followup_tracker_names``, e.g. 需求分析 for
        Qualified). Several ids: the value is ambiguous; none: unknown."""
        stages = (
            self.env["crm.stage"]
            .with_context(active_test=False)
            .search_fetch(self._stage_domain(team_id), ["followup_tracker_names"])
        )
        languages = [code for code, _name in self.env["res.lang"].get_installed()]
        # The names of all the stages are read at once in each language (prefetching).
        return ta.match_stages(
            (
                (
                    stage.id,
                    [stage.with_context(lang=lang).name for lang in languages],
                    stage.followup_tracker_names,
                )
                for stage in stages
            ),
            values,
        )

    @api.model
    def _match_names(self, model, names):
        """{name: record id or None (to be created)} of a reference list (lost reasons,
        industries, sources) by the record's name in any language it is written in (价格过高
        finds "Price too high" when its Chinese name is that), whitespace and case aside."""
        names = {name for name in names if name}
        if not names:
            return {}
        Model = self.env[model].with_context(active_test=False)
        Model.flush_model(["name"])
        wanted = {ta.normalize_name(name): name for name in names}
        field = Model._fields["name"]
        value = SQL("translation.value") if field.translate else SQL("record.name")
        source = (
            SQL("%s record, jsonb_each_text(record.name) translation", SQL.identifier(Model._table))
            if field.translate
            else SQL("%s record", SQL.identifier(Model._table))
        )
        self.env.cr.execute(
            SQL(
                "SELECT DISTINCT ON (key) lower(regexp_replace(%s, '\\s+', '', 'g')) AS key, "
                "record.id FROM %s WHERE lower(regexp_replace(%s, '\\s+', '', 'g')) = ANY(%s) "
                "ORDER BY key, record.id",
                value,
                source,
                value,
                list(wanted),
            )
        )
        found = dict(self.env.cr.fetchall())
        return {name: found.get(key) for key, name in wanted.items()}

    @api.model
    def _match_existing(self, plans):
        """{lead key: existing lead} by lead code, else by customer name + phone (the same file
        imported again)."""
        Lead = self.env["crm.lead"].with_context(active_test=False)
        codes = [plan.code for plan in plans if plan.code]
        # Codes are unique per company: a code is looked up in the import's company, which
        # also lets PostgreSQL use that unique index (the trigram index of the code, made for
        # searching parts of codes, costs seconds for a thousand exact codes).
        by_code = (
            {
                lead.followup_code: lead
                for lead in Lead.search(
                    [("company_id", "=", self.env.company.id), ("followup_code", "in", codes)]
                )
            }
            if codes
            else {}
        )
        names = [plan.partner_name or plan.contact for plan in plans if not plan.code]
        by_name = {}
        if names:
            for record in Lead.search(
                ["|", ("partner_name", "in", names), ("contact_name", "in", names)]
            ):
                phone = re.sub(r"\D", "", record.phone or "")
                for name in {record.partner_name, record.contact_name} - {False}:
                    by_name.setdefault((name, phone), record)
        found = {}
        for plan in plans:
            record = by_code.get(plan.code) if plan.code else by_name.get(plan.key[1:])
            if record:
                found[plan.key] = record
        return found

    @api.model
    def _known_contacts(self, leads):
        """{lead id: {(day, summary)}} of the logs these leads already have."""
        known = defaultdict(set)
        if leads:
            for log in self.env["sales.followup.log"].search([("lead_id", "in", leads.ids)]):
                known[log.lead_id.id].add((log.date.date(), log.summary.strip()))
        return known

    @api.model
    def _find_or_create(self, model, names):
        """{name: id} for the given names, creating the missing records. These are reference
        lists (sources, industries, lost reasons) that only administrators may extend by hand;
        the import, run by sales managers, extends them by name only."""
        names = {name for name in names if name}
        if not names:
            return {}
        Model = self.env[model].sudo()
        found = {name: id_ for name, id_ in self._match_names(model, names).items() if id_}
        missing = sorted(names - set(found))
        if missing:
            for record in Model.create([{"name": name} for name in missing]):
                found[record.name] = record.id
        return found

    @api.model
    def _create_stages(self, values, team_id=False):
        """{value: stage id} of new stages named after tracker values, after the last open
        stage of the pipeline."""
        if not values:
            return {}
        Stage = self.env["crm.stage"].sudo()
        last = Stage.search(self._stage_domain(team_id) + [("is_won", "=", False)])
        sequence = max(last.mapped("sequence"), default=0)
        stages = Stage.create(
            [
                {"name": value, "sequence": sequence + index + 1, **stage_team_values(team_id)}
                for index, value in enumerate(sorted(values))
            ]
        )
        return {stage.name: stage.id for stage in stages}

    # ------------------------------------------------------------
    # Preview
    # ------------------------------------------------------------

    @api.model
    def _preview(self, analysis, options):
        """What ``_import_plans`` would write for the leads of ``analysis``
        (tools.tracker_analysis.Analysis) with these ``options``, decided as it decides it;
        nothing is written. The leads in error are left out of the figures, not of the first
        leads shown.

        :return: tools.tracker_analysis.Preview
        """
        today = fields.Date.context_today(self)
        digests = [digest for digest in analysis.digests.values() if not digest.error]
        existing = self._match_existing(digests)
        known = self._known_contacts(self.env["crm.lead"].union(*existing.values()))
        companies = {d.partner_name for d in digests if d.partner_name and d.key not in existing}
        users = self._user_index()

        def user_of(plan):
            # As _import_plans: the rows' salesperson, else the lead's own (imported before).
            lead = existing.get(plan.key)
            user_id = self._plan_user(users, plan, options.get("assign_user_id") or False)
            return user_id or (lead.user_id.id if lead else False)

        def missing(model, names):
            return ta.missing_names(self._match_names(model, names))

        plans, stage_map = list(analysis.previews.values()), options.get("stage_map", {})
        user_ids = {plan.key: user_of(plan) for plan in plans}
        # The first leads' salespeople and stages, read at once.
        shown = self.env["res.users"].browse(set(user_ids.values()) - {False})
        names = dict(zip(shown.ids, shown.mapped("name"), strict=True))
        stages = self.env["crm.stage"].browse({stage_map.get(p.stage) for p in plans} - {None})
        stages = {stage.id: stage for stage in stages}
        return ta.Preview(
            lead_create_count=len(digests) - len(existing),
            lead_update_count=len(existing),
            partner_create_count=len(companies - self._find_companies(companies).keys()),
            # The contacts a lead imported before already has are not logged again.
            log_create_count=sum(
                len(digest.signatures - known[existing[digest.key].id])
                if digest.key in existing
                else len(digest.signatures)
                for digest in digests
            ),
            moved_count=ta.moved_count(digests, today),
            unassigned_count=sum(1 for digest in digests if not user_of(digest)),
            reasons_to_create=missing(
                "crm.lost.reason",
                {d.lost_reason for d in digests if d.status == "lost" and d.lost_reason},
            ),
            sources_to_create=missing("utm.source", {d.source for d in digests}),
            industries_to_create=missing(
                "res.partner.industry", {d.industry for d in digests if d.key not in existing}
            ),
            leads=[
                ta.lead_preview(
                    plan,
                    stages.get(stage_map.get(plan.stage)),
                    names.get(user_ids[plan.key], ""),
                    today,
                )
                for plan in plans
            ],
        )

    # ------------------------------------------------------------
    # Writing
    # ------------------------------------------------------------

    @api.model
    def _import_plans(self, plans, options):
        """Write the leads of ``plans`` (tools.tracker_rows.LeadPlan) with their customers,
        contacts and history, in one transaction.

        :return: (leads, number of logs written)
        """
        if not plans:
            return self.env["crm.lead"], 0
        today = fields.Date.context_today(self)
        users = self._user_index()
        default_user = options.get("assign_user_id") or False
        stage_map = {value: stage_id for value, stage_id in options.get("stage_map", {}).items()}
        existing = self._match_existing(plans)
        known = self._known_contacts(
            self.env["crm.lead"].browse([lead.id for lead in existing.values()])
        )
        for plan in plans:
            plan.existing = existing.get(plan.key)
            plan.user_id = self._plan_user(users, plan, default_user)
            lead_id = plan.existing.id if plan.existing else None
            fresh, seen = [], set(known.get(lead_id, ()))
            for contact in plan.sorted_contacts():
                if contact.signature in seen:
                    continue
                seen.add(contact.signature)
                fresh.append(contact)
            plan.new_contacts = fresh

        partners = self._write_partners(plans)
        sources = self._find_or_create("utm.source", {plan.source for plan in plans})
        reasons = self._find_or_create(
            "crm.lost.reason",
            {plan.lost_reason for plan in plans if plan.status == "lost" and plan.lost_reason},
        )

        Lead = self.env["crm.lead"].with_context(
            mail_create_nolog=True, sales_followup_import=True, tracking_disable=True
        )
        new = [plan for plan in plans if not plan.existing]
        defaults = self._team_and_stage(new, options)
        for start in range(0, len(new), CREATE_BATCH):
            batch = new[start : start + CREATE_BATCH]
            records = Lead.create(
                [
                    {
                        **defaults(plan),
                        **self._lead_values(plan, partners, sources, stage_map, options, today),
                    }
                    for plan in batch
                ]
            )
            for plan, record in zip(batch, records, strict=True):
                plan.record = record
        for plan in plans:
            if plan.existing:
                plan.record = plan.existing
                values = self._lead_values(plan, partners, sources, stage_map, options, today)
                if plan.record.followup_start_date <= values["followup_start_date"]:
                    del values["followup_start_date"]
                del values["followup_origin"]
                plan.record.with_context(sales_followup_import=True, tracking_disable=True).write(
                    values
                )
        records = self.env["crm.lead"].browse([plan.record.id for plan in plans])

        log_count = self._write_logs(plans, users)
        self._apply_outcomes(plans, reasons, today)
        self._schedule(plans, today)
        records._followup_apply_risk_rules()
        return records, log_count

    @api.model
    def _team_and_stage(self, plans, options):
        """A function giving a new lead's team and first stage as crm would compute them, looked
        up once per salesperson and team instead of once per lead."""
        teams, stages, companies = {}, {}, {}
        Team, Lead = self.env["crm.team"], self.env["crm.lead"]

        def defaults(plan):
            team_id = options.get("team_id")
            if not team_id and plan.user_id:
                if plan.user_id not in teams:
                    teams[plan.user_id] = Team._get_default_team_id(
                        user_id=plan.user_id, domain=[("use_opportunities", "=", True)]
                    ).id
                team_id = teams[plan.user_id]
            if team_id not in stages:
                companies[team_id] = (
                    Team.browse(team_id).company_id.id if team_id else False
                ) or self.env.company.id
                stages[team_id] = Lead._stage_find(
                    team_id=team_id or False, domain=[("fold", "=", False)]
                ).id
            # Imported leads belong to the company they are imported in (or their team's).
            values = {"stage_id": stages[team_id], "company_id": companies[team_id]}
            if team_id:
                values["team_id"] = team_id
            return values

        return defaults

    @api.model
    def _find_companies(self, names):
        """{name: partner} of the companies named exactly so (the first of each name), the
        customers a tracker's names find."""
        partners = {}
        if names:
            for partner in self.env["res.partner"].search(
                [("name", "in", list(names)), ("is_company", "=", True)]
            ):
                partners.setdefault(partner.name, partner)
        return partners

    @api.model
    def _write_partners(self, plans):
        """{company name: partner} of the customers (companies, created when missing) and their
        contacts (new leads only)."""
        partners = self._find_companies({plan.partner_name for plan in plans if plan.partner_name})
        industries = self._find_or_create(
            "res.partner.industry",
            {plan.industry for plan in plans if plan.partner_name not in partners},
        )
        to_create = {}
        for plan in plans:
            name = plan.partner_name
            if name and name not in partners and name not in to_create:
                to_create[name] = {
                    "name": name,
                    "is_company": True,
                    "industry_id": industries.get(plan.industry, False),
                    "phone": plan.phone or False,
                    "street": plan.address or False,
                }
        Partner = self.env["res.partner"].with_context(
            tracking_disable=True, mail_create_nolog=True
        )
        created = Partner.create(list(to_create.values()))
        partners.update(zip(to_create, created, strict=True))
        contact_vals = {}
        for plan in plans:
            company = partners.get(plan.partner_name)
            if plan.contact and company and not plan.existing:
                contact_vals.setdefault(
                    (company.id, plan.contact),
                    {
                        "name": plan.contact,
                        "parent_id": company.id,
                        "function": plan.function or False,
                        "phone": plan.phone or False,
                        "email": plan.email or False,
                    },
                )
        Partner.create(list(contact_vals.values()))
        return partners

    @api.model
    def _lead_values(self, plan, partners, sources, stage_map, options, today):
        partner = partners.get(plan.partner_name)
        values = {
            "name": plan.lead_title,
            "type": "opportunity",
            "partner_id": partner.id if partner else False,
            "partner_name": plan.partner_name or False,
            "contact_name": plan.contact or False,
            "function": plan.function or False,
            "phone": plan.phone or False,
            "email_from": plan.email or False,
            "street": plan.address or False,
            "description": "\n".join(
                part
                for part in (plan.description, plan.amount_note and self.env._(plan.amount_note))
                if part
            )
            or False,
            "followup_start_date": plan.lead_date or today,
            "followup_origin": "import",
        }
        if plan.user_id or not plan.existing:
            values["user_id"] = plan.user_id
        if options.get("team_id"):
            values["team_id"] = options["team_id"]
        if plan.source:
            values["source_id"] = sources[plan.source]
        if plan.amount is not None:
            values["expected_revenue"] = plan.amount
        if plan.grade:
            values["followup_grade"] = plan.grade
        if plan.code and not plan.existing:
            values["followup_code"] = plan.code
        stage_id = stage_map.get(plan.stage) if plan.stage else None
        if stage_id:
            values["stage_id"] = stage_id
        return values

    @api.model
    def _write_logs(self, plans, users):
        """One follow-up log per new contact, credited to who followed up when the tracker
        names a user, else to the lead's salesperson (else to the person importing)."""
        log_vals = []
        tz_cache = {}
        for plan in plans:
            for contact in plan.new_contacts:
                author = self._resolve_user(users, contact.user_name)
                if not isinstance(author, int):
                    author = plan.record.user_id.id or self.env.uid
                if author not in tz_cache:
                    tz_cache[author] = pytz.timezone(
                        self.env["res.users"].browse(author).tz or "UTC"
                    )
                local = tz_cache[author].localize(
                    datetime.datetime.combine(contact.date, datetime.time(CONTACT_HOUR))
                )
                log_vals.append(
                    {
                        "lead_id": plan.record.id,
                        "date": local.astimezone(pytz.utc).replace(tzinfo=None),
                        "user_id": author,
                        "method": contact.method,
                        "summary": contact.summary,
                        "customer_words": contact.customer_words or False,
                        "customer_responded": contact.responded,
                        "next_action": contact.next_action or False,
                        "due_date": False,
                    }
                )
        Log = self.env["sales.followup.log"].with_context(sales_followup_import=True)
        logs = Log.browse()
        for start in range(0, len(log_vals), LOG_BATCH):
            logs |= Log.create(log_vals[start : start + LOG_BATCH])
        if logs:
            # History brought in from a tracker is not a contact recorded late.
            logs.flush_recordset(["recorded_late"])
            self.env.cr.execute(
                "UPDATE sales_followup_log SET recorded_late = FALSE WHERE id = ANY(%s)",
                [logs.ids],
            )
            logs.invalidate_recordset(["recorded_late"])
        return len(log_vals)

    @api.model
    def _apply_outcomes(self, plans, reasons, today):
        """Won, lost and dormant leads go through Odoo's own flows, closed on the tracker's
        closing date (else their last contact, never the day of the import)."""
        self.env.flush_all()
        won = self.env["crm.lead"]
        lost = defaultdict(lambda: self.env["crm.lead"])
        dormant = defaultdict(lambda: self.env["crm.lead"])
        closing = defaultdict(list)
        for plan in plans:
            record, status = plan.record, plan.status
            if status is None and record.stage_id.is_won:
                status = "converted"
            if status == "converted":
                if not record.stage_id.is_won:
                    won |= record
                closing[plan.closing_date].append(record.id)
            elif status == "lost":
                if record.active:
                    lost[reasons.get(plan.lost_reason, False)] |= record
                closing[plan.closing_date].append(record.id)
            elif (
                status == "dormant"
                and record.active
                and record.followup_status
                in (
                    "to_contact",
                    "in_progress",
                )
            ):
                wakeup = (
                    plan.next_date
                    if plan.next_date and plan.next_date > today
                    else today + relativedelta(months=3)
                )
                dormant[wakeup] |= record
        if won:
            won.action_set_won()
        for reason_id, records in lost.items():
            records.action_set_lost(lost_reason_id=reason_id)
        for wakeup, records in dormant.items():
            records._followup_set_dormant(wakeup)
        Lead = self.env["crm.lead"].with_context(active_test=False)
        for day, ids in closing.items():
            if day:
                # At the start of the day, as the lead date: a cycle is a number of days.
                Lead.browse(ids).write(
                    {"date_closed": datetime.datetime.combine(day, datetime.time())}
                )

    @api.model
    def _schedule(self, plans, today):
        """Each open lead with a salesperson gets one follow-up: on the tracker's next date when
        it is still to come, else spread over its grade's rhythm from tomorrow on working days (a
        next date from years ago is not kept as overdue); converted customers get their
        after-sale revisit spread the same way."""
        self.env.flush_all()
        # Contacted, or said to be followed in the tracker: Following.
        contacted = (
            self.env["crm.lead"]
            .union(*(plan.record for plan in plans if plan.import_status == "in_progress"))
            .filtered(lambda lead: lead.active and lead.followup_status == "to_contact")
        )
        system_env(contacted).write({"followup_status": "in_progress"})
        plans = [plan for plan in plans if plan.record.active and plan.record.user_id]
        fixed, spread = {}, []
        for plan in plans:
            # The rule the preview showed (tracker_analysis.next_followup).
            how = ta.next_followup(plan.record.followup_status, True, plan.next_date, today)
            if how == "date":
                fixed[plan.record.id] = plan.next_date
            elif how:
                spread.append(plan)
        Lead, Engine = self.env["crm.lead"], self.env["sales.followup.engine"]
        if fixed:
            Engine._schedule(Lead.browse(list(fixed)), fixed, fixed=True)
        if spread:
            # Each salesperson's leads of a grade take the rhythm's working days in turn; a chunk
            # starts at its first row number, so that the chunks of a large file do not all
            # begin on the first day.
            leads = Lead.union(
                *(plan.record for plan in sorted(spread, key=lambda plan: plan.rows[0]))
            )
            Engine._schedule(leads, Engine._spread(leads, today, first_turn=plans[0].rows[0]))
