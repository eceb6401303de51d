"""Probes of a careless or hostile caller of the RPC surface (the ORM methods a JSON-RPC client
reaches), as a salesman or a sales manager: each must get a clear, named refusal and leave
nothing half-written. F1-F9 are the findings these probes reproduced."""

import base64
import logging
from datetime import date, timedelta
from unittest.mock import patch

from odoo import fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from .common import FollowupCommon
from .test_import import CUSTOMER_TRACKER, TRACKER_ROWS, xlsx_bytes


@tagged("post_install", "-at_install")
class TestHostileCaller(FollowupCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user_manager_2 = cls._user("sf_manager_2", "Sun Manager", "group_sale_manager")
        cls.portal = new_test_user(cls.env, login="sf_portal", groups="base.group_portal")

    # F1 -----------------------------------------------------------------------------------

    def test_f1_import_wizards_are_their_creators_only(self):
        wizard = (
            self.env["sales.followup.import"]
            .with_user(self.user_manager)
            .create(
                {
                    "file": base64.b64encode(xlsx_bytes([CUSTOMER_TRACKER, *TRACKER_ROWS])),
                    "filename": "customers.xlsx",
                }
            )
        )
        with self.frozen("2024-09-02 10:00:00"):
            wizard.action_load()
        other = self.env["sales.followup.import"].with_user(self.user_manager_2)
        self.assertFalse(other.search([]), "another manager lists none of them")
        with self.assertRaises(AccessError):
            other.browse(wizard.id).read(["file", "filename"])
        with self.assertRaises(AccessError):
            other.browse(wizard.id).write({"skip_errors": True})
        for model, lines in (
            ("sales.followup.import.column", wizard.column_ids),
            ("sales.followup.import.sheet", wizard.sheet_ids),
        ):
            self.assertTrue(lines)
            self.assertFalse(self.env[model].with_user(self.user_manager_2).search([]), model)
        dormant = (
            self.env["sales.followup.dormant.wizard"]
            .with_user(self.user_salesman)
            .create({"lead_ids": [(6, 0, self._lead().ids)], "wakeup_date": "2026-12-01"})
        )
        with self.assertRaises(AccessError):
            dormant.with_user(self.user_salesman_2).read(["lead_ids"])

    # F2 -----------------------------------------------------------------------------------

    def test_f2_codes_are_the_systems(self):
        with self.frozen("2026-03-10 09:00:00"):
            Lead = self.env["crm.lead"].with_user(self.user_salesman)
            for code in ("LEAD-20260310-002", "HACK<script>"):
                with self.subTest(code=code), self.assertRaisesRegex(AccessError, "Lead Code"):
                    Lead.create({"name": "Squatter", "followup_code": code})
            as_manager = self.env["crm.lead"].with_user(self.user_manager)
            with self.assertRaisesRegex(ValidationError, "LEAD-YYYYMMDD-NNN"):
                as_manager.create({"name": "Bad", "followup_code": "HACK<script>"})
            # A manager's hand-set code is never handed out again.
            taken = as_manager.create({"name": "Hand-set", "followup_code": "LEAD-20260310-002"})
            first, second = Lead.create([{"name": "First"}, {"name": "Second"}])
        self.assertEqual(taken.followup_code, "LEAD-20260310-002")
        self.assertEqual(first.followup_code, "LEAD-20260310-001")
        self.assertEqual(second.followup_code, "LEAD-20260310-003", "002 skipped")

    # F3 -----------------------------------------------------------------------------------

    def test_f3_computed_state_is_not_written_by_hand(self):
        with self.frozen("2026-03-10 09:00:00"):
            lead = self._lead(followup_grade="a")  # due again the next day
            self._log(lead)
            self.assertEqual(lead.followup_next_date, date(2026, 3, 11), "due the next day")
        with self.frozen("2026-03-20 09:00:00"):
            self.env["sales.followup.risk"]._apply_rules(lead_ids=lead.ids)
            self.assertNotEqual(lead.followup_risk_level, "none", "an open overdue risk")
            probes = {
                "followup_status": "converted",
                "followup_risk_level": "none",
                "followup_risk_type_ids": [(6, 0, [])],
                "followup_next_date": "2099-12-31",
                "followup_last_date": "2099-01-01 00:00:00",
                "followup_unanswered_count": -5,
                "followup_lost_candidate": True,
                "followup_date_fixed": True,
            }
            for user in (self.user_salesman, self.user_manager):
                for fname, value in probes.items():
                    with (
                        self.subTest(user=user.login, field=fname),
                        self.assertRaisesRegex(UserError, "kept by Sales Follow-up"),
                    ):
                        lead.with_user(user).write({fname: value})
            # The form sending a read-only value back unchanged is not an error.
            lead.with_user(self.user_salesman).write(
                {"followup_status": "in_progress", "name": "Renamed"}
            )
            with self.assertRaisesRegex(UserError, "Wake-up Date"):
                lead.with_user(self.user_salesman).write({"followup_wakeup_date": "2026-05-01"})
            at_risk = (
                self.env["crm.lead"]
                .with_user(self.user_manager)
                .search([("followup_risk_level", "!=", "none"), ("id", "=", lead.id)])
            )
        self.assertEqual(at_risk, lead, "the manager's At Risk filter still finds it")
        self.assertEqual((lead.name, lead.followup_status), ("Renamed", "in_progress"))

    def test_f3_dormant_wakeup_moves_later_only(self):
        with self.frozen("2026-03-10 09:00:00"):
            lead = self._lead()
            lead.with_user(self.user_salesman)._followup_set_dormant(date(2026, 6, 1))
            as_rep = lead.with_user(self.user_salesman)
            as_rep.write({"followup_wakeup_date": "2026-07-01"})
            self.assertEqual(lead.followup_wakeup_date, date(2026, 7, 1))
            with self.assertRaisesRegex(UserError, "Wake-up Date"):
                as_rep.write({"followup_wakeup_date": "2026-03-01"})

    # F4 -----------------------------------------------------------------------------------

    def test_f4_only_managers_set_code_prefixes(self):
        source = self.env["utm.source"].create({"name": "Expo", "followup_code_prefix": "EXPO"})
        with self.assertRaisesRegex(AccessError, "Lead Code Prefix"):
            source.with_user(self.user_salesman).write({"followup_code_prefix": "HACK"})
        with self.assertRaisesRegex(AccessError, "Lead Code Prefix"):
            self.env["utm.source"].with_user(self.user_salesman).create(
                {"name": "Mine", "followup_code_prefix": "MINE"}
            )
        # A salesman still creates a plain source (the many2one's quick create).
        self.env["utm.source"].with_user(self.user_salesman).create({"name": "Fair"})
        source.with_user(self.user_manager).write({"followup_code_prefix": "SHOW"})
        self.assertEqual(source.followup_code_prefix, "SHOW")

    # F5, F6 -------------------------------------------------------------------------------

    def test_f5_error_csv_cells_are_never_formulas(self):
        bad = [*TRACKER_ROWS[0]]
        bad[0], bad[1], bad[9] = "X1", '=HYPERLINK("http://evil.example","点我")(制造)', "很多钱"
        wizard = (
            self.env["sales.followup.import"]
            .with_user(self.user_manager)
            .create(
                {
                    "file": base64.b64encode(xlsx_bytes([CUSTOMER_TRACKER, bad])),
                    "filename": "t.xlsx",
                }
            )
        )
        with self.frozen("2024-09-02 10:00:00"):
            wizard.action_load()
        content = base64.b64decode(wizard.error_file).decode("utf-8-sig")
        self.assertIn("'=HYPERLINK", content)
        self.assertNotIn(",=HYPERLINK", content)

    def test_f6_large_files_are_refused_before_they_are_read(self):
        Wizard = self.env["sales.followup.import"].with_user(self.user_manager)
        before = Wizard.search_count([])
        huge = base64.b64encode(b"a" * (21 * 1024 * 1024))
        with self.assertRaisesRegex(UserError, "the limit is 20 MB"):
            Wizard.create({"file": huge, "filename": "huge.csv"})
        self.assertEqual(Wizard.search_count([]), before, "not stored")
        rows = [CUSTOMER_TRACKER] + [[f"R{i}", *TRACKER_ROWS[0][1:]] for i in range(12)]
        reader = "odoo.addons.sales_followup.tools.tracker_reader"
        for content, filename in (
            (xlsx_bytes(rows), "rows.xlsx"),
            ("\n".join(",".join(row) for row in rows).encode(), "rows.csv"),
        ):
            with (
                self.subTest(filename=filename),
                patch(f"{reader}.MAX_ROWS", 10),
                self.assertRaisesRegex(UserError, "the limit is 10"),
            ):
                Wizard.create(
                    {"file": base64.b64encode(content), "filename": filename}
                ).action_load()
        with (
            patch(f"{reader}.MAX_UNCOMPRESSED_SIZE", 2000),
            self.assertRaisesRegex(UserError, "unpacks to"),
        ):
            Wizard.create(
                {"file": base64.b64encode(xlsx_bytes(rows)), "filename": "bomb.xlsx"}
            ).action_load()

    # F7 -----------------------------------------------------------------------------------

    def test_f7_settings_are_bounded_and_bad_parameters_fall_back(self):
        Settings = self.env["res.config.settings"]
        for fname, value in (
            ("followup_interval_a", 2147483647),
            ("followup_first_contact_hours", 99999999999),
            ("followup_risk_silent_days", 100000),
            ("followup_interval_b", 0),
        ):
            with self.subTest(field=fname), self.assertRaisesRegex(ValidationError, "from"):
                Settings.create({fname: value})
        self._set_param("first_contact_hours", "99999999999")
        self._set_param("interval_a", "x")
        with self.assertLogs(
            "odoo.addons.sales_followup.models.sales_followup_settings", logging.WARNING
        ):
            self.assertEqual(
                self.env["sales.followup.settings"]._get_int("first_contact_hours"), 24
            )
        with mute_logger("odoo.addons.sales_followup.models.sales_followup_settings"):
            self.assertEqual(self.env["sales.followup.settings"]._get_int("interval_a"), 1)
            with self.frozen("2026-03-10 09:00:00"):
                lead = self._lead(followup_grade="a")
                self._log(lead)
        self.assertEqual(lead.followup_next_date, date(2026, 3, 11), "grade A's default")

    # F8 -----------------------------------------------------------------------------------

    def test_f8_logs_belong_to_their_author(self):
        lead = self._lead()
        Log = self.env["sales.followup.log"].with_user(self.user_salesman)
        values = {"lead_id": lead.id, "summary": "Quoted 20 units for May"}
        with self.assertRaisesRegex(AccessError, "you log your own"):
            Log.create({**values, "user_id": self.user_salesman_2.id})
        with self.assertRaisesRegex(ValidationError, "not an internal user"):
            Log.create({**values, "user_id": self.portal.id})
        log = Log.create(values)
        with self.assertRaisesRegex(AccessError, "you log your own"):
            log.write({"user_id": self.user_salesman_2.id})
        self.assertEqual(log.user_id, self.user_salesman)
        # A manager re-credits it, and says so on the lead.
        log.with_user(self.user_manager).write({"user_id": self.user_salesman_2.id})
        self.assertEqual(log.user_id, self.user_salesman_2)
        self.assertIn("credited to Li Salesman", lead.message_ids[0].body)

    def test_f8_risk_dates_and_bad_contacts(self):
        lead = self._lead()
        risk_type = self.env.ref("sales_followup.risk_type_competitor")
        risk = (
            self.env["sales.followup.risk"]
            .with_user(self.user_salesman)
            .create(
                {"lead_id": lead.id, "type_id": risk_type.id, "date_raised": "2020-01-01 00:00:00"}
            )
        )
        self.assertGreater(risk.date_raised, fields.Datetime.to_datetime("2025-01-01"))
        with self.assertRaisesRegex(UserError, "Risk"):
            risk.with_user(self.user_salesman).write({"date_raised": "2020-01-01 00:00:00"})
        Log = self.env["sales.followup.log"].with_user(self.user_salesman)
        with self.assertRaisesRegex(ValidationError, "Discussed: say what"):
            Log.create({"lead_id": lead.id, "summary": "\u200b\u200b\u2060 \ufeff"})
        with self.assertRaisesRegex(ValidationError, "not a plausible day"):
            Log.create({"lead_id": lead.id, "summary": "Old call", "date": "1985-01-01 00:00:00"})
        self.assertFalse(lead.followup_log_ids, "nothing half-written")

    def test_f8_followups_stay_within_the_rhythm_and_come_back(self):
        with self.frozen("2026-03-10 09:00:00"):
            lead = self._lead()
            self._log(lead)
            followup = self._followups(lead).with_user(self.user_salesman)
            with self.assertRaisesRegex(ValidationError, "too far away"):
                followup.write({"date_deadline": "2099-01-01"})
            followup.unlink()
            self.assertFalse(self._followups(lead))
            self.env["sales.followup.risk"]._cron_followup_risk_scan()
        self.assertEqual(self._followups(lead).date_deadline, date(2026, 3, 10), "due today")

    def test_f8_dormant_dialog_says_why_it_cannot(self):
        others = self._lead(user=self.user_salesman_2)
        lost = self._lead()
        lost.action_set_lost(lost_reason_id=self.lost_reason.id)
        Wizard = self.env["sales.followup.dormant.wizard"].with_user(self.user_salesman)
        wakeup = fields.Date.today() + timedelta(days=30)
        with self.assertRaisesRegex(AccessError, "you may not change"):
            Wizard.create({"lead_ids": [(6, 0, others.ids)], "wakeup_date": wakeup}).action_apply()
        wizard = Wizard.create({"lead_ids": [(6, 0, lost.ids)], "wakeup_date": wakeup})
        with self.assertRaisesRegex(UserError, "lost or archived"):
            wizard.action_apply()
        self.assertEqual(others.followup_status, "to_contact")
        self.assertEqual(lost.followup_status, "lost")

    # F9 -----------------------------------------------------------------------------------

    def test_f9_bad_values_get_named_errors(self):
        lead = self._lead()
        Log = self.env["sales.followup.log"].with_user(self.user_salesman)
        base = {"lead_id": lead.id, "summary": "Quoted 20 units for May"}
        probes = [
            ({"summary": 42}, "Discussed: 42 is not a text"),
            ({"summary": ["a", "b"]}, "Discussed: \\['a', 'b'\\] is not a text"),
            ({"summary": {"text": "x"}}, "Discussed: .* is not a text"),
            ({"next_date": "tomorrow"}, "Next Follow-up: 'tomorrow' is not a date"),
            ({"next_date": 20300101}, "Next Follow-up: 20300101 is not a date"),
            ({"next_date": "10000-01-01"}, "Next Follow-up: '10000-01-01' is not a date"),
            ({"date": "yesterday"}, "Date: 'yesterday' is not a date and time"),
            ({"date": "2026-03-10T10:00:00+08:00"}, "Date: .* is not a date and time"),
            ({"lead_id": [lead.id]}, "Lead: \\[.*\\] is not a record"),
            ({"user_id": "wang"}, "Follow-up Person: 'wang' is not a record"),
        ]
        for values, message in probes:
            with self.subTest(values=values), self.assertRaisesRegex(ValidationError, message):
                Log.create({**base, **values})
        self.assertFalse(lead.followup_log_ids, "nothing half-written")
