"""The values a caller may send to a model, checked without the ORM.

The ORM turns what it cannot convert into bare Python or database errors: a ValueError for the
date "2026-13-45" or a NUL character, a psycopg2 error for the id "x" or a number too large for
its column, an HTTP 500 for a lone surrogate it cannot encode. These checks say what is wrong
instead, for the person who sent it: each returns None when the value is acceptable, or the
message naming the field and the value (a lazy translation, translated by the caller in the
user's language).

Whether an id exists is the database's question: ``referenced_ids`` lists the ids a value names,
for the caller to look up.
"""

import math
import re
from datetime import date, datetime

from odoo.tools.translate import LazyTranslate

_lt = LazyTranslate(__name__)

# Control characters show nothing, break exports and mails (PostgreSQL refuses NUL); tab, line
# feed and carriage return are the ones text holds.
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")
# Half of a UTF-16 pair alone ("\ud800" in JSON) is no character: it cannot be stored nor sent
# back as UTF-8.
LONE_SURROGATES = re.compile("[\ud800-\udfff]")
# Characters that show nothing: zero-width spaces and joiners, direction marks, soft hyphen, BOM.
INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff\u00ad]")
# Generous sizes: a one-line field holds a name or a code, a text field a few pages.
CHAR_MAX_SIZE = 1_000
TEXT_MAX_SIZE = 100_000
# PostgreSQL's integer column; ids are positive integers of it.
INTEGER_BOUNDS = (-(2**31), 2**31 - 1)
ID_MAX = 2**31 - 1
# Amounts and measures beyond this are typing errors (a column of digits pasted in one cell).
FLOAT_MAX = 1e15
# Dates outside these years are typing errors (0001-01-01, 9999-12-31), never a customer's day.
YEAR_BOUNDS = (1900, 2200)
# How much of a bad value an error message repeats.
SHOWN_SIZE = 60

COMMAND_CREATE, COMMAND_UPDATE, COMMAND_DELETE, COMMAND_UNLINK = 0, 1, 2, 3
COMMAND_LINK, COMMAND_CLEAR, COMMAND_SET = 4, 5, 6


def shown(value):
    """``value`` as an error message repeats it: its repr, cut to SHOWN_SIZE characters, with
    control characters and lone surrogates escaped (repr escapes what it cannot print)."""
    if isinstance(value, str) and len(value) > SHOWN_SIZE:
        return repr(value[:SHOWN_SIZE]) + "…"
    text = repr(value)
    return text if len(text) <= SHOWN_SIZE + 2 else text[:SHOWN_SIZE] + "…"


def is_id(value):
    """Whether ``value`` is the id of a stored record (a positive integer of the database)."""
    return type(value) is int and 0 < value <= ID_MAX


def visible_text(value):
    """The text without what shows nothing (zero-width characters, spaces); "" when none."""
    if not value or not isinstance(value, str):
        return ""
    return INVISIBLE.sub("", value).strip()


# ------------------------------------------------------------------------------------------
# One check per kind of field: None when acceptable, else the message
# ------------------------------------------------------------------------------------------


def check_id(label, value):
    """A many2one: a record id, or False/None for none."""
    if value is False or value is None or is_id(value):
        return None
    return _lt(
        "%(field)s: %(value)s is not a record (the id of one, or false for none).",
        field=label,
        value=shown(value),
    )


