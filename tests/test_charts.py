"""The report charts' SVG, without Odoo: shapes, figures, labels and escaping."""

import datetime
import importlib.util
from pathlib import Path

import pytest
from lxml import etree

REPO = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location(
    "report_charts", REPO / "sales_followup_reports/tools/charts.py"
)
charts = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(charts)

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg):
    root = etree.fromstring(str(svg).encode())
    assert root.tag == f"{SVG}svg"
    return root


def texts(root):
    return [node.text for node in root.iter(f"{SVG}text")]


def test_funnel_has_a_bar_per_stage_with_its_figures():
    steps = [
        charts.Bar("New", 1234),
        charts.Bar("资格审查 Qualified", 600, 600 / 1234),
        charts.Bar("Won", 0, 0.0),
    ]
    root = parse(charts.funnel_svg(steps))
    assert "o_followup_chart_funnel" in root.get("class")
    groups = root.findall(f"{SVG}g")
    assert [g.get("data-label") for g in groups] == ["New", "资格审查 Qualified", "Won"]
    assert [g.get("data-value") for g in groups] == ["1234", "600", "0"]
    assert len(root.findall(f".//{SVG}rect")) == 3
    widths = [float(rect.get("width")) for rect in root.iter(f"{SVG}rect")]
    assert widths[0] > widths[1] > widths[2] > 0, "the widest bar is the largest count"
    labels = texts(root)
    assert "1,234" in labels and "48.6%" in labels and "0.0%" in labels
    assert "资格审查 Qualified" in labels
    assert int(root.get("width")) <= 950, "fits the column of an A4 portrait page"


def test_bar_chart_escapes_labels_and_prints_shares():
    bars = [charts.Bar("<script>&co</script>", 3, 0.75), charts.Bar("价格 Price", 1, 0.25)]
    svg = charts.bar_svg(bars)
    assert "<script>" not in svg
    assert "&lt;script&gt;&amp;co&lt;/script&gt;" in svg
    root = parse(svg)
    groups = root.findall(f"{SVG}g")
    assert [g.get("data-label") for g in groups] == ["<script>&co</script>", "价格 Price"]
    assert [g.get("data-rate") for g in groups] == ["0.75", "0.25"]
    assert len(root.findall(f".//{SVG}rect")) == 2
    assert {"75.0%", "25.0%", "3", "1", "<script>&co</script>"} <= set(texts(root))


def test_trend_has_a_point_per_week_and_series():
    weeks = ["01-05", "01-12", "01-19"]
    series = [
        charts.Series("New leads", (3, 0, 12)),
        charts.Series("On-rhythm rate", (0.5, None, 1.0), "rate"),
        charts.Series("Won value", (0.0, 123456.5, 0.0), "amount"),
    ]
    root = parse(charts.trend_svg(series, weeks))
    panels = root.findall(f"{SVG}g")
    assert [panel.get("data-label") for panel in panels] == [s.label for s in series]
    for panel, line in zip(panels, series, strict=True):
        points = panel.findall(f"{SVG}g")
        assert [point.get("data-week") for point in points] == weeks
        assert [point.get("data-value") for point in points] == [
            "" if value is None else charts._num(value) for value in line.values
        ]
    # The rate's missing week breaks its line: two single points, no polyline.
    assert len(panels[0].findall(f"{SVG}polyline")) == 1
    assert len(panels[1].findall(f"{SVG}polyline")) == 0
    assert len(panels[1].findall(f".//{SVG}circle")) == 2
    labels = texts(root)
    assert {"12", "50.0%", "100.0%", "123,456", "–"} <= set(labels)
    assert [n.text for n in root.iter(f"{SVG}text") if n.get("class") == "o_chart_week"] == weeks


def test_empty_data_gives_a_small_no_data_picture():
    for svg in (
        charts.funnel_svg([], "无数据 No data"),
        charts.bar_svg([charts.Bar("x", 0)], "无数据 No data"),
        charts.trend_svg([charts.Series("New leads", (0, 0))], ["a", "b"], "无数据 No data"),
    ):
        root = parse(svg)
        assert "o_followup_chart_empty" in root.get("class")
        assert int(root.get("height")) < 40
        assert texts(root) == ["无数据 No data"]


def test_output_is_deterministic_and_uses_a_cjk_font():
    steps = [charts.Bar("展会", 10), charts.Bar("Won", 4, 0.4)]
    assert charts.funnel_svg(steps) == charts.funnel_svg(list(steps))
    assert "WenQuanYi Micro Hei" in parse(charts.funnel_svg(steps)).get("font-family")


def test_long_labels_are_cut():
    root = parse(charts.bar_svg([charts.Bar("很长" * 40, 1)]))
    label = texts(root)[0]
    assert label.endswith("…") and len(label) < 40


def test_series_checks():
    with pytest.raises(ValueError):
        charts.Series("x", (1,), "percent")
    with pytest.raises(ValueError):
        charts.trend_svg([charts.Series("x", (1, 2))], ["only one week"])


def test_week_starts_are_iso_mondays():
    weeks = charts.week_starts(datetime.date(2026, 1, 1), 3)  # a Thursday
    assert weeks == [
        datetime.date(2025, 12, 15),
        datetime.date(2025, 12, 22),
        datetime.date(2025, 12, 29),
    ]
    assert all(week.isoweekday() == 1 for week in weeks)


def test_format_value():
    assert charts.format_value(1234567) == "1,234,567"
    assert charts.format_value(2 / 3, "rate") == "66.7%"
    assert charts.format_value(180000.4, "amount") == "180,000"
    assert charts.format_value(None, "rate") == "–"
