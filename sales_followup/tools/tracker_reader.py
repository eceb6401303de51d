"""Reading tracker files (.xls, .xlsx, .csv) into sheets that stream rows of cell values.

No Odoo model here: everything that cannot be read raises TrackerError with a message meant for
the person importing the file (a lazy translation, translated by the caller in the user's
language).

Cell values are str, int/float, datetime.datetime, None, or FormulaCell (a formula without a
computed value). Merged ranges show their value in every cell they cover, as the user sees them,
but only within the sheet's real data: a range declared over a whole sheet costs nothing.
"""

import codecs
import csv
import datetime
import io
import re
import zipfile
from bisect import insort
from xml.etree.ElementTree import iterparse

import chardet

from odoo.tools.translate import LazyTranslate

_lt = LazyTranslate(__name__)

MAX_FILE_SIZE = 20 * 1024 * 1024
# A tracker holds at most this many rows (larger ones are split): a few megabytes of a
# compressed workbook can hold millions of identical rows.
MAX_ROWS = 200_000
# The most a workbook may unpack to (its sheets and shared texts).
MAX_UNCOMPRESSED_SIZE = 400 * 1024 * 1024
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")
# CSV separators tried, in this order of preference (base_import tries the same ones).
CSV_SEPARATORS = (",", ";", "\t", "|")
CSV_SNIFF_LINES = 50
CSV_SNIFF_BYTES = 64 * 1024
# chardet's guess is taken only when it is this sure (GBK text is read as GB18030 otherwise).
CSV_GUESS_CONFIDENCE = 0.8


class TrackerError(Exception):
    """The file cannot be imported; the message (a lazy translation) says why, for the user."""


class TrackerTooLarge(TrackerError):
    """The file or sheet is above one of the limits: nothing of it is read further."""


class FormulaCell:
    def __init__(self, formula):
        self.formula = formula

    def __repr__(self):
        return self.formula


class Sheet:
    """One sheet: its name and a way to stream its rows as lists of cell values."""

    def __init__(self, name, rows_factory):
        self.name = name
        self._rows_factory = rows_factory

    def rows(self):
        return self._rows_factory()


# ----------------------------------------------------------------------------------------------
# Files
# ----------------------------------------------------------------------------------------------


def detect_kind(content, filename=""):
    """'xlsx', 'xls' or 'csv' from the bytes (the file name's extension is not trusted)."""
    if not content:
        raise TrackerError(_lt("The file is empty."))
    if len(content) > MAX_FILE_SIZE:
        size = f"{len(content) / 1024 / 1024:.1f}"  # not inside _lt(): no f-string there
        raise TrackerTooLarge(
            _lt(
                "The file is %(size)s MB; the limit is %(limit)s MB. Split the tracker into "
                "several files.",
                size=size,
                limit=MAX_FILE_SIZE // 1024 // 1024,
            )
        )
    if content.startswith(b"PK\x03\x04"):
        try:
            names = zipfile.ZipFile(io.BytesIO(content)).namelist()
        except zipfile.BadZipFile as error:
            raise TrackerError(_lt("The .xlsx file is damaged and cannot be opened.")) from error
        if "xl/workbook.xml" in names:
            _check_unpacked_size(content)
            return "xlsx"
        raise TrackerError(_lt("This is a zip archive, not an Excel workbook (.xlsx)."))
    if content.startswith(OLE2_MAGIC):
        if ENCRYPTED_PACKAGE in content:
            raise TrackerError(
                _lt(
                    "The workbook is password-protected. Remove the password in Excel "
                    "(File > Info > Protect Workbook) and import it again."
                )
            )
        return "xls"
    if content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "csv"  # Excel's "Unicode text": UTF-16 with tabs
    if content.startswith(b"MZ") or b"\x00" in content[:4096]:
        if filename:
            raise TrackerError(
                _lt(
                    "'%(filename)s' is not a spreadsheet: import an .xls, .xlsx or .csv file.",
                    filename=filename,
                )
            )
        raise TrackerError(
            _lt("This file is not a spreadsheet: import an .xls, .xlsx or .csv file.")
        )
    return "csv"


