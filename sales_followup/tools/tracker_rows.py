"""Tracker rows into the leads they describe: typed results, no Odoo model.

``parse_row`` reads one row (its cells by column key) into a ``TrackerRow`` and the problems
found in it; ``LeadPlan`` gathers the rows of one lead (a tracker may log one contact per row)
and says what the lead will be: its title, its lead date, its closing date, its contacts.
``LeadDigest`` is the compact form the preview keeps for every lead of a large file.

Problems carry the column key and a lazy translation: the caller translates them into the
user's language and names the column as the user sees it.
"""

import datetime
import re
from dataclasses import dataclass, field

from odoo.tools.translate import LazyTranslate

from . import tracker_cells as tc
from .tracker_reader import FormulaCell

_lt = LazyTranslate(__name__)

# Values two rows of one lead must agree on when both give them.
CONFLICT_FIELDS = ("status", "amount", "salesperson", "grade", "source", "stage")
# Column keys that name the customer: at least one of them must be mapped.
CUSTOMER_KEYS = {"partner_name", "partner_name_industry", "contact", "contact_function"}
TITLE_NEED_LENGTH = 60


@dataclass(slots=True)
class Problem:
    row: int
    column: str  # column key; "" for the row as a whole
    value: str
    message: object  # a lazy translation, or text
    level: str = "error"


@dataclass(slots=True)
class Contact:
    row: int
    date: datetime.date
    method: str
    summary: str
    responded: bool
    customer_words: str = ""
    next_action: str = ""
    user_name: str = ""  # who followed up, as the row names them

    @property
    def signature(self):
        """What identifies a contact when the same file is imported again."""
        return (self.date, self.summary.strip())


@dataclass(slots=True)
class TrackerRow:
    number: int
    key: tuple
    code: str = ""
    title: str = ""
    partner_name: str = ""
    industry: str = ""
    contact: str = ""
    function: str = ""
    phone: str = ""
    email: str = ""
    address: str = ""
    need: str = ""
    description: str = ""
    amount_note: object = ""  # a lazy translation: the amount was a range
    status: str | None = None
    grade: str | None = None
    amount: float | None = None
    stage: str = ""
    source: str = ""
    salesperson: str = ""
    followup_user: str = ""
    lost_reason: str = ""
    lead_date: datetime.date | None = None
    close_date: datetime.date | None = None
    next_date: datetime.date | None = None
    next_action: str = ""
    contacts: list = field(default_factory=list)


def data_rows(rows, header_row):
    """(row number as Excel shows it, cells) of the ``rows`` of a sheet below its header
    (``header_row``: the header's number as Excel shows it), empty rows left out."""
    rows = iter(rows)
    for _index in range(header_row):
        next(rows, None)
    for number, row in enumerate(rows, start=header_row + 1):
        if any(not tc.is_empty(cell) for cell in row):
            yield number, row


def cells_by_key(row, mapping):
    """{column key: cell value} of a row; ``mapping``: {column index: column key}."""
    return {key: row[index] if index < len(row) else None for index, key in mapping.items()}


def parse_rows(numbered_rows, mapping, today, *, words):
    """(row number, cells, TrackerRow or None, [Problem]) of each of ``numbered_rows`` ((row
    number, cells), as data_rows gives them), streamed; ``mapping``: {column index: column
    key}; ``words``: as parse_row."""
    for number, row in numbered_rows:
        parsed, problems = parse_row(number, cells_by_key(row, mapping), today, words=words)
        yield number, row, parsed, problems


