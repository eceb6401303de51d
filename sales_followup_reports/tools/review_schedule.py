"""When the weekly review is due, and for which period: plain functions on dates, no Odoo
model (the review model asks them per recipient, in the recipient's time zone)."""

import re

import pytz
from dateutil.relativedelta import relativedelta

REVIEW_PERIODS = ("last_week", "last_month")


def local_now(now_utc, tz_name):
    """``now_utc`` (naive UTC) in the time zone ``tz_name`` (UTC when unknown), naive."""
    tz = pytz.timezone(tz_name) if tz_name in pytz.all_timezones_set else pytz.UTC
    return pytz.UTC.localize(now_utc).astimezone(tz).replace(tzinfo=None)


def review_period(period, today):
    """(first day, last day) of the period a review sent on ``today`` covers: the last whole
    week (Monday to Sunday) or the last whole month."""
    if period == "last_month":
        start = today.replace(day=1) - relativedelta(months=1)
        return start, start + relativedelta(months=1, days=-1)
    start = today - relativedelta(days=today.weekday(), weeks=1)
    return start, start + relativedelta(days=6)


def review_due(now_utc, tz_name, weekday, hour, period):
    """The period (first day, last day) of the review due at ``now_utc`` for a recipient in
    ``tz_name``: on ``weekday`` (0 = Monday) once ``hour`` has passed there; None otherwise.
    A monthly review is due on that weekday too: the first one of the month sends it, the
    next ones find it sent."""
    local = local_now(now_utc, tz_name)
    if local.weekday() != weekday or local.hour < hour:
        return None
    return review_period(period, local.date())


def svg_size(svg):
    """(width, height) in pixels of an SVG drawn by ``tools.charts``."""
    width = re.search(r'\swidth="(\d+(?:\.\d+)?)"', svg)
    height = re.search(r'\sheight="(\d+(?:\.\d+)?)"', svg)
    return (
        round(float(width.group(1))) if width else 900,
        round(float(height.group(1))) if height else 300,
    )


def svg_page(svg):
    """A bare HTML page showing ``svg`` at its own size from the top left corner, for
    wkhtmltoimage."""
    return (
        '<!DOCTYPE html><html><head><meta charset="utf-8"/>'
        "<style>html, body { margin: 0; padding: 0; background: #ffffff; }</style>"
        f"</head><body>{svg}</body></html>"
    )
