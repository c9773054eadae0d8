# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import fields, models


class StockPicking(models.Model):
    _name = "stock.picking"
    _inherit = ["stock.picking", "ai.log.mixin"]
    _ai_log_field = "picking_id"

    ai_log_ids = fields.One2many(
        "ai.invoice.log",
        "picking_id",
        string="AI Logs",
        groups="ai_invoicing.group_ai_invoicing_user",
    )
    ai_log_count = fields.Integer(compute="_compute_ai_log_count", string="AI Logs Count")

    def _action_done(self):
        res = super()._action_done()
        # One drafting job per validated customer delivery; nothing slow here.
        pickings = self.filtered(
            lambda p: (
                p.state == "done"
                and p.picking_type_code == "outgoing"
                and p.sale_id
                and p.company_id.ai_invoicing_enabled
                and p.company_id.ai_trigger_on_delivery
                and p.sale_id.invoice_status == "to invoice"
            )
        )
        self.env["ai.invoice.agent.draft"]._enqueue(pickings, "picking_done")
        return res
