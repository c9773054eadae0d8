# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo.fields import Command
from odoo.tests import new_test_user

from odoo.addons.ai_invoicing.tests.common import AiInvoicingCommon, trap_jobs


class AiProjectCommon(AiInvoicingCommon):
    """A customer project sold on one order: a fixed price paid by milestones and
    time invoiced on timesheets, with employees, a project manager and expenses."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.user.group_ids = [
            Command.link(cls.env.ref("project.group_project_manager").id),
            Command.link(cls.env.ref("project.group_project_milestone").id),
            Command.link(cls.env.ref("hr_timesheet.group_timesheet_manager").id),
            Command.link(cls.env.ref("hr_expense.group_hr_expense_manager").id),
        ]
        uom_hour = cls.env.ref("uom.product_uom_hour")
        cls.product_milestone = cls._create_product(
            name="Website (milestones)",
            type="service",
            invoice_policy="delivery",
            service_type="milestones",
            service_tracking="project_only",
            lst_price=2000.0,
            taxes_id=[Command.set(cls.tax_sale_a.ids)],
        )
        cls.product_time = cls._create_product(
            name="Consulting (timesheets)",
            type="service",
            invoice_policy="delivery",
            service_type="timesheet",
            service_tracking="task_in_project",
            uom_id=uom_hour.id,
            lst_price=100.0,
            taxes_id=[Command.set(cls.tax_sale_a.ids)],
        )
        cls.product_travel = cls._create_product(
            name="Travel (re-invoiced)",
            type="service",
            invoice_policy="delivery",
            expense_policy="sales_price",
            can_be_expensed=True,
            lst_price=80.0,
            standard_price=80.0,
            taxes_id=[Command.set(cls.tax_sale_a.ids)],
        )
        cls.employee_ann = cls.env["hr.employee"].create(
            {"name": "Ann Analyst", "company_id": cls.company.id}
        )
        cls.employee_bob = cls.env["hr.employee"].create(
            {"name": "Bob Builder", "company_id": cls.company.id}
        )
        cls.pm = new_test_user(
            cls.env,
            login="ai_pm",
            name="Paula Manager",
            email="paula@example.com",
            company_id=cls.company.id,
            groups="project.group_project_manager,ai_invoicing.group_ai_invoicing_reviewer",
        )
        cls.project_user = new_test_user(
            cls.env,
            login="ai_project_user",
            name="Pete Projectuser",
            company_id=cls.company.id,
            groups="project.group_project_user,hr_timesheet.group_hr_timesheet_user",
        )

    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------
    def _project_order(self, lines=None, **values):
        """A confirmed order of the milestone item (1 unit) and 20 hours of consulting."""
        lines = lines or [(self.product_milestone, 1), (self.product_time, 20)]
        order = self._order(lines, **values)
        project = order.order_line.project_id[:1]
        self.assertTrue(project, "the order created the customer project")
        project.write({"allow_milestones": True})
        return order, project

    def _milestone(self, order, name, share, project=None):
        line = order.order_line.filtered(lambda sl: sl.product_id == self.product_milestone)
        return self.env["project.milestone"].create(
            {
                "name": name,
                "project_id": (project or line.project_id).id,
                "sale_line_id": line.id,
                "quantity_percentage": share,
            }
        )

    def _task(self, order):
        return order.order_line.filtered(lambda sl: sl.product_id == self.product_time).task_id

    def _timesheet(self, task, hours, day, name="/", employee=None):
        return self.env["account.analytic.line"].create(
            {
                "name": name,
                "project_id": task.project_id.id,
                "task_id": task.id,
                "unit_amount": hours,
                "date": day,
                "employee_id": (employee or self.employee_ann).id,
            }
        )

    def _run_project_jobs(self, action, count=1):
        """Do ``action``, check it queued ``count`` project requests (one job for the
        company takes them), run the jobs as queue_job would."""
        agent = self.env["ai.invoice.agent.project"]
        domain = [("agent", "=", "project_invoice"), ("state", "=", "queued")]
        before = self.Log.search_count(domain)
        with trap_jobs() as trap:
            action()
            queued = self.Log.search_count(domain) - before
            self.assertEqual(queued, count)
            trap.assert_jobs_count(1 if count else 0, only=agent._job_run)
            self._drain(trap)

    def _project_logs(self, project):
        return self.Log.search(
            [("agent", "=", "project_invoice"), ("project_id", "=", project.id)], order="id"
        )

    def _expense(self, order, name, day, amount=80.0, receipt=True):
        """A posted expense re-invoiced on ``order`` (with or without a receipt)."""
        expense = self.env["hr.expense"].create(
            {
                "name": name,
                "employee_id": self.employee_bob.id,
                "product_id": self.product_travel.id,
                "total_amount_currency": amount,
                "date": day,
                "sale_order_id": order.id,
                "company_id": self.company.id,
            }
        )
        if receipt:
            self.env["ir.attachment"].create(
                {
                    "name": f"{name} receipt.txt",
                    "raw": b"Receipt: paid",
                    "res_model": "hr.expense",
                    "res_id": expense.id,
                }
            )
        expense.action_submit()
        expense._do_approve()
        action = expense.action_post()
        if action:
            wizard = self.env["hr.expense.post.wizard"].with_context(action["context"])
            wizard.browse(action["res_id"]).action_post_entry()
        return expense
