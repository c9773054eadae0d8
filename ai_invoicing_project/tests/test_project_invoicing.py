# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from datetime import date

from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError
from odoo.fields import Command
from odoo.tests import Form, new_test_user, tagged

from odoo.addons.ai_invoicing.tests.common import trap_jobs

from .common import AiProjectCommon


@tagged("post_install", "-at_install")
class TestMilestoneInvoicing(AiProjectCommon):
    def test_milestone_at_half_invoices_half(self):
        order, project = self._project_order()
        milestone_line = order.order_line.filtered(
            lambda sl: sl.product_id == self.product_milestone
        )
        task = self._task(order)
        self._timesheet(task, 3.0, date(2026, 3, 2), "Kick-off workshop")
        design = self._milestone(order, "Design", 0.5)
        design.task_ids = task
        # the project manager marks it reached: one job, as the agent
        self._run_project_jobs(lambda: design.with_user(self.pm).write({"is_reached": True}))
        log = self._project_logs(project)
        self.assertRecordValues(
            log,
            [
                {
                    "trigger": "milestone_reached",
                    "milestone_id": design.id,
                    "sale_order_id": order.id,
                    "state": "done",
                    "decision": "drafted",
                    "user_id": self.pm.id,
                }
            ],
        )
        invoice = log.move_id
        self.assertEqual(invoice.state, "draft")
        self.assertTrue(invoice.ai_drafted)
        line = invoice.invoice_line_ids
        self.assertEqual(line.sale_line_ids, milestone_line, "only what the milestone delivered")
        self.assertEqual(line.quantity, 0.5)
        self.assertEqual(invoice.amount_untaxed, milestone_line.price_subtotal / 2)
        self.assertEqual(invoice.amount_untaxed, 1000.0)
        self.assertIn("Milestone Design: 50% of the order line", line.name)
        self.assertTrue(line.name.startswith(milestone_line.name.split("\n")[0]))
        self.assertEqual(log.source_data["milestones"][0]["name"], "Design")
        self.assertEqual(log.source_data["totals"]["amount_untaxed"], 1000.0)
        self.assertIn("Milestone Design of project", log.rationale)
        # the consulting hours logged meanwhile wait for their own invoice
        self.assertEqual(self._task(order).sale_line_id.qty_invoiced, 0.0)

        # the second half: a second invoice for the rest
        launch = self._milestone(order, "Launch", 0.5)
        self._run_project_jobs(lambda: launch.write({"is_reached": True}))
        second = self._project_logs(project)[-1].move_id
        self.assertNotEqual(second, invoice)
        self.assertEqual(second.invoice_line_ids.quantity, 0.5)
        self.assertEqual(milestone_line.qty_invoiced, 1.0)

    def test_two_milestones_reached_together_one_invoice(self):
        order, project = self._project_order()
        first = self._milestone(order, "Design", 0.25)
        second = self._milestone(order, "Build", 0.25)
        self._run_project_jobs(lambda: (first | second).write({"is_reached": True}), count=2)
        logs = self._project_logs(project)
        drafted = logs.filtered("move_id")
        skipped = logs - drafted
        self.assertEqual(len(drafted), 1)
        self.assertEqual(drafted.move_id.invoice_line_ids.quantity, 0.5)
        self.assertEqual(skipped.decision, "skipped")
        self.assertIn("Covered by", skipped.rationale)
        self.assertEqual(len(order.invoice_ids), 1)

    def test_no_job_without_milestone_drafting_or_unreached(self):
        order, project = self._project_order()
        milestone = self._milestone(order, "Design", 0.5)
        with trap_jobs() as trap:
            milestone.write({"name": "Design phase"})
            trap.assert_jobs_count(0)
        project.ai_invoice_on_milestone = False
        with trap_jobs() as trap:
            milestone.write({"is_reached": True})
            trap.assert_jobs_count(0)
        self.assertFalse(self._project_logs(project))

    def test_unreached_before_the_job_is_skipped(self):
        order, project = self._project_order()
        milestone = self._milestone(order, "Design", 0.5)

        def reach_and_undo():
            milestone.write({"is_reached": True})
            milestone.write({"is_reached": False})

        self._run_project_jobs(reach_and_undo)
        log = self._project_logs(project)
        self.assertEqual(log.decision, "skipped")
        self.assertFalse(order.invoice_ids)
        # skipped: reaching it again drafts it
        self._run_project_jobs(lambda: milestone.write({"is_reached": True}))
        self.assertEqual(len(order.invoice_ids), 1)

    def test_project_user_cannot_switch_off_pm_review(self):
        _order, project = self._project_order()
        project.ai_pm_review = True
        with self.assertRaises(AccessError):
            project.with_user(self.project_user).write({"ai_pm_review": False})


