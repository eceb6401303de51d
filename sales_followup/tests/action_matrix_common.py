"""The action matrix: every button and bound action of an addon, clicked by every role the way
the web client clicks it.

The buttons are read from the addon's own views in the database (``<button type="object">``,
``<button type="action">``, ``<a type="object">`` of its form, list, kanban and search views,
the inherited views of crm included), the bound actions from its ``ir.actions.server``,
``ir.actions.act_window`` and ``ir.actions.report`` records with a ``binding_model_id``. A test
module maps each of them to its entry (``MATRIX``); a button without an entry, or an entry
without a button, fails the suite: the matrix never falls behind the views.

Each case runs as one role, in a savepoint rolled back afterwards, as the web client's requests
would: open the record (``Form`` or ``web_read`` with the view's fields, as that user, in the
user's companies), check that the button is there for the role (the view's ``groups``, its
``invisible`` on the record, the action's groups), click (the method with the view's context, or
the bound action with ``active_model``/``active_ids``), follow what comes back (a dialog is
filled and its primary button pressed, a window opened, a report rendered), and end each request
with the flush that recomputes as that user. ``ok``: all of it completes, and what the role reads
back (notifications, the chatter) is in its language; ``refused``: a ``UserError`` (access,
validation) with a message that names nothing the role may not see, also when the button is
hidden from the role (called anyway, as a hostile caller would); ``hidden``: the role does not
see the button on that record.
"""

import logging
import re
import traceback
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

# freezegun's own (Odoo 19.0's test runner replaces ``freezegun.freeze_time`` with a wrapper that
# takes no ``ignore``).
from freezegun.api import freeze_time
from lxml import etree

from odoo import fields
from odoo.exceptions import UserError
from odoo.sql_db import Cursor

from odoo.addons.web.controllers.utils import clean_action

from .action_matrix_client import WebClientMixin
from .matrix_common import MatrixCommon

_logger = logging.getLogger(__name__)

OK, REFUSED, HIDDEN = "ok", "refused", "hidden"
# Every entry says what each of them gets; "own_b" only where a button acts on another team.
MAIN_ROLES = ("own", "all_docs", "leader", "manager", "admin", "other_company")
VIEW_TYPES = ("form", "list", "kanban", "search")
BINDING_MODELS = ("ir.actions.server", "ir.actions.act_window", "ir.actions.report")
# The clock of the fixture and of every case: a Tuesday morning, so that working days, "today"
# and the pool's delays are the same on every run.
MATRIX_NOW = datetime(2026, 3, 10, 9, 0, 0)
CJK = re.compile(r"[\u3400-\u9fff]")


@dataclass(frozen=True)
class Case:
    """``role`` clicks on ``record`` and gets ``expect``.

    ``record``: "lead 1a open" (company 1, team a, state open), "leads 1a open+1b open",
    "pool 1a" (the pool's view of that team's pool lead), "risk 1a open" (the hand-raised risk
    of that lead), "user 1b" (the salesperson of team 1b), "new" (a new record: a dialog opened
    from a menu). ``prepare``: the name of a method of the test class, called as the superuser
    before the click with (role, record); it may return the record to click on instead."""

    role: str
    record: str
    expect: str = OK
    prepare: str = ""


@dataclass(frozen=True)
class Click:
    """A button of a view, or a bound action: each case clicks it on a record. ``action``: the
    window action the view is opened from (its context goes with the click)."""

    cases: tuple
    action: str = ""


@dataclass(frozen=True)
class Dialog:
    """A button of a dialog: pressed by the cases of the entries that open the dialog
    (``opened_by``: their keys); every role that completed one of them pressed it."""

    opened_by: tuple


@dataclass(frozen=True)
class Flow:
    """A dialog opened from a menu or from outside these views (``opener``: a window action's
    xml id, or the name of a method of the test class returning the action), whose buttons are
    pressed in the order of ``steps`` (a name starting with "_" is a method of the test class
    run as the superuser between two requests, e.g. a cron). ``visible``: the name of a method
    telling whether a role sees the opener, when it is not a menu's action."""

    opener: str
    steps: tuple
    cases: tuple
    visible: str = ""


