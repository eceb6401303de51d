"""The visibility matrix of Sales Follow-up (the machinery: visibility_matrix_common): its table
of models, and of the models of other addons it gives fields. Beside the table: the notes
computed on the lead form (the duplicate note, on an existing lead and while a new one is
typed), the refusals of the pool's doors and dialogs for leads the role may not see, and the
files our models keep, through ``/web/content``."""

import base64
from datetime import timedelta

from odoo import Command, fields
from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .matrix_common import ROLES
from .visibility_matrix_common import VisibilityMatrixCase, texts


@tagged("post_install", "-at_install")
class TestVisibilityMatrix(VisibilityMatrixCase):
    MODULE = "sales_followup"
    EXPECTATIONS = {
        "sales.followup.log": ("lead", "A follow-up log is seen with its lead."),
        "sales.followup.risk": ("lead", "A risk is seen with its lead."),
        "sales.followup.ownership": ("lead", "The ownership history is seen with its lead."),
        "sales.followup.pool.lead": ("pool", "The pool, with its public columns only."),
        "sales.followup.risk.type": ("shared", "The kinds of risk (configuration)."),
        "sales.followup.word": ("company_config", "The words users write (configuration)."),
        "sales.followup.import.job": ("import_job", "Holds a tracker file of customers."),
        "sales.followup.import.job.row": ("import_job_row", "Rows of a tracker file."),
        "sales.followup.dormant.wizard": ("creator", "Leads picked to set dormant."),
        "sales.followup.postpone.wizard": ("creator", "A follow-up to postpone and why."),
        "sales.followup.release.wizard": ("creator", "Leads to release and why."),
        "sales.followup.pool.assign.wizard": ("creator", "Pool leads to hand out."),
        "sales.followup.handover.wizard": ("creator", "The leaving salespeople."),
        "sales.followup.import": ("creator", "An uploaded tracker of customers."),
        "sales.followup.import.sheet": ("creator", "The sheets of an uploaded tracker."),
        "sales.followup.import.column": ("creator", "Its columns and first values."),
        "sales.followup.import.error": ("creator", "Its problems, with the bad values."),
        "sales.followup.import.stage": ("creator", "Its stages and their mapping."),
        "sales.followup.robot": (
            "robot",
            "A team chat's robot: its webhook's credentials, for sales managers.",
        ),
        "sales.followup.robot.message": ("robot", "What a team robot posted or will post."),
        "sales.followup.robot.post": ("abstract", "Writes the team robots' posts."),
        "sales.followup.digest": ("abstract", "Builds the daily digests (sent as mail)."),
        "sales.followup.import.loader": ("abstract", "Writes the rows of an import."),
        "sales.followup.input.guard": ("abstract", "Checks what callers send."),
        "sales.followup.engine": ("abstract", "Schedules the leads' Follow-ups."),
        "sales.followup.settings": ("abstract", "Reads the follow-up settings."),
    }
    EXTENDED = {
        "crm.lead": (
            "lead",
            "Our fields on the leads the role may see, computed notes included: the duplicate "
            "note warns of leads of the same customer in the role's companies (never another "
            "company's).",
        ),
        "crm.lead.lost": ("settings", "Whether the lost dialog requires a reason (a setting)."),
        "crm.stage": ("settings", "The names a tracker gives a stage (configuration)."),
        "res.config.settings": ("settings", "The follow-up and pool settings."),
        "res.users": ("settings", "Whether a person gets the digest, and when it was sent."),
        "utm.source": ("settings", "The lead code prefix and sequence of a source."),
    }

    @classmethod
    def _seed_records(cls):
        # The pool shows the least the settings allow: its leads' need and customer are not
        # public either, so that nothing in the pool may name them before they are claimed.
        cls.env["ir.config_parameter"].sudo().set_param(
            "sales_followup.pool_public_fields", "followup_grade,source_id,followup_last_date"
        )
        own, other = cls.roles["own"], cls.roles["other_company"]
        manager, admin = cls.roles["manager"], cls.roles["admin"]
        mine = {own: cls.leads[(1, "a", "open")], other: cls.leads[(2, "a", "open")]}
        later = fields.Date.today() + timedelta(days=30)
        for user, lead in mine.items():
            As = cls.env(user=user)
            As["sales.followup.dormant.wizard"].create(
                {"lead_ids": [Command.set(lead.ids)], "wakeup_date": later, "note": "Matrix"}
            )
            As["sales.followup.postpone.wizard"].create(
                {"lead_id": lead.id, "new_date": later, "reason": "Matrix"}
            )
            As["sales.followup.release.wizard"].create(
                {"lead_ids": [Command.set(lead.ids)], "reason": "Matrix"}
            )
        cls.env(user=manager)["sales.followup.pool.assign.wizard"].create(
            {"lead_ids": [Command.set(cls.leads[(1, "a", "pool")].ids)], "user_id": own.id}
        )
        cls.env(user=admin)["sales.followup.handover.wizard"].create(
            {"user_ids": [Command.set(cls.roles["own_b"].ids)], "target": "pool"}
        )
        cls.import_jobs = {}
        for company, starter in ((1, manager), (2, cls.manager_2)):
            As = cls.env(user=starter, context={"allowed_company_ids": [cls.companies[company].id]})
            wizard = As["sales.followup.import"].create(
                {
                    "filename": f"Matrix tracker {company}.xlsx",
                    "company_id": cls.companies[company].id,
                }
            )
            As["sales.followup.import.sheet"].create(
                {"wizard_id": wizard.id, "index": 0, "name": f"Matrix sheet {company}"}
            )
            As["sales.followup.import.column"].create({"wizard_id": wizard.id, "index": 0})
            As["sales.followup.import.error"].create(
                {"wizard_id": wizard.id, "row": 2, "value": "x", "message": "Matrix"}
            )
            As["sales.followup.import.stage"].create({"wizard_id": wizard.id, "value": "Won"})
            job = (
                cls.env["sales.followup.import.job"]
                .sudo()
                .create(
                    {
                        "name": f"Matrix tracker {company}.xlsx",
                        "user_id": starter.id,
                        "company_id": cls.companies[company].id,
                        "file": base64.b64encode(b"Matrix tracker file"),
                    }
                )
            )
            cls.env["sales.followup.import.job.row"].sudo().create(
                {"job_id": job.id, "number": 2, "cells": ["Matrix row"]}
            )
            cls.import_jobs[company] = job
            cls.env(user=starter)["sales.followup.word"].create(
                {"name": f"Matrix word {company}", "company_id": cls.companies[company].id}
            )
            robot = cls.env["sales.followup.robot"].create(
                {
                    "name": f"Matrix robot {company}",
                    "kind": "dingtalk",
                    "webhook_url": f"https://oapi.dingtalk.com/robot/send?access_token=m{company}",
                    "secret": f"SECmatrix{company}",
                    "company_id": cls.companies[company].id,
                    "team_ids": [(6, 0, cls.leads[(company, "a", "open")].team_id.ids)],
                }
            )
            robot._robot_queue("test", f"Matrix message {company}", "Matrix")

    def test_matrix_covers_every_model(self):
        self._check_table()

    def test_visibility_matrix(self):
        self._run_table()

    def test_duplicate_notes_stay_in_the_company(self):
        """The duplicate note, read on a lead and computed while a new lead is typed (as the
        lead form's onchange does), names no lead, customer or person of another company."""
        Lead = self.env["crm.lead"]
        spec = {"followup_duplicate_note": {}, "phone": {}, "partner_name": {}}
        for role in ROLES:
            user = self.roles[role]
            company_leads = self._all_leads().filtered(
                lambda lead, user=user: lead.company_id in user.company_ids
            )
            self.env.invalidate_all()
            seen = Lead.with_user(user).search([("id", "in", self._all_leads().ids)])
            with self.subTest(role=role, form="existing leads"):
                values = seen.web_read(spec)
                self.assertNamesNothingUnseen(
                    role, values, "duplicate notes", self._seen(role, company_leads)
                )
            for lead in self._leads_of(state="open") | self.twin_2:
                with self.subTest(role=role, form="new lead", phone_of=lead.name):
                    result = Lead.with_user(user).onchange(
                        {"phone": lead.phone, "partner_name": lead.partner_name, "type": "lead"},
                        ["phone"],
                        spec,
                    )
                    self.assertNamesNothingUnseen(
                        role,
                        result,
                        "duplicate note of a new lead",
                        self._seen(role, company_leads),
                    )
        # Not a note that is never written: a manager typing the phone of a company-1 lead
        # is told who holds it (and only that one: its company-2 twin is not named).
        result = Lead.with_user(self.roles["manager"]).onchange(
            {"phone": self.twin_2.phone, "partner_name": "", "type": "lead"}, ["phone"], spec
        )
        note = result["value"].get("followup_duplicate_note") or ""
        self.assertIn(self.leads[(1, "a", "open")].followup_code, note)
        self.assertNotIn(self.twin_2.followup_code, note)

    @mute_logger("odoo.models", "odoo.addons.base.models.ir_rule")
    def test_refusals_name_nothing_unseen(self):
        """The pool's doors and the dialogs refuse a lead the role may not act on by a message
        that names no lead, customer or person the role may not see: claiming (on the lead and
        in the pool), releasing, postponing, setting dormant."""
        for role in ROLES:
            user = self.roles[role]
            pool_seen = (
                self.env["sales.followup.pool.lead"]
                .sudo()
                .search([])
                .filtered(lambda row, role=role: self._visible_pool(role, row))
            )
            seen = self._seen_in(role, "pool", pool_seen)
            unseen = self._all_leads().filtered(lambda lead, seen=seen: lead not in seen)
            for lead in unseen:
                doors = self._doors(user, lead)
                for door, call in doors.items():
                    with self.subTest(role=role, door=door, lead=lead.name):
                        # An AccessError is a UserError too.
                        with (
                            self.assertRaises(
                                UserError, msg=f"{role}: {door} {lead.name}"
                            ) as caught,
                            self.env.cr.savepoint(),
                        ):
                            # As in a request: nothing read before is in the cache.
                            self.env.invalidate_all()
                            call()
                            self.env.flush_all()
                        self.assertNamesNothingUnseen(
                            role, caught.exception.args, f"refusal of {door}", seen
                        )

    def test_pool_names_no_private_column(self):
        """The need and the customer private (the matrix's settings): nothing a salesperson
        reads or exports of a pool lead of their team names them before the claim, neither
        its link to the lead nor its duplicate note (which would name the customer of a lead
        of the same customer)."""
        pool_lead = self.leads[(1, "a", "pool")]
        self.env["crm.lead"].with_company(self.company_1).create(
            {
                "name": "Matrix Same Customer 1B",
                "type": "opportunity",
                "partner_name": pool_lead.partner_name,
                "phone": pool_lead.phone,
                "user_id": self.roles["own_b"].id,
                "team_id": self.teams[(1, "b")].id,
                "company_id": self.company_1.id,
            }
        )
        self.env.flush_all()
        private = (pool_lead.name, pool_lead.partner_name)
        for role in ("own", "all_docs"):
            Pool = self.env["sales.followup.pool.lead"].with_user(self.roles[role])
            readable = self._readable_fields(role, Pool._name)
            for operation, call in (
                (
                    "read",
                    lambda Pool=Pool, readable=readable: Pool.browse(pool_lead.id).read(readable),
                ),
                (
                    "export_data",
                    lambda Pool=Pool, readable=readable: Pool.browse(pool_lead.id).export_data(
                        [name for name in readable if name != "id"]
                    ),
                ),
            ):
                with self.subTest(role=role, operation=operation):
                    self.env.invalidate_all()
                    output = "\n".join(texts(call()))
                    if role == "own":
                        for text in private:
                            self.assertNotIn(text, output)
                    self.assertIn(pool_lead.followup_code, output)

    def _doors(self, user, lead):
        """{door: call} of the pool's doors and the dialogs ``user`` may try on ``lead``."""
        later = fields.Date.today() + timedelta(days=30)
        Pool = self.env["sales.followup.pool.lead"].with_user(user)
        doors = {
            "claim": lambda: lead.with_user(user).action_followup_claim(),
            "claim in the pool": lambda: Pool.browse(lead.id).action_claim(),
            "release": lambda: lead.with_user(user).action_followup_release(),
        }
        if lead.followup_status in ("to_contact", "in_progress"):
            Postpone = self.env["sales.followup.postpone.wizard"].with_user(user)
            Dormant = self.env["sales.followup.dormant.wizard"].with_user(user)
            doors["postpone"] = lambda: Postpone.create(
                {"lead_id": lead.id, "new_date": later, "reason": "Matrix"}
            ).action_apply()
            doors["dormant"] = lambda: Dormant.create(
                {"lead_ids": [Command.set(lead.ids)], "wakeup_date": later}
            ).action_apply()
        return doors

    def test_tracker_files_through_web_content(self):
        """The file of an import job is downloaded by its starter; another company's manager
        and administrator get nothing."""
        for company, job in self.import_jobs.items():
            attachment = (
                self.env["ir.attachment"]
                .sudo()
                .search(
                    [
                        ("res_model", "=", job._name),
                        ("res_id", "=", job.id),
                        ("res_field", "=", "file"),
                    ]
                )
            )
            self.assertTrue(attachment, "the tracker file is an attachment")
            starter = job.user_id
            others = (
                [self.roles["manager"], self.roles["admin"]] if company == 2 else [self.manager_2]
            )
            for user in [starter, *others]:
                with self.subTest(company=company, user=user.login):
                    self.authenticate(user.login, user.login)
                    response = self.url_open(f"/web/content/{attachment.id}")
                    if user == starter:
                        self.assertEqual(response.status_code, 200)
                        self.assertEqual(response.content, b"Matrix tracker file")
                    else:
                        self.assertIn(response.status_code, (403, 404))
                        self.assertNotIn(b"Matrix tracker file", response.content)
