"""What a tracker holds, before anything is written: the sheet to read, its header and its
columns, the leads its rows describe, and what is wrong with them.

Plain functions and dataclasses, no Odoo model. What the database knows comes in as plain data
that the caller reads first, in one query each: the users as an index of their names
(``user_index``), the stages with their names (``match_stages``). Problems carry lazy
translations, as in ``tracker_rows``: the caller translates them into the user's language.
"""

import hashlib
import itertools
import re
from collections import defaultdict
from dataclasses import dataclass, field

from odoo.tools.translate import LazyTranslate

from . import tracker_cells as tc
from . import tracker_columns as tcol
from .tracker_reader import TrackerError, TrackerTooLarge
from .tracker_rows import LeadDigest, LeadPlan, Problem

_lt = LazyTranslate(__name__)

# What a name designating several users resolves to.
AMBIGUOUS = "ambiguous"
# Leads kept whole (with their contacts) for the preview; of the others only a digest is kept.
PREVIEW_LEADS = 8


def normalize_name(text):
    """A name as names are compared: without whitespace, lower-cased."""
    return re.sub(r"\s+", "", str(text or "")).lower()


# ----------------------------------------------------------------------------------------------
# Sheets and columns
# ----------------------------------------------------------------------------------------------


def has_header(sheet):
    """Whether the top rows of ``sheet`` (tracker_reader.Sheet) hold a header. A sheet above the
    reader's limits raises TrackerTooLarge: nothing of the file is read further."""
    try:
        tcol.find_header(sheet.rows())
    except TrackerTooLarge:
        raise
    except TrackerError:
        return False
    return True


@dataclass(slots=True)
class Column:
    index: int
    header: str  # the header cell as text, "" when it is empty
    target: str | None  # the column key recognised; None: the column is not imported
    sample: str  # the value under the header, as text (at most 80 characters)


def read_columns(rows):
    """(index of the header row, [Column]) of a sheet's ``rows`` (only the top ones are read),
    None when they are all empty; TrackerError when none of them is a header. A column is
    listed when its header or the value under it says something."""
    top = list(itertools.islice(rows, tcol.HEADER_SCAN_ROWS + 1))
    if not any(not tc.is_empty(cell) for row in top for cell in row):
        return None
    rows = iter(top)
    header_index, header = tcol.find_header(rows)
    samples = next(rows, None) or []
    columns = []
    for index, cell in enumerate(header):
        sample = samples[index] if index < len(samples) else None
        if tc.is_empty(cell) and tc.is_empty(sample):
            continue
        columns.append(
            Column(
                index,
                tc.as_text(cell),
                tcol.match_header(cell),
                tc.as_text(sample)[:80] if index < len(samples) else "",
            )
        )
    return header_index, columns


# ----------------------------------------------------------------------------------------------
# Names: users and stages
# ----------------------------------------------------------------------------------------------


def user_index(users):
    """{lower-cased name, login or word of the name: {user id}} of ``users``: (id, name, login)
    tuples ("王磊 Wang Lei" is found as "王磊", "Wang" and "Lei" too)."""
    index = defaultdict(set)
    for user_id, name, login in users:
        name, login = name or "", login or ""
        for word in {name.strip(), login.strip(), *name.split()}:
            if word:
                index[word.lower()].add(user_id)
    return index


def resolve_user(index, name):
    """The user id a tracker name designates in ``index`` (user_index), None when nobody,
    AMBIGUOUS when several."""
    if not name:
        return None
    ids = index.get(name.strip().lower(), set())
    if len(ids) > 1:
        return AMBIGUOUS
    return next(iter(ids), None)


def user_of(index, name):
    """The user id a tracker name designates, False when nobody or several."""
    user_id = resolve_user(index, name)
    return user_id if isinstance(user_id, int) else False


def match_stages(stages, values):
    """{value: [stage ids]} of tracker stage ``values`` by a stage's name in any language, else
    by the names it lists for trackers. ``stages``: (id, names, tracker names) tuples, the
    tracker names one text separated by commas (ASCII or Chinese). Several ids: the value is
    ambiguous; none: unknown."""
    by_name, by_synonym = defaultdict(set), defaultdict(set)
    for stage_id, names, synonyms in stages:
        for name in names:
            by_name[normalize_name(name)].add(stage_id)
        for synonym in (synonyms or "").replace("，", ",").split(","):
            if synonym.strip():
                by_synonym[normalize_name(synonym)].add(stage_id)
    result = {}
    for value in values:
        key = normalize_name(value)
        result[value] = sorted(by_name.get(key) or by_synonym.get(key) or ())
    return result