def parse_row(number, cells, today, *, words):
    """(TrackerRow or None, [Problem]) of one row; ``cells``: {column key: cell value};
    ``words``: the word list's tracker_cells.ContactWords."""
    problems = []

    def problem(key, value, message, level="error"):
        problems.append(Problem(number, key, tc.as_text(value)[:200], message, level))

    cells = dict(cells)
    for key, value in cells.items():
        if isinstance(value, FormulaCell):
            problem(
                key,
                value.formula,
                _lt(
                    "formula without a computed value: open the file in Excel, let it "
                    "calculate, save it and import again"
                ),
            )
            cells[key] = None
    text = {key: tc.as_text(value) for key, value in cells.items()}
    partner_name, industry = text.get("partner_name", ""), text.get("industry", "")
    if cells.get("partner_name_industry") is not None:
        partner_name, industry = tc.split_parenthesis(cells["partner_name_industry"])
    contact, function = text.get("contact", ""), text.get("function", "")
    if cells.get("contact_function") is not None:
        contact, function = tc.split_parenthesis(cells["contact_function"])
    if not partner_name and not contact:
        problem("partner_name", None, _lt("no customer name and no contact: cannot make a lead"))
        return None, problems

    def date_of(key, default_year=None):
        try:
            return tc.parse_date(cells.get(key), default_year)
        except ValueError as error:
            problem(key, cells.get(key), error.args[0] if error.args else str(error))
            return None

    lead_date = date_of("lead_date")
    first_contact = date_of("first_contact")
    start = min(filter(None, (lead_date, first_contact)), default=None)
    start_year = start and start.year
    followup_date = date_of("followup_date", start_year)
    close_date = date_of("close_date", start_year)
    next_date = date_of("next_date", start_year)
    year = (start or followup_date or close_date or today).year
    for key, day in (("lead_date", lead_date), ("first_contact", first_contact)):
        if day and day > today:
            problem(key, cells.get(key), _lt("a lead date in the future"))
            start = None if start == day else start

    amount, amount_note = None, ""
    try:
        amount, amount_note = tc.parse_amount(cells.get("amount"))
    except ValueError as error:
        problem("amount", cells.get("amount"), error.args[0] if error.args else str(error))
    status = grade = None
    try:
        status = tc.parse_status(cells.get("status"))
    except ValueError as error:
        problem("status", cells.get("status"), error.args[0])
    try:
        grade = tc.parse_grade(cells.get("grade"))
    except ValueError as error:
        problem("grade", cells.get("grade"), error.args[0])

    contacts = []
    record = text.get("followup_record", "")
    try:
        pieces = tc.split_followup_record(record, year, start, words=words)
    except ValueError as error:
        problem("followup_record", record, error.args[0])
        pieces = []
    row_method = tc.parse_method(text["method"], words) if text.get("method") else None
    followup_user = text.get("followup_user", "")
    for day, method, summary, answered in pieces:
        day = day or followup_date or start
        if day is None:
            problem(
                "followup_record",
                summary,
                _lt(
                    "this contact has no date, and the row gives neither a follow-up nor a "
                    "first-contact date"
                ),
            )
            continue
        if day > today:
            problem(
                "followup_record",
                summary,
                _lt("contact dated %(date)s, in the future", date=day.isoformat()),
            )
            continue
        contacts.append(
            Contact(
                row=number,
                date=day,
                method=row_method if len(pieces) == 1 and row_method else method,
                summary=summary,
                responded=answered,
                user_name=followup_user,
            )
        )
    if contacts:
        feedback = text.get("feedback", "")
        if feedback:
            contacts[-1].customer_words = feedback
            contacts[-1].responded = contacts[-1].responded and tc.responded(feedback, words)
        if text.get("next_action"):
            contacts[-1].next_action = text["next_action"][:250]

    code = text.get("code", "")
    phone = text.get("phone", "")
    key = ("code", code) if code else ("name", partner_name or contact, re.sub(r"\D", "", phone))
    return (
        TrackerRow(
            number=number,
            key=key,
            code=code,
            title=text.get("title", ""),
            partner_name=partner_name,
            industry=industry,
            contact=contact,
            function=function,
            phone=phone,
            email=text.get("email", ""),
            address=text.get("address", ""),
            need=text.get("need", ""),
            description="\n".join(
                part
                for part in (
                    text.get("need", ""),
                    text.get("notes", ""),
                    record if not contacts and record else "",
                )
                if part
            ),
            amount_note=amount_note,
            status=status,
            grade=grade,
            amount=amount,
            stage=text.get("stage", ""),
            source=text.get("source", ""),
            salesperson=text.get("salesperson", ""),
            followup_user=followup_user,
            lost_reason=text.get("lost_reason", ""),
            lead_date=start,
            close_date=close_date,
            next_date=next_date,
            next_action=text.get("next_action", ""),
            contacts=contacts,
        ),
        problems,
    )


