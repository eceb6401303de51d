from datetime import date, datetime, timedelta

from odoo.tests import tagged
from odoo.tools import SQL

from .common import FollowupCommon


@tagged("post_install", "-at_install")
class TestAdoption(FollowupCommon):
    """Leads that were in Odoo before Sales Follow-up: adopted in set-based SQL at install.

    The leads are made here, then put back in the state the install finds them in (no code, no
    follow-up, 'To Follow Up', origin 'existing'), and adopted as the post-init hook does.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.stage_qualified = cls.env.ref("crm.stage_lead2")
        calendar = cls.env.company.resource_calendar_id
        # 2026-03-09 is a public holiday (a leave of the whole company's calendar).
        cls.env["resource.calendar.leaves"].create(
            {
                "name": "Public holiday",
                "calendar_id": calendar.id,
                "date_from": datetime(2026, 3, 9, 0, 0),
                "date_to": datetime(2026, 3, 9, 23, 59),
                "resource_id": False,
            }
        )
        # (name, created on, values)
        specs = [
            ("new", "2025-05-06 09:00:00", {}),
            ("noted", "2025-05-06 10:00:00", {}),
            ("qualified", "2025-05-07 08:00:00", {"stage_id": cls.stage_qualified.id}),
            ("done call", "2025-05-07 09:00:00", {}),
            ("won", "2025-05-07 10:00:00", {"stage_id": cls.stage_won.id}),
            ("lost", "2025-05-07 11:00:00", {}),
            ("planned call", "2025-05-07 12:00:00", {}),
            ("nobody's", "2025-05-07 13:00:00", {"user_id": False}),
        ]
        cls.leads = {}
        for name, _created, values in specs:
            cls.leads[name] = cls._lead(name=name, **values)
        cls.leads["noted"].message_post(
            body="Called: they want a quote", subtype_xmlid="mail.mt_note", message_type="comment"
        )
        call = cls.env.ref("mail.mail_activity_data_call")
        cls.leads["done call"].activity_schedule(
            activity_type_id=call.id, user_id=cls.user_salesman.id
        ).action_feedback(feedback="Reached the buyer")
        cls.leads["planned call"].activity_schedule(
            activity_type_id=call.id, user_id=cls.user_salesman.id, date_deadline=date(2026, 3, 10)
        )
        cls.leads["lost"].action_set_lost(lost_reason_id=cls.lost_reason.id)
        cls.env.flush_all()
        ids = [lead.id for lead in cls.leads.values()]
        # Back to what the install finds: leads of stock Odoo.
        cls.env.cr.execute(
            "DELETE FROM mail_activity WHERE res_model = 'crm.lead' AND res_id = ANY(%s) "
            "AND activity_type_id = %s",
            [ids, cls.followup_type.id],
        )
        cls.env.cr.execute("DELETE FROM sales_followup_risk WHERE lead_id = ANY(%s)", [ids])
        for name, created, _values in specs:
            cls.env.cr.execute(
                "UPDATE crm_lead SET create_date = %s, date_open = %s, followup_code = NULL, "
                "followup_status = 'to_contact', followup_origin = 'existing', "
                "followup_next_date = NULL, followup_start_date = CURRENT_DATE WHERE id = %s",
                [created, created, cls.leads[name].id],
            )
        # Codes 001 and 002 of 2025-05-06 were handed out before (the day's range goes on).
        sequence = cls.env.ref("sales_followup.ir_sequence_lead_code")
        cls.env["ir.sequence.date_range"].create(
            {
                "sequence_id": sequence.id,
                "date_from": "2025-05-06",
                "date_to": "2025-05-06",
                "number_next_actual": 3,
            }
        )
        cls.env.invalidate_all()

    def _adopt(self):
        with self.frozen("2026-03-06 08:00:00"):  # a Friday
            self.env["ir.config_parameter"].sudo().set_param(
                "sales_followup.install_date", "2026-03-06 08:00:00"
            )
            count = self.env["crm.lead"]._followup_adopt_existing(
                SQL("lead.id = ANY(%s)", [lead.id for lead in self.leads.values()])
            )
        self.assertEqual(count, len(self.leads))
        return self.leads

    def test_status_from_odoo_state(self):
        leads = self._adopt()
        self.assertEqual(
            {name: lead.followup_status for name, lead in leads.items()},
            {
                "new": "to_contact",
                "noted": "in_progress",
                "qualified": "in_progress",
                "done call": "in_progress",
                "won": "converted",
                "lost": "lost",
                "planned call": "to_contact",
                "nobody's": "to_contact",
            },
        )
        self.assertEqual(set(lead.followup_grade for lead in leads.values()), {"c"})
        self.assertEqual(set(lead.followup_origin for lead in leads.values()), {"existing"})
        self.assertEqual(leads["new"].followup_start_date, date(2025, 5, 6), "creation day")

    def test_codes_from_the_creation_day_in_creation_order(self):
        leads = self._adopt()
        self.assertEqual(leads["new"].followup_code, "LEAD-20250506-003")
        self.assertEqual(leads["noted"].followup_code, "LEAD-20250506-004")
        self.assertEqual(
            [leads[name].followup_code for name in ("qualified", "done call", "won", "lost")],
            [f"LEAD-20250507-00{serial}" for serial in range(1, 5)],
        )
        ranges = self.env["ir.sequence.date_range"].search(
            [("sequence_id", "=", self.env.ref("sales_followup.ir_sequence_lead_code").id)]
        )
        self.assertEqual(
            {str(r.date_from): r.number_next_actual for r in ranges if r.date_from.year == 2025},
            {"2025-05-06": 5, "2025-05-07": 7},
            "the next codes of those days do not collide",
        )

    def test_open_leads_get_one_followup_spread_on_working_days(self):
        leads = self._adopt()
        open_assigned = ["new", "noted", "qualified", "done call", "planned call"]
        for name, lead in leads.items():
            followups = self._followups(lead)
            with self.subTest(lead=name):
                self.assertEqual(len(followups), 1 if name in open_assigned else 0)
                self.assertEqual(lead.followup_next_date, followups.date_deadline or False)
        self.assertEqual(
            leads["planned call"].followup_next_date, date(2026, 3, 10), "the planned call's day"
        )
        spread = [leads[name].followup_next_date for name in open_assigned[:4]]
        self.assertEqual(len(set(spread)), 4, "spread over different days")
        for day in spread:
            self.assertGreater(day, date(2026, 3, 6), "from the next day on")
            self.assertLessEqual(day, date(2026, 3, 6) + timedelta(days=30), "grade C: 30 days")
            self.assertLess(day.weekday(), 5, "a working day")
            self.assertNotEqual(day, date(2026, 3, 9), "not on the public holiday")
        followup = self._followups(leads["new"])
        self.assertEqual(followup.user_id, self.user_salesman)
        self.assertEqual(followup.summary, self.followup_type.summary)

    def test_no_false_risk_then_the_rules_apply_from_the_install(self):
        leads = self._adopt()
        Risk = self.env["sales.followup.risk"]
        ids = [lead.id for lead in leads.values()]
        with self.frozen("2026-03-07 08:00:00"):
            Risk._apply_rules(lead_ids=ids)
        risks = Risk.search([("lead_id", "in", ids)])
        self.assertFalse(
            risks,
            f"nothing is the rep's fault yet: {[(r.lead_id.name, r.type_id.code) for r in risks]}",
        )
        # Three months without a contact logged: what is overdue or silent now is.
        with self.frozen("2026-06-08 08:00:00"):
            Risk._apply_rules(lead_ids=ids)
        codes = {
            name: set(
                lead.followup_risk_ids.filtered(lambda r: r.state == "open").type_id.mapped("code")
            )
            for name, lead in leads.items()
        }
        self.assertEqual(codes["new"], {"first_contact_late"}, "its spread follow-up is overdue")
        # Overdue by weeks: past the last escalation step, the overdue risk is the high one.
        self.assertEqual(codes["qualified"], {"overdue_long", "silent"})
        self.assertEqual(codes["won"], set(), "no after-sale revisit was scheduled")
        self.assertEqual(codes["lost"], set())
        self.assertEqual(codes["nobody's"], set())
