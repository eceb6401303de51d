"""Reading the follow-up trackers teams keep in spreadsheets (.xls, .xlsx, .csv).

Plain functions, no Odoo model: the import wizard calls them. Everything that cannot be read
raises TrackerError (a whole file or sheet) or ValueError (one cell) with a message meant for the
person importing the file. There is no environment here, so the messages (and the note on amount
ranges) are lazy translations: the wizard translates them with ``env._(...)`` into its user's
language.
"""

import csv
import datetime
import io
import re
import zipfile
from xml.etree.ElementTree import iterparse

from odoo.tools.translate import LazyTranslate

_lt = LazyTranslate(__name__)

MAX_FILE_SIZE = 20 * 1024 * 1024
HEADER_SCAN_ROWS = 10
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")


class TrackerError(Exception):
    """The file cannot be imported; the message (a lazy translation) says why, for the user."""


# ----------------------------------------------------------------------------------------------
# Files and sheets
# ----------------------------------------------------------------------------------------------


def detect_kind(content, filename=""):
    """'xlsx', 'xls' or 'csv' from the bytes (the file name's extension is not trusted)."""
    if not content:
        raise TrackerError(_lt("The file is empty."))
    if len(content) > MAX_FILE_SIZE:
        size = f"{len(content) / 1024 / 1024:.1f}"  # not inside _lt(): no f-string there
        raise TrackerError(
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


def decode_csv(content):
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise TrackerError(_lt("The CSV file is neither UTF-8 nor GB18030 text."))


class Sheet:
    """One sheet: its name and a way to stream its rows as lists of cell values.

    Cell values are str, float/int, datetime.datetime, or None. A cell that holds a formula
    without a computed value comes as FormulaCell.
    """

    def __init__(self, name, rows_factory):
        self.name = name
        self._rows_factory = rows_factory

    def rows(self):
        return self._rows_factory()


class FormulaCell:
    def __init__(self, formula):
        self.formula = formula

    def __repr__(self):
        return self.formula


def open_sheets(content, filename=""):
    """The sheets of a tracker file, each streaming its rows."""
    kind = detect_kind(content, filename)
    if kind == "csv":
        text = decode_csv(content)

        def csv_rows():
            for row in csv.reader(io.StringIO(text)):
                yield [value if value != "" else None for value in row]

        return [Sheet(filename or "CSV", csv_rows)]
    if kind == "xls":
        return _xls_sheets(content)
    return _xlsx_sheets(content)


def _xls_sheets(content):
    import xlrd

    try:
        book = xlrd.open_workbook(file_contents=content, formatting_info=True, on_demand=True)
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
            # Merged cells show their value in every cell they cover, as the user sees them.
            merged = {}
            for row_lo, row_hi, col_lo, col_hi in sheet.merged_cells:
                for row in range(row_lo, row_hi):
                    for col in range(col_lo, col_hi):
                        if (row, col) != (row_lo, col_lo):
                            merged[(row, col)] = (row_lo, col_lo)
            for row_index in range(sheet.nrows):
                values = []
                for col_index in range(sheet.ncols):
                    source = merged.get((row_index, col_index), (row_index, col_index))
                    cell = sheet.cell(*source)
                    if cell.ctype == xlrd.XL_CELL_DATE:
                        values.append(xlrd.xldate.xldate_as_datetime(cell.value, book.datemode))
                    elif cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
                        values.append(None)
                    elif cell.ctype == xlrd.XL_CELL_ERROR:
                        values.append(
                            FormulaCell(xlrd.error_text_from_code.get(cell.value, "#ERR"))
                        )
                    else:
                        values.append(cell.value)
                yield values

        return rows

    return [Sheet(book.sheet_names()[index], factory(index)) for index in range(book.nsheets)]


def _xlsx_sheets(content):
    import openpyxl

    try:
        values_book = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        formula_book = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=False)
    except Exception as error:
        raise TrackerError(_lt("The .xlsx file is damaged and cannot be opened.")) from error

    def factory(index):
        def rows():
            values_sheet = values_book.worksheets[index]
            formula_sheet = formula_book.worksheets[index]
            merged = _xlsx_merged_cells(content, values_sheet._worksheet_path)
            pending = {}  # merged ranges: top-left value to repeat below/right
            for row_index, (values, formulas) in enumerate(
                zip(
                    values_sheet.iter_rows(values_only=True),
                    formula_sheet.iter_rows(values_only=True),
                    strict=False,
                )
            ):
                row = []
                for col_index, (value, formula) in enumerate(zip(values, formulas, strict=False)):
                    if value is None and isinstance(formula, str) and formula.startswith("="):
                        value = FormulaCell(formula)
                    origin = merged.get((row_index, col_index))
                    if origin is not None:
                        if origin == (row_index, col_index):
                            pending[origin] = value
                        else:
                            value = pending.get(origin)
                    row.append(value)
                yield row

        return rows

    return [
        Sheet(sheet.title, factory(index)) for index, sheet in enumerate(values_book.worksheets)
    ]