@tagged("post_install", "-at_install")
class TestPeriodInvoicing(AiProjectCommon):
    def _cron(self, today, count=1):
        with freeze_time(today):
            self._run_project_jobs(
                lambda: self.env["project.project"]._cron_ai_draft_period_invoices(), count
            )

    def test_weekly_period_boundaries(self):
        order, project = self._project_order([(self.product_time, 40)])
        project.ai_invoice_period = "weekly"
        task = self._task(order)
        before = self._timesheet(task, 1.0, date(2026, 3, 1), "Sunday before")
        monday = self._timesheet(task, 2.0, date(2026, 3, 2), "Analysis")
        sunday = self._timesheet(task, 3.0, date(2026, 3, 8), "Review")
        after = self._timesheet(task, 4.0, date(2026, 3, 9), "Next week")
        self._cron("2026-03-10")  # a Tuesday: the week of March 2-8 closed
        log = self._project_logs(project)
        self.assertRecordValues(
            log,
            [
                {
                    "trigger": "period",
                    "ai_period_start": date(2026, 3, 2),
                    "ai_period_end": date(2026, 3, 8),
                }
            ],
        )
        invoice = log.move_id
        self.assertEqual(invoice.invoice_line_ids.quantity, 5.0, "March 2 and 8 only")
        self.assertEqual(invoice.amount_untaxed, 500.0)
        self.assertEqual((monday | sunday).timesheet_invoice_id, invoice)
        self.assertFalse((before | after).timesheet_invoice_id)
        self.assertEqual(sorted(log.source_data["timesheet_ids"]), sorted((monday | sunday).ids))
        self.assertEqual(log.source_data["totals"]["hours"], 5.0)
        self.assertEqual(project.ai_last_period_end, date(2026, 3, 8))
        # the entry logged late for an earlier week is a finding: review
        codes = {f["code"] for f in log.findings}
        self.assertIn("timesheet_outside_period", codes)
        self.assertEqual(log.state, "needs_review")
        self.assertEqual(invoice.ai_review_state, "pending")
        label = invoice.invoice_line_ids.name
        self.assertIn("Time spent from 03/02/2026 to 03/08/2026: 5.00 h", label)
        self.assertIn(f"- {task.name}: 5.00 h", label)

        # same day again: nothing new
        with freeze_time("2026-03-10"), trap_jobs() as trap:
            self.env["project.project"]._cron_ai_draft_period_invoices()
            trap.assert_jobs_count(0)
        # next week
        self._cron("2026-03-16")
        second = self._project_logs(project)[-1]
        self.assertEqual(
            (second.ai_period_start, second.ai_period_end), (date(2026, 3, 9), date(2026, 3, 15))
        )
        self.assertEqual(after.timesheet_invoice_id, second.move_id)
        self.assertEqual(second.move_id.invoice_line_ids.quantity, 4.0)

    def test_monthly_period_catches_up_missed_months(self):
        order, project = self._project_order([(self.product_time, 40)])
        project.write({"ai_invoice_period": "monthly"})
        project.ai_last_period_end = date(2026, 1, 31)
        task = self._task(order)
        self._timesheet(task, 2.0, date(2026, 2, 10))
        self._timesheet(task, 3.0, date(2026, 3, 31))
        self._cron("2026-04-02", count=2)  # February and March
        logs = self._project_logs(project)
        self.assertEqual(
            [(log.ai_period_start, log.ai_period_end) for log in logs],
            [(date(2026, 2, 1), date(2026, 2, 28)), (date(2026, 3, 1), date(2026, 3, 31))],
        )
        self.assertEqual(logs.move_id.invoice_line_ids.mapped("quantity"), [2.0, 3.0])
        self.assertEqual(project.ai_last_period_end, date(2026, 3, 31))

    def test_only_billable_not_yet_invoiced_timesheets(self):
        order, project = self._project_order([(self.product_time, 40)])
        project.ai_invoice_period = "weekly"
        task = self._task(order)
        invoiced = self._timesheet(task, 2.0, date(2026, 3, 3), "Invoiced by hand")
        # invoiced by hand before the run, with Odoo's wizard
        wizard = (
            self.env["sale.advance.payment.inv"]
            .with_context(active_model="sale.order", active_ids=order.ids)
            .create(
                {
                    "advance_payment_method": "delivered",
                    "date_start_invoice_timesheet": date(2026, 3, 3),
                    "date_end_invoice_timesheet": date(2026, 3, 3),
                }
            )
        )
        wizard.create_invoices()
        manual = invoiced.timesheet_invoice_id
        self.assertTrue(manual)
        billable = self._timesheet(task, 3.0, date(2026, 3, 4), "Billable")
        internal = self.env["project.project"].create(
            {"name": "Internal", "allow_billable": False, "allow_timesheets": True}
        )
        internal_task = self.env["project.task"].create(
            {"name": "Internal meeting", "project_id": internal.id}
        )
        non_billable = self._timesheet(internal_task, 5.0, date(2026, 3, 4), "Internal")
        self._cron("2026-03-10")
        invoice = self._project_logs(project).move_id
        self.assertEqual(invoice.invoice_line_ids.quantity, 3.0)
        self.assertEqual(billable.timesheet_invoice_id, invoice)
        self.assertEqual(invoiced.timesheet_invoice_id, manual, "never invoiced twice")
        self.assertFalse(non_billable.timesheet_invoice_id)

    def test_nothing_billable_is_skipped(self):
        _order, project = self._project_order([(self.product_time, 40)])
        project.ai_invoice_period = "weekly"
        self._cron("2026-03-10")
        log = self._project_logs(project)
        self.assertEqual(log.decision, "skipped")
        self.assertIn("Nothing billable", log.rationale)
        self.assertFalse(log.move_id)

    def test_expenses_reinvoiced_with_receipt_finding(self):
        order, project = self._project_order([(self.product_time, 40)])
        project.ai_invoice_period = "weekly"
        task = self._task(order)
        self._timesheet(task, 2.0, date(2026, 3, 4), "Workshop")
        taxi = self._expense(order, "Taxi to the client", date(2026, 3, 4), 80.0, receipt=True)
        hotel = self._expense(order, "Hotel night", date(2026, 3, 5), 120.0, receipt=False)
        expense_lines = order.order_line.filtered("is_expense")
        self.assertEqual(len(expense_lines), 2, "Odoo re-invoices each expense on the order")
        self._cron("2026-03-10")
        log = self._project_logs(project)
        invoice = log.move_id
        self.assertEqual(invoice.invoice_line_ids.sale_line_ids, order.order_line)
        self.assertEqual(
            invoice.amount_untaxed, 200.0 + sum(expense_lines.mapped("price_subtotal"))
        )
        self.assertEqual(sorted(log.source_data["expense_ids"]), sorted((taxi | hotel).ids))
        self.assertEqual(log.source_data["totals"]["expenses"], 2)
        findings = [f for f in log.findings if f["code"] == "expense_without_receipt"]
        self.assertEqual(len(findings), 1)
        self.assertIn("Hotel night", findings[0]["message"])
        self.assertNotIn("Taxi", findings[0]["message"])
        taxi_line = invoice.invoice_line_ids.filtered(
            lambda line: taxi in line.sale_line_ids.expense_ids
        )
        self.assertIn("Re-invoiced expense: Taxi to the client (03/04/2026)", taxi_line.name)
        self.assertEqual(log.state, "needs_review")

    def test_hours_above_allocation_finding(self):
        order, project = self._project_order([(self.product_time, 40)])
        project.ai_invoice_period = "weekly"
        task = self._task(order)
        task.allocated_hours = 4.0
        self._timesheet(task, 3.0, date(2026, 3, 3))
        self._timesheet(task, 2.5, date(2026, 3, 4))
        self._cron("2026-03-10")
        log = self._project_logs(project)
        messages = [f["message"] for f in log.findings if f["code"] == "hours_over_allocation"]
        self.assertEqual(len(messages), 1)
        self.assertIn("5.50 h logged for 4.00 h allocated (1.50 h over)", messages[0])
        self.assertEqual(log.move_id.ai_review_state, "pending")