def _check_unpacked_size(content):
    """Refuse a workbook that unpacks to more than MAX_UNCOMPRESSED_SIZE, before reading it."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        size = sum(info.file_size for info in archive.infolist())
    if size > MAX_UNCOMPRESSED_SIZE:
        raise TrackerTooLarge(
            _lt(
                "The workbook unpacks to %(size)s MB; the limit is %(limit)s MB. Split the "
                "tracker into several files.",
                size=size // 1024 // 1024,
                limit=MAX_UNCOMPRESSED_SIZE // 1024 // 1024,
            )
        )


def too_many_rows(count):
    """The error for a sheet of ``count`` rows, above MAX_ROWS."""
    # Not formatted inside _lt(): the extraction of the terms skips f-strings there.
    count = f"{count:,}" if isinstance(count, int) else count
    limit = f"{MAX_ROWS:,}"
    return TrackerTooLarge(
        _lt(
            "The sheet has %(count)s rows; the limit is %(limit)s. Split the tracker into "
            "several files.",
            count=count,
            limit=limit,
        )
    )


def open_sheets(content, filename=""):
    """The sheets of a tracker file, each streaming its rows."""
    kind = detect_kind(content, filename)
    if kind == "csv":
        text = decode_csv(content)
        lines = text.count("\n")
        if lines > MAX_ROWS:
            raise too_many_rows(lines)
        separator = detect_separator(text)

        def csv_rows():
            for row in csv.reader(io.StringIO(text), delimiter=separator):
                yield [value if value != "" else None for value in row]

        return [Sheet(filename or "CSV", csv_rows)]
    if kind == "xls":
        return _xls_sheets(content)
    return _xlsx_sheets(content)


# ----------------------------------------------------------------------------------------------
# CSV
# ----------------------------------------------------------------------------------------------


def decode_csv(content):
    """The text of a CSV file: UTF-8 or UTF-16 by their byte-order marks, else UTF-8, else the
    encoding chardet is sure of when it is not a Chinese GB one (Big5 from Taiwan or Hong Kong,
    as base_import guesses it), else GB18030 (what Excel saves as "CSV" on a Chinese Windows;
    it reads GBK and GB2312 too)."""
    for bom, encoding in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if content.startswith(bom):
            text = _decode(content, encoding)
            if text is not None:
                return text
            break
    text = _decode(content, "utf-8")
    if text is not None:
        return text
    guess = chardet.detect(content[:CSV_SNIFF_BYTES])
    encoding = (guess.get("encoding") or "").lower()
    if (
        encoding
        and (guess.get("confidence") or 0) >= CSV_GUESS_CONFIDENCE
        and not encoding.startswith(("gb", "ascii", "utf"))
    ):
        text = _decode(content, encoding)
        if text is not None:
            return text
    text = _decode(content, "gb18030")
    if text is None:
        raise TrackerError(_lt("The CSV file is neither UTF-8, UTF-16, GB18030 nor Big5 text."))
    return text


def _decode(content, encoding):
    """The text, or None when the bytes are not in that encoding."""
    try:
        return content.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None


def detect_separator(text):
    """The separator that splits the first lines into the most rows of one same width (at least
    two columns): title rows above the header do not mislead it, as they would a check that
    every row has the same width."""
    sample = "\n".join(text.splitlines()[:CSV_SNIFF_LINES])
    best, best_score = ",", 0
    for candidate in CSV_SEPARATORS:
        widths = {}
        for row in csv.reader(io.StringIO(sample), delimiter=candidate):
            if len(row) >= 2:
                widths[len(row)] = widths.get(len(row), 0) + 1
        score = max(widths.values(), default=0)
        if score > best_score:
            best, best_score = candidate, score
    return best


# ----------------------------------------------------------------------------------------------
# Merged ranges, bounded by the real data
# ----------------------------------------------------------------------------------------------


class MergedRanges:
    """Fills the cells covered by merged ranges with their top-left value, row by row.

    Ranges are kept as they are declared (never expanded cell by cell); each row only visits the
    ranges that cover it, and only up to the widest row of real data seen so far: a range
    declared as A3:XFD1048576 over a sheet of ten rows and five columns fills ten rows of five
    cells.
    """

    def __init__(self, ranges):
        # (first row, first col, last row, last col), 0-based, inclusive
        self._pending = sorted(ranges)
        self._next = 0  # first range of _pending not yet started
        self._active = []  # sorted by last row
        self._width = 0
        self._origins = {}

    def fill(self, row_index, row):
        """``row`` (a list, modified in place) with the covered cells filled."""
        width = len(row)
        while width and row[width - 1] is None:
            width -= 1
        self._width = max(self._width, width)
        while self._next < len(self._pending) and self._pending[self._next][0] <= row_index:
            first_row, first_col, last_row, last_col = self._pending[self._next]
            self._next += 1
            if last_row >= row_index:
                insort(self._active, (last_row, first_row, first_col, last_col))
        while self._active and self._active[0][0] < row_index:
            _last_row, first_row, first_col, _last_col = self._active.pop(0)
            self._origins.pop((first_row, first_col), None)
        for _last_row, first_row, first_col, last_col in self._active:
            if first_row == row_index:
                self._origins[(first_row, first_col)] = (
                    row[first_col] if first_col < len(row) else None
                )
                start = first_col + 1
            else:
                start = first_col
            value = self._origins.get((first_row, first_col))
            if value is None:
                continue
            end = min(last_col, self._width - 1)
            if end >= len(row):
                row.extend([None] * (end + 1 - len(row)))
            for col in range(start, end + 1):
                row[col] = value
        return row


def _cell_index(ref):
    match = re.fullmatch(r"\$?([A-Z]{1,3})\$?(\d{1,7})", ref.strip().upper())
    if not match:
        return None
    col = 0
    for letter in match.group(1):
        col = col * 26 + ord(letter) - 64
    return int(match.group(2)) - 1, col - 1


def _count_rows(content, worksheet_path):
    """The rows of a sheet, counted in its XML (not parsed): the rows declared by a sheet's
    dimension are not trusted."""
    count = 0
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        try:
            handle = archive.open(worksheet_path)
        except KeyError:
            return 0
        with handle:
            tail = b""
            while chunk := handle.read(1 << 20):
                data = tail + chunk
                count += data.count(b"<row ") + data.count(b"<row>") + data.count(b":row ")
                # A tag cut at the chunk's end is counted with the next chunk.
                tail = data[-5:]
                count -= tail.count(b"<row ") + tail.count(b"<row>") + tail.count(b":row ")
            count += tail.count(b"<row ") + tail.count(b"<row>") + tail.count(b":row ")
    return count


def _has_formulas(content, worksheet_path):
    """Whether the sheet's XML holds a formula element (read in chunks, not parsed)."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        try:
            handle = archive.open(worksheet_path)
        except KeyError:
            return False
        with handle:
            tail = b""
            while chunk := handle.read(1 << 20):
                data = tail + chunk
                if b"<f>" in data or b"<f " in data or b":f>" in data or b":f " in data:
                    return True
                tail = data[-3:]
    return False


