"""The input contract, fuzzed over real RPC: every model of both addons, every field of theirs a
caller may write (create and write) and every public method, called the way the web client
calls them (JSON-RPC to /web/dataset/call_kw as the least-privileged user who reaches them), with
values no form sends: wrong types, ids that are no record, 1 MB texts, control characters, lone
surrogates, zero-width-only text, impossible and absurd dates, numbers out of range.

Each call is answered with an Odoo error (UserError, ValidationError, AccessError, MissingError)
that names the field or the value, over HTTP 200 with the JSON-RPC error, never a server error
(psycopg2, TypeError, ValueError, KeyError, HTTP 500), and nothing is written.

The models, fields and methods are read from the registry, so a new field or action is fuzzed
without a line here; hypothesis generates the values, with a fixed seed and a bounded number of
examples so that every run sends the same calls."""

import json
import zlib
from base64 import b64encode
from datetime import date, timedelta

from hypothesis import HealthCheck, Phase, seed, settings
from hypothesis import strategies as st

from odoo import fields, models
from odoo.tests import HttpCase, new_test_user

from ..tools.input_check import CHAR_MAX_SIZE, TEXT_MAX_SIZE, shown, to_date, to_datetime
from .pool_common import PoolCommon

OURS = ("sales_followup", "sales_followup_reports")
BUSINESS_ERRORS = {
    "odoo.exceptions.UserError",
    "odoo.exceptions.ValidationError",
    "odoo.exceptions.AccessError",
    "odoo.exceptions.MissingError",
}
# Who calls each model: the least-privileged user who reaches it (the own-documents salesperson
# by default).
MODEL_ROLES = {
    "sales.followup.pool.assign.wizard": "manager",
    "sales.followup.handover.wizard": "admin",
    "sales.followup.import": "manager",
    "sales.followup.import.column": "manager",
    "sales.followup.import.error": "manager",
    "sales.followup.import.sheet": "manager",
    "sales.followup.import.stage": "manager",
    "sales.followup.import.job": "manager",
    "sales.followup.import.job.row": "manager",
    "sales.followup.risk.type": "manager",
    "sales.followup.word": "manager",
    "sales.followup.review.sent": "manager",
    "sales.followup.robot": "manager",
    "sales.followup.robot.message": "manager",
    "crm.stage": "manager",
    "res.config.settings": "system",
}
# The web client creates settings and never writes them: only their create is fuzzed.
SETTINGS_MODELS = {"res.config.settings"}
# Examples per field and operation, and per method: enough to meet each kind of bad value of
# the field's type over the fields of a type, few enough for the whole file to stay short.
EXAMPLES = 12
METHOD_EXAMPLES = 10
MB = "x" * (1024 * 1024)
TRACKER = b64encode("客户名称,跟进记录\n上海贸易,Called\n".encode()).decode()


# ----------------------------------------------------------------------------------------------
# Values that are wrong by construction, by field type
# ----------------------------------------------------------------------------------------------

CONTROL = st.sampled_from([chr(code) for code in range(32) if code not in (9, 10, 13)])
SURROGATE = st.integers(0xD800, 0xDFFF).map(chr)
ZERO_WIDTH_ONLY = st.text(alphabet="\u200b\u200c\u200d\u2060\ufeff\u00ad \t\n", min_size=1)
SHORT_TEXT = st.text(max_size=12)
NOT_SCALAR = st.one_of(
    st.lists(st.integers(-5, 5), max_size=3),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)
ABSURD_DATES = st.sampled_from(
    ["2026-13-45", "next week", "0001-01-01", "9999-12-31", "1899-12-31", "2201-01-01", "26-3-10"]
)


def fuzzed(case, examples):
    """Hypothesis settings of one case: a seed of its own (the same at every run), no example
    database, ``examples`` examples at most."""

    def decorate(function):
        function = settings(
            max_examples=examples,
            database=None,
            deadline=None,
            phases=[Phase.explicit, Phase.generate, Phase.shrink],
            suppress_health_check=list(HealthCheck),
        )(function)
        return seed(zlib.crc32(case.encode()))(function)

    return decorate


def _embedded(bad_char):
    return st.tuples(SHORT_TEXT, bad_char, SHORT_TEXT).map("".join)


# Strings where a form sends something else, some with what the database cannot take.
JUNK_TEXT = st.one_of(SHORT_TEXT, _embedded(SURROGATE), _embedded(CONTROL))


