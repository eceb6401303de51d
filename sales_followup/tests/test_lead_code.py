from psycopg2 import IntegrityError

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import FollowupCommon


@tagged("post_install", "-at_install")
class TestLeadCode(FollowupCommon):
    def test_codes_per_source_and_day(self):
        expo = self.env["utm.source"].create(
            {"name": "Shanghai Expo", "followup_code_prefix": "expo"}
        )
        self.assertEqual(expo.followup_code_prefix, "EXPO", "prefixes are upper case")
        web = self.env["utm.source"].create({"name": "Website"})
        with self.frozen("2023-11-02 09:00:00"):
            first = self._lead(source_id=expo.id)
            second = self._lead(source_id=expo.id)
            plain = self._lead()
            from_web = self._lead(source_id=web.id)
        self.assertEqual(first.followup_code, "EXPO-20231102-001")
        self.assertEqual(second.followup_code, "EXPO-20231102-002")
        self.assertEqual(plain.followup_code, "LEAD-20231102-001")
        self.assertEqual(
            from_web.followup_code, "LEAD-20231102-002", "no prefix: shared LEAD serial"
        )
        with self.frozen("2023-11-03 09:00:00"):
            self.assertEqual(self._lead(source_id=expo.id).followup_code, "EXPO-20231103-001")
            batch = self.env["crm.lead"].create(
                [{"name": f"Batch {i}", "source_id": expo.id} for i in range(3)]
            )
        self.assertEqual(
            batch.mapped("followup_code"),
            ["EXPO-20231103-002", "EXPO-20231103-003", "EXPO-20231103-004"],
        )
        found = (
            self.env["crm.lead"]
            .with_user(self.user_salesman)
            .search([("followup_code", "ilike", "expo-20231102-002")])
        )
        self.assertEqual(found, second)

    def test_batch_sharing_one_values_dict(self):
        """Callers (Odoo's own tests among them) may pass the same dict for every record."""
        values = {"name": "Same values", "type": "opportunity"}
        with self.frozen("2024-05-06 09:00:00"):
            leads = self.env["crm.lead"].create([values] * 3)
        self.assertEqual(len(set(leads.mapped("followup_code"))), 3)
        self.assertNotIn("followup_code", values, "the caller's dict is left alone")

    def test_prefix_change_applies_to_next_codes(self):
        fair = self.env["utm.source"].create({"name": "Fair", "followup_code_prefix": "FAIR"})
        with self.frozen("2024-05-06 09:00:00"):
            self._lead(source_id=fair.id)
            fair.followup_code_prefix = "CF"
            self.assertEqual(self._lead(source_id=fair.id).followup_code, "CF-20240506-002")

    def test_bad_prefixes(self):
        with self.assertRaisesRegex(ValidationError, "Lead Code Prefix"):
            self.env["utm.source"].create({"name": "Bad", "followup_code_prefix": "EX PO"})
        self.env["utm.source"].create({"name": "Expo", "followup_code_prefix": "EXPO"})
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError):
            self.env["utm.source"].create({"name": "Expo 2", "followup_code_prefix": "EXPO"})

    def test_only_managers_edit_codes(self):
        lead = self._lead()
        with self.assertRaisesRegex(AccessError, "Lead Code"):
            lead.with_user(self.user_salesman).write({"followup_code": "HACK-1"})
        lead.with_user(self.user_manager).write({"followup_code": "LEAD-20240101-901"})
        self.assertEqual(lead.followup_code, "LEAD-20240101-901")
        other = self._lead()
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError):
            other.with_user(self.user_manager).write({"followup_code": "LEAD-20240101-901"})
            other.flush_recordset()

    def test_same_code_allowed_in_another_company(self):
        company_2 = self.env["res.company"].create({"name": "Beijing Branch"})
        self._lead(followup_code="LEAD-20240101-777")
        other = self.env["crm.lead"].create(
            {
                "name": "Other company",
                "company_id": company_2.id,
                "followup_code": "LEAD-20240101-777",
            }
        )
        self.assertEqual(other.followup_code, "LEAD-20240101-777")