def _xlsx_merged_ranges(content, worksheet_path):
    """The merged ranges of a sheet, read from its XML: [(row0, col0, row1, col1)]."""
    ranges = []
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        try:
            handle = archive.open(worksheet_path)
        except KeyError:
            return ranges
        with handle:
            for _event, element in iterparse(handle):
                if element.tag.endswith("}mergeCell"):
                    first, _sep, last = element.get("ref", "").partition(":")
                    start, end = _cell_index(first), _cell_index(last or first)
                    if start and end:
                        ranges.append((start[0], start[1], end[0], end[1]))
                elif element.tag.endswith("}row"):
                    element.clear()
    return ranges


# ----------------------------------------------------------------------------------------------
# Excel
# ----------------------------------------------------------------------------------------------


def _xls_sheets(content):
    import xlrd

    try:
        # Ragged rows: xlrd would otherwise pad every row to the widest one, and widen the sheet
        # to every merged range declared (a few bytes can declare A3:IV65536).
        book = xlrd.open_workbook(
            file_contents=content, formatting_info=True, on_demand=True, ragged_rows=True
        )
    except xlrd.XLRDError as error:
        if "encrypted" in str(error).lower():
            raise TrackerError(
                _lt("The workbook is password-protected. Remove the password and import it again.")
            ) from error
        raise TrackerError(
            _lt("The .xls file cannot be read: %(error)s.", error=str(error))
        ) from error
    except Exception as error:  # damaged OLE2 files raise all sorts of errors
        raise TrackerError(_lt("The .xls file is damaged and cannot be opened.")) from error

    def factory(index):
        def rows():
            sheet = book.sheet_by_index(index)
            # xlrd's ranges: (first row, row after, first col, col after)
            merged = MergedRanges(
                [(r0, c0, r1 - 1, c1 - 1) for r0, r1, c0, c1 in sheet.merged_cells]
            )
            # The rows up to the last one holding a value (a merged range declared further
            # down adds empty rows).
            last = -1
            for row_index in range(sheet.nrows):
                if any(
                    ctype not in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK)
                    for ctype in sheet.row_types(row_index)
                ):
                    last = row_index
            if last + 1 > MAX_ROWS:
                raise too_many_rows(last + 1)
            for row_index in range(last + 1):
                values = []
                for cell in sheet.row(row_index):
                    if cell.ctype == xlrd.XL_CELL_DATE:
                        try:
                            values.append(xlrd.xldate.xldate_as_datetime(cell.value, book.datemode))
                        except (ValueError, OverflowError, xlrd.xldate.XLDateError):
                            values.append(cell.value)
                    elif cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
                        values.append(None)
                    elif cell.ctype == xlrd.XL_CELL_ERROR:
                        values.append(
                            FormulaCell(xlrd.error_text_from_code.get(cell.value, "#ERR"))
                        )
                    else:
                        values.append(cell.value)
                yield merged.fill(row_index, values)

        return rows

    return [Sheet(book.sheet_names()[index], factory(index)) for index in range(book.nsheets)]