def _missing_ids(env, comodel):
    env.cr.execute(f'SELECT COALESCE(MAX(id), 0) FROM "{env[comodel]._table}"')
    top = env.cr.fetchone()[0]
    return st.integers(top + 1000, 2**31 - 1)


def bad_values(env, model, field):
    """A strategy of values that are wrong for ``field`` whatever the data."""
    ftype = field.type
    if ftype == "many2one":
        return st.one_of(
            JUNK_TEXT,
            NOT_SCALAR,
            st.just(True),
            st.integers(max_value=0),
            st.integers(min_value=2**31),
            st.floats(allow_nan=False).filter(lambda v: not v.is_integer()),
            _missing_ids(env, field.comodel_name),
        )
    if ftype in ("one2many", "many2many"):
        missing = _missing_ids(env, field.comodel_name)
        return st.one_of(
            JUNK_TEXT,
            st.integers(),
            st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
            st.lists(JUNK_TEXT, min_size=1, max_size=2),
            st.tuples(st.just(6), st.just(0), st.lists(JUNK_TEXT, min_size=1, max_size=2)).map(
                lambda cmd: [list(cmd)]
            ),
            JUNK_TEXT.map(lambda text: [[4, text]]),
            missing.map(lambda id_: [[6, 0, [id_]]]),
            missing.map(lambda id_: [[4, id_]]),
            st.integers(7, 99).map(lambda code: [[code, 1]]),
            JUNK_TEXT.map(lambda text: [[0, 0, text]]),
        )
    if ftype in ("date", "datetime"):
        parse = to_date if ftype == "date" else to_datetime
        return st.one_of(
            ABSURD_DATES,
            JUNK_TEXT.filter(lambda text: text and parse(text) is None),
            st.integers(),
            st.just(20300101),
            NOT_SCALAR,
            st.just(True),
            st.dates(max_value=date(1899, 12, 31)).map(str),
            st.dates(min_value=date(2201, 1, 1)).map(str),
        )
    if ftype in ("char", "text", "html") and not model._input_strict_texts:
        # Texts from a file: only what the database cannot take.
        return st.one_of(_embedded(st.just("\x00")), _embedded(SURROGATE))
    if ftype in ("char", "text", "html"):
        size = field.size or (CHAR_MAX_SIZE if ftype == "char" else TEXT_MAX_SIZE)
        strategies = [
            _embedded(CONTROL),
            _embedded(SURROGATE),
            st.just(MB if size < len(MB) else "x" * (size + 1)),
            st.integers(),
            NOT_SCALAR,
            st.just(True),
        ]
        if field.name in getattr(model, "_input_visible_fields", ()):
            strategies.append(ZERO_WIDTH_ONLY)
        return st.one_of(strategies)
    if ftype == "integer":
        return st.one_of(
            JUNK_TEXT,
            st.integers(min_value=2**31),
            st.integers(max_value=-(2**31) - 1),
            st.floats(allow_nan=False, allow_infinity=False).filter(lambda v: not v.is_integer()),
            NOT_SCALAR,
            st.just(True),
        )
    if ftype in ("float", "monetary"):
        return st.one_of(
            JUNK_TEXT,
            st.floats(min_value=1e16),
            st.floats(max_value=-1e16),
            st.sampled_from([float("nan")]),
            NOT_SCALAR,
            st.just(True),
        )
    if ftype == "boolean":
        return st.one_of(
            JUNK_TEXT, st.integers().filter(lambda v: v not in (0, 1)), NOT_SCALAR, st.floats()
        )
    if ftype == "selection":
        allowed = set(field.get_values(env))
        return st.one_of(
            JUNK_TEXT.filter(lambda text: text and text not in allowed),
            st.integers(min_value=1),
            NOT_SCALAR,
            st.just(True),
        )
    if ftype == "binary":
        return st.one_of(st.integers(), NOT_SCALAR, st.just(True))
    return None


# Models of both addons that take no values to check: ir.filters (its one method, an
# @api.model one, checks its arguments itself).
UNGUARDED_MODELS = {"ir.filters"}
# Valid values of the arguments of the model methods, for those without a default.
VALID_ARGUMENTS = {"domain": [], "model": "crm.lead", "fields_list": []}
ARGUMENTS = st.one_of(
    st.sampled_from(["x", 20300101, [["x", "=", 1]], [1, 2], {"id": 1}, True, None, -1, MB]),
    SHORT_TEXT,
    _embedded(SURROGATE),
    st.integers(),
    NOT_SCALAR,
    st.lists(st.one_of(SHORT_TEXT, st.integers()), max_size=3),
)
BAD_IDS = [["x"], [True], [{"id": 1}], [-1], [0], [2**40], "x", [[1]], [1.5]]


