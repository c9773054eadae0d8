# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from collections import defaultdict

from odoo import api, fields, models

from ..services.project_invoicing import closed_periods
from .ai_invoice_agent_project import ProjectPeriod

INVOICE_PERIODS = [("none", "None"), ("weekly", "Weekly"), ("monthly", "Monthly")]


class ProjectProject(models.Model):
    _inherit = "project.project"

    ai_invoice_period = fields.Selection(
        INVOICE_PERIODS,
        string="AI Invoicing Period",
        default="none",
        required=True,
        help="Weekly: every Monday, the AI drafts the invoice of last week's (Monday to Sunday) "
        "billable timesheets and re-invoiced expenses. Monthly: on the 1st, last month's. "
        "Amounts come from Odoo's date-bounded timesheet invoicing. None: no period invoice.",
    )
    ai_invoice_on_milestone = fields.Boolean(
        string="AI Draft on Milestone Reached",
        default=True,
        help="When a milestone linked to a sales order item is marked reached, the AI drafts "
        "the invoice of what it delivered (its percentage of the item).",
    )
    ai_pm_review = fields.Boolean(
        string="Review by the Project Manager",
        help="AI-drafted invoices of this project wait for approval and the review activity "
        "goes to the project manager (who must be an AI Invoicing reviewer).",
    )
    ai_last_period_end = fields.Date(
        string="Last AI Invoicing Period End",
        readonly=True,
        copy=False,
        help="End of the last period queued for drafting; the next run starts the day after.",
    )

    def write(self, vals):
        if vals.get("ai_invoice_period") == "none":
            # switched off: a later restart drafts from the last closed period, not years back
            vals = dict(vals, ai_last_period_end=False)
        return super().write(vals)

    @api.model
    def _cron_ai_draft_period_invoices(self):
        """Daily: queue the closed invoicing periods of each project (catching up missed ones)."""
        today = fields.Date.context_today(self)
        projects = self.search(
            [("ai_invoice_period", "!=", "none"), ("allow_billable", "=", True)]
        ).filtered(lambda p: p._ai_company().ai_invoicing_enabled)
        by_period = defaultdict(lambda: self.browse())
        last_end = defaultdict(lambda: self.browse())
        for project in projects:
            periods = closed_periods(
                project.ai_invoice_period, today, project.ai_last_period_end or None
            )
            for period in periods:
                by_period[period] |= project
            if periods:
                last_end[periods[-1][1]] |= project
        agent = self.env["ai.invoice.agent.project"]
        for period, group in sorted(by_period.items()):
            agent._enqueue([ProjectPeriod(project, *period) for project in group], "period")
        for end, group in last_end.items():
            group.write({"ai_last_period_end": end})

    def _ai_company(self):
        self.ensure_one()
        return self.company_id or self.sale_line_id.company_id or self.env.company
