"""What each table of the printed funnel shows, once for the PDF and the XLSX.

A column is a dict:

- ``key``: the key of the value in a row;
- ``title``: its heading;
- ``kind``: how a value is written: ``label`` (text), ``count``, ``rate``, ``days``, ``money``,
  the changes ``count_change``, ``money_change``, ``days_change``, ``rate_change`` and
  ``points``, or, in a comparison table, ``row`` (the row's own kind) and ``change`` (the
  matching change kind), see ``cell_kind``;
- ``empty`` (labels): the text of an empty value;
- optionally ``detail``: the key of a second text shown under the value in the PDF (its own
  column in the XLSX, headed ``detail_title``); ``currency``: the key of the row's currency
  for ``money`` (else the company's); ``blank_zero``: a 0 is written as no value; ``width``:
  the XLSX column's width in characters.

A row list of a comparison table is a list of ``(key, label, kind)``: the figure under ``key``
in the figures of each period.

Pure Python: the caller gives the function that translates a text (``env._``), so that the
titles come in the reader's language.
"""

# The kind of a comparison table's "change" cell by the kind of its row: counts, amounts and
# days change by a signed amount of the same unit, rates by percentage points.
CHANGE_KINDS = {
    "count": "count_change",
    "money": "money_change",
    "days": "days_change",
    "rate": "points",
}


def cell_kind(column, row):
    """The kind of a cell of a comparison table: a column of kind ``row`` takes its row's
    kind (a figure may be a count, an amount or a rate), ``change`` the matching change kind;
    the other columns keep their own."""
    if column["kind"] == "row":
        return row["kind"]
    if column["kind"] == "change":
        return CHANGE_KINDS[row["kind"]]
    return column["kind"]


# ------------------------------------------------------------
# The cohort: leads whose lead date is in the period
# ------------------------------------------------------------


def funnel_columns(_):
    """The stage funnel: each stage, the leads in it now, those that reached it and the
    step's conversion."""
    return [
        {"key": "stage", "title": _("Stage"), "kind": "label", "empty": ""},
        {"key": "current", "title": _("Now in stage"), "kind": "count"},
        {"key": "reached", "title": _("Reached"), "kind": "count"},
        {"key": "step_rate", "title": _("Step conversion"), "kind": "rate"},
    ]


def breakdown_columns(_, label):
    """The breakdown, headed by the dimension's ``label``."""
    return [
        {"key": "label", "title": label, "kind": "label", "empty": _("None")},
        {"key": "leads", "title": _("Leads"), "kind": "count"},
        {"key": "contacted", "title": _("Contacted"), "kind": "count"},
        {"key": "converted", "title": _("Converted"), "kind": "count"},
        {"key": "lost", "title": _("Lost"), "kind": "count"},
        {"key": "conversion_rate", "title": _("Conversion rate"), "kind": "rate"},
        {"key": "cycle_days", "title": _("Average cycle days"), "kind": "days"},
        {"key": "won_revenue", "title": _("Won revenue"), "kind": "money"},
    ]


def lost_reason_columns(_):
    return [
        {
            "key": "label",
            "title": _("Lost reason"),
            "kind": "label",
            "empty": _("No reason given"),
        },
        {"key": "count", "title": _("Leads"), "kind": "count"},
        {"key": "share", "title": _("Share"), "kind": "rate"},
    ]


def risk_columns(_):
    """The open risks by type."""
    return [
        {"key": "label", "title": _("Risk"), "kind": "label", "empty": ""},
        {"key": "count", "title": _("Open"), "kind": "count"},
    ]


def risk_lead_columns(_):
    """The leads at risk, most overdue first: the customer (the lead under it), its open risks,
    its expected revenue in its company's currency, the days its follow-up is overdue (none
    when it is not) and its salesperson."""
    return [
        {
            "key": "customer",
            "title": _("Customer"),
            "kind": "label",
            "empty": "",
            "detail": "lead",
            "detail_title": _("Lead"),
            "width": 32,
        },
        {"key": "risks", "title": _("Open risks"), "kind": "label", "empty": ""},
        {"key": "amount", "title": _("Amount"), "kind": "money", "currency": "currency"},
        {"key": "days_overdue", "title": _("Days overdue"), "kind": "count", "blank_zero": True},
        {
            "key": "salesperson",
            "title": _("Salesperson"),
            "kind": "label",
            "empty": _("Unassigned"),
        },
    ]


