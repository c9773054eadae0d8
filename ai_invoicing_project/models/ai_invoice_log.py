# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import fields, models


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
