"""Clear errors for bad selection values sent through RPC or imports.

The ORM answers an unknown selection value with a bare ValueError; callers of the follow-up
models get a ValidationError that names the field and lists the allowed values instead.
"""

from odoo import _
from odoo.exceptions import ValidationError


def check_selection_values(model, vals_list, prefix="followup_"):
    """Raise ValidationError when a value of a selection field in vals_list is not allowed.

    Only the fields whose name starts with ``prefix`` are checked (all when prefix is empty),
    so stock fields keep their stock behaviour.
    """
    for vals in vals_list:
        for fname, value in vals.items():
            field = model._fields.get(fname)
            if not field or field.type != "selection" or value is False or value is None:
                continue
            if prefix and not fname.startswith(prefix):
                continue
            allowed = field._description_selection(model.env)
            if value not in {key for key, _label in allowed}:
                raise ValidationError(
                    _(
                        "%(field)s: %(value)r is not an allowed value (allowed: %(allowed)s).",
                        field=field._description_string(model.env),
                        value=value,
                        allowed=", ".join(f"{key} ({label})" for key, label in allowed),
                    )
                )
