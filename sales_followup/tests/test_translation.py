"""Simplified Chinese (zh_CN) translations of both addons.

Odoo's own term extraction (the reader behind ``--i18n-export``) lists every term of the
installed addons with its zh_CN value, after the addons' zh_CN.po files are loaded: a term
without translation fails the test, so a new string added without translating it breaks it.
The .po files are checked against their .pot templates and the .pot templates against the code,
then a few translated outcomes are checked as a salesman sees them.
"""

import ast
import base64
import csv
import io
import re
from collections import Counter
from datetime import date
from pathlib import Path

import polib
from babel.messages import extract
from lxml import etree

from odoo.exceptions import UserError, ValidationError
from odoo.modules.module import get_manifest, get_module_path
from odoo.tests import tagged
from odoo.tools import html2plaintext
from odoo.tools.translate import TRANSLATED_ATTRS, TranslationModuleReader

from odoo.addons.sales_followup.compat import SERIES

from .common import FollowupCommon
from .test_import import xlsx_bytes

LANG = "zh_CN"
MODULES = ("sales_followup", "sales_followup_reports")

# printf-style (%s, %d, %(name)s, %%) and format-style ({name}) placeholders.
PLACEHOLDER = re.compile(
    r"%%|%(?:\(\w+\))?[#0 +-]*\d*(?:\.\d+)?[a-zA-Z]|\{\w*(?:![rsa])?(?::[^{}]*)?\}"
)
TAG = re.compile(r"<(/?)([\w:.-]+)((?:\s+[\w:.-]+(?:=\"[^\"]*\")?)*)\s*(/?)>")
ATTRIBUTE = re.compile(r"([\w:.-]+)(?:=\"([^\"]*)\")?")
CJK = re.compile(r"[\u4e00-\u9fff]")


def po_files(module):
    i18n = Path(get_module_path(module)) / "i18n"
    return polib.pofile(str(i18n / f"{module}.pot")), polib.pofile(str(i18n / f"{LANG}.po"))


def markup(text):
    """Tags of a term with their attributes, translatable attributes (title, placeholder...)
    left out: a translation must keep the same tags, in the same order."""
    tags = []
    for closing, name, attributes, self_closing in TAG.findall(text):
        kept = tuple(
            sorted(
                (attr, value)
                for attr, value in ATTRIBUTE.findall(attributes)
                if attr not in TRANSLATED_ATTRS
            )
        )
        tags.append((closing, name, kept, self_closing))
    return tags


def expression_shape(source):
    """The syntax tree of a Python expression with its string constants blanked out."""
    tree = ast.parse(source, mode="eval")
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            node.value = ""
    return ast.dump(tree)


def demo_xmlids(module):
    """External ids of the records of the addon's demo files (their texts are not translated:
    the templates are exported from a database without demo data)."""
    xmlids = set()
    for path in get_manifest(module).get("demo", []):
        tree = etree.parse(str(Path(get_module_path(module)) / path))
        for node in tree.xpath("//record[@id] | //template[@id] | //menuitem[@id]"):
            xmlid = node.get("id")
            xmlids.add(xmlid if "." in xmlid else f"{module}.{xmlid}")
    return xmlids


