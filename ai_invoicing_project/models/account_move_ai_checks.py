# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import api, models

from odoo.addons.ai_invoicing.services.checks import Finding

from ..services import project_invoicing as rules

TIMESHEET_FIELDS = ["task_id", "unit_amount", "date", "name"]


class AccountMoveAiChecks(models.AbstractModel):
    """The project check: hours above the allocation of the tasks behind the invoice,
    timesheets outside the invoiced period, re-invoiced expenses without a receipt.

    Registered with the other checks, so it runs again whenever a changed draft
    goes back to review.
    """

    _inherit = "account.move.ai.checks"

    @api.model
    def _check_functions(self, move, batch):
        return super()._check_functions(move, batch) + [
            (move.company_id.ai_check_project, lambda: self._findings_project(move, batch))
        ]

    @api.model
    def _prefetch_batch(self, moves, source_keys):
        batch = super()._prefetch_batch(moves, source_keys)
        batch["project"] = self._prefetch_project(
            moves.filtered(lambda move: move.company_id.ai_check_project)
        )
        return batch

    @api.model
    def _prefetch_project(self, moves):
        """The invoiced timesheets and the drafted periods of the whole batch: two queries."""
        if not moves:
            return {"timesheets": {}, "periods": {}}
        # the order lines' expenses, delivery methods and milestones, read for the batch
        # sudo: sale.order.line - the project items of the drafts, for a reviewer who is no
        # project or sales user
        sale_lines = moves._ai_product_lines().sale_line_ids.sudo()
        sale_lines.mapped("qty_delivered_method")
        sale_lines.mapped("expense_ids")
        sale_lines.mapped("reached_milestones_ids")
        # sudo: account.analytic.line - the timesheets behind the invoices; whoever runs
        # the checks (agent, reviewer) need not be a project user
        timesheets = (
            self.env["account.analytic.line"]
            .sudo()
            .search_fetch(
                [("timesheet_invoice_id", "in", moves.ids), ("project_id", "!=", False)],
                TIMESHEET_FIELDS + ["timesheet_invoice_id"],
            )
        )
        # sudo: ai.invoice.log - which period each invoice was drafted for
        logs = (
            self.env["ai.invoice.log"]
            .sudo()
            .search_fetch(
                [
                    ("agent", "=", "project_invoice"),
                    ("move_id", "in", moves.ids),
                    ("trigger", "=", "period"),
                ],
                ["move_id", "ai_period_start", "ai_period_end", "project_id"],
                order="id desc",
            )
        )
        periods = {}
        for log in logs:
            periods.setdefault(log.move_id.id, log)
        return {
            "timesheets": timesheets.grouped(lambda t: t.timesheet_invoice_id.id),
            "periods": periods,
        }

    @api.model
    def _findings_project(self, move, batch=None):
        # sudo: sale.order.line - the timesheets, tasks and expenses behind the invoice;
        # whoever runs the checks (agent, reviewer) need not be a project user
        sale_lines = move._ai_product_lines().sale_line_ids.sudo()
        if not sale_lines:
            return []
        project_data = (batch or {}).get("project") or self._prefetch_project(move)
        Timesheet = self.env["account.analytic.line"].sudo()
        fnames = TIMESHEET_FIELDS
        invoiced = project_data["timesheets"].get(move.id, Timesheet)
        milestone_lines = sale_lines.filtered(lambda sl: sl.qty_delivered_method == "milestones")
        tasks = invoiced.task_id | milestone_lines.reached_milestones_ids.task_ids
        # the reader's language: the user's, or the agent's in a job
        w = self.env["ai.invoice.agent.project"]._project_wording(self.env.lang or "en_US")
        found = rules.check_hours_over_allocation(
            (
                rules.TaskLoad(task.name, task.allocated_hours, task.total_hours_spent)
                for task in tasks
            ),
            w,
        )
        expenses = [
            rules.ExpenseItem(e.id, e.name or "", e.date or None, e.nb_attachment)
            for e in sale_lines.expense_ids
        ]
        found += rules.check_expenses_without_receipt(expenses, w)
        log = project_data["periods"].get(move.id)
        start, end = (log.ai_period_start, log.ai_period_end) if log else (None, None)
        # sudo: project.project - the project the log drafted for, read by any reviewer
        project = log.project_id.sudo() if log else self.env["project.project"]
        if start and end:
            entries = [self._entry(timesheet) for timesheet in invoiced]
            found += rules.check_entries_outside_period(entries, start, end, w)
            timesheet_lines = project._fetch_sale_order_items().filtered(
                lambda sl: sl.product_id._is_delivered_timesheet()
            )
            left = Timesheet.search_fetch(
                [
                    ("so_line", "in", timesheet_lines.ids),
                    ("project_id", "!=", False),
                    ("timesheet_invoice_id", "=", False),
                    ("date", "<", start),
                ],
                fnames,
            )
            found += rules.check_entries_left_before([self._entry(t) for t in left], start, w)
            found += rules.check_expenses_outside_period(expenses, start, end, w)
        return [Finding(f.code, f.severity, f.message, "project") for f in found]

    @api.model
    def _entry(self, timesheet):
        return rules.TimeEntry(
            id=timesheet.id,
            task=timesheet.task_id.name or "",
            hours=timesheet.unit_amount,
            date=timesheet.date,
            description=timesheet.name or "",
        )
