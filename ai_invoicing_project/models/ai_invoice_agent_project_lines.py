# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
import re

from odoo import api, models
from odoo.exceptions import UserError
from odoo.fields import Command
from odoo.tools import formatLang, html2plaintext
from odoo.tools.misc import format_date

from odoo.addons.ai_invoicing.services.guardrails import AllowedOutput
from odoo.addons.ai_invoicing.services.templates import Wording

from ..services import line_descriptions
from ..services.project_invoicing import (
    ExpenseItem,
    LineFacts,
    MilestoneFact,
    TimeEntry,
    allowed_figures,
    compose_label,
    heading_of,
    line_facts_payload,
    line_untrusted,
    summarize_by_task,
)
from .ai_invoice_agent_project import LINE_DESCRIPTIONS


class AiInvoiceAgentProject(models.AbstractModel):
    """The project agent's narrative step: what each invoice line aggregates (timesheets,
    milestones, re-invoiced expenses, never an employee's name for the customer) and
    the client-facing description written on it (guarded LLM text or a template
    grouped by task), with every figure checked unchanged."""

    _inherit = "ai.invoice.agent.project"

    # ------------------------------------------------------------------
    # What each invoice line aggregates
    # ------------------------------------------------------------------
    @api.model
    def _collect(self, invoice, scope):
        """Per product line: the timesheets, milestones and expenses behind it.

        Returns ``(facts, evidence)``: a ``LineFacts`` per line (in invoice order,
        ``ref`` L1, L2...) and the ids behind them for the log.
        """
        lines = invoice._ai_product_lines()
        # sudo: sale.order.line - the timesheets, milestones and expenses of the
        # items just invoiced; the agent user is no project, timesheet or expense user
        sale_lines = lines.sale_line_ids.sudo()
        timesheets = (
            self.env["account.analytic.line"]
            .sudo()
            .search_fetch(
                [
                    ("timesheet_invoice_id", "=", invoice.id),
                    ("so_line", "in", sale_lines.ids),
                    ("project_id", "!=", False),
                ],
                ["so_line", "task_id", "unit_amount", "date", "name", "employee_id"],
                order="date, id",
            )
        )
        by_sale_line = timesheets.grouped("so_line")
        milestones_by_line = self._milestones_by_line(invoice, sale_lines, scope)
        # sudo: project.milestone, hr.expense - see the sale lines above
        evidence = {
            "timesheets": timesheets,
            "milestones": self.env["project.milestone"].sudo(),
            "expenses": self.env["hr.expense"].sudo(),
        }
        facts = []
        for index, line in enumerate(lines, start=1):
            sale_line = line.sale_line_ids[:1].sudo()  # sudo: see above
            entries = by_sale_line.get(sale_line, timesheets.browse())
            milestones = milestones_by_line.get(sale_line, evidence["milestones"].browse())
            evidence["milestones"] |= milestones
            evidence["expenses"] |= sale_line.expense_ids
            facts.append(self._line_facts(f"L{index}", line, sale_line, entries, milestones, scope))
        return facts, evidence

    @api.model
    def _line_facts(self, ref, line, sale_line, timesheets, milestones, scope):
        """What invoice line ``line`` aggregates: its time entries, milestones, expenses."""
        entries = [self._time_entry(timesheet) for timesheet in timesheets]
        expenses = sale_line.expense_ids
        kind = self._line_kind(sale_line, entries, expenses)
        label = self._label_without_people(line.name or "", expenses)
        return LineFacts(
            ref=ref,
            heading=heading_of(label) or line.product_id.display_name,
            label=label,
            kind=kind,
            quantity=line.quantity,
            uom=line.product_uom_id.name or "",
            period=scope["period"] if kind == "timesheets" else None,
            tasks=summarize_by_task(entries),
            milestones=[
                MilestoneFact(
                    name=milestone.name,
                    percentage=milestone.quantity_percentage,
                    reached_date=milestone.reached_date or None,
                    tasks=tuple(milestone.task_ids.mapped("name")),
                )
                for milestone in milestones
            ],
            expenses=[
                ExpenseItem(
                    id=expense.id,
                    name=expense.name or "",
                    date=expense.date or None,
                    receipts=expense.nb_attachment,
                )
                for expense in expenses
            ],
        )

    @api.model
    def _line_kind(self, sale_line, entries, expenses):
        if sale_line.is_expense or expenses:
            return "expense"
        if sale_line.qty_delivered_method == "milestones":
            return "milestone"
        if entries or sale_line.qty_delivered_method == "timesheet":
            return "timesheets"
        return "other"

    @api.model
    def _label_without_people(self, label, expenses):
        """Odoo's whole label, without the employee names it puts on re-invoiced expenses
        (``Bob Builder: Taxi``): the customer reads what was spent, not who spent it."""
        # sudo: hr.employee - the names to leave out; the agent user is no HR user
        for name in expenses.sudo().employee_id.mapped("name"):
            label = re.sub(rf"(^|\n)\s*{re.escape(name)}\s*:\s*", r"\1", label)
            label = label.replace(name, "").strip()
        return label.strip()

    @api.model
    def _project_wording(self, lang):
        """``Wording`` in ``lang`` with this addon's translations (``env._`` resolves the
        module from this file) and Odoo's date and number formats."""
        env = self.with_context(lang=lang).env
        return Wording(
            lambda source, /, **kwargs: env._(source, **kwargs),
            lambda value: format_date(env, value, lang_code=lang),
            lambda value: formatLang(env, value, digits=2),
        )

    @api.model
    def _time_entry(self, timesheet):
        return TimeEntry(
            id=timesheet.id,
            task=timesheet.task_id.name or "",
            hours=timesheet.unit_amount,
            date=timesheet.date,
            description=timesheet.name or "",
            employee=timesheet.employee_id.name or "",
        )

    @api.model
    def _milestones_by_line(self, invoice, sale_lines, scope):
        """The reached milestones each milestone item of the invoice bills.

        The milestone that triggered the run, and every other reached milestone of
        the item not already billed by another AI project invoice.
        """
        milestone_lines = sale_lines.filtered(lambda sl: sl.qty_delivered_method == "milestones")
        reached = milestone_lines.reached_milestones_ids
        if not reached:
            return {}
        # sudo: ai.invoice.log - every project log of the company counts, whoever runs
        billed_elsewhere = (
            self.env["ai.invoice.log"]
            .sudo()
            .search_fetch(
                [
                    ("agent", "=", self._agent),
                    ("milestone_id", "in", reached.ids),
                    ("move_id", "not in", [False, invoice.id]),
                    ("move_id.state", "!=", "cancel"),
                ],
                ["milestone_id"],
            )
            .milestone_id
        )
        current = scope["milestones"] or reached.browse()
        billed = (reached - billed_elsewhere) | current
        return {
            line: billed.filtered(lambda m, line=line: m.sale_line_id == line)
            for line in milestone_lines
        }

    # ------------------------------------------------------------------
    # Descriptions (guarded LLM text or template; never a figure)
    # ------------------------------------------------------------------
    @api.model
    def _describe(self, log, invoice, scope, facts):
        company = invoice.company_id
        lang = self._customer_lang(invoice.partner_id, company)
        wording = self._project_wording(lang)
        share = company.ai_project_llm_share_internal
        project = scope["project"]
        period = scope["period"]
        payload = {
            "project": project.name,
            "customer": invoice.commercial_partner_id.name,
            "trigger": log.trigger,
            "lines": [
                line_facts_payload(line, share_people=share, format_date=wording.date)
                for line in facts
            ],
            "language": lang,
        }
        if period:
            payload["period"] = {"from": wording.date(period[0]), "to": wording.date(period[1])}
        untrusted = {}
        for line in facts:
            untrusted.update(line_untrusted(line))
        if share:
            untrusted.update(self._task_notes(facts, scope))
        base = self._allowed_invoice_output(invoice)
        allowed = AllowedOutput(
            amounts=base.amounts | frozenset(allowed_figures(facts)), urls=base.urls
        )
        template = line_descriptions.template_answer(facts, wording)
        return self._guarded_text(
            company,
            LINE_DESCRIPTIONS,
            payload,
            untrusted,
            allowed,
            lambda _facts, _flags: template,
        )

    @api.model
    def _task_notes(self, facts, scope):
        """Internal task descriptions (only when the company shares them with the LLM)."""
        names = {summary.task for line in facts for summary in line.tasks if summary.task}
        names |= {task for line in facts for m in line.milestones for task in m.tasks}
        if not names:
            return {}
        # sudo: project.task - the agent user is no project user
        tasks = (
            self.env["project.task"]
            .sudo()
            .search_fetch(
                [("project_id", "=", scope["project"].id), ("name", "in", list(names))],
                ["name", "description"],
            )
        )
        return {
            f"internal notes on {task.name}": html2plaintext(task.description or "")[:500]
            for task in tasks
            if task.description
        }

    @api.model
    def _write_descriptions(self, invoice, facts, outcome):
        """Each line's label becomes Odoo's heading plus its description: names only.

        Returns how many lines carry the LLM's text. Quantities, prices and totals
        are compared before and after: a change would be a bug, never written.
        """
        lang = self._customer_lang(invoice.partner_id, invoice.company_id)
        template = line_descriptions.descriptions_by_ref(
            line_descriptions.template_answer(facts, self._project_wording(lang)),
            [line.ref for line in facts],
        )
        llm = (
            {}
            if outcome.fallback_used
            else line_descriptions.descriptions_by_ref(outcome.data, [line.ref for line in facts])
        )
        lines = invoice._ai_product_lines()
        before = self._figures(invoice)
        commands = []
        for line, fact in zip(lines, facts, strict=True):
            text = llm.get(fact.ref) or template.get(fact.ref)
            if text:
                commands.append(
                    Command.update(
                        line.id, {"name": compose_label(fact.label or fact.heading, text)}
                    )
                )
        if commands:
            invoice.write({"invoice_line_ids": commands})
        if self._figures(invoice) != before:
            raise UserError(
                self.env._(
                    "Writing the line descriptions changed a figure of the invoice; nothing "
                    "was kept."
                )
            )
        return sum(1 for fact in facts if fact.ref in llm)

    @api.model
    def _figures(self, invoice):
        return [
            (line.id, line.quantity, line.price_unit, line.price_subtotal)
            for line in invoice.invoice_line_ids
        ] + [invoice.amount_total]