def conflict(first, first_row, other):
    """The Problem when ``other`` (a TrackerRow) disagrees with the values already gathered
    for its lead (``first``: a LeadPlan or LeadDigest), else None."""
    for name in CONFLICT_FIELDS:
        mine, theirs = getattr(first, name), getattr(other, name)
        if mine not in (None, "") and theirs not in (None, "") and mine != theirs:
            return Problem(
                other.number,
                name,
                str(theirs),
                _lt(
                    "same lead as row %(row)s (%(key)s) but this column differs: %(a)s / %(b)s",
                    row=first_row,
                    key=first.code or first.partner_name or first.contact,
                    a=mine,
                    b=theirs,
                ),
            )
    return None


@dataclass(slots=True)
class LeadDigest:
    """What the preview keeps of each lead of a file: enough to count, check and compare
    rows, without the contacts' texts."""

    key: tuple
    rows: list
    code: str
    partner_name: str
    contact: str
    industry: str
    status: str | None
    amount: float | None
    salesperson: str
    grade: str | None
    source: str
    stage: str
    followup_user: str
    lost_reason: str
    tracker_lead_date: datetime.date | None
    close_date: datetime.date | None
    next_date: datetime.date | None
    earliest_contact: tuple | None  # (date, row)
    last_contact: datetime.date | None
    signatures: set
    error: bool = False

    @classmethod
    def from_row(cls, row):
        digest = cls(
            key=row.key,
            rows=[row.number],
            code=row.code,
            partner_name=row.partner_name,
            contact=row.contact,
            industry=row.industry,
            status=row.status,
            amount=row.amount,
            salesperson=row.salesperson,
            grade=row.grade,
            source=row.source,
            stage=row.stage,
            followup_user=row.followup_user,
            lost_reason=row.lost_reason,
            tracker_lead_date=row.lead_date,
            close_date=row.close_date,
            next_date=row.next_date,
            earliest_contact=None,
            last_contact=None,
            signatures=set(),
        )
        digest._add_contacts(row)
        return digest

    def add(self, row):
        problem = conflict(self, self.rows[0], row)
        if problem:
            return problem
        self.rows.append(row.number)
        for name in (*CONFLICT_FIELDS, "close_date", "lost_reason"):
            if getattr(self, name) in (None, ""):
                setattr(self, name, getattr(row, name))
        if row.lead_date and (not self.tracker_lead_date or row.lead_date < self.tracker_lead_date):
            self.tracker_lead_date = row.lead_date
        self.next_date = row.next_date or self.next_date
        self.followup_user = row.followup_user or self.followup_user
        self._add_contacts(row)
        return None

    def _add_contacts(self, row):
        for contact in row.contacts:
            self.signatures.add(contact.signature)
            if not self.earliest_contact or contact.date < self.earliest_contact[0]:
                self.earliest_contact = (contact.date, contact.row)
            if not self.last_contact or contact.date > self.last_contact:
                self.last_contact = contact.date
            if contact.user_name:
                self.followup_user = contact.user_name

    @property
    def lead_date(self):
        days = [self.tracker_lead_date, self.earliest_contact and self.earliest_contact[0]]
        days = [day for day in days if day]
        return min(days) if days else None

    def date_problems(self):
        """Dates that cannot be: contacts before the tracker's own lead date (the lead date
        moves back: a warning), a closing date before the lead came in (an error)."""
        problems = []
        start = self.tracker_lead_date
        if start and self.earliest_contact and self.earliest_contact[0] < start:
            day, row = self.earliest_contact
            problems.append(
                Problem(
                    row,
                    "followup_record",
                    day.isoformat(),
                    _lt(
                        "contact on %(contact)s, before the lead's first-contact date "
                        "%(start)s: the lead date becomes %(contact)s",
                        contact=day.isoformat(),
                        start=start.isoformat(),
                    ),
                    "warning",
                )
            )
        lead_date = self.lead_date
        if self.close_date and lead_date and self.close_date < lead_date:
            problems.append(
                Problem(
                    self.rows[0],
                    "close_date",
                    self.close_date.isoformat(),
                    _lt(
                        "closing date %(close)s before the lead came in (%(start)s, first "
                        "contact or lead date)",
                        close=self.close_date.isoformat(),
                        start=lead_date.isoformat(),
                    ),
                )
            )
        return problems

    @property
    def closing_date(self):
        """When a won or lost lead was closed: the tracker's closing date, else its last dated
        contact, else its lead date (never the day of the import)."""
        return self.close_date or self.last_contact or self.lead_date


