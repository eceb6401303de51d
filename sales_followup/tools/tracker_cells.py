"""Reading the values of tracker cells: amounts, dates, statuses, grades, follow-up records.

Plain functions, no Odoo model: the words telling a contact's method and a missed answer come
from the word list (sales.followup.word), given by the caller as ContactWords. A cell that
cannot be read raises ValueError with a message for the person importing the file (a lazy
translation, translated by the caller).
"""

import datetime
import re
from dataclasses import dataclass

from odoo.tools.translate import LazyTranslate

from .input_check import CONTROL_CHARACTERS

_lt = LazyTranslate(__name__)

EMPTY_MARKERS = {"", "-", "--", "—", "/", "无", "n/a", "na", "none"}


def is_empty(value):
    return value is None or (isinstance(value, str) and value.strip().lower() in EMPTY_MARKERS)


def as_text(value):
    """The cell as text, without the control characters a spreadsheet may hold (they show
    nothing, and the follow-up models refuse them)."""
    if is_empty(value):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime):
        return value.strftime("%Y-%m-%d")
    return CONTROL_CHARACTERS.sub("", str(value)).strip()


_AMOUNT_UNITS = {"万": 10_000, "w": 10_000, "亿": 100_000_000, "千": 1_000, "k": 1_000}
# Larger amounts are typing errors (or a whole column of digits) and would overflow the database.
MAX_AMOUNT = 10**15


def parse_amount(value):
    """(amount, note) from '65万', '50-80万' (midpoint, the range kept in the note, a lazy
    translation), '1.2亿', '¥120,000', '12w'; (None, '') when empty. Raises ValueError when
    unreadable."""
    if is_empty(value):
        return None, ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _bounded_amount(float(value), value), ""
    text = str(value).strip().lower().replace(",", "").replace("，", "").replace(" ", "")
    text = re.sub(r"^[¥￥$]|rmb|cny|元$|人民币", "", text).removesuffix("元")
    match = re.fullmatch(r"(\d+(?:\.\d+)?)(?:[-~～至到](\d+(?:\.\d+)?))?(万|w|亿|千|k)?", text)
    if not match:
        raise ValueError(
            _lt("'%(value)s' is not an amount (e.g. 65万, 50-80万, 1.2亿, ¥120,000)", value=value)
        )
    low, high, unit = match.groups()
    factor = _AMOUNT_UNITS.get(unit, 1)
    if high:
        amount = (float(low) + float(high)) / 2 * factor
        return _bounded_amount(amount, value), _lt(
            "Amount given as a range: %(range)s (midpoint used)", range=value
        )
    return _bounded_amount(float(low) * factor, value), ""


def _bounded_amount(amount, value):
    if not (0 <= amount < MAX_AMOUNT):  # also NaN and infinities
        raise ValueError(
            _lt(
                "'%(value)s' is not a plausible amount (from 0 to %(max)s)",
                value=str(value)[:40],
                max="1,000,000,000,000,000",
            )
        )
    return amount


_DATE_FULL = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
_DATE_SHORT = re.compile(r"(\d{1,2})\s*月\s*(\d{1,2})\s*日")


# Dates outside these years are typing errors (0001-01-01, 2204-03-10).
DATE_YEARS = (1990, 2100)


def parse_date(value, default_year=None):
    """A date from an Excel serial, a datetime, '2024-03-10', '2024/3/10', '2024年3月10日' or
    '3月10日' (year: ``default_year``). None when empty; ValueError when unreadable or not
    plausible."""
    day = _parse_date(value, default_year)
    if day is not None and not (DATE_YEARS[0] <= day.year <= DATE_YEARS[1]):
        raise ValueError(
            _lt(
                "'%(value)s' is not a plausible date (years %(first)s to %(last)s)",
                value=value,
                first=DATE_YEARS[0],
                last=DATE_YEARS[1],
            )
        )
    return day


def _parse_date(value, default_year):
    if is_empty(value):
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, (int, float)):
        if 20000 < value < 80000:  # an Excel serial date that reached us as a number
            return (datetime.datetime(1899, 12, 30) + datetime.timedelta(days=float(value))).date()
        raise ValueError(_lt("'%(value)s' is not a date", value=value))
    text = str(value).strip()
    match = _DATE_FULL.match(text)
    try:
        if match:
            return datetime.date(int(match[1]), int(match[2]), int(match[3]))
        match = _DATE_SHORT.match(text)
        if match:
            year = default_year or datetime.date.today().year
            return datetime.date(year, int(match[1]), int(match[2]))
    except ValueError as error:
        raise ValueError(_lt("'%(value)s' is not a valid date", value=value)) from error
    raise ValueError(
        _lt("'%(value)s' is not a date (e.g. 2024-03-10, 2024年3月10日, 3月10日)", value=value)
    )


# The order in which contact methods are recognised: a follow-up record naming a visit and a
# call ("visited after a phone call") was a visit.
METHOD_PRIORITY = ("visit", "meeting", "email", "message", "phone")


@dataclass(frozen=True, slots=True)
class ContactWords:
    """The words of a follow-up record telling how the contact was made (``methods``: ((method,
    (word, ...)), ...), the first method with a word in the text wins) and that the customer did
    not answer (``no_answer``: (word, ...)). Lowercase; the caller reads them from the word list
    (``contact_words``)."""

    methods: tuple = ()
    no_answer: tuple = ()


