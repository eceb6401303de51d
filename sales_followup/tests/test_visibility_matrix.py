"""The visibility matrix, generated from the addons themselves.

For every model of the addon (stored, transient, SQL views; abstract ones are listed with
nothing to read) and for every role of ``MatrixCommon`` (two companies, two teams each, a lead
in each state per team), the operations a client can call -- ``search``, ``read`` (every field
the role may read), ``read_group`` (by salesperson, team and company where the model has them),
``export_data`` and ``name_search`` -- return exactly the records the model's rule in
``EXPECTATIONS`` lets the role see, and no text (lead, customer, lead code, team, company,
person) of a lead, team or company the role may not see. A record the role may not see is
refused when read by id, and the refusal names nothing either.

A model of the addon without an entry in ``EXPECTATIONS``, or a model of another addon given
fields by this one without an entry in ``EXTENDED``, fails the matrix: it never falls behind the
code. Beside the table: the notes computed on the lead form (the duplicate note, on an existing
lead and while a new one is typed), the refusals of the pool's doors and dialogs for leads the
role may not see, and the files our models keep, through ``/web/content``.

The machinery (``VisibilityMatrixCase``) is shared with the matrix of Sales Follow-up Reports.
"""

import base64
import logging
import re
from datetime import timedelta

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import mute_logger

from ..tools.pool import POOL_PUBLIC_FIELDS
from .matrix_common import ROLES, MatrixCommon

_logger = logging.getLogger(__name__)

OPERATIONS = ("search", "read", "read_group", "export_data", "name_search")
# The grouping dimensions read_group is tried with, where the model has them (stored).
GROUP_BY = ("user_id", "team_id", "company_id")
# Field types no client reads as text.
UNREAD_TYPES = {"binary", "json", "properties", "properties_definition", "many2one_reference"}
# The kinds of texts that identify a lead.
LEAD_TEXTS = ("code", "name", "customer")
# Rules of the table: how a role sees the records of a model. Each is a method
# ``_visible_<rule>(role, record)`` of VisibilityMatrixCase, given the record as the superuser.
RULES = {
    "lead": "Seen with its lead: MatrixCommon._may_see_lead (crm's levels, the pool's rule, the "
    "companies).",
    "pool": "The pool: an open lead nobody holds, of the role's teams or of no team, in the "
    "role's companies ('all documents' and managers: every team); the columns the settings "
    "keep private are empty for everyone.",
    "own_moves": "The role's own pool moves (what it held, claimed, released or lost to the "
    "pool), in its companies; 'all documents' and managers: everyone's.",
    "creator": "A dialog: its creator's only, whatever the group.",
    "import_job": "A tracker import job: its starter's (a manager), every job for "
    "administrators, within the role's companies.",
    "import_job_row": "A staged row of an import job: administrators only, within the "
    "companies of its job.",
    "review_sent": "A weekly review sent: managers of the recipient's company.",
    "shared": "Configuration without any lead, team or company data: everyone reads it all.",
    "abstract": "An abstract model: no records.",
}


