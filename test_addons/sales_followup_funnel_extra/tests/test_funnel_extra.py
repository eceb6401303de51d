from odoo.tests import TransactionCase, new_test_user, tagged

from odoo.addons.sales_followup.compat import formatted_groups


@tagged("post_install", "-at_install")
class TestFunnelExtraColumn(TransactionCase):
    """A column added by another module through ``_select_additional_fields`` is a column of
    the funnel like the others: read grouped by a salesperson, within the funnel's record
    rules."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        group = "sales_team.group_sale_salesman"
        cls.rep = new_test_user(cls.env, "fx_rep", group, name="Extra Rep")
        cls.colleague = new_test_user(cls.env, "fx_colleague", group, name="Extra Colleague")
        team = cls.env["crm.team"].create(
            {
                "name": "Extra Team",
                "crm_team_member_ids": [
                    (0, 0, {"user_id": cls.rep.id}),
                    (0, 0, {"user_id": cls.colleague.id}),
                ],
            }
        )
        Lead = cls.env["crm.lead"]
        cls.leads = Lead.create(
            [
                {
                    "name": f"Extra {user.name} {priority}",
                    "type": "opportunity",
                    "user_id": user.id,
                    "team_id": team.id,
                    "priority": priority,
                }
                for user, priority in (
                    (cls.rep, "0"),
                    (cls.rep, "2"),
                    (cls.rep, "2"),
                    (cls.rep, "3"),
                    (cls.colleague, "3"),
                    (cls.colleague, "1"),
                )
            ]
        )
        cls.env.flush_all()

    def test_salesperson_reads_the_new_column_grouped(self):
        Report = self.env["sales.followup.funnel.report"].with_user(self.rep)
        domain = [("lead_id", "in", self.leads.ids)]
        groups = Report._read_group(domain, ["priority"], ["__count", "starred:sum"])
        self.assertEqual(
            {priority: (count, starred) for priority, count, starred in groups},
            {"0": (1, 0), "2": (2, 2), "3": (1, 1)},
            "his own leads only, by their priority",
        )
        [[leads, starred]] = Report._read_group(domain, [], ["nbr:sum", "starred:sum"])
        self.assertEqual((leads, starred), (4, 3))

    def test_pivot_and_list_show_the_new_column(self):
        Report = self.env["sales.followup.funnel.report"].with_user(self.colleague)
        domain = [("lead_id", "in", self.leads.ids)]
        groups = formatted_groups(Report, domain, ["priority"], ["starred:sum", "nbr:sum"])
        self.assertEqual(
            {group["priority"]: (group["nbr"], group["starred"]) for group in groups},
            {"1": (1, 1), "3": (1, 1)},
        )
        rows = Report.search_read(domain, ["lead_id", "priority", "starred"], order="lead_id")
        self.assertEqual([(row["priority"], row["starred"]) for row in rows], [("3", 1), ("1", 1)])
        self.assertEqual(Report.fields_get(["starred"])["starred"]["string"], "Starred Leads")
