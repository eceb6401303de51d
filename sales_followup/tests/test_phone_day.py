"""A rep's day on a phone: the Today list (overdue, today, coming up), call-then-log, the note
after saving a log and visit check-in (no silent snoozing: test_postpone)."""

import ast
import math
from datetime import date, datetime, timedelta

from lxml import etree

from odoo.exceptions import UserError, ValidationError
from odoo.tests import Form, tagged

from odoo.addons.sales_followup.compat import formatted_groups

from .common import FollowupCommon


@tagged("post_install", "-at_install")
class TestToday(FollowupCommon):
    def _due_leads(self):
        """Leads of the salesman due 3 days ago, today, in 2 days, in 20 days, and a dormant
        one (no follow-up)."""
        with self.frozen("2026-03-10 09:00:00"):
            leads = {
                name: self._lead(name=name, followup_grade="b")
                for name in ("overdue", "today", "soon", "later", "none")
            }
            days = {"overdue": -3, "today": 0, "soon": 2, "later": 20}
            for name, offset in days.items():
                self._log(leads[name], next_date=date(2026, 3, 10))
                self._followups(leads[name]).with_context(sales_followup_engine=True).write(
                    {"date_deadline": date(2026, 3, 10) + timedelta(days=offset)}
                )
            leads["none"]._followup_set_dormant(date(2026, 5, 1))
            self.env.flush_all()
        return leads

    def test_buckets_search_group_and_order(self):
        leads = self._due_leads()
        other = self._lead(user=self.user_salesman_2, name="someone else's")
        Lead = self.env["crm.lead"].with_user(self.user_salesman)
        with self.frozen("2026-03-10 09:00:00"):
            expected = {
                "overdue": "overdue",
                "today": "today",
                "soon": "upcoming",
                "later": False,
                "none": False,
            }
            for name, bucket in expected.items():
                self.assertEqual(
                    leads[name].with_user(self.user_salesman).followup_due_bucket, bucket, name
                )
            mine = [("user_id", "=", self.user_salesman.id)]
            order = etree.fromstring(
                Lead.get_view(
                    self.env.ref("sales_followup.crm_lead_view_list_followup_today").id, "list"
                )["arch"]
            ).get("default_order")
            due = Lead.search(mine + [("followup_due_bucket", "!=", False)], order=order)
            self.assertEqual(
                due.mapped("name"), ["overdue", "today", "soon"], "overdue first, by due date"
            )
            self.assertEqual(
                Lead.search(mine + [("followup_due_bucket", "=", "overdue")]).mapped("name"),
                ["overdue"],
            )
            self.assertEqual(
                set(
                    Lead.search(
                        mine + [("followup_due_bucket", "in", ["today", "upcoming"])]
                    ).mapped("name")
                ),
                {"today", "soon"},
            )
            self.assertEqual(
                set(Lead.search(mine + [("followup_due_bucket", "=", False)]).mapped("name")),
                {"later", "none"},
            )
            self.assertEqual(
                set(
                    Lead.search(mine + [("followup_due_bucket", "not in", ["overdue"])]).mapped(
                        "name"
                    )
                ),
                {"today", "soon", "later", "none"},
            )
            groups = formatted_groups(
                Lead,
                mine + [("followup_due_bucket", "!=", False)],
                ["followup_due_bucket"],
                ["__count"],
            )
            self.assertEqual(
                [(group["followup_due_bucket"], group["__count"]) for group in groups],
                [("overdue", 1), ("today", 1), ("upcoming", 1)],
            )
            self.assertNotIn(
                other,
                Lead.sudo().search(
                    [("followup_due_bucket", "!=", False), ("user_id", "=", self.user_salesman.id)]
                ),
            )

    def test_today_follows_the_reps_time_zone(self):
        leads = self._due_leads()
        self.user_salesman.tz = "Asia/Shanghai"
        lead = leads["today"].with_user(self.user_salesman)
        # 20:00 UTC on the 10th is 04:00 on the 11th in Shanghai: the follow-up is overdue.
        with self.frozen("2026-03-10 20:00:00"):
            Lead = (
                self.env["crm.lead"].with_user(self.user_salesman).with_context(tz="Asia/Shanghai")
            )
            self.assertEqual(Lead.browse(lead.id).followup_due_bucket, "overdue")
            self.assertIn(lead, Lead.search([("followup_due_bucket", "=", "overdue")]))

    def test_bad_searches_are_refused_by_name(self):
        Lead = self.env["crm.lead"].with_user(self.user_salesman)
        with self.assertRaisesRegex(UserError, "Due: 'yesterday' is not one of"):
            Lead.search([("followup_due_bucket", "=", "yesterday")])
        with self.assertRaisesRegex(UserError, "Due: ilike is not a way"):
            Lead.search([("followup_due_bucket", "ilike", "over")])

    def test_next_action_and_last_contact_on_the_card(self):
        with self.frozen("2026-03-10 09:00:00"):
            lead = self._lead()
            self._log(lead, summary="Asked for the price list of the DN50 valves")
        with self.frozen("2026-03-11 09:00:00"):
            self._log(
                lead,
                summary="Sent the price list; the buyer compares with last year",
                next_action="Call the buyer about the discount",
            )
        lead = lead.with_user(self.user_salesman)
        self.assertEqual(lead.followup_next_action, "Call the buyer about the discount")
        self.assertEqual(
            lead.followup_last_summary, "Sent the price list; the buyer compares with last year"
        )
        fresh = self._lead(name="New").with_user(self.user_salesman)
        self.assertFalse(fresh.followup_last_summary)

    def test_last_contact_of_many_leads_in_one_query(self):
        leads = self.env["crm.lead"]
        for index in range(5):
            lead = self._lead(name=f"Lead {index}")
            self._log(lead, summary=f"Discussed order {index} of 20 units")
            leads |= lead
        leads = leads.with_user(self.user_salesman)
        leads.invalidate_recordset(["followup_last_summary"])
        with self.assertQueryCount(1):
            summaries = leads.mapped("followup_last_summary")
        self.assertEqual(summaries, [f"Discussed order {index} of 20 units" for index in range(5)])

    def test_today_cards_read_in_constant_queries(self):
        """Reading the Today cards costs the same number of queries for 3 leads as for 9."""
        view = self.env.ref("sales_followup.crm_lead_view_kanban_followup_today")
        Lead = self.env["crm.lead"].with_user(self.user_salesman)
        spec = {
            fname: {}
            for fname in etree.fromstring(Lead.get_view(view.id, "kanban")["arch"]).xpath(
                "//field/@name"
            )
        }
        domains = {}
        with self.frozen("2026-03-10 09:00:00"):
            for size in (3, 9):
                for index in range(size):
                    lead = self._lead(name=f"Batch {size} lead {index}", phone="+86 21 5555 0000")
                    self._log(lead, summary=f"Discussed order {index}", next_action="Call back")
                domains[size] = [("name", "like", f"Batch {size} lead")]
        counts = {}
        with self.frozen("2026-03-10 10:00:00"):
            for size, domain in domains.items():
                self.env.invalidate_all()
                Lead.web_search_read(domain, spec)  # warm-up: rules, access rights, xmlids
                self.env.invalidate_all()
                before = self.env.cr.sql_log_count
                records = Lead.web_search_read(domain, spec)["records"]
                counts[size] = self.env.cr.sql_log_count - before
                self.assertEqual(len(records), size)
                self.assertTrue(all(rec["followup_next_action"] == "Call back" for rec in records))
        self.assertEqual(counts[3], counts[9], "queries do not grow with the cards")

    def test_today_action_menu_and_views(self):
        action = self.env.ref("sales_followup.action_followup_today")
        self.assertEqual(action.res_model, "crm.lead")
        self.assertIn("search_default_assigned_to_me", action.context)
        self.assertIn("search_default_group_followup_due", action.context)
        self.assertEqual([view.view_mode for view in action.view_ids], ["list", "kanban", "form"])
        # First entry of the CRM menu for a salesman, and an app of its own.
        Menu = self.env["ir.ui.menu"].with_user(self.user_salesman)
        crm_root = self.env.ref("crm.crm_menu_root")
        children = Menu.search([("parent_id", "=", crm_root.id)])
        self.assertEqual(children[:1], self.env.ref("sales_followup.crm_lead_menu_followup_due"))
        root = self.env.ref("sales_followup.menu_followup_today_root")
        self.assertFalse(root.parent_id)
        self.assertEqual(root.action, action)
        self.assertIn(root.id, Menu._visible_menu_ids())
        # The CRM app still opens on Odoo's pipeline.
        web_menus = Menu.load_web_menus(False)
        self.assertEqual(
            web_menus[crm_root.id]["actionID"], self.env.ref("crm.action_your_pipeline").id
        )
        self.assertEqual(web_menus[root.id]["actionID"], action.id)
        # The card has everything the rep needs, the Log button a touch target.
        kanban = etree.fromstring(
            self.env["crm.lead"]
            .with_user(self.user_salesman)
            .get_view(
                self.env.ref("sales_followup.crm_lead_view_kanban_followup_today").id, "kanban"
            )["arch"]
        )
        for fname in (
            "followup_customer_name",
            "name",
            "followup_next_date",
            "followup_next_action",
            "followup_last_summary",
            "phone",
        ):
            self.assertTrue(kanban.xpath(f"//field[@name='{fname}']"), fname)
        self.assertTrue(kanban.xpath("//widget[@name='followup_call_button']"))
        log_button = kanban.xpath("//button[@name='action_followup_log']")[0]
        self.assertIn("o_followup_touch", log_button.get("class"))


