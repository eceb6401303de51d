"""The input contract, generated (see input_contract_common): every field of both addons a
caller may write, created and written with values wrong for its type; every public method
called on ids that are no ids or no record; every model method given arguments of the
wrong type."""

import inspect
import logging
import time

from hypothesis import given
from hypothesis import strategies as st

from odoo.tests import tagged

from odoo.addons.sales_followup.compat import api_kind

from ..tools.input_check import shown
from .input_contract_common import (
    ARGUMENTS,
    BAD_IDS,
    BUSINESS_ERRORS,
    EXAMPLES,
    JUNK_TEXT,
    METHOD_EXAMPLES,
    MODEL_ROLES,
    NOT_SCALAR,
    SETTINGS_MODELS,
    VALID_ARGUMENTS,
    InputContractCase,
    bad_values,
    fuzzed,
)

_logger = logging.getLogger(__name__)


@tagged("post_install", "-at_install")
class TestInputContractFuzzed(InputContractCase):
    # ------------------------------------------------------------------------------------------
    # Generated: every field of both addons a caller may write, every public method
    # ------------------------------------------------------------------------------------------

    def _log_cases(self, cases, what, started):
        """The report line of a generated test: its cases, its calls, the seconds they took (a
        figure to read, checked nowhere)."""
        _logger.info(
            "input contract: %s %s, %s calls in %.1f s",
            cases,
            what,
            self.calls,
            time.perf_counter() - started,
        )

    def _public_methods(self):
        """(model, role, name, function) of each public method of both addons, as the model's
        role (authenticated before its methods)."""
        for model in self._our_models():
            role = MODEL_ROLES.get(model._name, "salesman")
            self._as(role)
            for name in self._our_methods(model):
                yield model, role, name, getattr(type(model), name)

    def test_fields_fuzzed(self):
        """Create and write each writable field of both addons with values wrong for its type:
        a named refusal, nothing written."""
        started, cases = time.perf_counter(), 0
        base_values = self._base_values()
        for model in self._our_models():
            role = MODEL_ROLES.get(model._name, "salesman")
            user = self.roles[role]
            Model = model.with_user(user)
            record = self.records.get(model._name)
            operations = []
            if model._name in base_values:
                operations.append("create")
            if record and model._name not in SETTINGS_MODELS:
                operations.append("write")
            self._as(role)
            for operation in operations:
                with self.subTest(model=model._name, operation=operation, field="(unknown)"):
                    self._assert_refused(
                        lambda op=operation, m=model._name, r=record: self._write_call(
                            m, op, r, base_values.get(m), {"no_such_field": 1}
                        ),
                        ["'no_such_field'"],
                        access_ok=not Model.has_access(operation),
                    )
            for field in self._fuzzed_fields(model):
                label = field._description_string(self.env)
                for operation in operations:
                    cases += 1
                    access_ok = not Model.has_access(operation)
                    probe = self._field_probe(
                        model._name,
                        field,
                        operation,
                        record,
                        base_values.get(model._name),
                        label,
                        access_ok,
                    )
                    with self.subTest(model=model._name, field=field.name, operation=operation):
                        probe()
        self._log_cases(cases, "fields x operations", started)
        self.assertGreater(cases, 100, "the registry lists the addons' fields")

    def _field_probe(self, model, field, operation, record, base, label, access_ok):
        strategy = bad_values(self.env, self.env[model], field)

        @fuzzed(f"{model}.{field.name}.{operation}", EXAMPLES)
        @given(value=strategy)
        def probe(value):
            self._assert_refused(
                lambda: self._write_call(model, operation, record, base, {field.name: value}),
                [label],
                access_ok=access_ok,
                where=f"{model}.{field.name} {operation}",
            )

        return probe

    def test_methods_fuzzed(self):
        """Every public method of both addons, called on record ids that are no ids or no
        record: a named refusal, nothing written."""
        started, cases = time.perf_counter(), 0
        for model, role, name, method in self._public_methods():
            if api_kind(method) in ("model", "model_create"):
                continue
            cases += 1
            # Deleting is refused to who may not delete, whatever the ids.
            access_ok = name == "unlink" and not model.with_user(self.roles[role]).has_access(
                "unlink"
            )
            with self.subTest(model=model._name, method=name):
                self._method_probe(model._name, name, access_ok)()
        self._log_cases(cases, "methods", started)
        self.assertGreater(cases, 30, "the registry lists the addons' methods")

    def _method_probe(self, model, name, access_ok=False):
        top = (
            self.env[model].sudo().search([], order="id desc", limit=1).id
            if self.env[model]._auto
            else 0
        )
        strategies = [
            st.sampled_from(BAD_IDS),
            st.lists(
                st.one_of(JUNK_TEXT, st.booleans(), st.floats(), NOT_SCALAR),
                min_size=1,
                max_size=2,
            ),
        ]
        if name != "unlink":  # deleting what is gone already is no error, as in Odoo
            strategies.append(st.integers(top + 1000, 2**31 - 1).map(lambda id_: [id_]))
        ids = st.one_of(strategies)

        @fuzzed(f"{model}.{name}", METHOD_EXAMPLES)
        @given(value=ids)
        def probe(value):
            bad = value if isinstance(value, list) else [value]
            named = [shown(id_) for id_ in bad] + [str(id_) for id_ in bad]
            self._assert_refused(
                lambda: self._call(model, name, [value]),
                named,
                access_ok=access_ok,
                where=f"{model}.{name}",
            )

        return probe

    def test_model_methods_fuzzed(self):
        """The public methods of both addons called on the model (no records) get arguments of
        the wrong type: a result or a named refusal, never a server error, nothing written."""
        started, cases = time.perf_counter(), 0
        for model, _role, name, method in self._public_methods():
            if api_kind(method) != "model":
                continue
            params = list(inspect.signature(method).parameters.values())[1:]
            params = [param for param in params if param.kind == param.POSITIONAL_OR_KEYWORD]
            for param in params:
                self.assertTrue(
                    param.name in VALID_ARGUMENTS or param.default is not param.empty,
                    f"{model._name}.{name}: give VALID_ARGUMENTS a valid {param.name}",
                )
            valid = {param.name: VALID_ARGUMENTS.get(param.name, param.default) for param in params}
            for param in params:
                cases += 1
                with self.subTest(model=model._name, method=name, argument=param.name):
                    self._argument_probe(model._name, name, valid, param.name)()
        self._log_cases(cases, "arguments", started)
        self.assertGreater(cases, 5, "the registry lists the addons' model methods")

    def _argument_probe(self, model, name, valid, argument):
        @fuzzed(f"{model}.{name}.{argument}", METHOD_EXAMPLES)
        @given(value=ARGUMENTS)
        def probe(value):
            before = self._snapshot()
            status, error, _result = self._call(model, name, [], {**valid, argument: value})
            where = f"{model}.{name}({argument}={shown(value)})"
            self.assertEqual(status, 200, where)
            if error:
                self.assertIn(
                    error["name"], BUSINESS_ERRORS, f"{where}: {error.get('debug', '')[-2000:]}"
                )
                self.assertIn(shown(value), error["message"], f"{where}: names the value")
            self.assertEqual(self._snapshot(), before, f"{where}: nothing written")

        return probe