class InputContractCase(PoolCommon, HttpCase):
    """The callers of each role, the records they call on, the web client's call and what
    tells a refusal that wrote nothing; what the registry says there is to fuzz."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user_admin = new_test_user(
            cls.env,
            login="sf_fuzz_admin",
            groups="base.group_erp_manager,sales_team.group_sale_manager",
            tz="UTC",
        )
        cls.user_system = new_test_user(
            cls.env,
            login="sf_fuzz_system",
            groups="base.group_system,sales_team.group_sale_manager",
            tz="UTC",
        )
        cls.roles = {
            "salesman": cls.user_salesman,
            "manager": cls.user_manager,
            "admin": cls.user_admin,
            "system": cls.user_system,
        }
        ICP = cls.env["ir.config_parameter"].sudo()
        ICP.set_param("sales_followup.pool_enabled", "True")
        ICP.set_param("sales_followup.pool_enabled_date", "2026-03-01")
        cls.lead = cls._lead(name="Valves")
        cls.log = cls._log(cls.lead, next_date=fields.Date.today() + timedelta(days=1))
        cls.pool_lead = cls._lead(user=cls.user_salesman_2, name="In the pool")
        cls.pool_lead._followup_to_pool("released", {cls.pool_lead.id: "Outside my region"})
        cls.leaver = cls._user("sf_fuzz_leaver", "Sun Leaver", "group_sale_salesman")
        cls.risk_type = cls.env.ref("sales_followup.risk_type_competitor")
        cls.import_wizard = (
            cls.env["sales.followup.import"]
            .with_user(cls.user_manager)
            .create({"file": TRACKER, "filename": "tracker.csv"})
        )
        cls.records = {}
        for model, values in cls._base_values().items():
            user = cls.roles[MODEL_ROLES.get(model, "salesman")]
            if model not in SETTINGS_MODELS:
                cls.records[model] = cls.env[model].with_user(user).create(values)
        cls.records.update(
            {
                "crm.lead": cls.lead,
                "sales.followup.log": cls.log,
                "res.users": cls.user_salesman,
            }
        )
        cls.env.flush_all()

    @classmethod
    def _base_values(cls):
        """Valid values to create a record of each model with, as its role."""
        self, today = cls, fields.Date.today()
        return {
            "crm.lead": {"name": "Fuzzed lead"},
            "sales.followup.log": {"lead_id": self.lead.id, "summary": "Quoted 20 units"},
            "sales.followup.risk": {"lead_id": self.lead.id, "type_id": self.risk_type.id},
            "sales.followup.postpone.wizard": {
                "lead_id": self.lead.id,
                "reason": "The customer travels",
            },
            "sales.followup.dormant.wizard": {
                "lead_ids": [(6, 0, self.lead.ids)],
                "wakeup_date": str(today + timedelta(days=30)),
            },
            "sales.followup.release.wizard": {
                "lead_ids": [(6, 0, self.lead.ids)],
                "reason": "Outside my region",
            },
            "sales.followup.pool.assign.wizard": {
                "lead_ids": [(6, 0, self.pool_lead.ids)],
                "user_id": self.user_salesman.id,
            },
            "sales.followup.handover.wizard": {
                "user_ids": [(6, 0, self.leaver.ids)],
                "target": "pool",
            },
            "sales.followup.import": {"file": TRACKER, "filename": "tracker.csv"},
            "sales.followup.import.column": {"wizard_id": self.import_wizard.id, "index": 0},
            "sales.followup.import.error": {
                "wizard_id": self.import_wizard.id,
                "row": 1,
                "message": "Unreadable",
            },
            "sales.followup.import.sheet": {
                "wizard_id": self.import_wizard.id,
                "index": 0,
                "name": "Sheet1",
            },
            "sales.followup.import.stage": {"wizard_id": self.import_wizard.id, "value": "Won"},
            "sales.followup.risk.type": {"name": "Fuzzed risk", "code": "fuzzed"},
            "sales.followup.word": {"name": "Fuzzed word", "kind": "method", "method": "visit"},
            "sales.followup.funnel.wizard": {},
            "crm.stage": {"name": "Fuzzed stage"},
            "utm.source": {"name": "Fuzzed source"},
            "crm.lead.lost": {"lead_ids": [(6, 0, self.lead.ids)]},
            "res.config.settings": {},
        }

    # ------------------------------------------------------------------------------------------
    # The web client's call
    # ------------------------------------------------------------------------------------------

    def _as(self, role):
        if getattr(self, "_session_role", None) != role:
            user = self.roles[role]
            self.authenticate(user.login, user.login)
            self._session_role = role

    def _call(self, model, method, args, kwargs=None):
        """(HTTP status, JSON-RPC error data or None, result) of a call_kw as the web client
        sends it."""
        payload = json.dumps(
            {
                "id": 1,
                "jsonrpc": "2.0",
                "method": "call",
                "params": {
                    "model": model,
                    "method": method,
                    "args": args,
                    "kwargs": {"context": {"lang": "en_US", "tz": "UTC"}, **(kwargs or {})},
                },
            }
        )
        response = self.url_open(
            f"/web/dataset/call_kw/{model}/{method}",
            data=payload,
            headers={"Content-Type": "application/json"},
            timeout=60,
        )
        self.calls += 1
        if response.status_code != 200:
            return response.status_code, None, None
        body = response.json()
        return 200, body.get("error", {}).get("data"), body.get("result")

    def _tables(self):
        """{table: whether it has a write_date} of the models of both addons, and of what
        their code writes besides (leads, activities, messages, settings)."""
        models = [self.env[name] for name in ("crm.lead", "mail.activity", "mail.message")]
        models += [self.env["ir.config_parameter"], self.env["res.users"]]
        models += [model for model in self.env.values() if model._original_module in OURS]
        return {
            model._table: model._log_access
            for model in models
            if model._auto and not model._abstract
        }

    def _snapshot(self):
        """(table, rows, last write) of each table: a write changes one or the other."""
        self.env.flush_all()
        self.env.cr.execute(
            " UNION ALL ".join(
                f"SELECT '{table}', COUNT(*), "
                f'{"MAX(write_date)" if dated else "NULL::timestamp"} FROM "{table}"'
                for table, dated in sorted(self.tables.items())
            )
        )
        return self.env.cr.fetchall()

    def _assert_refused(self, call, named, access_ok=False, where=""):
        """The call answers a business error naming one of ``named`` (or, with ``access_ok``,
        an access error), over HTTP 200, and nothing is written."""
        before = self._snapshot()
        status, error, result = call()
        self.assertEqual(status, 200, f"{where}: a JSON-RPC answer, not an HTTP error")
        self.assertIsNotNone(error, f"{where}: refused, not accepted (answered {shown(result)})")
        self.assertIn(error["name"], BUSINESS_ERRORS, f"{where}: {error.get('debug', '')[-2000:]}")
        message = error["message"]
        if not (access_ok and error["name"] == "odoo.exceptions.AccessError"):
            self.assertTrue(
                any(name in message for name in named),
                f"{where}: the message names one of {named}: {message[:300]}",
            )
        self.assertEqual(self._snapshot(), before, f"{where}: nothing written")
        return error

    def setUp(self):
        super().setUp()
        self.calls = 0
        self.tables = self._tables()

    # ------------------------------------------------------------------------------------------
    # What the registry says there is to fuzz
    # ------------------------------------------------------------------------------------------

    def _our_models(self):
        """The models of both addons: their own, and the ones whose fields or methods they
        add."""
        models = []
        for name in sorted(self.env.registry):
            model = self.env[name]
            if model._abstract:
                continue
            if (
                model._original_module in OURS
                or any(field._module in OURS for field in model._fields.values())
                or self._our_methods(model)
            ):
                models.append(model)
        return models

    def _our_methods(self, model):
        """The public methods the classes of both addons define on ``model``."""
        names = set()
        for klass in type(model).__mro__:
            if klass.__module__.startswith(tuple(f"odoo.addons.{module}." for module in OURS)):
                names.update(
                    name
                    for name, value in vars(klass).items()
                    if callable(value) and not name.startswith("_") and name != "init"
                )
        return sorted(names - {"create", "write"})

    def _fuzzed_fields(self, model):
        own = model._original_module in OURS
        return [
            field
            for field in model._fields.values()
            if not field.readonly
            and field.name not in models.MAGIC_COLUMNS
            and (own or field._module in OURS)
            and bad_values(self.env, model, field) is not None
        ]

    def _write_call(self, model, operation, record, base, values):
        if operation == "create":
            return self._call(model, "create", [{**base, **values}])
        return self._call(model, "write", [record.ids, values])
