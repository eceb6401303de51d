"""The printed funnel as an XLSX workbook: the figures of the PDF, one sheet per table, each
table written from its column specification (``funnel_columns``)."""

import io

import xlsxwriter

from . import funnel_columns
from .funnel_columns import cell_kind

# Each kind of column of the report's tables in the XLSX: (default width in characters,
# number format). A column specification may give its own "width".
XLSX_KINDS = {
    "label": (28, None),
    "count": (12, "#,##0"),
    "rate": (14, "0.0%"),
    "days": (14, "#,##0.0"),
    "money": (16, "#,##0.00"),
    # Comparison with the previous period: signed changes, rates change in points
    "rate_change": (12, "+0.0%;-0.0%;0.0%"),
    "count_change": (12, "+#,##0;-#,##0;0"),
    "money_change": (16, "+#,##0.00;-#,##0.00;0.00"),
    "days_change": (14, "+#,##0.0;-#,##0.0;0.0"),
    "points": (14, '+0.0" pts";-0.0" pts";0.0" pts"'),
    # Columns whose cells take the kind of their row (see cell_kind): widths only
    "row": (18, None),
    "change": (16, None),
}


def sheet_columns(columns):
    """The columns of a table in a sheet: a column's ``detail`` (printed under its value in
    the PDF) is a column of its own, right after it."""
    result = []
    for column in columns:
        result.append(column)
        if column.get("detail"):
            result.append(
                {
                    "key": column["detail"],
                    "title": column["detail_title"],
                    "kind": "label",
                    "empty": "",
                    "width": column.get("width"),
                }
            )
    return result


def funnel_xlsx(data, _):
    """The workbook (bytes) of the funnel's figures ``data`` (the report's, see
    ``report.sales_followup_reports.report_followup_funnel._report_data``); ``_`` translates
    the texts of the sheets."""
    output = io.BytesIO()
    # Texts are written as texts: a name such as =HYPERLINK(...) is never a live formula.
    book = xlsxwriter.Workbook(
        output,
        {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False},
    )
    bold = book.add_format({"bold": True})
    heading = book.add_format({"bold": True, "text_wrap": True, "valign": "top"})
    formats = {
        kind: book.add_format({"num_format": num_format}) if num_format else None
        for kind, (_width, num_format) in XLSX_KINDS.items()
    }

    def write_value(sheet, row, col, value, kind):
        if value is None:
            sheet.write_blank(row, col, None)
        elif formats[kind]:
            sheet.write(row, col, value, formats[kind])
        else:
            sheet.write(row, col, value)

    def set_widths(sheet, columns):
        for col, column in enumerate(columns):
            sheet.set_column(col, col, column.get("width") or XLSX_KINDS[column["kind"]][0])

    def write_table(sheet, row, columns, rows):
        """A table of the report from its column specification, which gives each column
        its heading, its number format (by kind, or by the row's kind) and its width."""
        columns = sheet_columns(columns)
        set_widths(sheet, columns)
        for col, column in enumerate(columns):
            sheet.write(row, col, column["title"], heading)
        for record in rows:
            row += 1
            for col, column in enumerate(columns):
                value = record[column["key"]]
                if column["kind"] == "label":
                    value = value or column["empty"] or None
                elif column.get("blank_zero") and not value:
                    value = None
                write_value(sheet, row, col, value, cell_kind(column, record))
        return row + 2

    filters, previous = data["filters"], data["previous"]
    sheet = book.add_worksheet(_("Activity"))
    sheet.write(0, 0, _("Activity in the period"), bold)
    sheet.write(1, 0, _("Period"))
    sheet.write(1, 1, f"{filters['date_from']} – {filters['date_to']}")
    sheet.write(2, 0, _("Previous period"))
    sheet.write(2, 1, f"{previous['date_from']} – {previous['date_to']}")
    write_table(sheet, 4, data["comparison_columns"], data["activity"])
    set_widths(sheet, [{"kind": "label", "width": 44}, *data["comparison_columns"][1:]])

    sheet = book.add_worksheet(_("KPIs"))
    sheet.write(0, 0, _("Follow-up funnel"), bold)
    sheet.write(1, 0, _("Period"))
    sheet.write(1, 1, f"{filters['date_from']} – {filters['date_to']}")
    sheet.write(2, 0, _("Sales Teams"))
    sheet.write(2, 1, filters["teams"])
    sheet.write(3, 0, _("Salespeople"))
    sheet.write(3, 1, filters["users"])
    sheet.write(4, 0, _("Previous period"))
    sheet.write(4, 1, f"{previous['date_from']} – {previous['date_to']}")
    # The cohort's headline KPIs next to the previous period's cohort
    columns = data["comparison_columns"]
    next_row = write_table(sheet, 6, columns, data["kpi_rows"])
    set_widths(sheet, [{"kind": "label", "width": 44}, *columns[1:]])
    closed = data["closed"] or {"won": 0, "won_revenue": 0.0, "lost": 0}
    for row, (key, label, kind) in enumerate(funnel_columns.closed_rows(_), start=next_row):
        sheet.write(row, 0, label)
        write_value(sheet, row, 1, closed[key], kind)

    sheet = book.add_worksheet(_("Funnel"))
    write_table(sheet, 0, data["funnel_columns"], data["funnel"])

    sheet = book.add_worksheet(data["breakdown_label"])
    write_table(sheet, 0, data["breakdown_columns"], data["breakdown"])

    sheet = book.add_worksheet(_("Lost reasons"))
    write_table(sheet, 0, data["lost_reason_columns"], data["lost_reasons"])

    sheet = book.add_worksheet(_("Open risks"))
    write_table(sheet, 0, data["risk_columns"], data["risks"])

    if data["risk_leads"]:
        sheet = book.add_worksheet(_("Leads at risk"))
        next_row = write_table(sheet, 0, data["risk_lead_columns"], data["risk_leads"])
        if data["risk_leads_note"]:
            sheet.write(next_row - 1, 0, data["risk_leads_note"])

    sheet = book.add_worksheet(_("Discipline"))
    write_table(sheet, 0, data["discipline_columns"], data["discipline"])

    pool = data["pool"]
    if pool:
        sheet = book.add_worksheet(_("Pool"))
        sheet.write(0, 0, _("Customer pool"), bold)
        sheet.write(1, 0, _("At the end of the period") if pool["ended"] else _("Now"))
        sheet.write(1, 1, pool["as_of_label"])
        write_table(sheet, 3, data["pool_columns"], [*pool["pool_by_team"], pool["pool"]])
    book.close()
    return output.getvalue()
