from collections import defaultdict

from odoo import _, api, models
from odoo.exceptions import MissingError, UserError, ValidationError
from odoo.models import BaseModel

from ..compat import NewId, compile_domain
from ..tools import input_check

# The fields these addons declare get the whole contract; Odoo's own fields of a model they
# extend get what the ORM cannot convert (see _input_guard_stock_fields).
GUARDED_MODULES = ("sales_followup", "sales_followup_reports")
TEXT_TYPES = ("char", "text", "html")
# Models extended here whose create and write take field names only, as the ORM does: an unknown
# name is refused by name. Not res.users, whose create and write take the pseudo-fields of the
# groups' widgets, nor mail.activity, created by every addon's code.
NAMES_CHECKED_MODELS = {
    "crm.lead",
    "crm.lead.lost",
    "crm.stage",
    "utm.source",
    "res.config.settings",
}


class SalesFollowupInputGuard(models.AbstractModel):
    """What a caller sends to ``create`` and ``write``, checked before anything runs: a bad value
    gets a ValidationError naming the field (its label, in the user's language) and the value,
    instead of a psycopg2, TypeError or ValueError (or an HTTP 500) from deep in the ORM.

    Each value is checked against its field's type (the checks are in tools/input_check.py):
    ids are ids of existing records, x2many values are lists of ids or commands, dates are
    dates of sensible years, texts are strings without control characters nor lone surrogates
    and of a sane size, numbers fit their column, selections are among their choices; unknown
    field names are refused. Models bound what a person picks more tightly themselves (a
    postponement within the rhythm, a wake-up within a year).

    Cheap: no query but one ``exists()`` per comodel whose ids are sent (not for the superuser,
    whose code sends the ids it read).

    Public methods taking record ids over RPC start with ``self._input_check_ids()``.
    """

    _name = "sales.followup.input.guard"
    _description = "Sales Follow-up Input Guard"

    # Text fields that must say something when they are set: only spaces or zero-width
    # characters are refused.
    _input_visible_fields = ()
    # On a model these addons extend: whether Odoo's own fields are checked too (for what the
    # ORM would answer with a raw error); the fields of these addons always are.
    _input_guard_stock_fields = False
    # Whether texts get the whole contract (type, control characters, size); not where they
    # come from a file (the tracker import's dialogs repeat its headers, cells and names, as
    # long as they are): there only what the database cannot take is refused.
    _input_strict_texts = True

    @api.model_create_multi
    def create(self, vals_list):
        self._input_check_create(vals_list)
        return super().create(vals_list)

    def write(self, vals):
        self._input_check_write(vals)
        return super().write(vals)

    @api.model
    def default_get(self, fields_list):
        if not isinstance(fields_list, (list, tuple)) or not all(
            isinstance(fname, str) for fname in fields_list
        ):
            raise UserError(
                _(
                    "%(model)s: %(value)s is not a list of field names.",
                    model=self._input_model_label(),
                    value=input_check.shown(fields_list),
                )
            )
        return super().default_get(fields_list)

    def unlink(self):
        self._input_check_ids(exist=False)
        return super().unlink()

    # ------------------------------------------------------------
    # Record ids
    # ------------------------------------------------------------

    def _input_check_ids(self, exist=True):
        """Refuse record ids that are not ids (``["x"]``, ``[True]``, ``[{"id": 1}]``, sent over
        RPC), and, with ``exist``, ids of no record (deleted, or never created), naming them,
        before a method reads or writes anything. One query with ``exist``."""
        ids = [id_ for id_ in self._ids if not isinstance(id_, NewId)]
        bad = input_check.bad_ids(ids)
        if bad:
            raise UserError(
                _(
                    "%(model)s: %(ids)s are not record ids (positive whole numbers).",
                    model=self._input_model_label(),
                    ids=", ".join(input_check.shown(id_) for id_ in bad[:5]),
                )
            )
        if exist and ids:
            missing = sorted(set(ids) - set(self.browse(ids).exists()._ids))
            if missing:
                raise MissingError(
                    _(
                        "%(model)s: there is no record with the id %(ids)s (deleted, or never "
                        "created).",
                        model=self._input_model_label(),
                        ids=", ".join(map(str, missing[:5])),
                    )
                )

    def _input_model_label(self):
        return self.env["ir.model"]._get(self._name).name or self._description

    @api.model
    def _input_check_domain(self, domain, label):
        """Refuse what is not a search domain of this model (a string, a dict, an unknown
        field or operator, a lone surrogate in a value), naming ``label`` and the value, before
        it reaches the query."""
        valid = isinstance(domain, (list, tuple)) and not _bad_strings(domain)
        if valid:
            try:
                compile_domain(self, domain)
            except (AssertionError, AttributeError, IndexError, KeyError, TypeError, ValueError):
                valid = False
        if not valid:
            raise UserError(
                _(
                    "%(label)s: %(value)s is not a search domain of %(model)s (a list of "
                    'conditions such as [("team_id", "=", 1)]).',
                    label=label,
                    value=input_check.shown(domain),
                    model=self._input_model_label(),
                )
            )

    # ------------------------------------------------------------
    # Field values
    # ------------------------------------------------------------

    @api.model
    def _input_check_create(self, vals_list):
        """The values of a create, checked. A model whose own ``create`` reads the values
        before calling super calls this first."""
        self._input_check_vals(vals_list)

    def _input_check_write(self, vals):
        """The records and the values of a write, checked. A model whose own ``write`` reads
        the values before calling super calls this first."""
        self._input_check_ids(exist=False)
        self._input_check_vals(vals)

    @api.model
    def _input_check_vals(self, vals_list):
        """Raise a ValidationError for the first bad value of ``vals_list`` (the dicts of field
        values of a create, or the dict of a write). The values a model's own create or write
        has checked already are not checked again when they reach this guard's create or
        write (the same values, compared by their repr: True is not 1 here)."""
        memo = self.env.cr.cache.setdefault("sales_followup_input_checked", {})
        if isinstance(vals_list, tuple):
            vals_list = list(vals_list)
        checked = repr(vals_list)
        key = (self._name, self.env.su)
        if memo.get(key) == checked:
            return
        if isinstance(vals_list, dict):
            vals_list = [vals_list]
        elif not isinstance(vals_list, list):
            vals_list = [vals_list]
        referenced = defaultdict(dict)  # comodel: {id: field}
        check_names = self._original_module in GUARDED_MODULES or self._name in NAMES_CHECKED_MODELS
        for vals in vals_list:
            if not isinstance(vals, dict):
                raise ValidationError(
                    _(
                        "%(model)s: %(value)s is not a set of field values.",
                        model=self._input_model_label(),
                        value=input_check.shown(vals),
                    )
                )
            for fname, value in vals.items():
                field = self._fields.get(fname)
                if field is None and check_names:
                    raise ValidationError(
                        _(
                            "%(field)s is not a field of %(model)s.",
                            field=input_check.shown(fname),
                            model=self._input_model_label(),
                        )
                    )
                strict = field is not None and self._input_is_guarded(field)
                if not strict and not self._input_guard_stock_fields:
                    continue
                problem = self._input_value_problem(field, value, strict)
                if problem:
                    raise ValidationError(self.env._(problem))
                if strict and field.relational and not self.env.su:
                    for id_ in input_check.referenced_ids(value):
                        referenced[field.comodel_name][id_] = field
        for comodel, fields_by_id in referenced.items():
            found = set(self.env[comodel].browse(fields_by_id).exists()._ids)
            missing = sorted(set(fields_by_id) - found)
            if missing:
                field = fields_by_id[missing[0]]
                raise ValidationError(
                    _(
                        "%(field)s: there is no %(model)s with the id %(ids)s.",
                        field=self._input_label(field),
                        model=self.env["ir.model"]._get(comodel).name,
                        ids=", ".join(map(str, missing[:5])),
                    )
                )
        memo[key] = checked

    def _input_is_guarded(self, field):
        """Whether ``field`` gets the whole contract: the fields of these addons' models and
        the fields they add to others."""
        return field._module in GUARDED_MODULES or self._original_module in GUARDED_MODULES

    def _input_label(self, field):
        return field._description_string(self.env)

    def _input_value_problem(self, field, value, strict):
        """The message saying what is wrong with ``value`` for ``field`` (a lazy translation),
        or None. Values only the server's own code sends (records, dates, tuples) are taken as
        the ORM takes them."""
        if isinstance(value, BaseModel):
            return None
        label = self._input_label(field)
        ftype = field.type
        if ftype == "many2one":
            if isinstance(value, (tuple, NewId)):  # (id, name), from the server's own code
                return None
            return input_check.check_id(label, value)
        if ftype in ("one2many", "many2many"):
            return input_check.check_commands(label, value)
        if ftype in TEXT_TYPES:
            # Odoo's own texts, texts from a file and what the superuser's code copies from one
            # field to another (a release's reason into the pool reason) are taken as the ORM
            # takes them, as long as the database can store them.
            if not strict or not self._input_strict_texts or self.env.su:
                if not isinstance(value, str):
                    return None
                return input_check.check_text(label, value, strict=False)
            size = field.size or (
                input_check.CHAR_MAX_SIZE if ftype == "char" else input_check.TEXT_MAX_SIZE
            )
            problem = input_check.check_text(label, value, size)
            if not problem and field.name in self._input_visible_fields:
                problem = input_check.check_visible(label, value)
            return problem
        if ftype in ("date", "datetime"):
            check = input_check.check_date if ftype == "date" else input_check.check_datetime
            if strict:
                return check(label, value)
            if value == "":  # the ORM reads it as none, the database refuses it
                return check(label, value)
            try:
                field.convert_to_cache(value, self)
            except (TypeError, ValueError):
                return check(label, value)
            return None
        if ftype == "integer":
            if not strict and isinstance(value, str):
                value = _number(value, int)
            return input_check.check_integer(label, value)
        if ftype in ("float", "monetary"):
            if not strict and isinstance(value, str):
                value = _number(value, float)
            return input_check.check_float(label, value)
        if ftype == "boolean":
            # Any object of the server's own code is true or false; of what JSON sends, only
            # true, false, 0 and 1 are.
            if not strict or not isinstance(value, (str, int, float, list, dict)):
                return None
            return input_check.check_boolean(label, value)
        if ftype == "selection":
            if input_check.check_selection(
                label, value, [(key, key) for key in field.get_values(self.env)]
            ):
                # The choices' labels, in the user's language, for the message only.
                return input_check.check_selection(
                    label, value, field._description_selection(self.env)
                )
            return None
        if ftype == "binary":
            return input_check.check_binary(label, value)
        return None


def _number(text, kind):
    """The number a string of digits holds (the ORM converts those), else the string."""
    try:
        return kind(text)
    except ValueError:
        return text


def _bad_strings(value):
    """Whether a string in ``value`` (nested lists, tuples and dicts) holds what the database
    cannot take (NUL, a lone surrogate)."""
    if isinstance(value, str):
        return bool(input_check.check_text("", value, strict=False))
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, (list, tuple)):
        return any(_bad_strings(item) for item in value)
    return False