def texts(value):
    """Every text in ``value`` (a result of read, read_group, export_data, ...)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from texts(key)
            yield from texts(item)
    elif isinstance(value, (list, tuple, set, frozenset)):
        for item in value:
            yield from texts(item)


class VisibilityMatrixCase(MatrixCommon, HttpCase):
    """The matrix of one addon (``MODULE``): its table of models (``EXPECTATIONS``: model ->
    (rule of ``RULES``, why)) and of the models of other addons it adds fields to
    (``EXTENDED``: model -> (rule or "settings", why)). No test of its own: each addon's test
    module runs it."""

    MODULE = None
    EXPECTATIONS = {}
    EXTENDED = {}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Exports are an operation of the matrix: the roles may export (what they may see).
        export = cls.env.ref("base.group_allow_export")
        for user in cls._matrix_users():
            user.groups_id = [Command.link(export.id)]
        cls.manager_2 = new_test_user(
            cls.env,
            login="mx_beijing_manager",
            name="Mx Beijing Manager",
            groups="sales_team.group_sale_manager",
            tz="UTC",
            email="mx_beijing_manager@example.com",
            company_id=cls.company_2.id,
            company_ids=[Command.set(cls.company_2.ids)],
        )
        # A lead of company 2 with the phone of a lead of company 1: the duplicate note of
        # either must not name the other.
        twin = cls.leads[(1, "a", "open")]
        cls.twin_2 = (
            cls.env["crm.lead"]
            .with_company(cls.company_2)
            .create(
                {
                    "name": "Matrix Twin 2A",
                    "type": "opportunity",
                    "partner_name": "Matrix Twin Customer 2A",
                    "phone": twin.phone,
                    "user_id": cls.roles["other_company"].id,
                    "team_id": cls.teams[(2, "a")].id,
                    "company_id": cls.company_2.id,
                }
            )
        )
        # An unassigned lead outside the pool in each company: an own-documents salesperson of
        # that company sees it (crm's rule), nobody of the other company does.
        cls.unassigned = {
            company: cls.env["crm.lead"]
            .with_company(cls.companies[company])
            .create(
                {
                    "name": f"Matrix Unassigned {company}",
                    "type": "opportunity",
                    "partner_name": f"Matrix Unassigned Customer {company}",
                    "team_id": cls.teams[(company, "a")].id,
                    "company_id": cls.companies[company].id,
                }
            )
            for company in (1, 2)
        }
        cls._seed_records()
        cls.env.flush_all()
        cls._index_tokens()

    @classmethod
    def _matrix_users(cls):
        return [*cls.roles.values(), cls.other_company_b]

    @classmethod
    def _seed_records(cls):
        """Records of the models that the leads do not make by themselves (dialogs, jobs)."""

    # ------------------------------------------------------------
    # What a role may see
    # ------------------------------------------------------------

    @classmethod
    def _all_leads(cls):
        return cls._leads_of() | cls.twin_2 | cls.unassigned[1] | cls.unassigned[2]

    @classmethod
    def _all_users(cls):
        return cls.env["res.users"].union(*cls._matrix_users(), cls.manager_2)

    @classmethod
    def _company_ok(cls, role, company):
        return not company or company in cls.roles[role].company_ids

    @classmethod
    def _sees_all_leads(cls, role):
        return cls.roles[role].has_group("sales_team.group_sale_salesman_all_leads")

    def _visible_lead(self, role, record):
        lead = record if record._name == "crm.lead" else record.lead_id
        if "company_id" in record._fields and not self._company_ok(role, record.company_id):
            return False
        return bool(lead) and self._may_see_lead(role, lead)

    def _visible_pool(self, role, record):
        lead = record.lead_id
        user = self.roles[role]
        if not (lead.followup_in_pool and lead.active and self._company_ok(role, lead.company_id)):
            return False
        team = lead.team_id
        return (
            self._sees_all_leads(role)
            or not team
            or team.user_id == user
            or user in team.crm_team_member_ids.user_id
        )

    def _visible_own_moves(self, role, record):
        return self._company_ok(role, record.company_id) and (
            self._sees_all_leads(role) or record.user_id == self.roles[role]
        )

    def _visible_creator(self, role, record):
        return record.create_uid == self.roles[role]

    def _visible_import_job(self, role, record):
        user = self.roles[role]
        if record.company_id not in user.company_ids:
            return False
        return user.has_group("base.group_system") or record.user_id == user

    def _visible_import_job_row(self, role, record):
        user = self.roles[role]
        return user.has_group("base.group_system") and record.job_id.company_id in user.company_ids

    def _visible_review_sent(self, role, record):
        return record.company_id in self.roles[role].company_ids

    def _visible_shared(self, role, record):
        return True

    def _visible(self, rule, role, record):
        return getattr(self, f"_visible_{rule}")(role, record)

    def _may_read(self, role, model):
        return (
            self.env["ir.model.access"]
            .with_user(self.roles[role])
            .check(model, "read", raise_exception=False)
        )

    @classmethod
    def _index_tokens(cls):
        """The texts that identify each seed lead (by kind: its code, its name, its customer),
        team, company and person: a role must not find those of what it may not see in
        anything it reads."""
        cls.lead_tokens = {
            lead: {
                "code": {lead.followup_code},
                "name": {lead.name},
                "customer": {lead.partner_name, lead.followup_customer_name},
            }
            for lead in cls._all_leads().sudo()
        }
        cls.team_tokens = {team: {team.name} for team in cls.teams.values()}
        cls.company_tokens = {company: {company.name} for company in cls.companies.values()}
        cls.user_tokens = {user: {user.name} for user in cls._all_users()}
        cls._forbidden_cache = {}

    def _seen(self, role, leads=None, partly=None):
        """{lead: kinds of its texts ``role`` may read}: every text of ``leads`` (by default
        the leads it may see), the texts of the kinds given of the leads of ``partly`` ({lead:
        kinds})."""
        if leads is None:
            leads = self._all_leads().filtered(lambda lead: self._may_see_lead(role, lead))
        seen = {lead: frozenset(LEAD_TEXTS) for lead in leads}
        for lead, kinds in (partly or {}).items():
            seen.setdefault(lead, frozenset(kinds))
        return seen

    def _forbidden(self, role, seen=None):
        """A pattern of the texts ``role`` may not read: those of the seed leads it has not
        ``seen`` (see ``_seen``; by default the leads it may see), and of the teams, companies
        and people of the companies it does not work for."""
        user = self.roles[role]
        if seen is None:
            seen = self._seen(role)
        key = (role, frozenset(seen.items()))
        if key not in self._forbidden_cache:
            allowed, tokens = set(), set()
            for lead, lead_texts in self.lead_tokens.items():
                for kind, kind_texts in lead_texts.items():
                    if kind in seen.get(lead, ()):
                        allowed |= kind_texts
                    else:
                        tokens |= kind_texts
            for team, team_texts in self.team_tokens.items():
                if team.company_id not in user.company_ids:
                    tokens |= team_texts
            for company, company_texts in self.company_tokens.items():
                if company not in user.company_ids:
                    tokens |= company_texts
            for person, person_texts in self.user_tokens.items():
                if not person.company_ids & user.company_ids:
                    tokens |= person_texts
            tokens -= allowed | {False, None, ""}
            alternatives = "|".join(
                re.escape(token) for token in sorted(tokens, key=len, reverse=True)
            )
            self._forbidden_cache[key] = re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)")
        return self._forbidden_cache[key]

    def assertNamesNothingUnseen(self, role, output, what, seen=None):
        """``output`` has no text of what ``role`` has not ``seen`` (see ``_forbidden``)."""
        pattern = self._forbidden(role, seen)
        found = sorted(
            {match.group(0) for text in texts(output) for match in pattern.finditer(text)}
        )
        self.assertFalse(found, f"{what} shows {role} what it may not see: {found}")

    # ------------------------------------------------------------
    # The table
    # ------------------------------------------------------------

    def _our_models(self):
        return sorted(
            name
            for name, model in self.env.registry.items()
            if model._original_module == self.MODULE
        )

    def _extended_models(self):
        return sorted(
            name
            for name, model in self.env.registry.items()
            if model._original_module not in ("sales_followup", "sales_followup_reports")
            and any(field._module == self.MODULE for field in model._fields.values())
        )

    def _check_table(self):
        missing = [name for name in self._our_models() if name not in self.EXPECTATIONS]
        self.assertFalse(
            missing, f"models of {self.MODULE} without an entry in the visibility matrix"
        )
        stale = sorted(set(self.EXPECTATIONS) - set(self._our_models()))
        self.assertFalse(stale, f"entries of the visibility matrix for no model of {self.MODULE}")
        missing = [name for name in self._extended_models() if name not in self.EXTENDED]
        self.assertFalse(
            missing, f"models given fields by {self.MODULE} without an entry in the matrix"
        )
        for name, (rule, why) in self.EXPECTATIONS.items():
            self.assertIn(rule, RULES, name)
            self.assertTrue(why, name)
            abstract = self.env.registry[name]._abstract
            self.assertEqual(rule == "abstract", abstract, f"{name}: abstract or not")

    # ------------------------------------------------------------
    # The operations
    # ------------------------------------------------------------

    def _readable_fields(self, role, model, names=None):
        """The fields ``role`` may read on ``model`` (its groups), as a client reads them."""
        Model = self.env[model].with_user(self.roles[role])
        described = Model.fields_get(attributes=["type"])
        return [
            name
            for name, description in described.items()
            if description["type"] not in UNREAD_TYPES and (names is None or name in names)
        ]

    def _group_by(self, model):
        fields_ = self.env[model]._fields
        return [name for name in GROUP_BY if name in fields_ and fields_[name].store]

    def _seen_in(self, role, rule, records):
        """What ``role`` may read of the leads in the records of a model (see ``_seen``): the
        leads it may see; for the pool, what the settings make public of the pool leads it
        sees there; for the pool moves, the leads of its own moves."""
        leads = self._all_leads().filtered(lambda lead: self._may_see_lead(role, lead))
        partly = {}
        if rule == "pool":
            public = self._pool_public_texts()
            partly = {lead: public for lead in records.sudo().lead_id & self._all_leads()}
        elif rule == "own_moves":
            leads |= records.sudo().lead_id & self._all_leads()
        return self._seen(role, leads, partly)

    def _pool_public_texts(self):
        """The kinds of texts of a pool lead the settings show before it is claimed."""
        public = self.env["sales.followup.pool.lead"]._public_fields()
        return frozenset(
            {"code"}
            | ({"name"} if "name" in public else set())
            | ({"customer"} if "followup_customer_name" in public else set())
        )

    def _run_matrix(self, model, rule, names=None, domain=()):
        """The operations of every role on ``model``: what each returns is exactly what the rule
        lets it see, and names nothing else. ``names``: the fields to read (default all);
        ``domain``: the records the matrix is about (default all). The number of cases.

        Each operation starts with nothing in the cache, as a request of the role does: a value
        read before (as the superuser, or by Odoo as the superuser for a display name) would
        be returned without the role's access being checked."""
        Model = self.env[model].sudo().with_context(active_test=False)
        records = Model.search(list(domain))
        cases = 0
        seen_by_someone = False
        for role in ROLES:
            user = self.roles[role]
            As = self.env[model].with_user(user).with_context(active_test=False)
            may_read = self._may_read(role, model)
            expected = (
                records.filtered(lambda record, role=role: self._visible(rule, role, record))
                if may_read
                else Model.browse()
            )
            seen_by_someone |= bool(expected)
            seen = self._seen_in(role, rule, expected)
            with self.subTest(model=model, role=role, operation="search"):
                cases += 1
                self.env.invalidate_all()
                try:
                    found = As.search(list(domain))
                except AccessError:
                    found = As.browse()
                self.assertEqual(
                    sorted(found.ids),
                    sorted(expected.ids),
                    f"{role} searching {model}",
                )
            readable = self._readable_fields(role, model, names) if may_read else []
            with self.subTest(model=model, role=role, operation="read"):
                cases += 1
                self.env.invalidate_all()
                if expected:
                    values = As.browse(expected.ids).read(readable)
                    self.assertNamesNothingUnseen(role, values, f"read of {model}", seen)
                    self._check_values(model, role, values)
                refused = records - expected
                if refused:
                    with self.assertRaises(AccessError, msg=f"{role} reading {model}") as caught:
                        As.browse(refused.ids).read(["display_name"])
                    self.assertNamesNothingUnseen(
                        role, caught.exception.args, f"refused read of {model}", seen
                    )
            with self.subTest(model=model, role=role, operation="read_group"):
                cases += 1
                self.env.invalidate_all()
                if may_read:
                    # The total (no grouping), then by salesperson, team and company.
                    for groupby in [None, *self._group_by(model)]:
                        groups = As.read_group(
                            list(domain), [], [groupby] if groupby else [], lazy=False
                        )
                        self.assertEqual(
                            sum(group["__count"] for group in groups),
                            len(expected),
                            f"{role} grouping {model} by {groupby}",
                        )
                        self.assertNamesNothingUnseen(
                            role, groups, f"read_group of {model} by {groupby}", seen
                        )
                        self._check_groups(model, role, groupby, groups)
            with self.subTest(model=model, role=role, operation="export_data"):
                cases += 1
                self.env.invalidate_all()
                if expected:
                    exported = As.browse(expected.ids).export_data(
                        [name for name in readable if name != "id"]
                    )
                    self.assertNamesNothingUnseen(role, exported, f"export of {model}", seen)
            with self.subTest(model=model, role=role, operation="name_search"):
                cases += 1
                self.env.invalidate_all()
                # Models without a name have no name to search (Odoo warns and finds nothing).
                if may_read and (Model._rec_name or Model._rec_names_search):
                    for name in ("", "Matrix"):
                        try:
                            pairs = As.name_search(name, list(domain), limit=1000)
                        except AccessError:
                            pairs = []
                        self.assertLessEqual(
                            {record_id for record_id, _name in pairs},
                            set(expected.ids),
                            f"{role} name_search of {model}",
                        )
                        self.assertNamesNothingUnseen(role, pairs, f"name_search of {model}", seen)
        if records:
            self.assertTrue(seen_by_someone, f"{model}: some role sees some of its records")
        return cases

    def _check_values(self, model, role, values):
        """Checks of a model's own on what a role reads (overridden per model below)."""
        if model == "sales.followup.pool.lead":
            private = self._pool_private_columns()
            for row in values:
                shown = {name: row[name] for name in private if name in row and row[name]}
                self.assertFalse(shown, f"{role} reads private columns of the pool: {shown}")

    def _check_groups(self, model, role, groupby, groups):
        """The groups of a read_group are of teams, companies and people the role may see."""
        user = self.roles[role]
        for group in groups if groupby else ():
            value = group[groupby]
            if not value:
                continue
            record = self.env[self.env[model]._fields[groupby].comodel_name].browse(value[0])
            if record._name == "res.company":
                self.assertIn(record, user.company_ids, f"{role}: group of {record.name}")
            elif record._name == "crm.team":
                self.assertTrue(
                    self._company_ok(role, record.company_id), f"{role}: group of {record.name}"
                )
            elif record._name == "res.users":
                self.assertTrue(
                    record.company_ids & user.company_ids, f"{role}: group of {record.name}"
                )
        if model == "sales.followup.pool.lead":
            private = self._pool_private_columns()
            for group in groups:
                shown = {name: group[name] for name in private if group.get(name)}
                self.assertFalse(shown, f"{role} sums private columns of the pool: {shown}")

    def _pool_private_columns(self):
        public = self.env["sales.followup.pool.lead"]._public_fields()
        return [
            column for name, (column, *_sql) in POOL_PUBLIC_FIELDS.items() if name not in public
        ]

    def _run_table(self):
        """The whole table: every model of the addon with records, and its extended models
        whose rule is one of RULES (a missing entry is ``_check_table``'s failure)."""
        cases = 0
        for model, (rule, _why) in sorted(self.EXPECTATIONS.items()):
            if rule == "abstract":
                continue
            cases += self._run_matrix(model, rule)
        for model, (rule, _why) in sorted(self.EXTENDED.items()):
            if rule not in RULES:
                continue
            ours = [
                name
                for name, field in self.env[model]._fields.items()
                if field._module == self.MODULE
            ]
            cases += self._run_matrix(
                model, rule, names={"display_name", *ours}, domain=self._extended_domain(model)
            )
        _logger.info(
            "Visibility matrix of %s: %s models read (%s in the table) x %s roles x %s "
            "operations = %s cases",
            self.MODULE,
            cases // (len(ROLES) * len(OPERATIONS)),
            len(self.EXPECTATIONS) + len(self.EXTENDED),
            len(ROLES),
            len(OPERATIONS),
            cases,
        )
        return cases

    def _extended_domain(self, model):
        """The records of an extended model the matrix reads: the seed leads for crm.lead."""
        if model == "crm.lead":
            return [("id", "in", self._all_leads().ids)]
        return []


