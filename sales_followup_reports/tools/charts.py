"""Charts of the follow-up reports as SVG markup: plain functions on typed figures, no Odoo
model.

The charts are drawn here as plain SVG rather than with a charting library. They are three
simple shapes (a funnel of bars, line panels, horizontal bars) that a few dozen lines draw, while
the maintained libraries either pull in a heavy stack for that (matplotlib: numpy, pillow and a
font cache to configure for Chinese glyphs) or draw in the browser (JavaScript, which the PDF
engine and e-mail clients do not run). Generated SVG is text: the PDF engine (wkhtmltopdf's Qt
WebKit) draws it as vectors that stay sharp when printed, its labels are real text in the
report's fonts (Chinese included, and findable in the PDF), the output is deterministic (tests
compare it), and each figure carries its number in a ``data-value`` attribute so that tests can
check the chart says what the tables say.

Every text is escaped; values are formatted here so that a chart prints a figure the same way
as the report's tables (counts with thousands separators, rates as ``66.7%``).
"""

import datetime
import unicodedata
from dataclasses import dataclass

from markupsafe import Markup, escape

# The report's fonts (as in the report stylesheet): a CJK TrueType font whose text copies out
# of the PDF as it was written (Noto CJK's shared radical glyphs copy out as Kangxi radicals).
FONT_FAMILY = "'WenQuanYi Micro Hei', 'WenQuanYi Zen Hei', 'DejaVu Sans', sans-serif"
# Drawn at the scale of the report's text: the column of an A4 portrait page is about 950 px
# wide in the PDF (the charts leave a margin), and the tables' text is 11 px.
WIDTH = 900
FONT_SIZE = 11
SMALL_FONT_SIZE = 9

COLOR_BAR = "#714B67"
COLOR_LOST = "#C0504D"
COLOR_TEXT = "#212529"
COLOR_MUTED = "#6C757D"
COLOR_GRID = "#DEE2E6"
SERIES_COLORS = ("#017E84", "#714B67", "#E89F3C", "#2E7D32")

KINDS = ("count", "rate", "amount")


@dataclass(frozen=True)
class Bar:
    """One bar: a funnel step or a lost reason. ``rate``: the step conversion or the share
    (a fraction, None when there is nothing to divide), printed next to the value."""

    label: str
    value: float
    rate: float | None = None


@dataclass(frozen=True)
class Series:
    """One line of a trend: a value per week (None where there is no figure, such as a rate
    with nothing to divide). ``kind`` (count, rate or amount) decides how values print."""

    label: str
    values: tuple
    kind: str = "count"

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"kind {self.kind!r} is not one of {KINDS}")


def week_starts(end, count=12):
    """The Mondays of the ``count`` ISO weeks ending with the week of ``end``, oldest first."""
    last = end - datetime.timedelta(days=end.weekday())
    return [last - datetime.timedelta(weeks=count - 1 - index) for index in range(count)]


def format_value(value, kind="count"):
    """A figure as the report's tables print it."""
    if value is None:
        return "–"
    if kind == "rate":
        return f"{value * 100:.1f}%"
    if kind == "amount":
        return f"{value:,.0f}"
    return f"{round(value):,}"


