"""What differs between the Odoo series these addons serve, in one place.

Both addons run from one source on Odoo 18.0 and 19.0. The code everywhere else is written for
the newer series and imports from here whatever 18.0 spells otherwise; nothing outside this
module asks which series it runs on. When a series is dropped, its branch here goes, and the
names it defined are replaced by Odoo's own at their import sites.

The README's "The next series" lists what 20.0 changes and where each change lands here.
"""

import contextlib
from datetime import timedelta
from unittest import mock

from dateutil.relativedelta import MO, relativedelta

from odoo import models, release
from odoo.fields import Command
from odoo.tools import SQL

#: The major version of the running Odoo (18, 19).
SERIES = release.version_info[0]

if SERIES >= 19:
    from odoo.fields import Domain
    from odoo.modules import module as module_loader
    from odoo.orm.identifiers import NewId
    from odoo.service.model import call_kw, get_public_method

    def check_public_method(model, name):
        """Refuse ``name`` unless a web client may call it on ``model`` (AccessError)."""
        get_public_method(model, name)

    Constraint = models.Constraint

    def AND(domains):
        """The conjunction of ``domains``, as a list of terms."""
        return list(Domain.AND(domains))

    def OR(domains):
        """The disjunction of ``domains``, as a list of terms."""
        return list(Domain.OR(domains))

    FALSE_DOMAIN = list(Domain.FALSE)

    #: res.users → the groups it is given; and, with the groups they imply, the groups a user
    #: has, and res.groups → the users who have it.
    USER_GROUPS = "group_ids"
    USER_ALL_GROUPS = "all_group_ids"
    GROUP_ALL_USERS = "all_user_ids"
    #: res.groups → every group it implies, directly or not.
    GROUP_ALL_IMPLIED = "all_implied_ids"
    #: ir.actions.* → the groups that see the action.
    ACTION_GROUPS = "group_ids"
    #: ir.filters → the users a favourite is private to (none: everyone's).
    FILTER_USERS = "user_ids"

    def filter_owner_values(user):
        """The values of a favourite private to ``user``."""
        return {"user_ids": [Command.set(user.ids)]}

    #: The lead's phone fields, the one a salesperson calls first first (19.0 dropped mobile).
    LEAD_PHONES = ("phone",)
    #: A person's phone numbers (a contact's), the mobile first: 19.0's contacts have one.
    PARTNER_PHONES = ("phone",)
    #: The method of the lost lead's Restore button.
    LEAD_RESTORE = "action_restore"

    #: What a web client tour step whose action loads a new page adds to it: 19.0's tour
    #: runner must be told (it stops there and goes on in the new page, and fails a tour whose
    #: page unloads unannounced); 18.0's finds out by itself and refuses the key.
    TOUR_STEP_LEAVING_PAGE = {"expectUnloadPage": True}

    #: What an activity type needs for its done activities to be kept (archived, with their
    #: due and done dates, which the discipline figures read): 19.0 always keeps them.
    ACTIVITY_TYPE_KEEP_DONE = {}

    #: The buttons that move an activity to a later day: {method: the day it moves it to, from
    #: its due date and today}. "Today" only ever brings a Follow-up forward.
    ACTIVITY_LATER = {
        "action_reschedule_tomorrow": lambda due, today: today + timedelta(days=1),
        "action_reschedule_nextweek": lambda due, today: (
            today + relativedelta(weeks=1, weekday=MO(-1))
        ),
    }
    #: The same buttons on a record's list row: {its method: the activity's method}.
    MIXIN_LATER = {
        "action_reschedule_my_next_tomorrow": "action_reschedule_tomorrow",
        "action_reschedule_my_next_nextweek": "action_reschedule_nextweek",
    }

    #: crm.stage → the teams whose pipeline it is in (none: every team's).
    STAGE_TEAMS = "team_ids"

    def stage_team_values(team_id):
        """The values of a new stage in the pipeline of team ``team_id`` (or every team's)."""
        return {"team_ids": [Command.set([team_id] if team_id else [])]}

    def stage_in_team_sql(stage, team):
        """SQL: the stage aliased ``stage`` is in the pipeline of the team whose id is the SQL
        ``team`` (shared stages are in every team's)."""
        return SQL(
            "(NOT EXISTS (SELECT 1 FROM crm_stage_crm_team_rel r WHERE r.crm_stage_id = %(s)s.id)"
            " OR EXISTS (SELECT 1 FROM crm_stage_crm_team_rel r"
            " WHERE r.crm_stage_id = %(s)s.id AND r.crm_team_id = %(t)s))",
            s=SQL.identifier(stage),
            t=team,
        )

    def stage_shared_sql(stage):
        """SQL: the stage aliased ``stage`` is in every team's pipeline."""
        return SQL(
            "NOT EXISTS (SELECT 1 FROM crm_stage_crm_team_rel r WHERE r.crm_stage_id = %s.id)",
            SQL.identifier(stage),
        )

    def _keyed(groups, groupby, aggregates):
        return [
            {
                **{name: group[name] for name in groupby},
                **{spec.split(":")[0]: group[spec] for spec in aggregates},
            }
            for group in groups
        ]

    #: Stages have days to rot (crm.stage.rotting_threshold_days): the rule "Stuck in stage",
    #: on these fields of the lead.
    STAGE_ROTTING = True
    STAGE_ROTTING_FIELDS = ("stage_id", "type", "date_last_stage_update", "won_status")

    def stage_rotting_sql(lead, now, since):
        """SQL: the opportunity aliased ``lead`` rots in its stage at ``now``, as Odoo's
        ``is_rotting`` says (open, in a stage with days to rot, not moved for longer), counting
        from ``since`` (SQL) when that is later than its last stage change."""
        return SQL(
            """%(l)s.type = 'opportunity' AND %(l)s.won_status = 'pending'
               AND EXISTS (SELECT 1 FROM crm_stage rot_stage
                            WHERE rot_stage.id = %(l)s.stage_id
                              AND rot_stage.rotting_threshold_days > 0
                              AND GREATEST(COALESCE(%(l)s.date_last_stage_update,
                                                    %(l)s.create_date), %(since)s)
                                  + make_interval(days => rot_stage.rotting_threshold_days)
                                  < %(now)s)""",
            l=SQL.identifier(lead),
            now=now,
            since=since,
        )

    #: The transactions of a request to a read-only route: 19.0 finds the route in the one
    #: that runs it.
    READ_ONLY_REQUEST_CURSORS = ["ro"]

    def web_read_group_kwargs(groupby, aggregates, order=None):
        """The keyword arguments of the web client's ``web_read_group`` call (a grouped list)."""
        return {"groupby": groupby, "aggregates": aggregates, "order": order}

    def web_group_value(group, spec):
        """The aggregate ``spec`` ("field:sum") of a group ``web_read_group`` answered."""
        return group[spec]

    def cron_progress(env, processed, remaining):
        """Tell the scheduler running this method the batch it did (``processed`` items) and
        what is left: the batch is committed, and the method called again while work is left.
        Outside a scheduled run, nothing."""
        if env.context.get("ir_cron_progress_id"):
            env["ir.cron"]._commit_progress(processed, remaining=remaining)

    def compile_domain(model, domain):
        """Compile ``domain`` on ``model`` as a search would (fields, operators, values),
        without running it; raises on what is not a domain of the model."""
        model.sudo()._search(Domain(domain))

    @contextlib.contextmanager
    def images_rendered():
        """In a test: the context under which HTML-to-image conversions (wkhtmltoimage) really
        run, as Odoo skips them during tests."""
        with mock.patch.object(module_loader, "current_test", False):
            yield {}

    def cron_cursor_shared(case):
        """In a test ``case``, the scheduler's own cursor (a scheduled action run by hand opens
        one) wraps the test's, so that the action sees the test's data."""
        return case.enter_registry_test_mode()

    def api_kind(method):
        """ "model" for an ``@api.model`` method, "model_create" for ``create``, else None."""
        if not getattr(method, "_api_model", False):
            return None
        return "model_create" if method.__name__ == "create" else "model"

    def formatted_groups(model, domain, groupby, aggregates):
        """The groups the web client's pivot and graph read (``formatted_read_group``), as
        dicts keyed by each groupby, each aggregated field's name and ``__count``."""
        return _keyed(model.formatted_read_group(domain, groupby, aggregates), groupby, aggregates)

    def web_groups(model, domain, groupby, aggregates, order=None):
        """The groups of a grouped list or kanban view (``web_read_group``), keyed as
        ``formatted_groups`` keys them."""
        groups = model.web_read_group(domain, groupby, aggregates, order=order)["groups"]
        return _keyed(groups, groupby, aggregates)