def contact_words(method_words, no_answer_words):
    """ContactWords of ``method_words`` ((word, method), ...), in the order of
    METHOD_PRIORITY (other methods after), and of ``no_answer_words`` (word, ...)."""
    by_method = {}
    for word, method in method_words:
        if word:
            by_method.setdefault(method, []).append(word.lower())
    rank = {method: index for index, method in enumerate(METHOD_PRIORITY)}
    methods = tuple(
        (method, tuple(words))
        for method, words in sorted(
            by_method.items(), key=lambda item: (rank.get(item[0], len(rank)), item[0])
        )
    )
    return ContactWords(methods, tuple(word.lower() for word in no_answer_words if word))


def parse_method(text, words):
    """The contact method of ``text`` by the ``words`` (ContactWords) it holds; "other"."""
    lowered = (text or "").lower()
    for method, method_words in words.methods:
        if any(word in lowered for word in method_words):
            return method
    return "other"


def responded(text, words):
    """Whether ``text`` holds none of the no-answer ``words`` (ContactWords)."""
    lowered = (text or "").lower()
    return not any(word in lowered for word in words.no_answer)


_CONTACT_START = re.compile(
    r"(\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?|\d{1,2}\s*月\s*\d{1,2}\s*日)"
)


def split_followup_record(text, default_year=None, after=None, *, words):
    """Contacts of a free-text follow-up record: [(date or None, method, summary, responded)],
    the method and the answer read with ``words`` (ContactWords).

    '3月12日：电话沟通，客户明确预算50-80万；3月15日：上门考察' gives two contacts. Short dates
    take ``default_year``; one that falls before ``after`` (the first contact) is in the next
    year. Text without any date is one contact without a date.
    """
    text = (text or "").strip()
    if not text:
        return []
    starts = [match.start() for match in _CONTACT_START.finditer(text)]
    if not starts:
        return [(None, parse_method(text, words), text, responded(text, words))]
    contacts = []
    if starts[0] > 0 and text[: starts[0]].strip(" ；;,，。\n"):
        preamble = text[: starts[0]].strip(" ；;,，。\n")
        contacts.append((None, parse_method(preamble, words), preamble, responded(preamble, words)))
    for position, start in enumerate(starts):
        end = starts[position + 1] if position + 1 < len(starts) else len(text)
        chunk = text[start:end]
        date_match = _CONTACT_START.match(chunk)
        day = parse_date(date_match.group(0), default_year)
        if after and day < after and not _DATE_FULL.match(date_match.group(0)):
            day = day.replace(year=day.year + 1)
        summary = chunk[date_match.end() :].strip(" ：:；;,，。\n\t")
        if not summary:
            continue
        contacts.append((day, parse_method(summary, words), summary, responded(summary, words)))
    return contacts


STATUS_LABELS = {
    "to_contact": (
        "z-潜在客户",
        "潜在客户",
        "潜在",
        "待跟进",
        "potential",
        "to contact",
        "to follow up",
        "new",
    ),
    "in_progress": (
        "y-意向客户",
        "意向客户",
        "意向",
        "跟进中",
        "intention",
        "following",
        "in progress",
        "in_progress",
        "qualified",
    ),
    "converted": (
        "c-成交客户",
        "成交客户",
        "成交",
        "已成交",
        "已转化",
        "转化",
        "deal",
        "won",
        "converted",
        "customer",
    ),
    "lost": ("l-流失客户", "流失客户", "流失", "已流失", "lost", "churned"),
    "dormant": ("休眠", "休眠客户", "dormant", "sleeping"),
}
_STATUS = {label: status for status, labels in STATUS_LABELS.items() for label in labels}


def parse_status(value):
    """Follow-up status of a label like 'Y-意向客户', '跟进中', 'Lost'; None when empty."""
    if is_empty(value):
        return None
    text = str(value).strip().lower().replace("－", "-").replace(" ", "")
    if text in _STATUS:
        return _STATUS[text]
    bare = re.sub(r"^[a-z]\s*-\s*", "", text)
    if bare in _STATUS:
        return _STATUS[bare]
    raise ValueError(
        _lt(
            "'%(value)s' is not a known status (Z-潜在客户, Y-意向客户, C-成交客户, L-流失客户, "
            "待跟进, 跟进中, 已转化, 已流失, 休眠)",
            value=value,
        )
    )


def parse_grade(value):
    """'a'/'b'/'c' from 'A', 'b', 'A(高潜力)', 'A类'; None when empty."""
    if is_empty(value):
        return None
    match = re.match(r"\s*([abcABC])(?![a-zA-Z])", str(value))
    if not match:
        raise ValueError(_lt("'%(value)s' is not a grade (A, B or C)", value=value))
    return match.group(1).lower()


def split_parenthesis(value):
    """('华东精密机械有限公司', '建筑') from '华东精密机械有限公司(建筑)'."""
    text = as_text(value).replace("（", "(").replace("）", ")")
    match = re.fullmatch(r"(.*?)\s*\(([^()]*)\)\s*", text)
    if match:
        return match.group(1).strip(), match.group(2).strip()
    return text, ""


# A spreadsheet opening a CSV runs a cell starting with these as a formula (OWASP "CSV
# injection"): such cells are written with a leading apostrophe, which shows them as text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(text):
    """``text`` as a CSV cell that no spreadsheet runs as a formula."""
    text = "" if text is None else str(text)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text