def check_commands(label, value):
    """A one2many or many2many: a list of ids or of Odoo's commands ((6, 0, ids), (4, id),
    (0, 0, values)...), or False/None for none."""
    if value is False or value is None:
        return None
    if not isinstance(value, (list, tuple)):
        return _not_commands(label, value)
    for item in value:
        if is_id(item) or isinstance(item, dict):
            continue
        # Odoo's Command members (an IntEnum) are codes too; a bool is not.
        code = item[0] if isinstance(item, (list, tuple)) and item else None
        if not isinstance(code, int) or isinstance(code, bool):
            return _not_commands(label, item)
        code, args = item[0], item[1:]
        if code in (COMMAND_CREATE, COMMAND_UPDATE):
            ok = len(args) == 2 and isinstance(args[1], dict)
            ok = ok and (code == COMMAND_CREATE or is_id(args[0]))
        elif code in (COMMAND_DELETE, COMMAND_UNLINK, COMMAND_LINK):
            ok = len(args) in (1, 2) and is_id(args[0])
        elif code == COMMAND_CLEAR:
            ok = len(args) <= 2
        elif code == COMMAND_SET:
            ids = args[1] if len(args) == 2 else None
            ok = ids in (False, None) or (
                isinstance(ids, (list, tuple)) and all(is_id(id_) for id_ in ids)
            )
        else:
            ok = False
        if not ok:
            return _not_commands(label, item)
    return None


def _not_commands(label, value):
    return _lt(
        "%(field)s: %(value)s is not a list of records (their ids, or commands such as "
        "[6, 0, ids] or [4, id]).",
        field=label,
        value=shown(value),
    )


def referenced_ids(value):
    """The ids of existing records a many2one or x2many value (already checked) names."""
    if is_id(value):
        return {value}
    if not isinstance(value, (list, tuple)):
        return set()
    ids = set()
    for item in value:
        if is_id(item):
            ids.add(item)
        elif isinstance(item, (list, tuple)) and item and type(item[0]) is int:
            if item[0] in (COMMAND_UPDATE, COMMAND_DELETE, COMMAND_UNLINK, COMMAND_LINK):
                ids.add(item[1])
            elif item[0] == COMMAND_SET and len(item) == 3 and item[2]:
                ids.update(item[2])
    return ids


def check_date(label, value, years=YEAR_BOUNDS):
    """A date: "YYYY-MM-DD" (or a date), within ``years``; False/None for none (the database
    takes no empty string for a date)."""
    day = to_date(value)
    if day is None:
        if value is False or value is None:
            return None
        return _lt(
            "%(field)s: %(value)s is not a date (e.g. 2026-03-10).",
            field=label,
            value=shown(value),
        )
    return _check_year(label, day, years)


def check_datetime(label, value, years=YEAR_BOUNDS):
    """A date and time: "YYYY-MM-DD HH:MM:SS" in UTC (or a naive datetime), within ``years``;
    False/None for none."""
    moment = to_datetime(value)
    if moment is None:
        if value is False or value is None:
            return None
        return _lt(
            "%(field)s: %(value)s is not a date and time (e.g. 2026-03-10 14:30:00, in UTC).",
            field=label,
            value=shown(value),
        )
    return _check_year(label, moment, years)


def _check_year(label, day, years):
    low, high = years
    if low <= day.year <= high:
        return None
    return _lt(
        "%(field)s: %(value)s is not a plausible date (years %(low)s to %(high)s).",
        field=label,
        value=day.isoformat(sep=" ") if isinstance(day, datetime) else day.isoformat(),
        low=low,
        high=high,
    )


