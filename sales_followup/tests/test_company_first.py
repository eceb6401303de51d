"""Company first: B2B salespeople in China know a customer by its company's name, so the
pipeline cards and the lead form show it above the lead's title."""

from lxml import etree

from odoo.tests import tagged

from .common import FollowupCommon


@tagged("post_install", "-at_install")
class TestCompanyFirst(FollowupCommon):
    def test_customer_is_the_company(self):
        Partner = self.env["res.partner"]
        company = Partner.create({"name": "杭州绿源食品有限公司", "is_company": True})
        person = Partner.create({"name": "黄经理", "parent_id": company.id})
        cases = [
            ({"partner_id": person.id, "partner_name": False}, "杭州绿源食品有限公司"),
            ({"partner_id": company.id}, "杭州绿源食品有限公司"),
            ({"partner_id": False, "partner_name": "深圳云启科技"}, "深圳云启科技"),
            ({"partner_id": False, "partner_name": False, "contact_name": "王总"}, "王总"),
            ({"partner_id": False, "partner_name": False, "contact_name": False}, False),
        ]
        for values, expected in cases:
            with self.subTest(values=values):
                lead = self._lead(**values).with_user(self.user_salesman)
                self.assertEqual(lead.followup_customer_name, expected)
        # Renaming the company shows at once.
        lead = self._lead(partner_id=person.id)
        company.name = "杭州绿源集团"
        self.assertEqual(lead.followup_customer_name, "杭州绿源集团")

    def test_cards_and_form_put_the_company_first(self):
        Lead = self.env["crm.lead"].with_user(self.user_salesman)
        kanban = etree.fromstring(Lead.get_views([(False, "kanban")])["views"]["kanban"]["arch"])
        card = etree.tostring(kanban.xpath("//t[@t-name='card']")[0], encoding="unicode")
        self.assertLess(card.index("record.followup_customer_name.value"), card.index('"name"'))
        self.assertIn("followup_customer_name", [node.get("name") for node in kanban.iter("field")])
        # crm's forecast kanban (which replaces the card's first div) keeps it too.
        forecast = self.env.ref("crm.crm_lead_view_kanban_forecast")
        arch = Lead.get_views([(forecast.id, "kanban")])["views"]["kanban"]["arch"]
        self.assertIn("record.followup_customer_name.value", arch)
        self.assertIn("prorated_revenue", arch)
        form = etree.fromstring(Lead.get_views([(False, "form")])["views"]["form"]["arch"])
        title = form.xpath("//div[hasclass('oe_title')]")[0]
        names = [node.get("name") for node in title.iter("field")]
        self.assertLess(names.index("followup_customer_name"), names.index("name"))
