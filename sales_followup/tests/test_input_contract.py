"""The input contract, by name (see input_contract_common): every model of both addons is
guarded, crm's own lead fields are refused by name too, and each input that answered a raw
error in the hostile-caller run now gets a named refusal."""

import logging
from datetime import timedelta

from odoo import fields
from odoo.tests import tagged

from ..tools.input_check import shown
from .input_contract_common import (
    MB,
    MODEL_ROLES,
    UNGUARDED_MODELS,
    InputContractCase,
)

_logger = logging.getLogger(__name__)


@tagged("post_install", "-at_install")
class TestInputContract(InputContractCase):
    def test_every_model_is_guarded(self):
        """Each model of both addons, or extended with their fields or methods, checks what it
        is sent: a new model without the guard fails here."""
        guard = self.env.registry["sales.followup.input.guard"]
        unguarded = [
            model._name
            for model in self._our_models()
            if not isinstance(model, guard) and model._name not in UNGUARDED_MODELS
        ]
        self.assertEqual(unguarded, [], "add sales.followup.input.guard to their _inherit")

    def test_stock_lead_fields(self):
        """crm's own fields of a lead get what the ORM cannot convert refused by name too (the
        web client never sends these; a script may)."""
        self._as("salesman")
        probes = {
            "stage_id": "x",
            "tag_ids": [[6, 0, ["x"]]],
            "date_deadline": "2026-13-45",
            "expected_revenue": "a lot",
            "probability": float("inf"),
            "name": "Valves\x00",
            "description": "<p>\ud800</p>",
            "priority": "9",
            "partner_id": [1],
            "color": 2**40,
        }
        for fname, value in probes.items():
            label = self.env["crm.lead"]._fields[fname]._description_string(self.env)
            for operation in ("create", "write"):
                with self.subTest(field=fname, operation=operation):
                    self._assert_refused(
                        lambda fname=fname, value=value, op=operation: self._write_call(
                            "crm.lead", op, self.lead, {"name": "Fuzzed lead"}, {fname: value}
                        ),
                        [label],
                        where=f"crm.lead.{fname} {operation}",
                    )

    # ------------------------------------------------------------------------------------------
    # The probes of the hostile-caller run, by name
    # ------------------------------------------------------------------------------------------

    def test_raw_error_probes(self):
        """Each input that answered a raw error (or an HTTP 500) now gets a named refusal."""
        lead, pool = self.lead, self.pool_lead
        new_date = str(fields.Date.today() + timedelta(days=2))
        postpone = {"lead_id": lead.id, "new_date": new_date, "reason": "The customer travels"}
        release = {"lead_ids": [[6, 0, lead.ids]], "reason": "Outside my region"}
        dormant = {"lead_ids": [[6, 0, lead.ids]], "wakeup_date": new_date}
        handover = {"user_ids": [[6, 0, self.leaver.ids]], "target": "pool"}
        assign = {"lead_ids": [[6, 0, pool.ids]], "user_id": self.user_salesman.id}
        log = {"lead_id": lead.id}
        wizards = {
            "sales.followup.postpone.wizard": postpone,
            "sales.followup.release.wizard": release,
            "sales.followup.dormant.wizard": dormant,
            "sales.followup.handover.wizard": handover,
            "sales.followup.pool.assign.wizard": assign,
            "sales.followup.log": log,
        }
        probes = [
            # (name, model, field or method, bad value)
            ("claim ['x']", "crm.lead", "action_followup_claim", ["x"]),
            ("claim [True]", "crm.lead", "action_followup_claim", [True]),
            ("claim [{'id': 1}]", "crm.lead", "action_followup_claim", [{"id": 1}]),
            ("pool claim ['x']", "sales.followup.pool.lead", "action_claim", ["x"]),
            ("pool claim [True]", "sales.followup.pool.lead", "action_claim", [True]),
            ("pool claim [{'id': 1}]", "sales.followup.pool.lead", "action_claim", [{"id": 1}]),
            (
                "release [(6, 0, ['x'])]",
                "sales.followup.release.wizard",
                "lead_ids",
                [[6, 0, ["x"]]],
            ),
            ("release [(4, 'x')]", "sales.followup.release.wizard", "lead_ids", [[4, "x"]]),
            ("release 'garbage'", "sales.followup.release.wizard", "lead_ids", "garbage"),
            ("postpone lead 'x'", "sales.followup.postpone.wizard", "lead_id", "x"),
            ("postpone lead [54]", "sales.followup.postpone.wizard", "lead_id", [54]),
            ("postpone 20300101", "sales.followup.postpone.wizard", "new_date", 20300101),
            ("postpone 2026-13-45", "sales.followup.postpone.wizard", "new_date", "2026-13-45"),
            ("postpone []", "sales.followup.postpone.wizard", "new_date", []),
            ("postpone {}", "sales.followup.postpone.wizard", "new_date", {}),
            ("postpone ''", "sales.followup.postpone.wizard", "new_date", ""),
            ("postpone 1 MB", "sales.followup.postpone.wizard", "new_date", MB),
            ("postpone next week", "sales.followup.postpone.wizard", "new_date", "next week"),
            ("hand-over users 'x'", "sales.followup.handover.wizard", "user_ids", "x"),
            ("hand-over colleague 'x'", "sales.followup.handover.wizard", "colleague_id", "x"),
            ("hand-over target 'mars'", "sales.followup.handover.wizard", "target", "mars"),
            ("assign user 'x'", "sales.followup.pool.assign.wizard", "user_id", "x"),
            ("assign leads 'x'", "sales.followup.pool.assign.wizard", "lead_ids", "x"),
            (
                "dormant [(6, 0, [1, 'x'])]",
                "sales.followup.dormant.wizard",
                "lead_ids",
                [[6, 0, [1, "x"]]],
            ),
            ("dormant 'garbage'", "sales.followup.dormant.wizard", "wakeup_date", "garbage"),
            ("log summary NUL", "sales.followup.log", "summary", "Called\x00 about May"),
            ("log summary lone surrogate", "sales.followup.log", "summary", "\ud800"),
        ]
        for name, model, target, value in probes:
            with self.subTest(probe=name):
                self._as(MODEL_ROLES.get(model, "salesman"))
                if target.startswith("action_"):
                    self._assert_refused(
                        lambda model=model, target=target, value=value: self._call(
                            model, target, [value]
                        ),
                        [shown(value[0])],
                    )
                    continue
                label = self.env[model]._fields[target]._description_string(self.env)
                self._assert_refused(
                    lambda model=model, target=target, value=value: self._web_save_and_apply(
                        model, {**wizards[model], target: value}
                    ),
                    [label],
                )
        _logger.info("input contract: %s calls for the raw-error probes", self.calls)

    def _web_save_and_apply(self, model, values):
        """The dialog as the web client runs it: save the record, then click its button."""
        status, error, result = self._call(model, "create", [values])
        if status != 200 or error or not model.endswith(".wizard"):
            return status, error, result
        return self._call(model, "action_apply", [[result]])