def discipline_columns(_):
    """The follow-up discipline per salesperson, with his or her pool moves."""
    return [
        {"key": "label", "title": _("Salesperson"), "kind": "label", "empty": _("Unassigned")},
        {"key": "leads", "title": _("Leads"), "kind": "count"},
        {"key": "contacted", "title": _("Contacted"), "kind": "count"},
        {
            "key": "first_contact_rate",
            "title": _("First contact in window rate"),
            "kind": "rate",
        },
        {"key": "logs", "title": _("Follow-ups"), "kind": "count"},
        {"key": "on_rhythm_rate", "title": _("On-rhythm rate"), "kind": "rate"},
        {"key": "unanswered_logs", "title": _("Unanswered"), "kind": "count"},
        {"key": "overdue_now", "title": _("Overdue now"), "kind": "count"},
        {"key": "claims", "title": _("Claims"), "kind": "count"},
        {"key": "releases", "title": _("Releases"), "kind": "count"},
        {"key": "reclaims", "title": _("Reclaims"), "kind": "count"},
        {"key": "reclaim_rate", "title": _("Reclaim rate"), "kind": "rate"},
    ]


def pool_columns(_):
    """The customer pool per team, with the age of its leads."""
    return [
        {"key": "label", "title": _("Sales Team"), "kind": "label", "empty": _("No team")},
        {"key": "count", "title": _("In the pool"), "kind": "count"},
        {"key": "age_days", "title": _("Average days in the pool"), "kind": "days"},
        {"key": "age_under_7", "title": _("Under 7 days"), "kind": "count"},
        {"key": "age_7_30", "title": _("7 to 30 days"), "kind": "count"},
        {"key": "age_30_90", "title": _("30 to 90 days"), "kind": "count"},
        {"key": "age_over_90", "title": _("90 days and more"), "kind": "count"},
    ]


# ------------------------------------------------------------
# The period next to the one before
# ------------------------------------------------------------


def comparison_columns(_):
    """A table comparing a period with the one before: the figure, its value in this period
    and in the previous one (of the row's kind), the change (signed; in points for a rate)
    and the change in percent of the previous value (not for rates)."""
    return [
        {"key": "label", "title": _("Figure"), "kind": "label", "empty": ""},
        {"key": "current", "title": _("This period"), "kind": "row"},
        {"key": "previous", "title": _("Previous period"), "kind": "row"},
        {"key": "change", "title": _("Change"), "kind": "change"},
        {"key": "change_pct", "title": _("Change %"), "kind": "rate_change"},
    ]


def activity_rows(_):
    """What happened in the period, before the closed leads (see ``closed_activity_rows``)."""
    return [
        ("new_leads", _("New leads (by lead date)"), "count"),
        ("contacts", _("Contacts logged"), "count"),
        ("on_rhythm_rate", _("On-rhythm rate of the contacts"), "rate"),
    ]


def closed_activity_rows(_):
    """The leads closed in the period (of the closed figures), then one row per lost reason
    (``lost_reason_label``)."""
    return [
        ("won", _("Won (by closing date)"), "count"),
        ("won_revenue", _("Won value (by closing date)"), "money"),
        ("lost", _("Lost (by closing date)"), "count"),
    ]


def lost_reason_label(_, reason):
    return _("Lost: %(reason)s", reason=reason or _("No reason given"))


def risk_and_pool_activity_rows(_):
    """What happened in the period, after the closed leads."""
    return [
        ("risks_raised", _("Risks raised"), "count"),
        ("risks_resolved", _("Risks resolved"), "count"),
        ("claims", _("Pool claims"), "count"),
        ("reclaims", _("Pool reclaims"), "count"),
    ]


def cohort_kpi_rows(_):
    """The headline KPIs of the cohort, next to the previous period's cohort."""
    return [
        ("leads", _("New leads"), "count"),
        ("contacted", _("Contacted"), "count"),
        ("converted", _("Converted"), "count"),
        ("lost", _("Lost"), "count"),
        ("conversion_rate", _("Conversion rate"), "rate"),
        ("cycle_days", _("Average cycle days"), "days"),
        ("won_revenue", _("Won revenue"), "money"),
        ("first_contact_rate", _("First contact in window rate"), "rate"),
        ("on_rhythm_rate", _("On-rhythm follow-up rate"), "rate"),
    ]


def closed_rows(_):
    """The leads closed in the period, under the cohort's KPIs in the XLSX."""
    return [
        ("won", _("Won in the period (by closing date)"), "count"),
        ("won_revenue", _("Won revenue in the period (by closing date)"), "money"),
        ("lost", _("Lost in the period (by closing date)"), "count"),
    ]