else:
    from odoo.api import call_kw
    from odoo.models import NewId, check_method_name

    def check_public_method(model, name):
        check_method_name(name)

    from odoo.osv import expression

    class Constraint:
        """19.0's ``models.Constraint`` on 18.0: declared the same way in a model's class body
        (``_name_uniq = Constraint("UNIQUE(name)", "message")``), it becomes the class's
        ``_sql_constraints`` entry, under the same name in the database."""

        def __init__(self, definition, message=""):
            self.definition = definition
            self.message = message

        def __set_name__(self, owner, name):
            assert name.startswith("_"), "Names of SQL objects in a model must start with '_'"
            owner._sql_constraints = [
                *owner.__dict__.get("_sql_constraints", []),
                (name[1:], self.definition, self.message),
            ]

    AND = expression.AND
    OR = expression.OR
    FALSE_DOMAIN = expression.FALSE_DOMAIN

    USER_GROUPS = "groups_id"
    # 18.0 stores the implied groups on the user too.
    USER_ALL_GROUPS = "groups_id"
    GROUP_ALL_USERS = "users"
    GROUP_ALL_IMPLIED = "trans_implied_ids"
    ACTION_GROUPS = "groups_id"
    FILTER_USERS = "user_id"

    def filter_owner_values(user):
        return {"user_id": user.id}

    LEAD_PHONES = ("mobile", "phone")
    PARTNER_PHONES = ("mobile", "phone")
    LEAD_RESTORE = "toggle_active"

    TOUR_STEP_LEAVING_PAGE = {}

    ACTIVITY_TYPE_KEEP_DONE = {"keep_done": True}

    ACTIVITY_LATER = {
        # "Snooze 7d": seven days after the due date (after today when it is overdue).
        "action_snooze": lambda due, today: max(due, today) + timedelta(days=7),
    }
    MIXIN_LATER = {}

    STAGE_TEAMS = "team_id"

    def stage_team_values(team_id):
        return {"team_id": team_id or False}

    def stage_in_team_sql(stage, team):
        return SQL(
            "(%(s)s.team_id IS NULL OR %(s)s.team_id = %(t)s)", s=SQL.identifier(stage), t=team
        )

    def stage_shared_sql(stage):
        return SQL("%s.team_id IS NULL", SQL.identifier(stage))

    # 18.0 finds the route in a read-only transaction of its own.
    READ_ONLY_REQUEST_CURSORS = ["ro", "ro"]

    def web_read_group_kwargs(groupby, aggregates, order=None):
        return {"fields": aggregates, "groupby": groupby, "orderby": order, "lazy": False}

    def web_group_value(group, spec):
        return group[spec.split(":")[0]]

    def cron_progress(env, processed, remaining):
        # The scheduler commits the batch and calls the method again while work is left.
        env["ir.cron"]._notify_progress(done=processed, remaining=remaining)

    def compile_domain(model, domain):
        model._where_calc(domain)

    @contextlib.contextmanager
    def images_rendered():
        yield {"force_image_rendering": True}

    def cron_cursor_shared(case):
        # 18.0 runs a scheduled action triggered by hand in the caller's cursor.
        return contextlib.nullcontext()

    def api_kind(method):
        return getattr(method, "_api", None)

    STAGE_ROTTING = False
    STAGE_ROTTING_FIELDS = ()

    def stage_rotting_sql(lead, now, since):
        return SQL("FALSE")

    def _keyed(groups, groupby, aggregates):
        return [
            {
                **{name: group[name] for name in groupby},
                **{spec.split(":")[0]: group[spec.split(":")[0]] for spec in aggregates},
            }
            for group in groups
        ]

    def formatted_groups(model, domain, groupby, aggregates):
        fields = [spec for spec in aggregates if spec != "__count"]
        groups = model.read_group(domain, fields, groupby, lazy=False)
        return _keyed(groups, groupby, aggregates)

    def web_groups(model, domain, groupby, aggregates, order=None):
        fields = [spec for spec in aggregates if spec != "__count"]
        groups = model.web_read_group(domain, fields, groupby, orderby=order, lazy=False)["groups"]
        return _keyed(groups, groupby, aggregates)


__all__ = [
    "ACTION_GROUPS",
    "ACTIVITY_LATER",
    "ACTIVITY_TYPE_KEEP_DONE",
    "AND",
    "FALSE_DOMAIN",
    "FILTER_USERS",
    "GROUP_ALL_IMPLIED",
    "GROUP_ALL_USERS",
    "LEAD_PHONES",
    "PARTNER_PHONES",
    "LEAD_RESTORE",
    "MIXIN_LATER",
    "OR",
    "READ_ONLY_REQUEST_CURSORS",
    "SERIES",
    "STAGE_ROTTING",
    "STAGE_ROTTING_FIELDS",
    "STAGE_TEAMS",
    "TOUR_STEP_LEAVING_PAGE",
    "USER_ALL_GROUPS",
    "USER_GROUPS",
    "Constraint",
    "api_kind",
    "cron_cursor_shared",
    "cron_progress",
    "filter_owner_values",
    "images_rendered",
    "NewId",
    "call_kw",
    "check_public_method",
    "compile_domain",
    "formatted_groups",
    "stage_in_team_sql",
    "stage_rotting_sql",
    "stage_shared_sql",
    "stage_team_values",
    "web_group_value",
    "web_groups",
    "web_read_group_kwargs",
]