@tagged("post_install", "-at_install")
class TestCallThenLog(FollowupCommon):
    def test_call_opens_the_log_dialog_with_phone(self):
        lead = self._lead(phone="+86 571 8888 1234").with_user(self.user_salesman)
        action = lead.action_followup_call()
        self.assertEqual(action["res_model"], "sales.followup.log")
        self.assertEqual(action["target"], "new")
        self.assertEqual(action["context"]["default_lead_id"], lead.id)
        self.assertEqual(action["context"]["default_method"], "phone")
        log = Form(
            self.env["sales.followup.log"]
            .with_user(self.user_salesman)
            .with_context(**action["context"]),
            view="sales_followup.sales_followup_log_view_form_quick",
        )
        self.assertEqual(log.method, "phone")

    def test_call_refused_on_a_lost_lead(self):
        lead = self._lead()
        lead.action_set_lost(lost_reason_id=self.lost_reason.id)
        with self.assertRaises(UserError):
            lead.with_user(self.user_salesman).action_followup_call()

    def test_log_first_on_the_form(self):
        arch = etree.fromstring(
            self.env["crm.lead"].with_user(self.user_salesman).get_view(view_type="form")["arch"]
        )
        header_buttons = arch.xpath("//header/button")
        self.assertEqual(header_buttons[0].get("name"), "action_followup_log")
        self.assertIn("btn-primary", header_buttons[0].get("class"))
        # Phones fold the header into a menu: a row above the title has Log and Call.
        phone_row = arch.xpath("//div[@name='followup_phone_actions']")[0]
        self.assertEqual(phone_row.xpath("./button")[0].get("name"), "action_followup_log")
        self.assertTrue(phone_row.xpath("./widget[@name='followup_call_button']"))
        self.assertEqual(arch.xpath("//notebook/page")[0].get("name"), "followup")

    def test_saving_says_what_comes_next(self):
        with self.frozen("2026-03-10 09:00:00"):  # a Tuesday
            lead = self._lead(followup_grade="b")
            log = self._log(lead, next_date=date(2026, 3, 17), next_action="Send the quotation")
            action = log.with_user(self.user_salesman).action_followup_save()
            self.assertEqual(action["tag"], "display_notification")
            self.assertEqual(action["params"]["next"], {"type": "ir.actions.act_window_close"})
            self.assertEqual(
                action["params"]["message"], "Next follow-up: Tue, Mar 17 — Send the quotation"
            )
            self.env["res.lang"]._activate_lang("zh_CN")
            message = (
                log.with_user(self.user_salesman)
                .with_context(lang="zh_CN")
                .action_followup_save()["params"]["message"]
            )
            self.assertIn("3月17日周二", message)
            self.assertIn("Send the quotation", message)
            visit = self._log(lead, method="visit", summary="Visited the plant, met the buyer")
            self.assertIn(
                "without a check-in",
                visit.with_user(self.user_salesman).action_followup_save()["params"]["message"],
            )
            lead.action_set_lost(lost_reason_id=self.lost_reason.id)
            self.assertIn(
                "No follow-up is planned",
                log.with_user(self.user_salesman).action_followup_save()["params"]["message"],
            )


