# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import api, fields, models


class AiInvoiceLog(models.Model):
    _inherit = "ai.invoice.log"

    agent = fields.Selection(
        selection_add=[("project_invoice", "Project Invoicing")],
        ondelete={"project_invoice": "cascade"},
    )
    trigger = fields.Selection(
        selection_add=[("milestone_reached", "Milestone Reached")],
        ondelete={"milestone_reached": "cascade"},
    )
    project_id = fields.Many2one(
        "project.project", readonly=True, index="btree_not_null", ondelete="set null"
    )
    milestone_id = fields.Many2one(
        "project.milestone", readonly=True, index="btree_not_null", ondelete="set null"
    )
    ai_period_start = fields.Date(string="Period Start", readonly=True)
    ai_period_end = fields.Date(string="Period End", readonly=True)

    @api.depends("agent", "state", "decision", "feedback", "review_required", "amount_total")
    def _compute_kpis(self):
        # a project draft is a drafted invoice like the drafting agent's: it counts the same
        super()._compute_kpis()
        for log in self.filtered(lambda log: log.agent == "project_invoice"):
            log.kpi_review = 100.0 if log.review_required else 0.0
            log.kpi_rejected = 100.0 if log.state == "rejected" else 0.0
            log.kpi_amount = log.amount_total if log.move_id else 0.0

    def _document(self):
        self.ensure_one()
        if self.agent == "project_invoice":
            return self.sale_order_id or self.project_id
        return super()._document()