def to_date(value):
    """The date a caller sent, or None when it is none or not one (a word, a number, a list,
    2026-13-45). Like the ORM, a date and time gives its day."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or len(value) not in (10, 19):
        return None
    moment = to_datetime(value)
    return moment.date() if moment else None


def to_datetime(value):
    """The naive datetime a caller sent, or None when it is none or not one (a timezone suffix,
    a word, a number)."""
    if isinstance(value, datetime):
        return None if value.tzinfo else value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    if not isinstance(value, str) or len(value) not in (10, 16, 19) or not value.isascii():
        return None
    # The server's formats: date only, or with minutes, or with seconds.
    fmt = {10: "%Y-%m-%d", 16: "%Y-%m-%d %H:%M", 19: "%Y-%m-%d %H:%M:%S"}[len(value)]
    try:
        return datetime.strptime(value, fmt)
    except ValueError:
        return None


def check_text(label, value, max_size=TEXT_MAX_SIZE, strict=True):
    """A text: a string without control characters (but tab and line breaks) nor lone
    surrogates, of at most ``max_size`` characters; False/None for none.

    Not ``strict`` (the fields Odoo's own addons declare), only what the database cannot store
    is refused: not a string, NUL, lone surrogates."""
    if value is False or value is None:
        return None
    if not isinstance(value, str):
        return _lt("%(field)s: %(value)s is not a text.", field=label, value=shown(value))
    bad = (CONTROL_CHARACTERS if strict else _NUL).search(value)
    if bad:
        # Computed apart: the translation extractor evaluates the call's arguments.
        code = f"{ord(bad.group()):04X}"
        return _lt(
            "%(field)s: the text holds a control character (U+%(code)s), which shows nothing; "
            "remove it.",
            field=label,
            code=code,
        )
    if LONE_SURROGATES.search(value):
        return _lt(
            "%(field)s: the text holds half of a character (an unpaired surrogate, %(value)s); "
            "send whole characters.",
            field=label,
            value=shown(LONE_SURROGATES.search(value).group()),
        )
    if strict and max_size and len(value) > max_size:
        return _lt(
            "%(field)s: the text is %(size)s characters long; the limit is %(max)s.",
            field=label,
            size=len(value),
            max=max_size,
        )
    return None


_NUL = re.compile("\x00")


def check_visible(label, value):
    """A text that must say something: one made only of spaces or zero-width characters is
    refused (it shows nothing)."""
    if isinstance(value, str) and value and not visible_text(value):
        return _lt(
            "%(field)s: %(value)s shows nothing (only spaces or invisible characters); write "
            "the text.",
            field=label,
            value=shown(value),
        )
    return None


def check_integer(label, value, bounds=INTEGER_BOUNDS):
    """A whole number within ``bounds``; False/None for none (0)."""
    if value is False or value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if type(value) is not int:
        return _lt("%(field)s: %(value)s is not a whole number.", field=label, value=shown(value))
    low, high = bounds
    if not low <= value <= high:
        return _lt(
            "%(field)s: %(value)s is out of range (from %(low)s to %(high)s).",
            field=label,
            value=value,
            low=low,
            high=high,
        )
    return None


def check_float(label, value, limit=FLOAT_MAX):
    """A number of at most ``limit`` either way; False/None for none (0)."""
    if value is False or value is None:
        return None
    if type(value) not in (int, float):
        return _lt("%(field)s: %(value)s is not a number.", field=label, value=shown(value))
    if not math.isfinite(value) or abs(value) > limit:
        # Computed apart: the translation extractor evaluates the call's arguments.
        shown_limit = f"{limit:.0e}"
        return _lt(
            "%(field)s: %(value)s is out of range (at most %(limit)s either way).",
            field=label,
            value=shown(value),
            limit=shown_limit,
        )
    return None


def check_boolean(label, value):
    """Yes or no: true, false (or 1, 0), None."""
    if value is None or (type(value) in (bool, int) and value in (0, 1)):
        return None
    return _lt("%(field)s: %(value)s is not true or false.", field=label, value=shown(value))


def check_selection(label, value, allowed):
    """One of the ``allowed`` choices, (key, label) pairs; False/None for none."""
    if value is False or value is None:
        return None
    hashable = isinstance(value, (str, int, float))  # not a list nor a dict
    if hashable and value in dict(allowed):
        return None
    return _lt(
        "%(field)s: %(value)s is not an allowed value (allowed: %(allowed)s).",
        field=label,
        value=shown(value),
        allowed=", ".join(f"{key} ({name})" for key, name in allowed),
    )


def check_binary(label, value):
    """A file: its content in base64 (a string or bytes); False/None for none."""
    if value is False or value is None or isinstance(value, (str, bytes)):
        return None
    return _lt(
        "%(field)s: %(value)s is not a file (its content in base64).",
        field=label,
        value=shown(value),
    )


def bad_ids(ids):
    """The ids of ``ids`` that are not record ids (a string, a list, a boolean, 0...)."""
    return [id_ for id_ in ids if not is_id(id_)]