def funnel_svg(steps, empty_text="No data"):
    """The stage funnel: one centred bar per stage, as wide as the leads that reached it,
    with the count and the step conversion on the right."""
    steps = list(steps)
    if not any(step.value for step in steps):
        return empty_svg(empty_text)
    label_width, value_x, rate_x = 200, WIDTH - 70, WIDTH - 4
    area_left, area_right = label_width + 8, WIDTH - 110
    centre, span = (area_left + area_right) / 2, area_right - area_left
    row, bar = 22, 18
    top = max(step.value for step in steps)
    parts = []
    for index, step in enumerate(steps):
        y = 4 + index * row
        width = max(span * step.value / top, 1.0)
        text_y = y + bar / 2 + 4
        parts.append(
            f'<g class="o_chart_step" data-label="{escape(step.label)}"'
            f' data-value="{_num(step.value)}"{_rate_attr(step.rate)}>'
            f'<rect x="{_px(centre - width / 2)}" y="{y}" width="{_px(width)}" height="{bar}"'
            f' fill="{COLOR_BAR}" fill-opacity="{_px(1 - 0.45 * index / max(len(steps) - 1, 1))}"/>'
            f'<text x="{label_width}" y="{_px(text_y)}" text-anchor="end">'
            f"{escape(_fit(step.label, label_width - 4))}</text>"
            f'<text x="{value_x}" y="{_px(text_y)}" text-anchor="end" font-weight="bold">'
            f"{format_value(step.value)}</text>"
            f'<text x="{rate_x}" y="{_px(text_y)}" text-anchor="end" fill="{COLOR_MUTED}">'
            f"{format_value(step.rate, 'rate') if step.rate is not None else ''}</text>"
            "</g>"
        )
    return _svg("funnel", len(steps) * row + 6, parts)


def bar_svg(bars, empty_text="No data"):
    """Horizontal bars from the left (lost reasons), the count and the share on the right."""
    bars = list(bars)
    if not any(item.value for item in bars):
        return empty_svg(empty_text)
    label_width, value_x, rate_x = 240, WIDTH - 70, WIDTH - 4
    area_left, area_right = label_width + 8, WIDTH - 110
    row, bar = 20, 14
    top = max(item.value for item in bars)
    parts = []
    for index, item in enumerate(bars):
        y = 4 + index * row
        width = max((area_right - area_left) * item.value / top, 1.0)
        text_y = y + bar / 2 + 4
        parts.append(
            f'<g class="o_chart_bar" data-label="{escape(item.label)}"'
            f' data-value="{_num(item.value)}"{_rate_attr(item.rate)}>'
            f'<rect x="{area_left}" y="{y}" width="{_px(width)}" height="{bar}"'
            f' fill="{COLOR_LOST}"/>'
            f'<text x="{label_width}" y="{_px(text_y)}" text-anchor="end">'
            f"{escape(_fit(item.label, label_width - 4))}</text>"
            f'<text x="{value_x}" y="{_px(text_y)}" text-anchor="end" font-weight="bold">'
            f"{format_value(item.value)}</text>"
            f'<text x="{rate_x}" y="{_px(text_y)}" text-anchor="end" fill="{COLOR_MUTED}">'
            f"{format_value(item.rate, 'rate') if item.rate is not None else ''}</text>"
            "</g>"
        )
    return _svg("bars", len(bars) * row + 6, parts)