class ActionMatrixCase(WebClientMixin, MatrixCommon):
    """The machinery; a test module of each addon sets ``matrix_module`` and ``MATRIX`` and calls
    ``_run_action_matrix``."""

    matrix_module = None
    MATRIX = {}

    @classmethod
    def setUpClass(cls):
        # One clock for the fixture and the cases, in Python and in the transaction (the
        # records' create_date), started before the fixture is built.
        # (The test runner's own timings keep the real clock.)
        cls.startClassPatcher(freeze_time(MATRIX_NOW, ignore=["_pytest"]))
        cls.classPatch(Cursor, "now", lambda self: datetime.now())
        super().setUpClass()
        cls.matrix_today = fields.Date.today()
        cls.found = cls._matrix_collect(cls.matrix_module)
        cls.pressed = {}
        cls.outcomes = []

    # ------------------------------------------------------------
    # What the addon shows
    # ------------------------------------------------------------

    @classmethod
    def _matrix_collect(cls, module):
        """{key: view or action}: (view xml id, button name) for each button of the module's
        views, the action's xml id for each bound action."""
        found = {}
        data = cls.env["ir.model.data"].search(
            [("module", "=", module), ("model", "in", ("ir.ui.view", *BINDING_MODELS))],
            order="id",
        )
        for row in data:
            record = cls.env[row.model].browse(row.res_id)
            if row.model == "ir.ui.view":
                if record.type not in VIEW_TYPES:
                    continue
                for node in etree.fromstring(record.arch_db).iter("button", "a"):
                    if node.get("type") in ("object", "action") and node.get("name"):
                        found[(row.complete_name, node.get("name"))] = record
            elif record.binding_model_id:
                found[row.complete_name] = record
        return found

    @staticmethod
    def _root_view(view):
        while view.mode == "extension" and view.inherit_id:
            view = view.inherit_id
        return view

    # ------------------------------------------------------------
    # Who clicks
    # ------------------------------------------------------------

    def _role_env(self, role):
        """The environment of the role's requests: its language, time zone and companies."""
        user = self.roles[role]
        companies = user.company_id | user.company_ids
        return self.env(
            user=user,
            su=False,
            context={
                "lang": user.lang,
                "tz": user.tz,
                "uid": user.id,
                "allowed_company_ids": companies.ids,
            },
        )

    def _resolve(self, ref):
        kind, _sep, rest = ref.partition(" ")
        if kind == "new":
            return None
        if kind == "user":
            return self.team_reps[(int(rest[0]), rest[1])]
        leads = self.env["crm.lead"]
        for part in rest.split("+"):
            team, _sep, state = part.partition(" ")
            leads |= self.leads[(int(team[0]), team[1], state or "pool")]
        if kind in ("lead", "leads"):
            return leads
        if kind == "pool":
            return self.env["sales.followup.pool.lead"].browse(leads.ids)
        if kind == "risk":
            return self.env["sales.followup.risk"].search(
                [("lead_id", "in", leads.ids), ("type_id", "=", self.risk_type.id)]
            )
        raise AssertionError(f"Unknown record reference {ref!r}")

    # ------------------------------------------------------------
    # Running a case
    # ------------------------------------------------------------

    @contextmanager
    def _rolled_back(self):
        """The case in a savepoint always rolled back, with the caches it filled."""
        self.env.flush_all()
        caches = set(self.registry.cache_invalidated)
        savepoint = self.env.cr.savepoint(flush=False)
        self.case_cleanups = []
        try:
            yield
        finally:
            for cleanup in reversed(self.case_cleanups):
                cleanup()
            savepoint.close(rollback=True)
            self.env.cr.clear()
            self.env.cr.postcommit.clear()
            self.env.invalidate_all(flush=False)
            changed = set(self.registry.cache_invalidated) - caches
            if changed:
                self.registry.clear_cache(*changed)

    def _run_case(self, key, entry, case):
        """Run one case; returns what happened: OK, REFUSED (with the error) or HIDDEN."""
        env = self._role_env(case.role)
        record = self._resolve(case.record)
        if case.prepare:
            prepared = getattr(self, case.prepare)(case.role, record)
            if prepared is not None:
                record = prepared
            self.env.flush_all()
        trail = {"texts": [], "messages": self.env["mail.message"].search([], limit=1).id}
        try:
            if isinstance(entry, Flow):
                outcome = self._run_flow(env, key, entry, case, record, trail)
            elif isinstance(key, tuple):
                outcome = self._run_button(env, key, entry, case, record, trail)
            else:
                outcome = self._run_binding(env, key, entry, case, record, trail)
        except UserError as error:
            return REFUSED, error, trail
        return outcome, None, trail

    def _run_button(self, env, key, entry, case, record, trail):
        view = self.found[key]
        root = self._root_view(view)
        name = key[1]
        btype = "action" if "." in name else "object"
        # A refusal is checked on a hidden button too: called anyway, as a hostile caller would.
        force = case.expect == REFUSED
        if not self._may_open(env, root.model) and not force:
            return HIDDEN
        action_context = (
            self._eval_context(env, self._load_action(env, entry.action).get("context"))
            if entry.action
            else {}
        )
        context = {**env.context, **action_context}
        # Open what holds the button: the record, or its parent for a button of an x2many.
        holder = record
        nodes = [
            node
            for node in self._arch(self.env, root).iter("button", "a")
            if node.get("name") == name and node.get("type") == btype
        ]
        self.assertTrue(nodes, f"{key}: not in the view {root.xml_id}")
        if record is not None:
            model = root.model
            inverses = []
            for field_node in reversed(self._conditions(nodes[0])[1]):
                field = self.env[model]._fields[field_node.get("name")]
                inverses.append(field.inverse_name)
                model = field.comodel_name
            for inverse in reversed(inverses):
                holder = holder[inverse]
            self.assertEqual(model, record._name, f"{key}: the case clicks on {record._name}")
        form = self._open(env, root, holder and holder.with_env(env), context)
        if record is None and root.type == "form":
            # A new record (the settings): the web client saves it before any button.
            record = form.save()
            self._end_request(env)
        # The button as the role gets the view (its groups applied), on that record.
        arch = self._arch(env, root)
        visible = self._visible_nodes(env, arch, name, btype, record, root.model)
        if not visible and not force:
            return HIDDEN
        node = visible[0][0] if visible else nodes[0]
        button_context = dict(context)
        for field_node in self._conditions(node)[1]:
            button_context.update(self._eval_context(env, field_node.get("context")))
        button_context.update(self._eval_context(env, node.get("context")))
        if btype == "action":
            button_context.update(
                active_model=record._name, active_id=record.id, active_ids=record.ids
            )
            result = self._load_action(env, name)
            result["context"] = {
                **button_context,
                **self._eval_context(env, result.get("context"), button_context),
            }
        else:
            result = self._call_button(env, record._name, name, record.ids, button_context)
        self._follow(case.role, env, result, button_context, trail)
        return OK

    def _run_binding(self, env, key, entry, case, record, trail):
        action = self.found[key]
        model = action.binding_model_id.model
        bindings = env["ir.actions.actions"].get_bindings(model)
        shown = {item["id"] for items in bindings.values() for item in items}
        if action.id not in shown and case.expect != REFUSED:
            return HIDDEN
        # The selected rows, as the list shows them.
        views = env[model].get_views([(False, "list")])
        arch = etree.fromstring(views["views"]["list"]["arch"])
        record.with_env(env).web_read(self._spec(env, model, arch))
        self._end_request(env)
        active = {"active_model": model, "active_id": record.ids[0], "active_ids": record.ids}
        context = {**env.context, **active}
        loaded = self._load_action(env, action.id)
        if loaded["type"] == "ir.actions.server":
            result = env["ir.actions.server"].browse(loaded["id"]).with_context(**context).run()
            result = result and clean_action(result, env=env)
            self._end_request(env)
            self._follow(case.role, env, result, env.context, trail)
        elif loaded["type"] == "ir.actions.report":
            self._render_report(env, loaded, record.ids)
        else:
            loaded["context"] = {
                **context,
                **self._eval_context(env, loaded.get("context"), active),
            }
            self._follow(case.role, env, loaded, context, trail)
        return OK

    def _run_flow(self, env, key, entry, case, record, trail):
        if entry.visible:
            visible = getattr(self, entry.visible)(case.role)
        else:
            action = self.env.ref(entry.opener)
            menus = self.env["ir.ui.menu"].search([("action", "=", f"{action._name},{action.id}")])
            visible = bool(set(menus.ids) & env["ir.ui.menu"]._visible_menu_ids())
            visible = visible and self._may_open(env, action.res_model)
        if not visible and case.expect != REFUSED:
            return HIDDEN
        if entry.opener.startswith("_"):
            action = getattr(self, entry.opener)(env, record)
        else:
            action = self._load_action(env, entry.opener)
        context = {**env.context, **self._eval_context(env, action.get("context"))}
        self.assertEqual(action.get("target"), "new", f"{key}: opens no dialog")
        self._dialog(case.role, env, action, context, trail, steps=entry.steps)
        return OK

    # ------------------------------------------------------------
    # Checking the outcome
    # ------------------------------------------------------------

    def _secrets(self, role):
        """What a message to ``role`` must not name: the leads it may not see (as leads, or
        in its teams' pools) and the people of companies it does not work for."""
        user = self.roles[role]
        env = self._role_env(role)
        pool_visible = set(env["sales.followup.pool.lead"].search([]).ids)
        secrets = set()
        for lead in self.leads.values():
            if self._may_see_lead(role, lead) or lead.id in pool_visible:
                continue
            secrets |= {lead.name, lead.partner_name, lead.followup_code} - {False, None, ""}
        for other in (*self.roles.values(), *self.team_reps.values()):
            if not other.company_ids & user.company_ids:
                secrets.add(other.name)
        return secrets

    def _check_refusal(self, role, error):
        message = str(error.args[0] if error.args else error)
        self.assertTrue(message.strip(), f"{role} is refused without a message")
        for secret in self._secrets(role):
            self.assertNotIn(secret, message, f"The refusal to {role} names {secret!r}")

    def _texts_posted(self, trail):
        """The messages of the case posted in the chatter (not the tracking of changes)."""
        messages = self.env["mail.message"].search(
            [("id", ">", trail["messages"]), ("model", "!=", False)]
        )
        return [
            message.preview or ""
            for message in messages
            if message.message_type in ("comment", "notification") and message.preview
        ]

    def _check_language(self, role, key, trail):
        """What a zh_CN role reads back (notifications, the chatter) is in Chinese."""
        if self.roles[role].lang != "zh_CN":
            return
        trail["posted"] = self._texts_posted(trail)
        for text in trail["texts"] + trail["posted"]:
            if text in self._untranslated_texts():
                continue
            self.assertRegex(
                str(text), CJK, f"{key}: {role} (zh_CN) reads {text!r} in another language"
            )

    def _untranslated_texts(self):
        """Texts a role may read back untranslated: what people typed (the dialogs' values)."""
        return set()

    # ------------------------------------------------------------
    # The matrix
    # ------------------------------------------------------------

    def _run_action_matrix(self):
        collected = set(self.found)
        entries = set(self.MATRIX)
        flows = {key for key, entry in self.MATRIX.items() if isinstance(entry, Flow)}
        self.assertFalse(
            sorted(map(str, collected - entries)),
            "Buttons and bound actions without a matrix entry (add them to MATRIX)",
        )
        self.assertFalse(
            sorted(map(str, entries - collected - flows)),
            "Matrix entries without a button or bound action in the views",
        )
        for key, entry in self.MATRIX.items():
            if isinstance(entry, Dialog):
                continue
            roles = {case.role for case in entry.cases}
            self.assertFalse(
                set(MAIN_ROLES) - roles, f"{key}: no case for {set(MAIN_ROLES) - roles}"
            )
        completed, failures = {}, []
        for key, entry in self.MATRIX.items():
            if isinstance(entry, Dialog):
                continue
            for case in entry.cases:
                with self.subTest(key=key, role=case.role, record=case.record, expect=case.expect):
                    # Every case runs: the failures are reported together at the end.
                    try:
                        if self._check_case(key, entry, case) == OK:
                            completed.setdefault(key, set()).add(case.role)
                    except Exception as error:  # noqa: BLE001 - reported below, with its case
                        failures.append(self._failure(key, case, error))
        for key, entry in self.MATRIX.items():
            if not isinstance(entry, Dialog):
                continue
            expected = set().union(*(completed.get(opener, set()) for opener in entry.opened_by))
            pressed = self.pressed.get(key, set())
            if not expected:
                failures.append(f"{key}: none of the cases opening this dialog completed")
            elif expected - pressed:
                failures.append(
                    f"{key}: not pressed by {sorted(expected - pressed)}, who opened its dialog"
                )
        self.assertFalse(failures, f"{len(failures)} failures:\n" + "\n".join(failures))
        counts = {}
        for _key, _role, outcome in self.outcomes:
            counts[outcome] = counts.get(outcome, 0) + 1
        _logger.info(
            "Action matrix of %s: %s buttons and bound actions, %s flows, %s cases (%s)",
            self.matrix_module,
            len(collected),
            len(flows),
            len(self.outcomes),
            ", ".join(f"{count} {outcome}" for outcome, count in sorted(counts.items())),
        )

    def _check_case(self, key, entry, case):
        with self._rolled_back():
            outcome, error, trail = self._run_case(key, entry, case)
            if outcome == OK and case.expect == OK:
                self._check_language(case.role, key, trail)
        self.outcomes.append((key, case.role, outcome))
        _logger.debug(
            "%s as %s on %s: %s %s texts=%s posted=%s",
            key,
            case.role,
            case.record,
            outcome,
            error or "",
            trail["texts"],
            trail.get("posted"),
        )
        if outcome != case.expect:
            raise AssertionError(f"{outcome}" + (f": {error}" if error else ""))
        if outcome == REFUSED:
            self._check_refusal(case.role, error)
        return outcome

    @staticmethod
    def _failure(key, case, error):
        where = ""
        if not isinstance(error, (AssertionError, UserError)):
            frames = traceback.extract_tb(error.__traceback__)[-3:]
            where = " at " + " < ".join(
                f"{frame.filename.rsplit('/', 2)[-1]}:{frame.lineno}" for frame in reversed(frames)
            )
        kind = "" if isinstance(error, AssertionError) else f"{type(error).__name__}: "
        expected = f"(expected {case.expect})"
        return f"{key} as {case.role} on {case.record!r} {expected}: {kind}{error}{where}"

    # Shared preparations --------------------------------------------------------------------

    def _in_days(self, days):
        return self.matrix_today + timedelta(days=days)
