"""What is wrong with a tracker, for the person importing it: the messages of the tools in
their language, and the rows left out for their errors as a CSV file to fix and import again.

Plain functions, no Odoo model: the caller gives the translation and the texts.
"""

import csv
import io
from collections import defaultdict

from odoo.tools.translate import LazyGettext

from . import tracker_cells as tc


def message_text(message, translate):
    """The text of a message of the tools: a lazy translation (translated by ``translate``,
    e.g. ``env._``), an error carrying one (tracker_reader.TrackerError), or text."""
    if isinstance(message, Exception):
        message = message.args[0] if message.args else str(message)
    if isinstance(message, LazyGettext):
        return translate(message)
    return str(message)


def rows_to_fix(analysis):
    """The row numbers to give back: the rows with an error, and every row of a lead left out
    (tracker_analysis.Analysis), so that the fixed file brings the whole lead."""
    wanted = set(analysis.error_rows)
    for digest in analysis.digests.values():
        if digest.error:
            wanted.update(digest.rows)
    return wanted


def messages_by_row(problems, describe):
    """{row number: [text]} of the errors among ``problems`` (tracker_rows.Problem), each told
    by ``describe(problem)``; warnings left out."""
    messages = defaultdict(list)
    for problem in problems:
        if problem.level == "error":
            messages[problem.row].append(describe(problem))
    return messages


def error_csv(headers, rows, messages, row_label, errors_label):
    """The CSV file (bytes, UTF-8 with a byte order mark for Excel) of ``rows`` ({row number:
    cells}) as they were, under the file's ``headers`` ({column index: header}), each with its
    number first and its ``messages`` ({row number: [text]}) last. Cells that a spreadsheet
    would run as formulas are written as text."""
    width = max([len(row) for row in rows.values()] + [max(headers, default=0) + 1])
    safe = tc.csv_safe
    output = io.StringIO()
    writer = csv.writer(output)
    writer.writerow([row_label, *[safe(headers.get(i, "")) for i in range(width)], errors_label])
    for number in sorted(rows):
        row = list(rows[number]) + [None] * width
        writer.writerow(
            [
                number,
                *[safe(tc.as_text(cell)) for cell in row[:width]],
                safe("; ".join(messages.get(number, ()))),
            ]
        )
    return output.getvalue().encode("utf-8-sig")