# ----------------------------------------------------------------------------------------------
# The leads of a file and their problems
# ----------------------------------------------------------------------------------------------


@dataclass
class Analysis:
    """One pass over a sheet: per lead a digest (tracker_rows.LeadDigest), the first leads in
    full (tracker_rows.LeadPlan) for the preview, every problem, and the rows with an error as
    they were (more may be found later, by lead or by name: the error file reads those
    again)."""

    rows: int = 0
    digests: dict = field(default_factory=dict)  # {lead key: LeadDigest}
    previews: dict = field(default_factory=dict)  # {lead key: LeadPlan}
    problems: list = field(default_factory=list)
    raw_rows: dict = field(default_factory=dict)  # {row number: cells}
    error_rows: set = field(default_factory=set)

    @property
    def error_keys(self):
        return {key for key, digest in self.digests.items() if digest.error}

    def finish(self, problems=()):
        """Add the problems found by name (users, stages), sort them all by row and leave out
        every lead with an error in any of its rows: nothing half-imported."""
        self.problems.extend(problems)
        self.problems.sort(key=lambda problem: problem.row)
        self.error_rows = {problem.row for problem in self.problems if problem.level == "error"}
        for digest in self.digests.values():
            if self.error_rows.intersection(digest.rows):
                digest.error = True
        return self


def scan(parsed_rows, preview_leads=PREVIEW_LEADS):
    """The Analysis of ``parsed_rows`` (tracker_rows.parse_rows), streamed: of each lead only a
    digest is kept, and the first ``preview_leads`` leads in full. Call ``finish`` once the
    names are checked."""
    analysis = Analysis()
    digests, previews = analysis.digests, analysis.previews
    for number, row, parsed, row_problems in parsed_rows:
        analysis.rows += 1
        analysis.problems.extend(row_problems)
        if any(problem.level == "error" for problem in row_problems):
            analysis.raw_rows[number] = row
        if parsed is None:
            continue
        digest = digests.get(parsed.key)
        if digest is None:
            digests[parsed.key] = LeadDigest.from_row(parsed)
            if len(previews) < preview_leads:
                previews[parsed.key] = LeadPlan(parsed)
            continue
        clash = digest.add(parsed)
        if clash:
            analysis.problems.append(clash)
            analysis.raw_rows[number] = row
            digest.error = True
        elif parsed.key in previews:
            previews[parsed.key].add(parsed)
    for digest in digests.values():
        analysis.problems.extend(digest.date_problems())
    return analysis


def user_problems(digests, users, default_user=""):
    """Problems with the people the leads name: a name several users share (an error), a
    salesperson who is no user (a warning: the lead goes to ``default_user``, the name of the
    salesperson chosen for such leads, else it is imported unassigned). ``users``: the
    user_index."""
    problems = []
    for digest in digests.values():
        for column, name in (
            ("salesperson", digest.salesperson),
            ("followup_user", digest.followup_user),
        ):
            found = resolve_user(users, name)
            if found == AMBIGUOUS:
                problems.append(
                    Problem(
                        digest.rows[0],
                        column,
                        name,
                        _lt("several users have this name: write the login instead"),
                    )
                )
            elif name and found is None and column == "salesperson":
                message = (
                    _lt("no user with this name or login: the lead goes to %s", default_user)
                    if default_user
                    else _lt("no user with this name or login: the lead is imported unassigned")
                )
                problems.append(Problem(digest.rows[0], column, name, message, "warning"))
    return problems


def analyse(parsed_rows, users, default_user, unmapped_stages):
    """The Analysis of a sheet's ``parsed_rows`` (scan), the names its rows use checked: the
    people by ``users`` (user_index; ``default_user`` as user_problems), the stages by
    ``unmapped_stages(counts)``, a function of {stage value: leads} giving the values left
    without a stage, {value: "ambiguous" or "unknown"} (the caller's stage mapping)."""
    analysis = scan(parsed_rows)
    problems = user_problems(analysis.digests, users, default_user)
    rows = stage_rows(analysis.digests)
    unmapped = unmapped_stages({value: len(value_rows) for value, value_rows in rows.items()})
    return analysis.finish(problems + stage_problems(rows, unmapped))