@tagged("post_install", "-at_install")
class TestProjectManagerReview(AiProjectCommon):
    def _drafted(self):
        order, project = self._project_order([(self.product_time, 40)])
        project.write({"ai_invoice_period": "weekly", "ai_pm_review": True, "user_id": self.pm.id})
        self._timesheet(self._task(order), 2.0, date(2026, 3, 4), "Analysis")
        with freeze_time("2026-03-10"):
            self._run_project_jobs(
                lambda: self.env["project.project"]._cron_ai_draft_period_invoices()
            )
        return project, self._project_logs(project)

    def _review_activity(self, invoice):
        return invoice.activity_ids.filtered(
            lambda a: (
                a.activity_type_id == self.env.ref("ai_invoicing.mail_activity_type_ai_review")
            )
        )

    def test_routed_to_project_manager_who_approves(self):
        project, log = self._drafted()
        invoice = log.move_id
        self.assertEqual(log.state, "needs_review")
        self.assertEqual(invoice.ai_review_state, "pending")
        self.assertIn("project_manager", invoice.sudo().ai_review_reason_codes)
        self.assertIn("review by its project manager (Paula Manager)", log.review_reason)
        self.assertEqual(self._review_activity(invoice).user_id, self.pm)
        # the invoice cannot be posted around the review
        with self.assertRaises(UserError):
            invoice.action_post()
        # a project user is no reviewer: refused
        with self.assertRaises(AccessError):
            invoice.with_user(self.project_user)._ai_approve()
        # the PM approves through the same review path
        action = invoice.with_user(self.pm).action_ai_approve()
        Form.from_action(self.env(user=self.pm), action).save().action_confirm()
        self.assertEqual(invoice.ai_review_state, "approved")
        self.assertEqual(log.state, "approved")
        self.assertEqual(log.reviewer_id, self.pm)
        self.assertFalse(self._review_activity(invoice))

    def test_project_manager_rejects(self):
        _project, log = self._drafted()
        invoice = log.move_id
        action = invoice.with_user(self.pm).action_ai_reject()
        with Form.from_action(self.env(user=self.pm), action) as wizard:
            wizard.reason = "Hours belong to the next phase"
        wizard.record.action_confirm()
        self.assertEqual(invoice.state, "cancel")
        self.assertEqual(log.state, "rejected")
        self.assertEqual(log.kpi_rejected, 100.0)

    def test_manager_without_review_rights_gets_no_activity(self):
        self.pm.group_ids = [(3, self.env.ref("ai_invoicing.group_ai_invoicing_reviewer").id)]
        self.pm.group_ids = [(3, self.env.ref("ai_invoicing.group_ai_invoicing_user").id)]
        _project, log = self._drafted()
        activity = self._review_activity(log.move_id)
        self.assertTrue(activity)
        self.assertNotEqual(activity.user_id, self.pm, "they could not approve it")
        self.assertIn("who is no AI Invoicing reviewer", log.review_reason)
        self.assertEqual(log.move_id.ai_review_state, "pending")