@tagged("post_install", "-at_install")
class TestVisibilityMatrix(VisibilityMatrixCase):
    MODULE = "sales_followup"
    EXPECTATIONS = {
        "sales.followup.log": ("lead", "A follow-up log is seen with its lead."),
        "sales.followup.risk": ("lead", "A risk is seen with its lead."),
        "sales.followup.ownership": ("lead", "The ownership history is seen with its lead."),
        "sales.followup.pool.lead": ("pool", "The pool, with its public columns only."),
        "sales.followup.risk.type": ("shared", "The kinds of risk (configuration)."),
        "sales.followup.import.job": ("import_job", "Holds a tracker file of customers."),
        "sales.followup.import.job.row": ("import_job_row", "Rows of a tracker file."),
        "sales.followup.dormant.wizard": ("creator", "Leads picked to set dormant."),
        "sales.followup.postpone.wizard": ("creator", "A follow-up to postpone and why."),
        "sales.followup.release.wizard": ("creator", "Leads to release and why."),
        "sales.followup.pool.assign.wizard": ("creator", "Pool leads to hand out."),
        "sales.followup.handover.wizard": ("creator", "The leaving salespeople."),
        "sales.followup.import": ("creator", "An uploaded tracker of customers."),
        "sales.followup.import.sheet": ("creator", "The sheets of an uploaded tracker."),
        "sales.followup.import.column": ("creator", "Its columns and first values."),
        "sales.followup.import.error": ("creator", "Its problems, with the bad values."),
        "sales.followup.import.stage": ("creator", "Its stages and their mapping."),
        "sales.followup.digest": ("abstract", "Builds the daily digests (sent as mail)."),
        "sales.followup.import.loader": ("abstract", "Writes the rows of an import."),
        "sales.followup.input.guard": ("abstract", "Checks what callers send."),
    }
    EXTENDED = {
        "crm.lead": (
            "lead",
            "Our fields on the leads the role may see, computed notes included: the duplicate "
            "note warns of leads of the same customer in the role's companies (never another "
            "company's).",
        ),
        "crm.lead.lost": ("settings", "Whether the lost dialog requires a reason (a setting)."),
        "crm.stage": ("settings", "The names a tracker gives a stage (configuration)."),
        "res.config.settings": ("settings", "The follow-up and pool settings."),
        "res.users": ("settings", "Whether a person gets the digest, and when it was sent."),
        "utm.source": ("settings", "The lead code prefix and sequence of a source."),
    }

    @classmethod
    def _seed_records(cls):
        # The pool shows the least the settings allow: its leads' need and customer are not
        # public either, so that nothing in the pool may name them before they are claimed.
        cls.env["ir.config_parameter"].sudo().set_param(
            "sales_followup.pool_public_fields", "followup_grade,source_id,followup_last_date"
        )
        own, other = cls.roles["own"], cls.roles["other_company"]
        manager, admin = cls.roles["manager"], cls.roles["admin"]
        mine = {own: cls.leads[(1, "a", "open")], other: cls.leads[(2, "a", "open")]}
        later = fields.Date.today() + timedelta(days=30)
        for user, lead in mine.items():
            As = cls.env(user=user)
            As["sales.followup.dormant.wizard"].create(
                {"lead_ids": [Command.set(lead.ids)], "wakeup_date": later, "note": "Matrix"}
            )
            As["sales.followup.postpone.wizard"].create(
                {"lead_id": lead.id, "new_date": later, "reason": "Matrix"}
            )
            As["sales.followup.release.wizard"].create(
                {"lead_ids": [Command.set(lead.ids)], "reason": "Matrix"}
            )
        cls.env(user=manager)["sales.followup.pool.assign.wizard"].create(
            {"lead_ids": [Command.set(cls.leads[(1, "a", "pool")].ids)], "user_id": own.id}
        )
        cls.env(user=admin)["sales.followup.handover.wizard"].create(
            {"user_ids": [Command.set(cls.roles["own_b"].ids)], "target": "pool"}
        )
        cls.import_jobs = {}
        for company, starter in ((1, manager), (2, cls.manager_2)):
            As = cls.env(user=starter, context={"allowed_company_ids": [cls.companies[company].id]})
            wizard = As["sales.followup.import"].create(
                {
                    "filename": f"Matrix tracker {company}.xlsx",
                    "company_id": cls.companies[company].id,
                }
            )
            As["sales.followup.import.sheet"].create(
                {"wizard_id": wizard.id, "index": 0, "name": f"Matrix sheet {company}"}
            )
            As["sales.followup.import.column"].create({"wizard_id": wizard.id, "index": 0})
            As["sales.followup.import.error"].create(
                {"wizard_id": wizard.id, "row": 2, "value": "x", "message": "Matrix"}
            )
            As["sales.followup.import.stage"].create({"wizard_id": wizard.id, "value": "Won"})
            job = (
                cls.env["sales.followup.import.job"]
                .sudo()
                .create(
                    {
                        "name": f"Matrix tracker {company}.xlsx",
                        "user_id": starter.id,
                        "company_id": cls.companies[company].id,
                        "file": base64.b64encode(b"Matrix tracker file"),
                    }
                )
            )
            cls.env["sales.followup.import.job.row"].sudo().create(
                {"job_id": job.id, "number": 2, "cells": ["Matrix row"]}
            )
            cls.import_jobs[company] = job

    def test_matrix_covers_every_model(self):
        self._check_table()

    def test_visibility_matrix(self):
        self._run_table()

    def test_duplicate_notes_stay_in_the_company(self):
        """The duplicate note, read on a lead and computed while a new lead is typed (as the
        lead form's onchange does), names no lead, customer or person of another company."""
        Lead = self.env["crm.lead"]
        spec = {"followup_duplicate_note": {}, "phone": {}, "partner_name": {}}
        for role in ROLES:
            user = self.roles[role]
            company_leads = self._all_leads().filtered(
                lambda lead, user=user: lead.company_id in user.company_ids
            )
            self.env.invalidate_all()
            seen = Lead.with_user(user).search([("id", "in", self._all_leads().ids)])
            with self.subTest(role=role, form="existing leads"):
                values = seen.web_read(spec)
                self.assertNamesNothingUnseen(
                    role, values, "duplicate notes", self._seen(role, company_leads)
                )
            for lead in self._leads_of(state="open") | self.twin_2:
                with self.subTest(role=role, form="new lead", phone_of=lead.name):
                    result = Lead.with_user(user).onchange(
                        {"phone": lead.phone, "partner_name": lead.partner_name, "type": "lead"},
                        ["phone"],
                        spec,
                    )
                    self.assertNamesNothingUnseen(
                        role,
                        result,
                        "duplicate note of a new lead",
                        self._seen(role, company_leads),
                    )
        # Not a note that is never written: a manager typing the phone of a company-1 lead
        # is told who holds it (and only that one: its company-2 twin is not named).
        result = Lead.with_user(self.roles["manager"]).onchange(
            {"phone": self.twin_2.phone, "partner_name": "", "type": "lead"}, ["phone"], spec
        )
        note = result["value"].get("followup_duplicate_note") or ""
        self.assertIn(self.leads[(1, "a", "open")].followup_code, note)
        self.assertNotIn(self.twin_2.followup_code, note)

    @mute_logger("odoo.models", "odoo.addons.base.models.ir_rule")
    def test_refusals_name_nothing_unseen(self):
        """The pool's doors and the dialogs refuse a lead the role may not act on by a message
        that names no lead, customer or person the role may not see: claiming (on the lead and
        in the pool), releasing, postponing, setting dormant."""
        for role in ROLES:
            user = self.roles[role]
            pool_seen = (
                self.env["sales.followup.pool.lead"]
                .sudo()
                .search([])
                .filtered(lambda row, role=role: self._visible_pool(role, row))
            )
            seen = self._seen_in(role, "pool", pool_seen)
            unseen = self._all_leads().filtered(lambda lead, seen=seen: lead not in seen)
            for lead in unseen:
                doors = self._doors(user, lead)
                for door, call in doors.items():
                    with self.subTest(role=role, door=door, lead=lead.name):
                        # An AccessError is a UserError too.
                        with (
                            self.assertRaises(
                                UserError, msg=f"{role}: {door} {lead.name}"
                            ) as caught,
                            self.env.cr.savepoint(),
                        ):
                            # As in a request: nothing read before is in the cache.
                            self.env.invalidate_all()
                            call()
                            self.env.flush_all()
                        self.assertNamesNothingUnseen(
                            role, caught.exception.args, f"refusal of {door}", seen
                        )

    def test_pool_names_no_private_column(self):
        """The need and the customer private (the matrix's settings): nothing a salesperson
        reads or exports of a pool lead of their team names them before the claim, neither
        its link to the lead nor its duplicate note (which would name the customer of a lead
        of the same customer)."""
        pool_lead = self.leads[(1, "a", "pool")]
        self.env["crm.lead"].with_company(self.company_1).create(
            {
                "name": "Matrix Same Customer 1B",
                "type": "opportunity",
                "partner_name": pool_lead.partner_name,
                "phone": pool_lead.phone,
                "user_id": self.roles["own_b"].id,
                "team_id": self.teams[(1, "b")].id,
                "company_id": self.company_1.id,
            }
        )
        self.env.flush_all()
        private = (pool_lead.name, pool_lead.partner_name)
        for role in ("own", "all_docs"):
            Pool = self.env["sales.followup.pool.lead"].with_user(self.roles[role])
            readable = self._readable_fields(role, Pool._name)
            for operation, call in (
                (
                    "read",
                    lambda Pool=Pool, readable=readable: Pool.browse(pool_lead.id).read(readable),
                ),
                (
                    "export_data",
                    lambda Pool=Pool, readable=readable: Pool.browse(pool_lead.id).export_data(
                        [name for name in readable if name != "id"]
                    ),
                ),
            ):
                with self.subTest(role=role, operation=operation):
                    self.env.invalidate_all()
                    output = "\n".join(texts(call()))
                    if role == "own":
                        for text in private:
                            self.assertNotIn(text, output)
                    self.assertIn(pool_lead.followup_code, output)

    def _doors(self, user, lead):
        """{door: call} of the pool's doors and the dialogs ``user`` may try on ``lead``."""
        later = fields.Date.today() + timedelta(days=30)
        Pool = self.env["sales.followup.pool.lead"].with_user(user)
        doors = {
            "claim": lambda: lead.with_user(user).action_followup_claim(),
            "claim in the pool": lambda: Pool.browse(lead.id).action_claim(),
            "release": lambda: lead.with_user(user).action_followup_release(),
        }
        if lead.followup_status in ("to_contact", "in_progress"):
            Postpone = self.env["sales.followup.postpone.wizard"].with_user(user)
            Dormant = self.env["sales.followup.dormant.wizard"].with_user(user)
            doors["postpone"] = lambda: Postpone.create(
                {"lead_id": lead.id, "new_date": later, "reason": "Matrix"}
            ).action_apply()
            doors["dormant"] = lambda: Dormant.create(
                {"lead_ids": [Command.set(lead.ids)], "wakeup_date": later}
            ).action_apply()
        return doors

    def test_tracker_files_through_web_content(self):
        """The file of an import job is downloaded by its starter; another company's manager
        and administrator get nothing."""
        for company, job in self.import_jobs.items():
            attachment = (
                self.env["ir.attachment"]
                .sudo()
                .search(
                    [
                        ("res_model", "=", job._name),
                        ("res_id", "=", job.id),
                        ("res_field", "=", "file"),
                    ]
                )
            )
            self.assertTrue(attachment, "the tracker file is an attachment")
            starter = job.user_id
            others = (
                [self.roles["manager"], self.roles["admin"]] if company == 2 else [self.manager_2]
            )
            for user in [starter, *others]:
                with self.subTest(company=company, user=user.login):
                    self.authenticate(user.login, user.login)
                    response = self.url_open(f"/web/content/{attachment.id}")
                    if user == starter:
                        self.assertEqual(response.status_code, 200)
                        self.assertEqual(response.content, b"Matrix tracker file")
                    else:
                        self.assertIn(response.status_code, (403, 404))
                        self.assertNotIn(b"Matrix tracker file", response.content)
