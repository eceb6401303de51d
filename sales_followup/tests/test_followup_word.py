"""The word lists users extend: vague summaries refused in the log dialog, and the words a
tracker's follow-up records are read with, per language and company."""

import base64
import datetime

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, new_test_user, tagged

from ..tools import tracker_cells as tc
from .common import FollowupCommon
from .test_import import xlsx_bytes

WORD_LIST = "sales_followup.sales_followup_word_view_list"
LOG_DIALOG = "sales_followup.sales_followup_log_view_form_quick"


@tagged("post_install", "-at_install")
class TestFollowupWord(FollowupCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_2 = cls.env["res.company"].create({"name": "Beijing Branch"})
        cls.manager_both = new_test_user(
            cls.env,
            login="sf_word_manager_both",
            name="Sun Manager",
            groups="sales_team.group_sale_manager",
            tz="UTC",
            company_id=cls.company_2.id,
            company_ids=[Command.set((cls.company | cls.company_2).ids)],
        )
        cls.salesman_2 = new_test_user(
            cls.env,
            login="sf_word_salesman_beijing",
            name="Zhou Salesman",
            groups="sales_team.group_sale_salesman",
            tz="UTC",
            company_id=cls.company_2.id,
            company_ids=[Command.set(cls.company_2.ids)],
        )

    def _add_word(self, user, **values):
        """A word added in the list (Configuration > Follow-up Words), as ``user``."""
        form = Form(self.env["sales.followup.word"].with_user(user), view=WORD_LIST)
        for name, value in values.items():
            setattr(form, name, value)
        return form.save()

    def _log_dialog(self, lead, user, summary, lang="en_US"):
        """The log dialog of ``lead``, filled and saved by ``user`` (screens in ``lang``)."""
        form = Form(
            self.env["sales.followup.log"]
            .with_user(user)
            .with_context(lang=lang, **lead.with_user(user).action_followup_log()["context"]),
            view=LOG_DIALOG,
        )
        form.summary = summary
        return form.save()

    def test_manager_word_refuses_the_summary(self):
        with self.frozen("2026-03-10 09:00:00"):
            lead = self._lead()
            saved = self._log_dialog(lead, self.user_salesman, "跟进了")
            self.assertEqual(saved.summary, "跟进了", "not in the shipped list")
            word = self._add_word(self.user_manager, name="跟进了", kind="vague")
            self.assertFalse(word.lang or word.company_id, "every language and company")
            with self.assertRaisesRegex(ValidationError, "Discussed: '跟进了。' is too vague"):
                self._log_dialog(lead, self.user_salesman, "跟进了。")
            self.assertEqual(lead.followup_log_ids, saved)
            # A summary saying more than the word is taken.
            self._log_dialog(lead, self.user_salesman, "跟进了，客户要20台的报价")
            self.assertEqual(len(lead.followup_log_ids), 2)

    def test_word_of_another_language_does_not_apply(self):
        self.env["res.lang"]._activate_lang("zh_CN")
        self.user_salesman_2.lang = "zh_CN"
        word = self._add_word(self.user_manager, name="搞定", kind="vague", lang="zh_CN")
        self.assertEqual(word.lang, "zh_CN")
        with self.frozen("2026-03-10 09:00:00"):
            lead = self._lead()
            log = self._log_dialog(lead, self.user_salesman, "搞定")
            self.assertEqual(log.summary, "搞定", "an English screen: the Chinese word is not used")
            other = self._lead(user=self.user_salesman_2)
            with self.assertRaisesRegex(ValidationError, "搞定"):
                self._log_dialog(other, self.user_salesman_2, "搞定", lang="zh_CN")
            self.assertFalse(other.followup_log_ids)

    def test_word_of_another_company_does_not_apply(self):
        word = self._add_word(
            self.manager_both, name="签约在即", kind="vague", company_id=self.company_2
        )
        self.assertEqual(word.company_id, self.company_2)
        self.assertFalse(
            self.env["sales.followup.word"]
            .with_user(self.user_salesman)
            .search([("id", "=", word.id)]),
            "the salespeople of the other company do not read it",
        )
        with self.frozen("2026-03-10 09:00:00"):
            lead = self._lead()
            log = self._log_dialog(lead, self.user_salesman, "签约在即")
            self.assertEqual(log.company_id, self.company)
            lead_2 = self.env["crm.lead"].create(
                {
                    "name": "Beijing lead",
                    "type": "opportunity",
                    "user_id": self.salesman_2.id,
                    "company_id": self.company_2.id,
                    "partner_name": "Beijing Trading Co.",
                }
            )
            with self.assertRaisesRegex(ValidationError, "签约在即"):
                self._log_dialog(lead_2, self.salesman_2, "签约在即")
            self.assertFalse(lead_2.followup_log_ids)

    def test_salesperson_reads_the_words_only(self):
        Word = self.env["sales.followup.word"].with_user(self.user_salesman)
        shipped = self.env.ref("sales_followup.word_vague_en_ok").with_user(self.user_salesman)
        self.assertEqual(shipped.name, "ok", "salespeople read the list")
        with self.assertRaises(AccessError):
            Word.create({"name": "跟进了", "kind": "vague"})
        with self.assertRaises(AccessError):
            shipped.write({"active": False})
        with self.assertRaises(AccessError):
            shipped.unlink()
        self.assertTrue(shipped.active)

    def test_shipped_word_archived_not_deleted(self):
        shipped = self.env.ref("sales_followup.word_vague_en_ok").with_user(self.user_manager)
        with self.assertRaisesRegex(UserError, "Word: 'ok' is shipped with Sales Follow-up"):
            shipped.unlink()
        with self.frozen("2026-03-10 09:00:00"):
            lead = self._lead()
            with self.assertRaisesRegex(ValidationError, "too vague"):
                self._log_dialog(lead, self.user_salesman, "OK!")
            shipped.action_archive()
            self.assertEqual(self._log_dialog(lead, self.user_salesman, "OK!").summary, "OK!")
        added = self._add_word(self.user_manager, name="跟进了", kind="vague")
        added.unlink()
        self.assertFalse(added.exists(), "a word a team added is deleted")

    def test_word_values_refused(self):
        Word = self.env["sales.followup.word"].with_user(self.user_manager)
        cases = [
            ({"name": "OK!", "kind": "vague"}, "Word: 'OK!' is already a word of the list"),
            ({"name": "?!", "kind": "vague"}, "Word: '\\?!' has no letter or digit"),
            ({"name": "飞书", "kind": "method"}, "Method: the word '飞书' is a contact method"),
        ]
        for values, message in cases:
            with self.subTest(values=values), self.assertRaisesRegex(ValidationError, message):
                Word.create(values)
        # The same word for one company only is another word.
        word = Word.create({"name": "ok", "kind": "vague", "company_id": self.company.id})
        self.assertEqual(word.key, "ok")

    def test_words_read_without_a_query_per_log(self):
        Word = self.env["sales.followup.word"].with_user(self.user_salesman)
        Word = Word.with_context(lang="en_US")
        lead = self._lead()

        def companies():
            return lead.company_id

        self.assertTrue(Word._is_vague("Interested!", companies))
        with self.assertQueryCount(0):
            self.assertTrue(Word._is_vague("有意向", companies))
            self.assertFalse(Word._is_vague("Quoted 20 units for May", companies))
        self._add_word(self.user_manager, name="Quoted 20 units for May", kind="vague")
        self.assertTrue(Word._is_vague("quoted 20 units, for May", companies), "cache cleared")

    def test_shipped_method_words_keep_their_order(self):
        words = (
            self.env["sales.followup.word"]
            .with_user(self.user_manager)
            ._tracker_words(self.company)
        )
        self.assertEqual(tc.parse_method("电话会议，演示产品", words), "meeting")
        self.assertEqual(tc.parse_method("打电话约好后上门拜访", words), "visit")
        self.assertEqual(tc.parse_method("Sent the quote by e-mail", words), "email")
        self.assertEqual(tc.parse_method("飞书沟通", words), "other")
        self.assertFalse(tc.responded("电话未接", words))
        self.assertTrue(tc.responded("电话沟通", words))

    def test_import_maps_a_manager_method_word(self):
        tracker = ["客户编号", "客户名称", "跟进记录"]

        def import_row(code):
            record = "2024-03-12：飞书沟通，客户要报价；2024-03-15：打电话，客户关机"
            wizard = (
                self.env["sales.followup.import"]
                .with_user(self.user_manager)
                .create(
                    {
                        "file": base64.b64encode(xlsx_bytes([tracker, [code, "上海贸易", record]])),
                        "filename": "tracker.xlsx",
                        "assign_user_id": self.user_salesman.id,
                    }
                )
            )
            wizard.action_load()
            wizard.action_import()
            lead = self.env["crm.lead"].search([("followup_code", "=", code)])
            return lead.followup_log_ids.sorted("date")

        with self.frozen("2024-09-02 10:00:00"):
            before = import_row("W1")
            self.assertEqual(before.mapped("method"), ["other", "phone"])
            self.assertEqual(before.mapped("customer_responded"), [True, True])
            self._add_word(self.user_manager, name="飞书", kind="method", method="message")
            self._add_word(self.user_manager, name="关机", kind="no_answer")
            after = import_row("W2")
        self.assertEqual(after.mapped("method"), ["message", "phone"])
        self.assertEqual(after.mapped("customer_responded"), [True, False])
        self.assertEqual(after[0].date.date(), datetime.date(2024, 3, 12))
