"""The world the generated matrices (actions, visibility, input) run in: two companies, two sales
teams in each, one user of every role, and a lead in each state (open, dormant, won, lost, in the
pool) in every team, with a follow-up log, a risk and an ownership history.

Roles (``cls.roles``), each in the time zone UTC and the language of a Chinese team, Simplified
Chinese (zh_CN, with the addons' translations loaded):

- ``own``: a salesperson with "own documents only", member of team A of company 1;
- ``own_b``: the same, member of team B of company 1 (the other team of the same company);
- ``all_docs``: a salesperson with "all documents", member of team A of company 1;
- ``leader``: the leader of team A of company 1 ("all documents", as Odoo's team leaders);
- ``manager``: a sales manager of company 1;
- ``admin``: an administrator (settings, users) and sales manager of company 1;
- ``other_company``: a salesperson with "own documents only" of company 2 only, member of its
  team A.

``cls.leads[(company, team, state)]``: company 1 or 2, team "a" or "b", state one of ``STATES``.
The open, dormant, won and lost leads of a team are held by its salesperson
(``cls.team_reps[(company, team)]``); the pool lead was released by that salesperson.
"""

from datetime import timedelta

from odoo import Command, fields
from odoo.tests import TransactionCase, new_test_user

STATES = ("open", "dormant", "won", "lost", "pool")
ROLES = ("own", "own_b", "all_docs", "leader", "manager", "admin", "other_company")
POOL_REASON = "Outside my region"
MATRIX_MODULES = ("sales_followup", "sales_followup_reports")


class MatrixCommon(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.company_1 = cls.env.company
        cls.company_2 = cls.env["res.company"].create({"name": "Matrix Beijing Branch"})
        cls.companies = {1: cls.company_1, 2: cls.company_2}
        params = cls.env["ir.config_parameter"].sudo()
        params.set_param("sales_followup.pool_enabled", "True")
        params.set_param("sales_followup.pool_enabled_date", "2026-01-01")

        # The addons' Chinese terms only (a fraction of a second); Odoo's own messages stay in
        # English, as on a database where the language was added after the addons.
        lang = "zh_CN"
        cls.env["res.lang"]._activate_lang(lang)
        installed = cls.env["ir.module.module"].search(
            [("name", "in", MATRIX_MODULES), ("state", "=", "installed")]
        )
        cls.env["ir.module.module"]._load_module_terms(
            installed.mapped("name"), [lang], overwrite=True
        )

        def user(login, groups, company, name=None):
            return new_test_user(
                cls.env,
                login=login,
                name=name or login.replace("_", " ").title(),
                groups=groups,
                tz="UTC",
                lang=lang,
                email=f"{login}@example.com",
                company_id=company.id,
                company_ids=[Command.set(company.ids)],
            )

        own = "sales_team.group_sale_salesman"
        all_docs = "sales_team.group_sale_salesman_all_leads"
        manager = "sales_team.group_sale_manager"
        cls.roles = {
            "own": user("mx_own", own, cls.company_1),
            "own_b": user("mx_own_b", own, cls.company_1),
            "all_docs": user("mx_all_docs", all_docs, cls.company_1),
            "leader": user("mx_leader", all_docs, cls.company_1),
            "manager": user("mx_manager", manager, cls.company_1),
            "admin": user("mx_admin", f"{manager},base.group_system", cls.company_1),
            "other_company": user("mx_other_company", own, cls.company_2),
        }
        cls.other_company_b = user("mx_other_company_b", own, cls.company_2)
        cls.teams = {}
        cls.team_reps = {
            (1, "a"): cls.roles["own"],
            (1, "b"): cls.roles["own_b"],
            (2, "a"): cls.roles["other_company"],
            (2, "b"): cls.other_company_b,
        }
        for (company, team), rep in cls.team_reps.items():
            members = [rep]
            if (company, team) == (1, "a"):
                members += [cls.roles["all_docs"], cls.roles["leader"]]
            cls.teams[(company, team)] = cls.env["crm.team"].create(
                {
                    "name": f"Matrix Team {company}{team.upper()}",
                    "company_id": cls.companies[company].id,
                    "user_id": cls.roles["leader"].id if (company, team) == (1, "a") else False,
                    "crm_team_member_ids": [Command.create({"user_id": m.id}) for m in members],
                }
            )

        cls.stage_won = cls.env["crm.stage"].search([("is_won", "=", True)], limit=1)
        cls.lost_reason = cls.env.ref("crm.lost_reason_1")
        cls.risk_type = cls.env["sales.followup.risk.type"].search(
            [("automatic", "=", False)], limit=1
        )
        cls.leads = {}
        for (company, team), rep in cls.team_reps.items():
            for state in STATES:
                cls.leads[(company, team, state)] = cls._matrix_lead(company, team, rep, state)
        cls.env.flush_all()

    @classmethod
    def _matrix_lead(cls, company, team, rep, state):
        Lead = cls.env["crm.lead"].with_company(cls.companies[company])
        lead = Lead.create(
            {
                "name": f"Matrix {company}{team.upper()} {state}",
                "type": "opportunity",
                "partner_name": f"Matrix Customer {company}{team.upper()} {state}",
                "phone": f"+86 21 5555 {company}{'ab'.index(team)}{STATES.index(state):02d}",
                "user_id": rep.id,
                "team_id": cls.teams[(company, team)].id,
                "company_id": cls.companies[company].id,
                "expected_revenue": 10000 * (STATES.index(state) + 1),
            }
        )
        cls.env["sales.followup.log"].with_user(rep).with_company(cls.companies[company]).create(
            {
                "lead_id": lead.id,
                "summary": f"Matrix call {company}{team.upper()} {state}: asked for a quote",
                "method": "phone",
            }
        )
        if cls.risk_type:
            cls.env["sales.followup.risk"].create({"lead_id": lead.id, "type_id": cls.risk_type.id})
        if state == "dormant":
            lead._followup_set_dormant(fields.Date.today() + timedelta(days=90))
        elif state == "won":
            lead.action_set_won()
        elif state == "lost":
            lead.action_set_lost(lost_reason_id=cls.lost_reason.id)
        elif state == "pool":
            lead._followup_to_pool("released", {lead.id: POOL_REASON})
        cls.env.flush_all()
        return lead

    # Helpers ---------------------------------------------------------------------------------

    @classmethod
    def _leads_of(cls, company=None, team=None, state=None):
        """The seed leads matching the given company, team and state."""
        return cls.env["crm.lead"].union(
            *(
                lead
                for (c, t, s), lead in cls.leads.items()
                if company in (None, c) and team in (None, t) and state in (None, s)
            )
        )

    @classmethod
    def _may_see_lead(cls, role, lead):
        """Whether ``role`` may see ``lead`` as a lead (crm's rules, the pool's, the companies')."""
        user = cls.roles[role]
        if lead.company_id and lead.company_id not in user.company_ids:
            return False
        if user.has_group("sales_team.group_sale_salesman_all_leads"):
            return True
        if lead.followup_in_pool:
            return False
        return lead.user_id in (user, cls.env["res.users"])

    @classmethod
    def _today(cls):
        return fields.Date.today()
