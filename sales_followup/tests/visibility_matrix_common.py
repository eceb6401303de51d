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
code.

The machinery (``VisibilityMatrixCase``); each addon's test module holds its table
(test_visibility_matrix of Sales Follow-up and of Sales Follow-up Reports).
"""

import logging
import re

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import HttpCase, new_test_user

from odoo.addons.sales_followup.compat import USER_GROUPS, formatted_groups

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
    "robot": "A team robot and its outbox: sales managers of its company.",
    "shared": "Configuration without any lead, team or company data: everyone reads it all.",
    "company_config": "Configuration of one company, or of every company when it names none: "
    "read by the people of its company.",
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
            user[USER_GROUPS] = [Command.link(export.id)]
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

    def _visible_robot(self, role, record):
        return record.company_id in self.roles[role].company_ids

    def _visible_shared(self, role, record):
        return True

    def _visible_company_config(self, role, record):
        return self._company_ok(role, record.company_id)

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
        public = self.env["sales.followup.settings"]._pool_public_fields()
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
                        groups = formatted_groups(
                            As, list(domain), [groupby] if groupby else [], ["__count"]
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
        public = self.env["sales.followup.settings"]._pool_public_fields()
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
