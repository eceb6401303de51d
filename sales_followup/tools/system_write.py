"""Writes of the follow-up state that Sales Follow-up makes itself.

The state the module keeps (``FOLLOWUP_SYSTEM_FIELDS`` of crm.lead, the discipline fields of a
log) is refused to callers: it moves through the module's doors only. The doors write it as the
user who clicked, so that the user's access rights and record rules still apply, marked with a
context key whose value is this module's own object: a request can put any JSON value in its
context, never this object, so a caller cannot pass for the module.
"""

SYSTEM_KEY = "sales_followup_system"
_SYSTEM = object()


def system_env(records):
    """``records`` with the mark that lets them write the follow-up state."""
    return records.with_context(**{SYSTEM_KEY: _SYSTEM})


def is_system(env):
    """Whether ``env`` writes for the module itself (the mark of ``system_env``, or the
    superuser)."""
    return env.su or env.context.get(SYSTEM_KEY) is _SYSTEM
