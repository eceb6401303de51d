"""Refusals of our routes: an HTTP status and a message meant for the user, never a traceback.

The body is the JSON error the web client reads from a failed download (as Odoo's error page
has it, HTML-escaped), so the user sees a warning with the message instead of a server error;
a browser that opened the route itself shows the JSON."""

import json

from werkzeug.exceptions import BadRequest, Forbidden, HTTPException, NotFound

from odoo.exceptions import AccessError, MissingError, UserError
from odoo.http import request
from odoo.tools.misc import html_escape

# The addons whose documents and routes these are.
OUR_MODULES = ("sales_followup", "sales_followup_reports")
# Ids beyond PostgreSQL's integer cannot be records (and would fail in the query).
MAX_RECORD_ID = 2**31 - 1
# The part of a bad value a refusal repeats.
SHOWN_LENGTH = 80


def shorten(value):
    """``value`` as a refusal repeats it: its repr, cut to a readable length."""
    text = repr(value)
    return text if len(text) <= SHOWN_LENGTH else f"{text[: SHOWN_LENGTH - 1]}…"


def record_ids(text):
    """The ids of ``text`` ("1,2,3"), or None when it is not a list of record ids."""
    parts = text.split(",") if isinstance(text, str) else []
    if not parts or not all(part.isascii() and part.isdigit() for part in parts):
        return None
    ids = [int(part) for part in parts]
    return ids if all(0 < record_id <= MAX_RECORD_ID for record_id in ids) else None


def json_object(text):
    """The dict of ``text`` (a JSON object), or None when it is not one."""
    try:
        value = json.loads(text)
    except (TypeError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def refusal(exception_class, error_name, message):
    """The ``exception_class`` (an HTTP error) whose response carries ``message``."""
    status = exception_class.code
    body = json.dumps(
        {
            "code": status,
            "message": message,
            "data": {
                "name": error_name,
                "message": message,
                "arguments": [message],
                "context": {},
                "debug": "",
            },
        }
    )
    response = request.make_response(
        html_escape(body),
        headers=[("Content-Type", "text/html; charset=utf-8"), ("Cache-Control", "no-store")],
        status=status,
    )
    return exception_class(response=response)


def bad_request(message):
    """HTTP 400: the request is malformed; ``message`` names the parameter and its value."""
    return refusal(BadRequest, "odoo.exceptions.UserError", message)


def not_found(message):
    return refusal(NotFound, "odoo.exceptions.MissingError", message)


def cause_of(exc, kind):
    """The exception of type ``kind`` that ``exc`` is or comes from (through its cause or
    context), or None."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, kind):
            return exc
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return None


def user_error_of(exc):
    """The error meant for the user (a UserError: access, missing record, bad value) that
    ``exc`` is or comes from (a report's template wraps the errors raised while it renders),
    or None."""
    return cause_of(exc, UserError)


def refusal_of(exc):
    """The HTTP refusal of an error of the ORM: 404 for a record that does not exist, 403 for a
    record the user may not see, 400 with its message for any other error meant for the user.
    An access refusal does not repeat Odoo's message, which names the record in debug mode."""
    if isinstance(exc, HTTPException):
        return exc
    _ = request.env._
    if isinstance(exc, MissingError):
        return not_found(_("This document does not exist or was deleted."))
    if isinstance(exc, AccessError):
        return refusal(
            Forbidden,
            "odoo.exceptions.AccessError",
            _("You may not open this document: it is not among the records you may see."),
        )
    return bad_request(exc.args[0] if exc.args else str(exc))
