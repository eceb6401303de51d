from datetime import datetime

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged

from odoo.addons.sales_followup.compat import formatted_groups

from .common import FollowupCommon


@tagged("post_install", "-at_install")
class TestRisk(FollowupCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        ref = cls.env.ref
        cls.type_competitor = ref("sales_followup.risk_type_competitor")
        cls.type_requirement = ref("sales_followup.risk_type_requirement_change")
        cls.type_budget = ref("sales_followup.risk_type_budget")
        cls.type_overdue = ref("sales_followup.risk_type_overdue")
        cls.type_no_reply = ref("sales_followup.risk_type_no_reply")
        cls.type_silent = ref("sales_followup.risk_type_silent")
        cls.type_first_late = ref("sales_followup.risk_type_first_contact_late")
        cls.no_response = ref("sales_followup.lost_reason_no_response")

    def _scan(self):
        self.env["sales.followup.risk"]._cron_followup_risk_scan()

    def _open(self, lead):
        return lead.followup_risk_ids.filtered(lambda r: r.state == "open").type_id

    def _raise(self, lead, risk_type, note=False, user=None):
        return (
            self.env["sales.followup.risk"]
            .with_user(user or self.user_salesman)
            .create({"lead_id": lead.id, "type_id": risk_type.id, "note": note})
        )

    # Manual risks

    def test_salesperson_without_email_raises_resolves_and_sets_dormant(self):
        """Salespeople who sign in with a phone number have no e-mail address: what they write
        in the lead's chatter (a risk raised or resolved, a dormant lead's reason) is a note
        of theirs all the same, where Odoo's message_post would refuse it."""
        self.user_salesman.partner_id.email = False
        with self.frozen("2026-03-10 09:00:00"):
            lead = self._lead()
            self._log(lead)
            risk = self._raise(lead, self.type_competitor, note="Asked <Siemens> for a quote")
            note = lead.message_ids[0]
            self.assertEqual(note.author_id, self.user_salesman.partner_id)
            self.assertEqual(note.subtype_id, self.env.ref("mail.mt_note"))
            self.assertIn("Risk raised: Comparing competitors", note.body)
            self.assertIn("Asked &lt;Siemens&gt; for a quote", note.body, "the note is escaped")
            risk.with_user(self.user_salesman).action_resolve()
            self.assertEqual(risk.state, "resolved")
            self.assertIn("Risk resolved: Comparing competitors", lead.message_ids[0].body)
            action = lead.with_user(self.user_salesman).action_followup_set_dormant()
            self.env[action["res_model"]].with_user(self.user_salesman).with_context(
                **action["context"]
            ).create({"wakeup_date": "2026-06-01", "note": "Budget <frozen>"}).action_apply()
            self.assertEqual(lead.followup_status, "dormant")
            note = lead.message_ids[0]
            self.assertEqual(note.author_id, self.user_salesman.partner_id)
            self.assertIn("Budget &lt;frozen&gt;", note.body)

    def test_raise_and_resolve_by_hand(self):
        lead = self._lead()
        action = lead.with_user(self.user_salesman).action_followup_raise_risk()
        self.assertEqual(action["res_model"], "sales.followup.risk")
        self.assertEqual(action["context"]["default_lead_id"], lead.id)
        risk = self._raise(lead, self.type_competitor, note="Asked Siemens for a quote too")
        self.assertEqual(risk.state, "open")
        self.assertEqual(risk.raised_by_id, self.user_salesman)
        self.assertEqual(lead.followup_risk_level, "high")
        self.assertEqual(lead.followup_risk_type_ids, self.type_competitor)
        self.assertIn("Risk raised: Comparing competitors", lead.message_ids[0].body)
        self.assertIn("Siemens", lead.message_ids[0].body)

        self._raise(lead, self.type_requirement)
        risk.with_user(self.user_salesman).action_resolve()
        self.assertEqual(risk.state, "resolved")
        self.assertTrue(risk.date_resolved)
        self.assertIn("Risk resolved: Comparing competitors", lead.message_ids[0].body)
        self.assertEqual(lead.followup_risk_level, "watch", "requirement change is still open")
        self.assertEqual(lead.followup_risk_type_ids, self.type_requirement)
        again = self._raise(lead, self.type_competitor)
        self.assertEqual(again.state, "open", "a resolved risk can be raised again")
        self.assertEqual(len(lead.followup_risk_ids), 3, "history is kept")

    def test_manual_bad_input(self):
        lead = self._lead()
        self._raise(lead, self.type_competitor)
        with self.assertRaisesRegex(ValidationError, "already has an open 'Comparing competitors'"):
            self._raise(lead, self.type_competitor)
        with self.assertRaisesRegex(UserError, "raised and resolved by the follow-up rules"):
            self._raise(lead, self.type_overdue)
        self.assertEqual(len(lead.followup_risk_ids), 1, "nothing written")
        with self.frozen("2026-03-10 09:00:00"):
            dormant = self._lead()
            dormant._followup_set_dormant(datetime(2026, 6, 1).date())
        lost = self._lead()
        lost.action_set_lost(lost_reason_id=self.lost_reason.id)
        archived = self._lead()
        archived.action_archive()
        for closed in (dormant, lost, archived):
            with self.subTest(lead=closed.name), self.assertRaisesRegex(UserError, "open leads"):
                self._raise(closed, self.type_budget)
            self.assertFalse(closed.followup_risk_ids)
        with self.assertRaisesRegex(UserError, "open leads"):
            lost.with_user(self.user_salesman).action_followup_raise_risk()

    def test_threshold_settings(self):
        Settings = self.env["res.config.settings"]
        for fname, value in (
            ("followup_risk_no_reply_count", 0),
            ("followup_risk_silent_days", 0),
            ("followup_risk_silent_days", -5),
            ("followup_risk_overdue_grace_days", -1),
        ):
            with (
                self.subTest(fname=fname, value=value),
                self.assertRaisesRegex(ValidationError, "must be a whole number from"),
            ):
                Settings.create({fname: value})
        Settings.create({"followup_risk_overdue_grace_days": 0}).execute()
        defaults = Settings.create({})
        self.assertEqual(
            (
                defaults.followup_risk_overdue_grace_days,
                defaults.followup_risk_no_reply_count,
                defaults.followup_risk_silent_days,
                defaults.followup_risk_auto_lost,
            ),
            (0, 3, 90, False),
        )

    def test_automatic_risk_cannot_be_resolved_by_hand(self):
        with self.frozen("2026-03-10 09:00:00"):
            lead = self._lead(followup_grade="a")
            self._log(lead)
        with self.frozen("2026-03-13 09:00:00"):
            self._scan()
            risk = lead.followup_risk_ids
            self.assertEqual(risk.type_id, self.type_overdue)
            with self.assertRaisesRegex(UserError, "resolved by its rule"):
                risk.with_user(self.user_salesman).action_resolve()
            with self.assertRaisesRegex(UserError, "use Resolve"):
                risk.with_user(self.user_salesman).write({"state": "resolved"})

    # Automatic rules

    def test_overdue(self):
        with self.frozen("2026-03-10 09:00:00"):
            lead = self._lead(followup_grade="a")
            self._log(lead)  # next follow-up due 2026-03-11
        with self.frozen("2026-03-11 20:00:00"):
            self._scan()
            self.assertFalse(lead.followup_risk_ids, "due today is not overdue")
        with self.frozen("2026-03-12 08:00:00"):
            self._scan()
            self.assertEqual(self._open(lead), self.type_overdue)
            self.assertEqual(lead.followup_risk_level, "watch")
            self._log(lead, summary="Called back: the plant manager approves the trial order")
            self.assertFalse(self._open(lead), "resolved by the next log")
            self.assertEqual(lead.followup_risk_level, "none")
            self.assertEqual(lead.followup_risk_ids.state, "resolved")

    def test_overdue_grace_days(self):
        self._set_param("risk_overdue_grace_days", 2)
        with self.frozen("2026-03-10 09:00:00"):
            lead = self._lead(followup_grade="a")
            self._log(lead)
        with self.frozen("2026-03-13 09:00:00"):
            self._scan()
            self.assertFalse(self._open(lead), "2 days late, within the grace")
        with self.frozen("2026-03-14 09:00:00"):
            self._scan()
            self.assertEqual(self._open(lead), self.type_overdue)

    def test_no_reply_makes_a_lost_candidate(self):
        with self.frozen("2026-03-10 09:00:00"):
            lead = self._lead(followup_grade="b")
            self._log(lead, customer_responded=False, summary="No answer on the mobile")
            self._log(lead, customer_responded=False, summary="No answer, SMS sent")
            self.assertFalse(lead.followup_lost_candidate)
            self._log(lead, customer_responded=False, summary="Switchboard says he is away")
            self.assertEqual(self._open(lead), self.type_no_reply, "applied at once on the log")
            self.assertTrue(lead.followup_lost_candidate)
            self.assertEqual(lead.followup_risk_level, "high")
            found = (
                self.env["crm.lead"]
                .with_user(self.user_salesman)
                .search([("followup_lost_candidate", "=", True)])
            )
            self.assertIn(lead, found)

            action = lead.with_user(self.user_salesman).action_followup_mark_lost_no_response()
            self.assertEqual(action["res_model"], "crm.lead.lost")
            wizard = (
                self.env["crm.lead.lost"]
                .with_user(self.user_salesman)
                .with_context(**action["context"])
                .create({})
            )
            self.assertEqual(wizard.lost_reason_id, self.no_response, "reason prefilled")
            wizard.action_lost_reason_apply()
            self.assertEqual(lead.followup_status, "lost")
            self.assertFalse(self._open(lead), "automatic risks are resolved on a lost lead")
            self.assertFalse(lead.followup_lost_candidate)

    def test_no_reply_threshold_and_answer(self):
        self._set_param("risk_no_reply_count", 2)
        with self.frozen("2026-03-10 09:00:00"):
            lead = self._lead()
            self._log(lead, customer_responded=False)
            self._log(lead, customer_responded=False)
            self.assertTrue(lead.followup_lost_candidate)
            self._log(lead, customer_responded=True, summary="He answered: budget moved to Q3")
            self.assertFalse(lead.followup_lost_candidate)

    def test_auto_lost_setting(self):
        self._set_param("risk_auto_lost", "True")
        with self.frozen("2026-03-10 09:00:00"):
            lead = self._lead()
            for _index in range(3):
                self._log(lead, customer_responded=False)
            self.assertFalse(lead.active)
            self.assertEqual(lead.followup_status, "lost")
            self.assertEqual(lead.lost_reason_id, self.no_response)

    def test_silent_open_leads_and_customers(self):
        with self.frozen("2026-01-01 09:00:00"):
            lead = self._lead(name="Open lead")
            customer = self._lead(name="Customer")
            self._log(lead, summary="Sent the catalogue; he answered he reads it this week")
            self._log(customer, summary="Signed the framework contract for 2026")
            customer.action_set_won()
        with self.frozen("2026-03-31 09:00:00"):  # 89 days
            self._scan()
            self.assertNotIn(self.type_silent, self._open(lead))
        with self.frozen("2026-04-02 09:00:00"):  # 91 days
            self._scan()
            self.assertIn(self.type_silent, self._open(lead))
            self.assertIn(self.type_silent, self._open(customer), "churn watch on customers")
            self._log(lead, customer_responded=False)
            self.assertIn(self.type_silent, self._open(lead), "an unanswered call is no response")
            self._log(lead, summary="He called back: project restarts in May")
            self.assertNotIn(self.type_silent, self._open(lead))

    def test_first_contact_late(self):
        with self.frozen("2026-03-10 09:00:00"):
            lead = self._lead()
            unassigned = self._lead(user=False)
        with self.frozen("2026-03-11 08:00:00"):
            self._scan()
            self.assertFalse(lead.followup_risk_ids, "within 24 hours")
        with self.frozen("2026-03-11 10:00:00"):
            self._scan()
            self.assertEqual(self._open(lead), self.type_first_late)
            self.assertFalse(unassigned.followup_risk_ids, "nobody was assigned")
            self._log(lead, summary="First call: needs 3 machines, visit planned")
            self.assertFalse(self._open(lead))
            self.assertEqual(lead.followup_risk_ids.state, "resolved", "kept as history")

    def test_first_contact_late_without_scan_leaves_history(self):
        with self.frozen("2026-03-10 09:00:00"):
            lead = self._lead()
        with self.frozen("2026-03-12 09:00:00"):
            self._log(lead, summary="First call two days late: the buyer already has offers")
            history = lead.followup_risk_ids
            self.assertEqual(history.type_id, self.type_first_late)
            self.assertEqual(history.state, "resolved")

    def test_dormant_lost_archived_never_flagged(self):
        with self.frozen("2026-03-10 09:00:00"):
            sleeping = self._lead(followup_grade="a")
            self._log(sleeping)
            lost = self._lead(followup_grade="a")
            self._log(lost)
            archived = self._lead(followup_grade="a")
            self._log(archived)
        with self.frozen("2026-03-13 09:00:00"):
            self._scan()
            for lead in (sleeping, lost, archived):
                self.assertEqual(self._open(lead), self.type_overdue)
            sleeping._followup_set_dormant(datetime(2026, 6, 1).date())
            lost.action_set_lost(lost_reason_id=self.lost_reason.id)
            archived.action_archive()
            for lead in (sleeping, lost, archived):
                self.assertFalse(self._open(lead), f"{lead.followup_status}: resolved at once")
                self.assertEqual(lead.followup_risk_level, "none")
        with self.frozen("2026-05-01 09:00:00"):
            self._scan()
            for lead in (sleeping, lost, archived):
                self.assertFalse(self._open(lead))

    def test_manual_risks_survive_the_scan(self):
        with self.frozen("2026-03-10 09:00:00"):
            lead = self._lead(followup_grade="a")
            self._log(lead)
            self._raise(lead, self.type_competitor)
        with self.frozen("2026-03-13 09:00:00"):
            self._scan()
            self._scan()
            self.assertEqual(self._open(lead), self.type_competitor | self.type_overdue)
            self._log(lead)
            self.assertEqual(self._open(lead), self.type_competitor)
            self.assertEqual(lead.followup_risk_level, "high")

    def test_scan_is_idempotent(self):
        with self.frozen("2026-01-05 09:00:00"):
            leads = self.env["crm.lead"]
            for index in range(6):
                lead = self._lead(name=f"Lead {index}", followup_grade="abc"[index % 3])
                self._log(lead, customer_responded=bool(index % 2))
                leads |= lead
        with self.frozen("2026-04-20 09:00:00"):
            self._scan()
            Risk = self.env["sales.followup.risk"]
            first = Risk.search_read(
                [], ["lead_id", "type_id", "state", "date_raised", "date_resolved"]
            )
            levels = leads.mapped("followup_risk_level")
            self.assertTrue(Risk.search_count([("state", "=", "open")]))
            self.assertEqual(Risk._apply_rules(lead_ids=leads.ids), [], "nothing left to change")
            self._scan()
            self.env.invalidate_all()
            self.assertEqual(
                Risk.search_read(
                    [], ["lead_id", "type_id", "state", "date_raised", "date_resolved"]
                ),
                first,
            )
            self.assertEqual(leads.mapped("followup_risk_level"), levels)

    def test_scan_resumes_from_its_position(self):
        """In the cron, each call does one batch and saves its position: a scan stopped midway
        keeps its batches and the next call goes on from there."""
        with self.frozen("2026-03-10 09:00:00"):
            leads = self.env["crm.lead"]
            for index in range(5):
                lead = self._lead(name=f"Batch lead {index}", followup_grade="a")
                self._log(lead)
                leads |= lead
        cron = self.env.ref("sales_followup.ir_cron_followup_risk_scan")
        progress = self.env["ir.cron.progress"].create(
            {"cron_id": cron.id, "remaining": 0, "done": 0}
        )
        Risk = self.env["sales.followup.risk"].with_context(
            ir_cron_progress_id=progress.id, cron_id=cron.id
        )
        ICP = self.env["ir.config_parameter"].sudo()
        batch = max(1, (leads[-1].id - leads[0].id) // 2)
        # Start the range just before our leads so that the batches split them.
        ICP.set_param("sales_followup.risk_scan_position", leads[0].id - 1)
        with self.frozen("2026-03-14 09:00:00"), self.batch_commits_skipped():
            Risk._cron_followup_risk_scan(batch_size=batch)
            self.assertGreater(progress.remaining, 0)
            position = int(ICP.get_param("sales_followup.risk_scan_position"))
            self.assertEqual(position, leads[0].id - 1 + batch)
            flagged = leads.filtered(lambda lead: lead.followup_risk_level != "none")
            self.assertTrue(flagged and flagged != leads, "first batch done, the rest not yet")
            for _call in range(10):
                if not progress.remaining:
                    break
                Risk._cron_followup_risk_scan(batch_size=batch)
            self.assertEqual(progress.remaining, 0)
            self.assertEqual(int(ICP.get_param("sales_followup.risk_scan_position")), 0)
            self.assertEqual(set(leads.mapped("followup_risk_level")), {"watch"})

    # Views and access

    def test_kanban_and_search(self):
        with self.frozen("2026-03-10 09:00:00"):
            lead = self._lead()
            self._raise(lead, self.type_competitor)
            Lead = self.env["crm.lead"].with_user(self.user_salesman)
            self.assertIn(lead, Lead.search([("followup_risk_level", "!=", "none")]))
            groups = formatted_groups(
                Lead, [("id", "=", lead.id)], ["followup_risk_type_ids"], ["__count"]
            )
            self.assertEqual(groups[0]["followup_risk_type_ids"][0], self.type_competitor.id)
            arch = Lead.get_views([(False, "kanban")])["views"]["kanban"]["arch"]
            self.assertIn("followup_risk_type_ids", arch)
            self.assertIn("action_followup_mark_lost_no_response", arch)

    def test_salesman_cannot_read_other_risks(self):
        mine = self._lead(name="Mine")
        other = self._lead(user=self.user_salesman_2, name="Li's")
        my_risk = self._raise(mine, self.type_competitor)
        other_risk = self._raise(other, self.type_competitor, user=self.user_salesman_2)
        Risk = self.env["sales.followup.risk"].with_user(self.user_salesman)
        self.assertEqual(Risk.search([]), my_risk)
        with self.assertRaises(AccessError):
            other_risk.with_user(self.user_salesman).read(["note"])
        self.assertEqual(Risk.search_count([("lead_id", "=", other.id)]), 0)
        groups = formatted_groups(Risk, [], ["lead_id"], ["__count"])
        self.assertEqual([g["lead_id"][0] for g in groups], [mine.id])
        with self.assertRaises(AccessError):
            self._raise(other, self.type_budget)
        with self.assertRaises(AccessError):
            other_risk.with_user(self.user_salesman).action_resolve()
        self.assertEqual(other_risk.state, "open")
        with self.assertRaises(AccessError):
            my_risk.with_user(self.user_salesman).unlink()
        my_risk.with_user(self.user_manager).unlink()
        self.assertFalse(my_risk.exists())

    def test_scan_query_count_does_not_grow(self):
        counts = {}
        Lead = self.env["crm.lead"]
        # The first size only warms the caches (settings, references) so that 100 and 1,000
        # are both counted warm.
        for size in (10, 100, 1000):
            with self.frozen("2026-03-10 09:00:00"):
                leads = Lead.create(
                    [
                        {"name": f"Scale {size} {index}", "type": "opportunity", "user_id": False}
                        for index in range(size)
                    ]
                )
            # Bulk state: following, overdue, three unanswered follow-ups (fast to set up).
            self.env.flush_all()
            self.env.cr.execute(
                "UPDATE crm_lead SET followup_status = 'in_progress', "
                "followup_next_date = '2026-03-01', followup_unanswered_count = 3, "
                "followup_last_response_date = '2026-03-01' WHERE id = ANY(%s)",
                [leads.ids],
            )
            self.env.invalidate_all()
            with self.frozen("2026-03-10 09:00:00"):
                self.env.flush_all()
                before = self.cr.sql_log_count
                self._scan()
                self.env.flush_all()
                counts[size] = self.cr.sql_log_count - before
            self.assertEqual(set(leads.mapped("followup_risk_level")), {"high"})
            self.assertTrue(all(leads.mapped("followup_lost_candidate")))
        self.assertEqual(counts[100], counts[1000], counts)