def trend_svg(series, weeks, empty_text="No data"):
    """Weekly trend: one small line panel per series (each its own scale, rates from 0 to
    100%), stacked over the same weeks, each point labelled with its value. ``weeks``: the
    labels of the weeks, as many as each series has values."""
    series, weeks = list(series), list(weeks)
    for line in series:
        if len(line.values) != len(weeks):
            raise ValueError(f"{line.label!r}: {len(line.values)} values for {len(weeks)} weeks")
    if not weeks or not any(value for line in series for value in line.values):
        return empty_svg(empty_text)
    left, right = 24, WIDTH - 24
    step = (right - left) / max(len(weeks) - 1, 1)
    xs = [left + index * step for index in range(len(weeks))]
    panel, title_height, plot_height = 96, 20, 56
    parts = []
    for number, line in enumerate(series):
        color = SERIES_COLORS[number % len(SERIES_COLORS)]
        top = panel * number
        base = top + title_height + 8 + plot_height
        known = [value for value in line.values if value is not None]
        high = 1.0 if line.kind == "rate" else max(known, default=0) or 1.0
        parts.append(
            f'<g class="o_chart_series" data-label="{escape(line.label)}"'
            f' data-kind="{line.kind}">'
            f'<text x="0" y="{top + 12}" font-weight="bold" fill="{color}">'
            f"{escape(_fit(line.label, WIDTH))}</text>"
            f'<line x1="{left}" y1="{base}" x2="{right}" y2="{base}" stroke="{COLOR_GRID}"'
            ' stroke-width="1"/>'
        )
        # A line through the known values; a week without a figure breaks it.
        segment = []
        for x, value in [*zip(xs, line.values, strict=True), (None, None)]:
            if value is not None:
                segment.append(f"{_px(x)},{_px(base - plot_height * value / high)}")
                continue
            if len(segment) > 1:
                parts.append(
                    f'<polyline points="{" ".join(segment)}" fill="none" stroke="{color}"'
                    ' stroke-width="1.5"/>'
                )
            segment = []
        for position, (x, value, week) in enumerate(zip(xs, line.values, weeks, strict=True)):
            if value is None:
                parts.append(
                    f'<g class="o_chart_point" data-week="{escape(week)}" data-value="">'
                    f'<text x="{_px(x)}" y="{base - 4}" text-anchor="middle"'
                    f' fill="{COLOR_MUTED}">–</text></g>'
                )
                continue
            y = base - plot_height * value / high
            # Below a point lower than its neighbours (the line leaves it upwards), when there
            # is room; above otherwise.
            neighbours = [
                line.values[near]
                for near in (position - 1, position + 1)
                if 0 <= near < len(weeks) and line.values[near] is not None
            ]
            below = neighbours and all(value < near for near in neighbours) and y < base - 14
            parts.append(
                f'<g class="o_chart_point" data-week="{escape(week)}"'
                f' data-value="{_num(value)}">'
                f'<circle cx="{_px(x)}" cy="{_px(y)}" r="2.5" fill="{color}"/>'
                f'<text x="{_px(x)}" y="{_px(y + 12 if below else y - 5)}" text-anchor="middle"'
                f' font-size="{SMALL_FONT_SIZE}">'
                f"{format_value(value, line.kind)}</text></g>"
            )
        parts.append("</g>")
    axis = panel * len(series) + 2
    for x, week in zip(xs, weeks, strict=True):
        parts.append(
            f'<text class="o_chart_week" x="{_px(x)}" y="{axis}" text-anchor="middle"'
            f' font-size="{SMALL_FONT_SIZE}" fill="{COLOR_MUTED}">{escape(week)}</text>'
        )
    return _svg("trend", axis + 4, parts)


def empty_svg(text="No data"):
    """A small box saying there is nothing to draw."""
    return _svg(
        "empty",
        28,
        [
            f'<rect x="0.5" y="0.5" width="239" height="27" fill="none" stroke="{COLOR_GRID}"/>'
            f'<text x="120" y="18" text-anchor="middle" fill="{COLOR_MUTED}">'
            f"{escape(_fit(text, 232))}</text>"
        ],
        width=240,
    )


def _svg(kind, height, parts, width=WIDTH):
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="o_followup_chart o_followup_chart_{kind}"'
        f' width="{width}" height="{height}" viewBox="0 0 {width} {height}"'
        f' font-family="{FONT_FAMILY}" font-size="{FONT_SIZE}" fill="{COLOR_TEXT}">'
        f"{''.join(parts)}</svg>"
    )


def _fit(text, width, size=FONT_SIZE):
    """``text`` cut with an ellipsis to about ``width`` pixels: wide (CJK) characters count a
    full em, others a little more than half of one."""
    text = str(text)
    room, used = width / size, 0.0
    for index, char in enumerate(text):
        used += 1.0 if unicodedata.east_asian_width(char) in "WF" else 0.6
        if used > room:
            return text[: max(index - 1, 0)] + "…"
    return text


def _num(value):
    """A value for a ``data-value`` attribute: integers without a decimal point."""
    value = float(value)
    return str(int(value)) if value.is_integer() else repr(round(value, 6))


def _rate_attr(rate):
    return f' data-rate="{_num(rate)}"' if rate is not None else ""


def _px(value):
    return f"{value:.1f}".rstrip("0").rstrip(".")
