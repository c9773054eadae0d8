# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from datetime import date
from typing import Any, NamedTuple

from odoo import api, models
from odoo.exceptions import UserError
from odoo.fields import Command

from odoo.addons.ai_invoicing.services.prompts import PromptSpec

from ..services import line_descriptions
from ..services.project_invoicing import (
    hours_text,
)

LINE_DESCRIPTIONS = PromptSpec(
    name=line_descriptions.PROMPT_NAME,
    version=line_descriptions.PROMPT_VERSION,
    system=line_descriptions.SYSTEM_PROMPT,
    schema=line_descriptions.LineDescriptions,
)
REASON_PROJECT_MANAGER = "project_manager"


class ProjectPeriod(NamedTuple):
    """What the period run hands the project agent: a project and its ended period."""

    project: Any  # project.project
    start: date
    end: date


class AiInvoiceAgentProject(models.AbstractModel):
    """Drafts project invoices: at a reached milestone, and at each period end.

    A milestone invoices what it delivered on its sales order item
    (``sale.order._create_invoices``, the delivered quantity computed by
    ``sale_project`` from the reached milestones). A period invoices the
    project's billable timesheets of the period and its re-invoiced expenses
    through ``sale.advance.payment.inv`` with its timesheet dates
    (``sale_timesheet``'s date-bounded invoicing). Every amount is Odoo's; the
    agent writes each line's client-facing description (guarded LLM text or a
    template grouped by task) as its narrative step of the drafting steps
    (``ai.invoice.agent.drafting``), routes to the project manager when the
    project asks for it, and logs what was aggregated.
    """

    _name = "ai.invoice.agent.project"
    _inherit = "ai.invoice.agent.drafting"
    _description = "AI Invoicing Agent: Project Invoicing"
    _agent = "project_invoice"

    # ------------------------------------------------------------------
    # Enqueue
    # ------------------------------------------------------------------
    @api.model
    def _prepare_log_vals(self, record, trigger):
        """``record`` is the reached milestone, or a ``ProjectPeriod`` (a project whose
        invoicing period ended)."""
        if isinstance(record, ProjectPeriod):
            project = record.project
            order = project.sale_order_id
            vals = {"ai_period_start": record.start, "ai_period_end": record.end}
        else:
            project = record.project_id
            order = record.sale_line_id.order_id
            vals = {"milestone_id": record.id}
        company = order.company_id or project.company_id or self.env.company
        return dict(
            vals,
            trigger=trigger,
            project_id=project.id,
            sale_order_id=order.id,
            company_id=company.id,
            partner_id=(order.partner_id or project.partner_id).id,
            currency_id=(order.currency_id or company.currency_id).id,
        )

    @api.model
    def _dedup_key(self, vals):
        """A milestone is drafted once; a project once per period."""
        if vals.get("milestone_id"):
            return f"milestone:{vals['milestone_id']}"
        return "period:{}:{}:{}".format(
            vals.get("project_id") or "", vals.get("ai_period_start"), vals.get("ai_period_end")
        )

    @api.model
    def _dedup_domain(self):
        # nothing was done (no longer reached, nothing billable): may run again
        return super()._dedup_domain() + [("decision", "!=", "skipped")]

    @api.model
    def _document(self, log):
        return log.sale_order_id or log.project_id

    @api.model
    def _chunk_description(self, logs):
        if len(logs) > 1:
            return super()._chunk_description(logs)
        log = logs
        # sudo: project.milestone - the job's label names the milestone, whoever enqueues
        milestone, project = log.sudo().milestone_id, log.sudo().project_id
        if milestone:
            return self.env._(
                "AI project invoicing: milestone %(milestone)s of %(project)s",
                milestone=milestone.name,
                project=project.name,
            )
        return self.env._(
            "AI project invoicing: %(project)s, %(start)s to %(end)s",
            project=project.name,
            start=log.ai_period_start,
            end=log.ai_period_end,
        )

    # ------------------------------------------------------------------
    # Run
    # ------------------------------------------------------------------
    @api.model
    def _run(self, log):
        if log.trigger == "milestone_reached":
            return self._run_milestone(log)
        if log.trigger == "period":
            return self._run_period(log)
        raise UserError(
            self.env._(
                "Project invoicing has no run for the trigger %(trigger)s.", trigger=log.trigger
            )
        )

    @api.model
    def _run_milestone(self, log):
        # sudo: project.milestone - the agent user is no project user; it reads the
        # milestone it invoices (the sales order item is read with its own rights)
        milestone = log.milestone_id.sudo()
        if not milestone:
            raise UserError(
                self.env._("The milestone of this log was deleted; nothing was invoiced.")
            )
        sale_line = milestone.sale_line_id.sudo(False)
        if not sale_line:
            raise UserError(
                self.env._(
                    "Milestone %(milestone)s has no sales order item to invoice. Link one on the "
                    "milestone, then press Retry on the AI log.",
                    milestone=milestone.name,
                )
            )
        order = sale_line.order_id
        self._lock_or_retry(
            order,
            self.env._("Sale order %(order)s is being invoiced by another job.", order=order.name),
        )
        if not milestone.is_reached:
            return self._skip(
                log,
                self.env._(
                    "Milestone %(milestone)s is no longer marked reached: nothing was invoiced.",
                    milestone=milestone.name,
                ),
            )
        self._raise_blocker(order)
        invoice = self._draft_with_engine(log, order, sale_line)[:1]
        if not invoice:
            covering = sale_line.invoice_lines.move_id.filtered(
                lambda move: move.state != "cancel" and move.move_type == "out_invoice"
            )
            if covering:
                return self._skip(
                    log,
                    self.env._(
                        "Covered by %(invoices)s: milestone %(milestone)s was invoiced with it "
                        "(several milestones reached together); nothing was created.",
                        invoices=", ".join(covering.mapped("display_name")),
                        milestone=milestone.name,
                    ),
                    source_data={"covered_by": covering.ids, "trigger": log.trigger},
                )
            raise UserError(
                self.env._(
                    "Nothing left to invoice for milestone %(milestone)s on %(order)s.",
                    milestone=milestone.name,
                    order=order.name,
                )
            )
        scope = {"project": milestone.project_id, "milestones": milestone, "period": None}
        return self._finalize(log, invoice, scope)

    @api.model
    def _run_period(self, log):
        # sudo: project.project - the agent user is no project user; Odoo's own
        # definition of the project's sales order items (project, tasks, milestones,
        # and the order re-invoicing its expenses)
        project = log.project_id.sudo()
        if not project:
            raise UserError(
                self.env._("The project of this log was deleted; nothing was invoiced.")
            )
        sale_lines = (
            project._fetch_sale_order_items()
            .sudo(False)
            .filtered(lambda line: line.company_id == log.company_id and line.state == "sale")
        )
        orders = sale_lines.order_id
        period = (log.ai_period_start, log.ai_period_end)
        if not orders:
            return self._skip(
                log,
                self.env._(
                    "Project %(project)s has no confirmed sales order: nothing to invoice for "
                    "%(start)s to %(end)s.",
                    project=project.name,
                    start=period[0],
                    end=period[1],
                ),
            )
        self._lock_or_retry(
            orders,
            self.env._(
                "Orders of project %(project)s are being invoiced by another job.",
                project=project.name,
            ),
        )
        for order in orders:
            self._raise_blocker(order)
        invoices = self._draft_with_engine(log, orders, sale_lines, period)
        if not invoices:
            return self._skip(
                log,
                self.env._(
                    "Nothing billable on project %(project)s for %(start)s to %(end)s: no billable "
                    "timesheet of the period, re-invoiced expense or reached milestone is left to "
                    "invoice.",
                    project=project.name,
                    start=period[0],
                    end=period[1],
                ),
                source_data={"orders": orders.mapped("name"), "period": [str(d) for d in period]},
            )
        scope = {"project": project, "milestones": None, "period": period}
        result = self._finalize(log, invoices[0], scope)
        # Odoo splits by customer, currency, fiscal position: one log per invoice
        for invoice in invoices[1:]:
            extra = self._create_child_log(
                log,
                {
                    "project_id": log.project_id.id,
                    "ai_period_start": log.ai_period_start,
                    "ai_period_end": log.ai_period_end,
                    "sale_order_id": invoice.invoice_line_ids.sale_line_ids.order_id[:1].id,
                },
            )
            self._finalize(extra, invoice, scope)
        return result

    @api.model
    def _draft_with_engine(self, log, orders, sale_lines, period=None):
        """Draft with Odoo's engine, limited to ``sale_lines`` (the milestone's item or the
        project's items): ``_create_invoices`` for a milestone, the invoicing wizard with
        its timesheet dates for a period."""
        ctx = {
            "raise_if_nothing_to_invoice": False,
            "ai_invoice_journal_id": log.company_id._ai_get_invoice_journal().id,
            "ai_project_sale_line_ids": sale_lines.ids,
        }
        if period is None:
            return orders.with_context(**ctx)._create_invoices(grouped=True)
        wizard = (
            self.env["sale.advance.payment.inv"]
            .with_context(**ctx)
            .create(
                {
                    "advance_payment_method": "delivered",
                    "sale_order_ids": [Command.set(orders.ids)],
                    "date_start_invoice_timesheet": period[0],
                    "date_end_invoice_timesheet": period[1],
                }
            )
        )
        return wizard._create_invoices(orders.with_context(**ctx))

    # ------------------------------------------------------------------
    # The drafting steps: the line descriptions are the narrative; the project
    # manager's review joins the routing
    # ------------------------------------------------------------------
    @api.model
    def _narrate(self, run):
        log, invoice, scope = run.log, run.invoice, run.scope
        # the log names its invoice first: the project check reads the period through it
        log._system_write({"move_id": invoice.id})
        facts, evidence = self._collect(invoice, scope)
        outcome = self._describe(log, invoice, scope, facts)
        llm_lines = self._write_descriptions(invoice, facts, outcome)
        run.extra.update(facts=facts, evidence=evidence, llm_lines=llm_lines)
        return outcome

    @api.model
    def _route(self, run):
        routing = super()._route(run)
        pm_reason = self._project_manager_reason(run.scope["project"], run.invoice.company_id)
        if pm_reason:
            routing["review_required"] = True
            routing["reasons"].append(pm_reason)
            routing["codes"].append(REASON_PROJECT_MANAGER)
        return routing

    @api.model
    def _prepare_done_vals(self, run):
        vals = super()._prepare_done_vals(run)
        vals["sale_order_id"] = (
            run.log.sale_order_id.id or run.invoice.invoice_line_ids.sale_line_ids.order_id[:1].id
        )
        return vals

    @api.model
    def _project_manager_reason(self, project, company):
        """Why the draft waits for the project manager (None: the project does not ask)."""
        if not project.ai_pm_review:
            return None
        manager = project.user_id
        if not manager:
            return self.env._(
                "Project %(project)s asks for review by its project manager but has none: "
                "routed to the AI review responsible.",
                project=project.name,
            )
        if company not in manager.company_ids or not manager.has_group(
            "ai_invoicing.group_ai_invoicing_reviewer"
        ):
            return self.env._(
                "Project %(project)s asks for review by its project manager (%(manager)s), who "
                "is no AI Invoicing reviewer: routed to the AI review responsible.",
                project=project.name,
                manager=manager.name,
            )
        return self.env._(
            "Project %(project)s asks for review by its project manager (%(manager)s).",
            project=project.name,
            manager=manager.name,
        )

    # ------------------------------------------------------------------
    # Rationale, snapshot, chatter
    # ------------------------------------------------------------------
    @api.model
    def _rationale(self, run):
        invoice, scope, outcome = run.invoice, run.scope, run.narrative
        facts, evidence, llm_lines = (run.extra[k] for k in ("facts", "evidence", "llm_lines"))
        project = scope["project"]
        hours = sum(summary.hours for line in facts for summary in line.tasks)
        if scope["period"]:
            what = self.env._(
                "Period %(start)s to %(end)s of project %(project)s",
                start=scope["period"][0],
                end=scope["period"][1],
                project=project.name,
            )
        else:
            what = self.env._(
                "Milestone %(milestones)s of project %(project)s reached",
                milestones=", ".join(evidence["milestones"].mapped("name"))
                or scope["milestones"].name,
                project=project.name,
            )
        if outcome.fallback_used:
            how = self.env._(
                "template grouped by task (%(reason)s)",
                reason=(outcome.fallback_reason or "").rstrip("."),
            )
        else:
            how = self.env._(
                "written by the LLM for %(count)s of %(total)s line(s)",
                count=llm_lines,
                total=len(facts),
            )
        tasks = {summary.task for line in facts for summary in line.tasks}
        return self.env._(
            "%(what)s: %(lines)s line(s) drafted with Odoo's invoicing engine from %(orders)s. "
            "Aggregated: %(entries)s timesheet entr(ies), %(hours)s h on %(tasks)s task(s); "
            "%(milestones)s milestone(s); %(expenses)s re-invoiced expense(s). Untaxed "
            "%(untaxed)s, total %(total)s. Descriptions: %(how)s.",
            what=what,
            lines=len(facts),
            orders=", ".join(invoice.invoice_line_ids.sale_line_ids.order_id.mapped("name")),
            entries=len(evidence["timesheets"]),
            hours=hours_text(hours),
            tasks=len(tasks),
            milestones=len(evidence["milestones"]),
            expenses=len(evidence["expenses"]),
            untaxed=self._money(invoice.amount_untaxed, invoice.currency_id),
            total=self._money(invoice.amount_total, invoice.currency_id),
            how=how,
        )

    @api.model
    def _snapshot(self, run):
        log, invoice, scope = run.log, run.invoice, run.scope
        facts, evidence = run.extra["facts"], run.extra["evidence"]
        project = scope["project"]
        milestone_tasks = evidence["milestones"].task_ids
        # sudo: account.analytic.line - the timesheets of the milestone's tasks, for the log
        milestone_timesheets = (
            self.env["account.analytic.line"]
            .sudo()
            .search([("task_id", "in", milestone_tasks.ids), ("project_id", "!=", False)])
        )
        timesheets = evidence["timesheets"] | milestone_timesheets
        return {
            "trigger": log.trigger,
            "project": {"id": project.id, "name": project.name},
            "milestones": [
                {"id": m.id, "name": m.name, "percentage": m.quantity_percentage}
                for m in evidence["milestones"]
            ],
            "period": [str(d) for d in scope["period"]] if scope["period"] else None,
            "orders": invoice.invoice_line_ids.sale_line_ids.order_id.mapped("name"),
            "timesheet_ids": timesheets.ids,
            "expense_ids": evidence["expenses"].ids,
            "task_ids": (timesheets.task_id | milestone_tasks).ids,
            "totals": {
                "hours": round(sum(timesheets.mapped("unit_amount")), 2),
                "invoiced_hours": round(sum(evidence["timesheets"].mapped("unit_amount")), 2),
                "timesheet_entries": len(timesheets),
                "expenses": len(evidence["expenses"]),
                "amount_untaxed": invoice.amount_untaxed,
                "amount_total": invoice.amount_total,
                "currency": invoice.currency_id.name,
            },
            "lines": [
                {
                    "ref": fact.ref,
                    "label": fact.heading,
                    "kind": fact.kind,
                    "quantity": fact.quantity,
                    "uom": fact.uom,
                    "tasks": [
                        {"task": s.task, "hours": s.hours, "entries": s.entries} for s in fact.tasks
                    ],
                    "milestones": [m.name for m in fact.milestones],
                    "expense_ids": [e.id for e in fact.expenses],
                }
                for fact in facts
            ],
            "descriptions": "template" if not run.extra["llm_lines"] else "llm",
            "invoice": self._snapshot_invoice(invoice),
            "routing": run.routing,
        }

    @api.model
    def _post_chatter(self, run):
        log, invoice, scope = run.log, run.invoice, run.scope
        if scope["period"]:
            origin = self.env._(
                "the period %(start)s to %(end)s of %(project)s",
                start=scope["period"][0],
                end=scope["period"][1],
                project=scope["project"].name,
            )
        else:
            origin = self.env._(
                "milestone %(milestone)s of %(project)s",
                milestone=scope["milestones"].name,
                project=scope["project"].name,
            )
        for order in invoice.invoice_line_ids.sale_line_ids.order_id:
            self._chatter(
                order,
                self.env._(
                    "Invoice %(invoice)s drafted by the AI agent for %(origin)s (%(log)s).",
                    invoice=invoice._get_html_link(),
                    origin=origin,
                    log=log._get_html_link(),
                ),
            )
        self._chatter(
            invoice,
            self.env._(
                "Drafted by the AI agent for %(origin)s (%(log)s). %(outcome)s",
                origin=origin,
                log=log._get_html_link(),
                outcome=log.review_reason
                and self.env._("Held for review: %(reason)s", reason=log.review_reason)
                or "",
            ),
        )