@tagged("post_install", "-at_install")
class TestProjectFailuresAndAccess(AiProjectCommon):
    def test_project_user_without_sales_rights_reaches_a_milestone(self):
        order, project = self._project_order()
        milestone = self._milestone(order, "Design", 0.5)
        self.assertFalse(self.project_user.has_group("sales_team.group_sale_salesman"))
        self._run_project_jobs(
            lambda: milestone.with_user(self.project_user).write({"is_reached": True})
        )
        log = self._project_logs(project)
        self.assertEqual(log.user_id, self.project_user)
        self.assertEqual(log.move_id.amount_untaxed, 1000.0)

    def test_blocked_order_fails_with_an_activity_and_can_be_retried(self):
        order, project = self._project_order()
        self.partner_a.country_id = False
        milestone = self._milestone(order, "Design", 0.5)
        self._run_project_jobs(lambda: milestone.write({"is_reached": True}))
        log = self._project_logs(project)
        self.assertEqual(log.state, "failed")
        self.assertIn("has no country", log.error)
        self.assertFalse(order.invoice_ids, "nothing half-made")
        failure = self.env.ref("ai_invoicing.mail_activity_type_ai_failure")
        self.assertIn(failure, order.activity_ids.activity_type_id)
        # fixed, then retried by a manager
        self.partner_a.country_id = self.country_be
        self._run_project_jobs(lambda: log.action_retry())
        self.assertEqual(log.state, "done")
        self.assertEqual(len(order.invoice_ids), 1)

    def test_company_without_ai_invoicing_drafts_nothing(self):
        order, project = self._project_order([(self.product_time, 40)])
        project.ai_invoice_period = "weekly"
        self._timesheet(self._task(order), 2.0, date(2026, 3, 4))
        self.company.ai_invoicing_enabled = False
        milestone_order, _milestone_project = self._project_order()
        milestone = self._milestone(milestone_order, "Design", 0.5)
        with freeze_time("2026-03-10"), trap_jobs() as trap:
            self.env["project.project"]._cron_ai_draft_period_invoices()
            milestone.write({"is_reached": True})
            trap.assert_jobs_count(0)

    def test_other_company_user_sees_no_project_log(self):
        order, project = self._project_order()
        milestone = self._milestone(order, "Design", 0.5)
        self._run_project_jobs(lambda: milestone.write({"is_reached": True}))
        log = self._project_logs(project)
        other = self.setup_other_company(name="Other Co")["company"]
        outsider = new_test_user(
            self.env,
            login="ai_outsider",
            company_id=other.id,
            company_ids=[Command.set(other.ids)],
            groups="ai_invoicing.group_ai_invoicing_manager",
        )
        Log = self.env["ai.invoice.log"].with_user(outsider)
        self.assertFalse(Log.search([("agent", "=", "project_invoice")]))
        with self.assertRaises(AccessError):
            log.with_user(outsider).read(["rationale"])

    def test_consolidated_billing_leaves_project_periods_to_the_project_agent(self):
        self.company.ai_invoicing_mode = "per_period"
        order, project = self._project_order([(self.product_time, 40)])
        self._timesheet(self._task(order), 2.0, date(2026, 3, 4))
        billing = self.env["ai.invoice.agent.billing"]
        self.assertIn(order, billing._period_orders(self.company))
        project.ai_invoice_period = "monthly"
        self.assertNotIn(order, billing._period_orders(self.company))