def _xlsx_merged_cells(content, worksheet_path):
    """{(row, col): (top row, left col)} of the sheet's merged ranges, read from its XML."""
    merged = {}
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        try:
            handle = archive.open(worksheet_path)
        except KeyError:
            return merged
        with handle:
            for _event, element in iterparse(handle):
                if element.tag.endswith("}mergeCell"):
                    first, _sep, last = element.get("ref", "").partition(":")
                    if not last:
                        continue
                    (row_lo, col_lo), (row_hi, col_hi) = _cell_index(first), _cell_index(last)
                    for row in range(row_lo, row_hi + 1):
                        for col in range(col_lo, col_hi + 1):
                            merged[(row, col)] = (row_lo, col_lo)
                elif element.tag.endswith("}row"):
                    element.clear()
    return merged


def _cell_index(ref):
    letters = re.match(r"[A-Z]+", ref).group(0)
    col = 0
    for letter in letters:
        col = col * 26 + ord(letter) - 64
    return int(ref[len(letters) :]) - 1, col - 1


# ----------------------------------------------------------------------------------------------
# Header and columns
# ----------------------------------------------------------------------------------------------

# Column keys the importer understands, with the header names seen in the teams' templates.
COLUMN_ALIASES = {
    "code": ["客户编号", "线索编号", "编号", "lead code", "code", "customer id", "customer code"],
    "partner_name_industry": ["客户名称(行业)"],
    "partner_name": [
        "客户名称",
        "客户名称/联系人",
        "客户",
        "公司名称",
        "customer",
        "company",
        "customer name",
        "company name",
    ],
    "industry": ["行业", "所属行业", "industry"],
    "contact_function": ["联系人(职位)"],
    "contact": ["联系人", "联系人姓名", "contact", "contact name"],
    "function": ["联系人职位", "职位", "title", "job position", "position"],
    "phone": ["联系电话", "联系方式", "电话", "手机", "phone", "mobile", "telephone"],
    "email": ["邮箱", "电子邮件", "email", "e-mail"],
    "address": ["客户地址", "地址", "address"],
    "need": ["客户需求/痛点", "核心需求", "初步需求", "客户需求", "需求", "need", "requirement"],
    "first_contact": ["首次接触时间", "首次跟进时间", "first contact", "first contact date"],
    "followup_record": [
        "跟进记录",
        "跟进记录(关键需求/反馈)",
        "跟进内容",
        "跟进内容摘要",
        "follow-up record",
        "follow-up",
        "followup record",
    ],
    "followup_date": [
        "跟进日期",
        "最近跟进时间",
        "最后跟进日期",
        "follow-up date",
        "last follow-up",
    ],
    "method": ["跟进方式", "method", "contact method"],
    "feedback": ["客户反馈", "customer feedback", "feedback"],
    "next_date": ["下次跟进时间", "next follow-up", "next follow-up date"],
    "next_action": ["下次跟进计划", "下一步计划", "next action", "next step", "next plan"],
    "status": ["当前状态", "状态", "线索状态", "合作状态", "status"],
    "stage": ["当前阶段", "阶段", "stage"],
    "amount": ["预计成交金额", "转化金额/产品", "成交金额", "金额", "expected revenue", "amount"],
    "close_date": ["成交日期", "转化时间", "close date", "won date"],
    "grade": ["客户等级", "等级", "grade", "level"],
    "source": ["线索来源", "来源渠道", "客户来源", "来源", "source", "channel"],
    "salesperson": ["负责人", "跟进人", "销售", "salesperson", "owner", "sales rep"],
    "lost_reason": ["流失原因", "lost reason"],
    "notes": ["备注", "notes", "remarks", "comment"],
}
# Their labels: the choices of the column mapping's "Imported As" field, translated as its
# selection (the wizard reads them from there, in the user's language).
COLUMN_LABELS = {
    "code": "Lead code",
    "partner_name_industry": "Customer (industry)",
    "partner_name": "Customer",
    "industry": "Industry",
    "contact_function": "Contact (title)",
    "contact": "Contact",
    "function": "Contact title",
    "phone": "Phone",
    "email": "E-mail",
    "address": "Address",
    "need": "Need / pain point",
    "first_contact": "First contact",
    "followup_record": "Follow-up record",
    "followup_date": "Follow-up date",
    "method": "Follow-up method",
    "feedback": "Customer feedback",
    "next_date": "Next follow-up date",
    "next_action": "Next plan",
    "status": "Status",
    "stage": "Stage",
    "amount": "Expected amount",
    "close_date": "Close date",
    "grade": "Grade",
    "source": "Source",
    "salesperson": "Salesperson",
    "lost_reason": "Lost reason",
    "notes": "Notes",
}