class LeadPlan:
    """One lead as the rows of a tracker describe it, with everything needed to write it: the
    digest's gathered values and dates, the first row's details, every contact."""

    def __init__(self, row):
        self.row = row
        self.digest = LeadDigest.from_row(row)
        self.contacts = list(row.contacts)

    def __getattr__(self, name):
        # Values gathered over the rows come from the digest, the details from the first row.
        if name in LeadDigest.__slots__:
            return getattr(self.__dict__["digest"], name)
        return getattr(self.__dict__["row"], name)

    def add(self, row):
        """Merge a later row of the same lead; the Problem when the rows disagree."""
        problem = self.digest.add(row)
        if problem:
            return problem
        for name in ("title", "need", "next_action"):
            if row.__getattribute__(name) and (
                name == "next_action" or not getattr(self.row, name)
            ):
                setattr(self.row, name, getattr(row, name))
        self.contacts.extend(row.contacts)
        return None

    def sorted_contacts(self):
        return sorted(self.contacts, key=lambda contact: contact.date)

    @property
    def import_status(self):
        """The follow-up status the lead starts with: the tracker's, except that a lead with
        contacts is being followed whatever an open status column says."""
        if self.status in ("converted", "lost", "dormant", "in_progress"):
            return self.status
        return "in_progress" if self.contacts else "to_contact"

    @property
    def lead_date(self):
        return self.digest.lead_date

    @property
    def closing_date(self):
        return self.digest.closing_date

    def date_problems(self):
        return self.digest.date_problems()

    @property
    def lead_title(self):
        """The tracker's title, else "customer — need", else the customer."""
        if self.row.title:
            return self.row.title
        name = self.row.partner_name or self.row.contact
        need = self.row.need
        if name and need:
            if len(need) > TITLE_NEED_LENGTH:
                need = need[: TITLE_NEED_LENGTH - 1] + "…"
            return f"{name} — {need}"
        return name or need


def iter_plans(numbered_rows, config, today, *, words, chunk_size=None):
    """The LeadPlans of ``numbered_rows`` ((row number, cells)) in lists of at most
    ``chunk_size`` leads (None: one list), the rows of one lead gathered into its plan as long
    as it is in the current list. ``config`` as an import keeps it (JSON): ``mapping`` {column
    index as text: column key}, ``skip_rows`` [row number] and ``skip_keys`` [lead key as a
    list], the rows and leads left out for their errors; ``words``: as parse_row.

    What the import writes, the same in a request and in a background job; a lead whose rows
    fall in two lists is found again by the second one (the import matches the leads it
    wrote)."""
    mapping = {int(index): key for index, key in config.get("mapping", {}).items()}
    skip_rows = set(config.get("skip_rows", ()))
    skip_keys = {tuple(key) for key in config.get("skip_keys", ())}
    chunk = {}
    rows = ((number, row) for number, row in numbered_rows if number not in skip_rows)
    for _number, _row, parsed, _problems in parse_rows(rows, mapping, today, words=words):
        if parsed is None or parsed.key in skip_keys:
            continue
        plan = chunk.get(parsed.key)
        if plan:
            plan.add(parsed)
            continue
        if chunk_size and len(chunk) >= chunk_size:
            yield list(chunk.values())
            chunk = {}
        chunk[parsed.key] = LeadPlan(parsed)
    if chunk:
        yield list(chunk.values())
