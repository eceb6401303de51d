"""The engine's set-based insert (the install's adoption of tens of thousands of leads) writes
exactly the Follow-ups its ORM path writes: the same fields, the type's texts in each
salesperson's language."""

from datetime import date

from odoo.tests import tagged
from odoo.tools import SQL

from .common import FollowupCommon

COMPARED = (
    "activity_type_id",
    "summary",
    "note",
    "automated",
    "date_deadline",
    "res_model_id",
    "res_model",
    "res_name",
    "user_id",
    "user_tz",
    "active",
    "create_uid",
)


@tagged("post_install", "-at_install")
class TestFollowupEngineInsert(FollowupCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("zh_CN")
        cls.followup_type.with_context(lang="en_US").write(
            {"summary": "Follow up with the customer", "default_note": "<p>Ask the budget</p>"}
        )
        cls.followup_type.with_context(lang="zh_CN").write(
            {"summary": "跟进客户", "default_note": "<p>问预算</p>"}
        )
        cls.user_salesman.write({"lang": "zh_CN", "tz": "Asia/Shanghai"})
        cls.user_salesman_2.write({"lang": "en_US", "tz": "Europe/Paris"})

    def _bare_lead(self, user, name):
        lead = self._lead(user=user, name=name)
        self.env["sales.followup.engine"]._open_activities(lead).unlink()
        return lead

    def _followup_values(self, lead):
        followup = self.env["sales.followup.engine"]._open_activities(lead)
        self.assertEqual(len(followup), 1, lead.name)
        values = followup.read(COMPARED)[0]
        del values["id"]
        return values, (lead.followup_next_date, lead.followup_date_fixed)

    def test_insert_writes_what_the_orm_writes(self):
        Engine = self.env["sales.followup.engine"]
        day = date(2026, 3, 16)
        for user in (self.user_salesman, self.user_salesman_2):
            with self.subTest(lang=user.lang):
                by_orm = self._bare_lead(user, "Same name")
                by_sql = self._bare_lead(user, "Same name")
                Engine._schedule(by_orm, {by_orm.id: day})
                Engine._insert_planned(
                    SQL(
                        "SELECT %s AS id, %s AS user_id, %s::date AS deadline",
                        by_sql.id,
                        user.id,
                        day,
                    )
                )
                self.env.invalidate_all()
                orm_values, orm_lead = self._followup_values(by_orm)
                sql_values, sql_lead = self._followup_values(by_sql)
                self.assertEqual(sql_values, orm_values)
                self.assertEqual(sql_lead, orm_lead)
                # What both wrote is what the salesperson reads, in their language.
                expected = "跟进客户" if user.lang == "zh_CN" else "Follow up with the customer"
                self.assertEqual(orm_values["summary"], expected)
                self.assertEqual(orm_values["user_tz"], user.tz)