def _xlsx_sheets(content):
    import openpyxl

    try:
        values_book = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as error:
        raise TrackerError(_lt("The .xlsx file is damaged and cannot be opened.")) from error
    formula_books = []  # read only for a sheet that holds formulas

    def formula_book():
        if not formula_books:
            formula_books.append(
                openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=False)
            )
        return formula_books[0]

    def factory(index):
        def rows():
            values_sheet = values_book.worksheets[index]
            path = values_sheet._worksheet_path
            rows = _count_rows(content, path)
            if rows > MAX_ROWS:
                raise too_many_rows(rows)
            # A formula without a computed value reads as empty among the values: the formulas
            # are read beside them, which costs a second pass, only when the sheet has some.
            formula_sheet = (
                formula_book().worksheets[index] if _has_formulas(content, path) else None
            )
            # The declared dimension of a sheet is not trusted (it pads every row to it): the
            # rows are as long as their data.
            for sheet in (values_sheet, formula_sheet):
                if sheet is not None and hasattr(sheet, "reset_dimensions"):
                    sheet.reset_dimensions()
            merged = MergedRanges(_xlsx_merged_ranges(content, path))
            values_rows = values_sheet.iter_rows(values_only=True)
            if formula_sheet is None:
                for row_index, values in enumerate(values_rows):
                    yield merged.fill(row_index, list(values))
                return
            for row_index, (values, formulas) in enumerate(
                zip(values_rows, formula_sheet.iter_rows(values_only=True), strict=False)
            ):
                row = [
                    FormulaCell(formula)
                    if value is None and isinstance(formula, str) and formula.startswith("=")
                    else value
                    for value, formula in zip(values, formulas, strict=False)
                ]
                yield merged.fill(row_index, row)

        return rows

    return [
        Sheet(sheet.title, factory(index)) for index, sheet in enumerate(values_book.worksheets)
    ]


# ----------------------------------------------------------------------------------------------
# Rows as JSON (the background import stages them in the database)
# ----------------------------------------------------------------------------------------------


def cells_to_json(row):
    """Cells as JSON values: dates and formulas tagged, the rest as they are."""
    values = []
    for cell in row:
        if isinstance(cell, datetime.datetime):
            values.append({"d": cell.isoformat()})
        elif isinstance(cell, FormulaCell):
            values.append({"f": cell.formula})
        else:
            values.append(cell)
    return values


def cells_from_json(values):
    """The cells ``cells_to_json`` wrote."""
    row = []
    for value in values:
        if isinstance(value, dict) and "d" in value:
            row.append(datetime.datetime.fromisoformat(value["d"]))
        elif isinstance(value, dict) and "f" in value:
            row.append(FormulaCell(value["f"]))
        else:
            row.append(value)
    return row
