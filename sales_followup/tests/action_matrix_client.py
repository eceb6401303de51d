"""The web client's side of the action matrix (see action_matrix_common): what a role sees of
a view (its ``groups``, the ``invisible`` of a button on a record) and the requests the web
client makes when a button is clicked (call_button, /web/action/load, the dialog it opens, the
report it prints, the URL it follows), each ended as the end of a request ends it."""

import ast
import re

from lxml import etree

from odoo.tests import Form
from odoo.tools.safe_eval import safe_eval

from odoo.addons.sales_followup.compat import call_kw, check_public_method
from odoo.addons.web.controllers.utils import clean_action

WEB_CLIENT_URL = re.compile(r"^/odoo/action-(?P<action>[\w.]+)(?:/(?P<res_id>\d+))?$")


class WebClientMixin:
    """The web client's requests, as a role makes them; for a test case that gives
    ``matrix_today`` (the day of ``context_today()``) and ``pressed`` ({(view, button):
    roles}, the dialog buttons pressed)."""

    def _xml_id(self, record):
        return record.sudo().get_external_id().get(record.id) or ""

    # ------------------------------------------------------------
    # What a role sees
    # ------------------------------------------------------------

    def _arch(self, env, view):
        """The view as the role gets it (``groups`` applied), parsed."""
        views = env[view.model].get_views([(view.id, view.type)])
        return etree.fromstring(views["views"][view.type]["arch"])

    @staticmethod
    def _conditions(node):
        """[(depth, attribute, expression)] hiding the node: its own and its ancestors';
        depth 0 is the clicked record, 1 the record of the form holding its x2many field..."""
        conditions, path = [], []
        for element in (node, *node.iterancestors()):
            if element is not node and element.tag == "field":
                path.append(element)
            for attribute in ("invisible", "t-if"):
                if element.get(attribute):
                    conditions.append((len(path), attribute, element.get(attribute)))
        return conditions, path

    def _values(self, record, names):
        """The values of the record's fields as the web client evaluates them: ids for
        many2one fields, lists of ids for x2many."""
        fnames = [name for name in names if name in record._fields and name != "id"]
        values = record.read(fnames)[0] if fnames else {}
        return {
            name: value[0] if isinstance(value, tuple) else value for name, value in values.items()
        } | {"id": record.id}

    def _hidden_by(self, env, expression, attribute, record):
        if attribute == "t-if":
            expression = re.sub(r"\brecord\.(\w+)\.raw_value\b", r"\1", expression)
            expression = expression.replace("===", "==").replace("!==", "!=")
        expression = expression.strip()
        names = {
            node.id
            for node in ast.walk(ast.parse(expression, mode="eval"))
            if isinstance(node, ast.Name)
        }
        context = {
            **self._values(record, names),
            "uid": env.uid,
            "context": env.context,
            "context_today": lambda: self.matrix_today,
        }
        result = bool(safe_eval(expression, context))
        return result if attribute == "invisible" else not result

    def _visible_nodes(self, env, arch, name, btype, record, root_model):
        """The nodes of the button the role sees on ``record``, and the record's parents."""
        visible = []
        for node in arch.iter("button", "a"):
            if node.get("name") != name or node.get("type") != btype:
                continue
            conditions, path = self._conditions(node)
            # The record of each depth: the clicked one, then up its x2many fields' inverses.
            models = [root_model]
            for field_node in reversed(path):
                models.append(env[models[-1]]._fields[field_node.get("name")].comodel_name)
            if models[-1] != (record._name if record is not None else root_model):
                continue
            records = [record]
            for field_node, model in zip(path, reversed(models[:-1]), strict=True):
                inverse = env[model]._fields[field_node.get("name")].inverse_name
                records.append(records[-1][inverse])
            if record is None or not any(
                self._hidden_by(env, expression, attribute, records[depth].with_env(env))
                for depth, attribute, expression in conditions
            ):
                visible.append((node, records[1:]))
        return visible

    def _may_open(self, env, model):
        return env[model].has_access("read")

    # ------------------------------------------------------------
    # The web client's requests
    # ------------------------------------------------------------

    def _end_request(self, env):
        """What the end of a request does before its commit: recompute and write, as the
        request's user, then the pre-commit hooks (tracking), then what they left."""
        env.flush_all()
        env.cr.precommit.run()
        env.flush_all()

    def _call_button(self, env, model, method, ids, context):
        """/web/dataset/call_button."""
        check_public_method(env[model], method)
        result = call_kw(env[model], method, [ids], {"context": context})
        if isinstance(result, dict) and result.get("type") != "":
            result = clean_action(result, env=env)
        self._end_request(env)
        return result

    def _load_action(self, env, action_id):
        """/web/action/load."""
        if isinstance(action_id, str):
            action_id = env.ref(action_id).id
        base = env["ir.actions.actions"].browse(action_id).sudo().read(["type"])[0]
        action = env[base["type"]].sudo().browse(action_id)
        if base["type"] == "ir.actions.act_window":
            result = action._get_action_dict()
        else:
            result = action.read()[0]
        return clean_action(result, env=env)

    def _eval_context(self, env, expression, extra=None):
        if not expression:
            return {}
        if not isinstance(expression, str):
            return expression
        return safe_eval(
            expression,
            {
                "uid": env.uid,
                "context_today": lambda: self.matrix_today,
                "allowed_company_ids": env.context.get("allowed_company_ids"),
                "current_company_id": env.company.id,
                "active_id": False,
                "active_ids": [],
                "active_model": False,
                **(extra or {}),
            },
        )

    def _spec(self, env, model, arch):
        """The fields specification of a list or kanban view: its fields, not those of the
        x2many subviews."""
        spec = {}
        for node in arch.iter("field"):
            if any(ancestor.tag == "field" for ancestor in node.iterancestors()):
                continue
            field = env[model]._fields.get(node.get("name"))
            if field is None:
                continue
            spec[field.name] = (
                {"fields": {"display_name": {}}}
                if field.type == "many2one"
                else ({"fields": {}} if field.type in ("one2many", "many2many") else {})
            )
        return spec

    def _open(self, env, view, record, context):
        """The record as the view shows it to the role: ``Form`` for a form (get_views and
        web_read), web_read with the view's fields for a list or a kanban."""
        model = env[view.model].with_context(**context)
        if view.type == "form":
            form = Form(record.with_env(model.env) if record else model, view=view.id)
            return form
        if record:
            record.with_env(model.env).web_read(self._spec(env, view.model, self._arch(env, view)))
            self._end_request(env)
        return None

    def _follow(self, role, env, result, context, trail):
        """What the web client does with a button's result."""
        if not isinstance(result, dict):
            return
        kind = result.get("type")
        if kind == "ir.actions.act_window":
            action_context = {**context, **self._eval_context(env, result.get("context"))}
            if result.get("target") == "new":
                self._dialog(role, env, result, action_context, trail)
                return
            model = env[result["res_model"]].with_context(**action_context)
            view_types = [view_type for _view_id, view_type in result.get("views") or []]
            if result.get("res_id"):
                Form(model.browse(result["res_id"]))
            else:
                view_type = next((vt for vt in view_types if vt in ("list", "kanban")), "list")
                views = model.get_views([(False, view_type)])
                arch = etree.fromstring(views["views"][view_type]["arch"])
                domain = self._eval_context(env, result.get("domain")) or []
                model.web_search_read(domain, self._spec(env, model._name, arch), limit=80)
            self._end_request(env)
        elif kind == "ir.actions.client":
            params = result.get("params") or {}
            trail["texts"] += [params[key] for key in ("title", "message") if params.get(key)]
            self._follow(role, env, params.get("next"), context, trail)
        elif kind == "ir.actions.report":
            ids = (result.get("context") or {}).get("active_ids") or (result.get("data") or {}).get(
                "ids"
            )
            self._render_report(env, result, ids)
        elif kind == "ir.actions.act_url":
            self._follow_url(role, env, result["url"], trail)
        elif kind == "ir.actions.server":
            action = env["ir.actions.server"].browse(result["id"]).with_context(**context)
            follow = action.run()
            self._end_request(env)
            self._follow(role, env, follow and clean_action(follow, env=env), context, trail)
        elif kind != "ir.actions.act_window_close":
            raise AssertionError(f"The matrix does not know what to do with {result!r}")

    def _render_report(self, env, action, ids):
        """/report/download renders the report as the user (HTML: the same records, values and
        templates as the PDF, without wkhtmltopdf)."""
        report = env["ir.actions.report"]._get_report(action["report_name"])
        env["ir.actions.report"]._render_qweb_html(report, ids, data=action.get("data"))
        self._end_request(env)

    def _follow_url(self, role, env, url, trail):
        """A URL of the web client (/odoo/action-<action>[/<record id>]) opens that action as
        the user; a test module handles its own routes."""
        match = WEB_CLIENT_URL.match(url)
        if not match:
            raise AssertionError(f"The matrix does not know the URL {url}")
        name = match["action"]
        action = self._load_action(env, int(name) if name.isdigit() else name)
        if match["res_id"]:
            action.update(res_id=int(match["res_id"]), views=[(False, "form")])
        self._follow(role, env, action, env.context, trail)

    def _dialog(self, role, env, action, context, trail, steps=None):
        """A dialog: open the form as the role (defaults and onchanges), fill it, save, and
        press its primary button (or the given steps in order); then follow the result."""
        model = env[action["res_model"]].with_context(**context)
        view_id = next((vid for vid, vtype in action.get("views") or [] if vtype == "form"), False)
        view_id = model.get_views([(view_id, "form")])["views"]["form"]["id"]
        if action.get("res_id"):
            form = Form(model.browse(action["res_id"]), view=view_id)
        else:
            form = Form(model, view=view_id)
        view_key = self._xml_id(env["ir.ui.view"].browse(view_id))
        steps = list(steps or ())
        first = not action.get("res_id")
        while True:
            if first:
                self._fill_dialog(role, model._name, form, context)
                first = False
            self._check_dialog(role, model._name, form, context)
            record = form.save()
            self._end_request(env)
            while steps and steps[0].startswith("_"):
                getattr(self, steps.pop(0))(role, record)
            arch = form._view["tree"]
            if steps:
                name = steps.pop(0)
                nodes = [
                    node
                    for node in arch.iter("button")
                    if node.get("name") == name and node.get("type") == "object"
                ]
            else:
                nodes = [
                    node
                    for node in arch.iter("button")
                    if "btn-primary" in (node.get("class") or "").split()
                    and any(ancestor.tag == "footer" for ancestor in node.iterancestors())
                ]
            visible = [
                node
                for node in nodes
                if not any(
                    self._hidden_by(env, expression, attribute, record)
                    for _depth, attribute, expression in self._conditions(node)[0]
                )
            ]
            self.assertTrue(visible, f"{view_key}: no visible button to press for {role}")
            node = visible[0]
            if node.get("special") == "save":
                self.pressed.setdefault((view_key, "save"), set()).add(role)
                return
            name = node.get("name")
            button_context = {**context, **self._eval_context(env, node.get("context"))}
            result = self._call_button(env, model._name, name, record.ids, button_context)
            self.pressed.setdefault((view_key, name), set()).add(role)
            if (
                isinstance(result, dict)
                and result.get("type") == "ir.actions.act_window"
                and result.get("target") == "new"
                and result.get("res_model") == model._name
                and result.get("res_id") == record.id
            ):
                # The same dialog again, at its next step.
                form = Form(record, view=view_id)
                if steps:
                    continue
                return
            self._follow(role, env, result, context, trail)
            return

    # Hooks of the test module ---------------------------------------------------------------

    def _fill_dialog(self, role, model, form, context):
        """Fill the dialog ``form`` of ``model`` with valid values for ``role``."""

    def _check_dialog(self, role, model, form, context):
        """Check what the dialog shows before it is saved."""