def stage_rows(digests):
    """{stage value: [first row of each lead giving it]}."""
    rows = defaultdict(list)
    for digest in digests.values():
        if digest.stage:
            rows[digest.stage].extend(digest.rows[:1])
    return dict(rows)


def stage_problems(rows, unmapped):
    """The problems of the stage values left without a stage: ``unmapped`` {value: "ambiguous"
    or "unknown"}, ``rows`` the stage_rows."""
    problems = []
    for value, match in unmapped.items():
        message = (
            _lt("this stage matches several stages: choose one in the Stage Mapping tab")
            if match == AMBIGUOUS
            else _lt("unknown stage: map it to a stage or tick Create in the Stage Mapping tab")
        )
        problems.extend(Problem(row, "stage", value, message) for row in rows.get(value, ()))
    return problems


# ----------------------------------------------------------------------------------------------
# The preview
# ----------------------------------------------------------------------------------------------


def moved_count(digests, today):
    """Open leads whose next follow-up date in the tracker is already past: they get one spread
    over their grade's rhythm instead."""
    return sum(
        1
        for digest in digests
        if digest.status not in ("converted", "lost", "dormant")
        and digest.next_date
        and digest.next_date < today
    )


def next_followup(status, assigned, next_date, today):
    """What the import schedules for a lead: "revisit" (a converted customer's after-sale
    revisit, spread over the rhythm), "date" (the tracker's next date, still to come), "spread"
    (spread over the grade's rhythm), or None (closed, dormant, or nobody to follow up)."""
    if status == "converted" and assigned:
        return "revisit"
    if status in ("converted", "lost", "dormant") or not assigned:
        return None
    if next_date and next_date >= today:
        return "date"
    return "spread"


@dataclass(slots=True)
class LeadPreview:
    """One of the first leads of a file as the import will write it."""

    title: str
    customer: str
    stage: str  # the CRM stage's name, else the tracker's value
    status: str  # the follow-up status (key)
    user: str  # the salesperson's name, "" for none
    lead_date: object
    closing_date: object  # only for a won or lost lead
    next_followup: str | None  # next_followup()
    next_date: object
    contacts: list  # tracker_rows.Contact, by date


def lead_preview(plan, stage, user, today):
    """The LeadPreview of ``plan`` (tracker_rows.LeadPlan) going to ``stage`` (the CRM stage:
    anything with a ``name`` and ``is_won``; None when the rows name none, or one mapped to no
    stage), followed up by ``user`` (the salesperson's name, "" for none). A lead without a
    status in a won stage is a customer won."""
    status = plan.import_status
    if not plan.status and stage and stage.is_won:
        status = "converted"
    return LeadPreview(
        title=plan.lead_title,
        customer=plan.partner_name or plan.contact,
        stage=stage.name if stage else plan.stage,
        status=status,
        user=user,
        lead_date=plan.lead_date,
        closing_date=plan.closing_date if status in ("converted", "lost") else None,
        next_followup=next_followup(status, bool(user), plan.next_date, today),
        next_date=plan.next_date,
        contacts=plan.sorted_contacts(),
    )


@dataclass(slots=True)
class Preview:
    """What the import would write (the loader's ``_preview``)."""

    lead_create_count: int = 0
    lead_update_count: int = 0
    partner_create_count: int = 0
    log_create_count: int = 0
    moved_count: int = 0
    unassigned_count: int = 0
    reasons_to_create: list = field(default_factory=list)
    sources_to_create: list = field(default_factory=list)
    industries_to_create: list = field(default_factory=list)
    leads: list = field(default_factory=list)  # LeadPreview


def fingerprint(content, settings):
    """A hash of a file's ``content`` (bytes or text) and of the ``settings`` it is read with
    (a value with a stable repr): the same as long as neither changes."""
    digest = hashlib.sha256()
    for part in (content, repr(settings)):
        digest.update(part if isinstance(part, bytes) else part.encode())
    return digest.hexdigest()


def missing_names(matches):
    """The names a match ({name: record id or None}) left without a record, sorted."""
    return sorted(name for name, record_id in matches.items() if not record_id)
