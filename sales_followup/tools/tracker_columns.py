"""Recognising the columns of a tracker: the header row and what each column holds.

Plain functions, no Odoo model. The names are those seen in the teams' own templates, Chinese
and English; the import wizard lets the user correct what was recognised.
"""

import re

from odoo.tools.translate import LazyTranslate

from .tracker_reader import TrackerError

_lt = LazyTranslate(__name__)

HEADER_SCAN_ROWS = 10

# Column keys the importer understands, with the header names seen in the teams' templates.
COLUMN_ALIASES = {
    "code": ["客户编号", "线索编号", "编号", "lead code", "code", "customer id", "customer code"],
    "title": [
        "商机名称",
        "项目名称",
        "线索名称",
        "机会名称",
        "商机",
        "opportunity",
        "opportunity name",
        "lead name",
        "deal",
        "deal name",
        "subject",
    ],
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
    "lead_date": [
        "创建时间",
        "创建日期",
        "录入时间",
        "录入日期",
        "登记日期",
        "线索日期",
        "获取时间",
        "lead date",
        "created",
        "created on",
        "creation date",
    ],
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
    "salesperson": ["负责人", "销售", "销售员", "业务员", "salesperson", "owner", "sales rep"],
    "followup_user": ["跟进人", "跟进人员", "followed up by", "contacted by"],
    "lost_reason": ["流失原因", "lost reason"],
    "notes": ["备注", "notes", "remarks", "comment"],
}
# Their labels: the choices of the column mapping's "Imported As" field, translated as its
# selection (the wizard reads them from there, in the user's language).
COLUMN_LABELS = {
    "code": "Lead code",
    "title": "Lead title",
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
    "lead_date": "Lead date",
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
    "followup_user": "Followed up by",
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