def normalize_header(value):
    text = str(value or "").strip().lower()
    text = text.replace("（", "(").replace("）", ")").replace("＊", "*").replace("：", ":")
    text = re.sub(r"[\s*:]+", "", text)
    return text


_ALIASES = {
    normalize_header(alias): key for key, aliases in COLUMN_ALIASES.items() for alias in aliases
}


def match_header(value):
    """Column key of a header cell, or None."""
    text = normalize_header(value)
    if not text:
        return None
    if text in _ALIASES:
        return _ALIASES[text]
    # "联系人(职位)"-like variants of a known name: try without the parenthesis.
    bare = re.sub(r"\(.*\)$", "", text)
    return _ALIASES.get(bare)


def find_header(rows):
    """(index, row) of the header: the first of the top rows with at least two known column
    names (title rows above it are skipped)."""
    for index, row in enumerate(rows):
        if index >= HEADER_SCAN_ROWS:
            break
        if sum(1 for cell in row if match_header(cell)) >= 2:
            return index, row
    raise TrackerError(
        _lt(
            "No header row found in the first rows: expected column names such as 客户名称 / "
            "Customer, 联系人 / Contact, 跟进记录 / Follow-up record."
        )
    )


# ----------------------------------------------------------------------------------------------
# Cell values
# ----------------------------------------------------------------------------------------------

EMPTY_MARKERS = {"", "-", "--", "—", "/", "无", "n/a", "na", "none"}


def is_empty(value):
    return value is None or (isinstance(value, str) and value.strip().lower() in EMPTY_MARKERS)


def as_text(value):
    if is_empty(value):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime):
        return value.strftime("%Y-%m-%d")
    return str(value).strip()


_AMOUNT_UNITS = {"万": 10_000, "w": 10_000, "亿": 100_000_000, "千": 1_000, "k": 1_000}


def parse_amount(value):
    """(amount, note) from '65万', '50-80万' (midpoint, the range kept in the note, a lazy
    translation), '1.2亿', '¥120,000', '12w'; (None, '') when empty. Raises ValueError when
    unreadable."""
    if is_empty(value):
        return None, ""
    if isinstance(value, (int, float)):
        return float(value), ""
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
        return amount, _lt("Amount given as a range: %(range)s (midpoint used)", range=value)
    return float(low) * factor, ""


_DATE_FULL = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
_DATE_SHORT = re.compile(r"(\d{1,2})\s*月\s*(\d{1,2})\s*日")


def parse_date(value, default_year=None):
    """A date from an Excel serial, a datetime, '2024-03-10', '2024/3/10', '2024年3月10日' or
    '3月10日' (year: ``default_year``). None when empty; ValueError when unreadable."""
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


_METHOD_WORDS = [
    ("visit", ("上门", "拜访", "面谈", "现场", "参观", "visit")),
    ("meeting", ("视频", "会议", "线上会", "腾讯会议", "zoom", "teams", "meeting")),
    ("email", ("邮件", "邮箱", "email", "e-mail", "mail")),
    ("message", ("微信", "短信", "qq", "钉钉", "企业微信", "wechat", "message", "chat")),
    ("phone", ("电话", "致电", "通话", "来电", "phone", "call")),
]
_NO_RESPONSE_WORDS = (
    "未接",
    "没接",
    "无人接听",
    "未回复",
    "不回复",
    "没回复",
    "联系不上",
    "no answer",
    "no response",
    "did not answer",
)


def parse_method(text):
    lowered = (text or "").lower()
    for method, words in _METHOD_WORDS:
        if any(word in lowered for word in words):
            return method
    return "other"


def responded(text):
    lowered = (text or "").lower()
    return not any(word in lowered for word in _NO_RESPONSE_WORDS)


_CONTACT_START = re.compile(
    r"(\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?|\d{1,2}\s*月\s*\d{1,2}\s*日)"
)


def split_followup_record(text, default_year=None, after=None):
    """Contacts of a free-text follow-up record: [(date or None, method, summary, responded)].

    '3月12日：电话沟通，客户明确预算50-80万；3月15日：上门考察' gives two contacts. Short dates
    take ``default_year``; one that falls before ``after`` (the first contact) is in the next
    year. Text without any date is one contact without a date.
    """
    text = (text or "").strip()
    if not text:
        return []
    starts = [match.start() for match in _CONTACT_START.finditer(text)]
    if not starts:
        return [(None, parse_method(text), text, responded(text))]
    contacts = []
    if starts[0] > 0 and text[: starts[0]].strip(" ；;,，。\n"):
        preamble = text[: starts[0]].strip(" ；;,，。\n")
        contacts.append((None, parse_method(preamble), preamble, responded(preamble)))
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
        contacts.append((day, parse_method(summary), summary, responded(summary)))
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