@tagged("post_install", "-at_install")
class TestVisitCheckin(FollowupCommon):
    def _visit(self, **vals):
        values = {
            "method": "visit",
            "checkin_latitude": 30.2741,
            "checkin_longitude": 120.1551,
            "checkin_accuracy": 12.0,
        }
        values.update(vals)
        return values

    def test_checkin_is_stored_with_a_map_link(self):
        lead = self._lead()
        with self.frozen("2026-03-10 09:00:00"):
            log = self._log(lead, **self._visit())
        self.assertRecordValues(
            log,
            [
                {
                    "checkin_latitude": 30.2741,
                    "checkin_longitude": 120.1551,
                    "checkin_accuracy": 12.0,
                    "checkin_date": datetime(2026, 3, 10, 9, 0),
                }
            ],
        )
        self.assertIn("mlat=30.274100&mlon=120.155100", log.checkin_map_url)
        Log = self.env["sales.followup.log"].with_user(self.user_manager)
        self.assertEqual(Log.search([("checkin_date", "!=", False)]), log)
        self.assertFalse(self._log(lead, method="visit").checkin_map_url)

    def test_the_equator_is_a_position(self):
        lead = self._lead()
        log = self._log(
            lead,
            **self._visit(
                checkin_latitude=0.0, checkin_longitude=0.0, checkin_date="2026-03-10 08:00:00"
            ),
        )
        self.assertEqual(log.checkin_date, datetime(2026, 3, 10, 8, 0))
        self.assertEqual((log.checkin_latitude, log.checkin_longitude), (0.0, 0.0))
        # What the log dialog sends for a log without a check-in.
        plain = self._log(
            lead,
            method="phone",
            checkin_latitude=0.0,
            checkin_longitude=0.0,
            checkin_accuracy=0.0,
            checkin_date=False,
        )
        self.assertFalse(plain.checkin_date)

    def test_impossible_positions_are_refused(self):
        lead = self._lead()
        Log = self.env["sales.followup.log"].with_user(self.user_salesman)
        cases = [
            ({"checkin_latitude": 91.0}, "Check-in Latitude: 91.0 is not a position on Earth"),
            ({"checkin_longitude": -180.5}, "Check-in Longitude: -180.5 is not a position"),
            ({"checkin_accuracy": -3.0}, "Check-in Accuracy \\(m\\): -3.0 is not a position"),
            ({"checkin_accuracy": 1e9}, "Check-in Accuracy"),
            ({"checkin_latitude": math.nan}, "Check-in Latitude: nan"),
            ({"checkin_latitude": "north"}, "Check-in Latitude: 'north'"),
            ({"checkin_longitude": None}, "Check-in Longitude: a check-in needs"),
            ({"method": "phone"}, "only a visit has a check-in"),
            ({"checkin_date": "2099-01-01 00:00:00"}, "Checked In At: '2099-01-01 00:00:00'"),
            ({"checkin_date": "yesterday"}, "Checked In At: 'yesterday'"),
        ]
        for change, message in cases:
            with self.subTest(change=change):
                values = {"lead_id": lead.id, "summary": "Visited the plant, met the buyer"}
                values.update(self._visit(**change))
                with self.assertRaisesRegex(ValidationError, message):
                    Log.create(values)
        self.assertFalse(lead.followup_log_ids, "nothing half-written")

    def test_checkin_is_recorded_once(self):
        lead = self._lead()
        log = self._log(lead, **self._visit()).with_user(self.user_salesman)
        with self.assertRaisesRegex(ValidationError, "Check-in: it is recorded once"):
            log.write({"checkin_latitude": 31.2304})
        with self.assertRaisesRegex(ValidationError, "Method: this log is a visit"):
            log.write({"method": "phone"})
        with self.assertRaisesRegex(ValidationError, "Check-in: it is recorded once"):
            log.with_user(self.user_manager).write({"checkin_date": False})
        log.write({"summary": "Visited the plant, met the buyer and the plant manager"})
        self.assertEqual(log.checkin_latitude, 30.2741)

    def test_refused_location_saves_without_checkin(self):
        """The browser gives no position: the dialog saves the visit as it is."""
        lead = self._lead()
        form = Form(
            self.env["sales.followup.log"]
            .with_user(self.user_salesman)
            .with_context(default_lead_id=lead.id),
            view="sales_followup.sales_followup_log_view_form_quick",
        )
        form.method = "visit"
        form.summary = "Visited the plant, the buyer was out; met the engineer"
        log = form.save()
        self.assertFalse(log.checkin_date)
        self.assertEqual(lead.followup_log_ids, log)

    def test_changing_the_method_drops_the_checkin(self):
        lead = self._lead()
        log = (
            self.env["sales.followup.log"]
            .with_user(self.user_salesman)
            .new({"lead_id": lead.id, **self._visit(checkin_date=datetime(2026, 3, 10, 9, 0))})
        )
        log._onchange_method_checkin()
        self.assertEqual(log.checkin_latitude, 30.2741, "a visit keeps it")
        log.method = "phone"
        log._onchange_method_checkin()
        self.assertFalse(log.checkin_date)
        self.assertFalse(log.checkin_latitude)

    def test_managers_filter_visits_with_and_without_checkin(self):
        arch = etree.fromstring(
            self.env["sales.followup.log"]
            .with_user(self.user_manager)
            .get_view(view_type="search")["arch"]
        )
        lead = self._lead()
        checked = self._log(lead, **self._visit())
        unchecked = self._log(lead, method="visit", summary="Visited the plant, the buyer was out")
        self._log(lead, summary="Called the buyer about the delivery date")
        Log = self.env["sales.followup.log"].with_user(self.user_manager)
        for name, expected in (
            ("visit_checked_in", checked),
            ("visit_not_checked_in", unchecked),
        ):
            domain = ast.literal_eval(arch.xpath(f"//filter[@name='{name}']")[0].get("domain"))
            self.assertEqual(Log.search(domain), expected, name)