@tagged("post_install", "-at_install")
class TestTranslation(FollowupCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        installed = cls.env["ir.module.module"].search(
            [("name", "in", MODULES), ("state", "=", "installed")]
        )
        cls.modules = [module for module in MODULES if module in installed.mapped("name")]
        # Loading a language is an administrator's job: the class environment is the superuser.
        cls.env["res.lang"]._activate_lang(LANG)
        cls.env["ir.module.module"]._load_module_terms(cls.modules, [LANG], overwrite=True)
        cls.pot, cls.po, cls.msgstr = {}, {}, {}
        for module in MODULES:
            cls.pot[module], cls.po[module] = po_files(module)
            cls.msgstr[module] = {entry.msgid: entry.msgstr for entry in cls.po[module]}
        cls.terms = {module: [] for module in cls.modules}
        demo = set().union(*(demo_xmlids(module) for module in cls.modules))
        # One reader per addon, as the export of each template: a model both addons extend
        # (the settings) has its name in both templates.
        for addon in cls.modules:
            reader = TranslationModuleReader(cls.env.cr, modules=[addon], lang=LANG)
            for module, ttype, name, res_id, source, value, _comments in reader:
                if ttype != "code" and res_id in demo:
                    continue
                cls.terms[module].append((ttype, name, res_id, source, value))

    def _zh(self, msgid, module="sales_followup"):
        """The zh_CN translation of ``msgid`` in the addon's .po file (checked to be Chinese)."""
        text = self.msgstr[module][msgid]
        self.assertRegex(text, CJK, f"{msgid!r} is translated into Chinese")
        return text

    # ------------------------------------------------------------
    # Every term of the code has its translation
    # ------------------------------------------------------------

    def test_both_addons_are_checked(self):
        self.assertEqual(
            self.modules,
            list(MODULES),
            "the translation checks need both addons installed (as ./setup/test does)",
        )

    def test_every_python_file_is_read_for_terms(self):
        """Odoo's exporter logs and skips the rest of a file whose terms it cannot read (it
        evaluates the call's arguments: ``_("…", code=f"{ord(c):04X}")`` stops it): the terms
        after that point would be missing from the template and never translated."""
        for module in self.modules:
            for path in sorted(Path(get_module_path(module)).rglob("*.py")):
                with self.subTest(path=str(path)), path.open("rb") as source:
                    list(
                        extract.extract(
                            "python",
                            source,
                            keywords={"_": None, "_lt": None},
                            options={"encoding": "UTF-8"},
                        )
                    )

    def test_every_term_is_translated(self):
        for module in self.modules:
            with self.subTest(module=module):
                self.assertTrue(self.terms[module], "Odoo's reader found the addon's terms")
                missing = sorted(
                    {
                        f"{source!r} ({ttype}: {name}, {res_id})"
                        for ttype, name, res_id, source, value in self.terms[module]
                        # Odoo reports a translation equal to its source ('ID') as empty.
                        if not value and self.msgstr[module].get(source) != source
                    }
                )
                self.assertFalse(
                    missing,
                    f"terms of {module} without a {LANG} translation (run ./setup/i18n and "
                    f"translate {module}/i18n/{LANG}.po):\n" + "\n".join(missing),
                )

    def test_templates_follow_the_code(self):
        for module in self.modules:
            with self.subTest(module=module):
                in_code = {term[3] for term in self.terms[module]}
                # The template holds the terms of every series served; those of another series
                # only are not this one's.
                elsewhere = {
                    entry.msgid
                    for entry in self.pot[module]
                    if (only := re.search(r"only on Odoo (\d+)\.0", entry.comment))
                    and int(only.group(1)) != SERIES
                }
                in_pot = {entry.msgid for entry in self.pot[module]} - elsewhere
                self.assertFalse(
                    sorted(in_code - in_pot),
                    f"terms missing from {module}.pot: run ./setup/i18n",
                )
                self.assertFalse(
                    sorted(in_pot - in_code),
                    f"terms of {module}.pot no longer in the code: run ./setup/i18n",
                )

    # ------------------------------------------------------------
    # The .po files (checked for both addons, installed or not)
    # ------------------------------------------------------------

    def test_po_files_match_their_templates(self):
        for module in MODULES:
            with self.subTest(module=module):
                po, pot = self.po[module], self.pot[module]
                self.assertEqual(
                    [entry.msgid for entry in po],
                    [entry.msgid for entry in pot],
                    f"{LANG}.po and {module}.pot hold the same terms: run ./setup/i18n",
                )
                for entry, template in zip(po, pot, strict=True):
                    self.assertEqual(entry.occurrences, template.occurrences, entry.msgid)
                self.assertFalse([entry.msgid for entry in po.obsolete_entries()])
                self.assertFalse([entry.msgid for entry in po.fuzzy_entries()])
                self.assertFalse([entry.msgid for entry in po.untranslated_entries()])
                self.assertEqual(po.metadata["Language"], LANG)
                self.assertEqual(po.metadata["Content-Type"], "text/plain; charset=UTF-8")
                self.assertEqual(po.metadata["Plural-Forms"], "nplurals=1; plural=0;")

    def test_translations_keep_placeholders_markup_and_spacing(self):
        problems = []
        for module in MODULES:
            for entry in self.po[module]:
                msgid, msgstr = entry.msgid, entry.msgstr
                checks = {
                    "placeholders": (
                        Counter(PLACEHOLDER.findall(msgstr)) == Counter(PLACEHOLDER.findall(msgid))
                    ),
                    "tags": markup(msgstr) == markup(msgid),
                    "leading spaces": (
                        msgstr[: len(msgstr) - len(msgstr.lstrip())]
                        == msgid[: len(msgid) - len(msgid.lstrip())]
                    ),
                    "trailing spaces": (
                        msgstr[len(msgstr.rstrip()) :] == msgid[len(msgid.rstrip()) :]
                    ),
                }
                if any("print_report_name" in where for where, _line in entry.occurrences):
                    checks["expression"] = expression_shape(msgstr) == expression_shape(msgid)
                problems += [
                    f"{module}: {what} differ in {msgid!r} -> {msgstr!r}"
                    for what, same in checks.items()
                    if not same
                ]
        self.assertFalse(problems, "\n".join(problems))

    # ------------------------------------------------------------
    # What a Chinese-speaking salesman sees
    # ------------------------------------------------------------

    def test_labels_menus_and_views_in_chinese(self):
        Lead = self.env["crm.lead"].with_user(self.user_salesman).with_context(lang=LANG)
        fields = Lead.fields_get(["followup_grade", "followup_status"], ["string", "selection"])
        self.assertEqual(fields["followup_grade"]["string"], self._zh("Grade"))
        self.assertEqual(fields["followup_status"]["string"], self._zh("Follow-up Status"))
        self.assertIn(
            ("to_contact", self._zh("To Follow Up")), fields["followup_status"]["selection"]
        )
        self.assertIn(("dormant", self._zh("Dormant")), fields["followup_status"]["selection"])

        menu = self.env.ref("sales_followup.crm_lead_menu_followup_due")
        self.assertEqual(
            menu.with_user(self.user_salesman).with_context(lang=LANG).name,
            self._zh("Today"),
        )
        arch = Lead.get_views([(False, "form")])["views"]["form"]["arch"]
        self.assertIn(f'string="{self._zh("Log Follow-up")}"', arch)
        self.assertNotIn('string="Log Follow-up"', arch)
        self.assertEqual(
            self.followup_type.with_context(lang=LANG).name, self._zh("Follow-up"), "activity type"
        )

    def test_errors_in_chinese(self):
        lead = self._lead()
        Log = self.env["sales.followup.log"].with_user(self.user_salesman).with_context(lang=LANG)
        with self.assertRaises(ValidationError) as caught:
            Log.create({"lead_id": lead.id, "summary": "有意向", "method": "phone"})
        self.assertEqual(
            caught.exception.args[0],
            self._zh(
                "Discussed: '%s' is too vague. Write what the customer needs or said, e.g. "
                "'needs 20 units before June, budget 500k, asks for a demo'."
            )
            % "有意向",
        )
        with self.assertRaises(UserError) as caught:
            lead.with_user(self.user_salesman).with_context(lang=LANG).action_followup_wakeup()
        self.assertEqual(caught.exception.args[0], self._zh("Only dormant leads can be woken up."))

    def test_chatter_message_and_risk_type_in_chinese(self):
        lead = self._lead()
        competitor = self.env.ref("sales_followup.risk_type_competitor")
        self.env["sales.followup.risk"].with_user(self.user_salesman).with_context(
            lang=LANG
        ).create({"lead_id": lead.id, "type_id": competitor.id})
        posted = html2plaintext(lead.message_ids[:1].body)
        self.assertEqual(posted, self._zh("Risk raised: %s") % self._zh("Comparing competitors"))

    def test_set_dormant_refusal_names_the_status_in_chinese(self):
        with self.frozen("2026-03-10 09:00:00"):
            lead = self._lead()
            lead._followup_set_dormant(date(2026, 9, 1))
            with self.assertRaises(UserError) as caught:
                lead.with_user(self.user_salesman).with_context(
                    lang=LANG
                ).action_followup_set_dormant()
        self.assertEqual(
            caught.exception.args[0],
            self._zh(
                "Lead: only open leads (To Follow Up or Following) can be set dormant; "
                "%(lead)s is %(status)s."
            )
            % {"lead": lead.display_name, "status": self._zh("Dormant")},
        )

    def test_followup_summary_in_the_salespersons_language(self):
        """One cron run schedules the first contacts of a Chinese-speaking and an
        English-speaking salesperson: each gets the summary in his own language, and the
        languages cost the same number of queries whatever the number of leads."""
        self.user_salesman_2.lang = LANG
        summary_zh = self._zh("Follow up with the customer")
        Lead = self.env["crm.lead"]
        with self.frozen("2026-03-10 09:00:00"):
            leads = {
                size: [
                    self._lead(user=user, name=f"Lead {size}-{index}")
                    for index in range(size)
                    for user in (self.user_salesman, self.user_salesman_2)
                ]
                for size in (1, 3, 6)
            }
            queries = {}
            for size, batch in leads.items():
                batch = Lead.concat(*batch)
                self.env["sales.followup.engine"]._open_activities(batch).unlink()
                self.env.flush_all()
                self.env.invalidate_all()
                before = self.cr.sql_log_count
                self.env["sales.followup.engine"]._schedule(
                    batch, dict.fromkeys(batch.ids, self.today)
                )
                self.env.flush_all()
                queries[size] = self.cr.sql_log_count - before
                for lead in batch:
                    summary = self._followups(lead).summary
                    if lead.user_id == self.user_salesman_2:
                        self.assertEqual(summary, summary_zh)
                    else:
                        self.assertEqual(summary, "Follow up with the customer")
        self.assertEqual(queries[3], queries[6], "no query per lead (the first run warms up)")

    def test_reminder_note_in_the_salespersons_language(self):
        self.user_salesman_2.lang = LANG
        with self.frozen("2026-03-10 09:00:00"):
            lead = self._lead(user=self.user_salesman_2)
            self._log(
                lead,
                user=self.user_salesman_2,
                summary="客户要求下周到厂演示",
                next_action="准备演示",
            )
        followup = self._followups(lead)
        self.assertEqual(followup.summary, "准备演示")
        expected = self._zh("Last contact, %(date)s (%(method)s): %(summary)s") % {
            "date": "2026-03-10",
            "method": self._zh("Phone"),
            "summary": "客户要求下周到厂演示",
        }
        self.assertIn(expected, str(followup.note))

    # ------------------------------------------------------------
    # Importing a tracker as a Chinese-speaking sales manager
    # ------------------------------------------------------------

    def _import(self, content, filename="tracker.xlsx"):
        wizard = (
            self.env["sales.followup.import"]
            .with_user(self.user_manager)
            .with_context(lang=LANG)
            .create({"file": base64.b64encode(content), "filename": filename})
        )
        wizard.action_load()
        return wizard

    def test_import_file_errors_in_chinese(self):
        cases = [
            (
                b"PK\x03\x04garbage",
                "broken.xlsx",
                self._zh("The .xlsx file is damaged and cannot be opened."),
            ),
            (
                b"MZ\x90\x00\x03" + b"\x00" * 200,
                "setup.xlsx",
                self._zh("'%(filename)s' is not a spreadsheet: import an .xls, .xlsx or .csv file.")
                % {"filename": "setup.xlsx"},
            ),
        ]
        for content, filename, message in cases:
            with self.subTest(filename=filename), self.assertRaises(UserError) as caught:
                self._import(content, filename)
            self.assertEqual(caught.exception.args[0], self._zh("Tracker File: %s") % message)
        with self.assertRaises(UserError) as caught:
            self._import(xlsx_bytes([["hello", "world"], [1, 2]]))
        no_header = self._zh(
            "No header row found in the first rows: expected column names such as 客户名称 / "
            "Customer, 联系人 / Contact, 跟进记录 / Follow-up record."
        )
        self.assertEqual(
            caught.exception.args[0],
            self._zh("Sheet '%(sheet)s': %(error)s") % {"sheet": "跟进表", "error": no_header},
        )

    def test_import_row_problems_and_amount_note_in_chinese(self):
        header = [
            "客户编号",
            "客户名称",
            "联系人",
            "首次接触时间",
            "当前状态",
            "预计成交金额",
            "客户等级",
        ]
        rows = [
            header,
            ["T1", "甲公司", "甲", "2024-03-10", "Y-意向客户", "50-80万", "A"],
            ["T2", "乙公司", "乙", "2024-03-10", "随便", "很多钱", "X级"],
            ["T3", "丙公司", "丙", "2024-03-10", "Y-意向客户", "10万", "B"],
            ["T3", "丙公司", "丙", "2024-03-10", "C-成交客户", "10万", "B"],
        ]
        with self.frozen("2024-09-01 10:00:00"):
            wizard = self._import(xlsx_bytes(rows))
            status, amount, grade = (
                self._zh("Status"),
                self._zh("Expected amount"),
                self._zh("Grade"),
            )
            problems = {
                (problem.row, problem.column): problem.message
                for problem in wizard.error_ids
                if problem.level == "error"
            }
            expected = {
                (3, status): self._zh(
                    "'%(value)s' is not a known status (Z-潜在客户, Y-意向客户, C-成交客户, "
                    "L-流失客户, 待跟进, 跟进中, 已转化, 已流失, 休眠)"
                )
                % {"value": "随便"},
                (3, amount): self._zh(
                    "'%(value)s' is not an amount (e.g. 65万, 50-80万, 1.2亿, ¥120,000)"
                )
                % {"value": "很多钱"},
                (3, grade): self._zh("'%(value)s' is not a grade (A, B or C)") % {"value": "X级"},
                (5, status): self._zh(
                    "same lead as row %(row)s (%(key)s) but this column differs: %(a)s / %(b)s"
                )
                % {"row": 4, "key": "T3", "a": "in_progress", "b": "converted"},
            }
            self.assertEqual(problems, expected)

            # The rows with errors, to download: the problems in Chinese beside each row.
            content = base64.b64decode(wizard.error_file).decode("utf-8-sig")
            table = list(csv.reader(io.StringIO(content)))
            self.assertEqual(table[0][0], self._zh("Row"))
            self.assertEqual(table[0][-1], self._zh("Errors"))
            errors = {int(row[0]): row[-1] for row in table[1:]}
            column_problem = self.msgstr["sales_followup"]["%(column)s: %(problem)s"]
            self.assertEqual(column_problem, "%(column)s：%(problem)s", "a Chinese colon")
            self.assertIn(
                column_problem % {"column": amount, "problem": expected[(3, amount)]},
                errors[3].split("; "),
            )

            wizard.skip_errors = True
            wizard.action_import()
        self.assertEqual(wizard.state, "done")
        lead = self.env["crm.lead"].search([("followup_code", "=", "T1")])
        self.assertEqual(lead.expected_revenue, 650000)
        self.assertIn(
            self._zh("Amount given as a range: %(range)s (midpoint used)") % {"range": "50-80万"},
            lead.description,
        )
