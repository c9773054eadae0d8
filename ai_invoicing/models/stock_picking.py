# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import fields, models


class StockPicking(models.Model):
    _inherit = ["stock.picking", "ai.log.mixin"]
    _ai_log_field = "picking_id"

    ai_log_ids = fields.One2many("ai.invoice.log", "picking_id", string="AI Logs")
    ai_log_count = fields.Integer(compute="_compute_ai_log_count", string="AI Logs Count")

    def _action_done(self):
        res = super()._action_done()
        self._ai_enqueue_invoice_drafts()
        return res

    def _ai_enqueue_invoice_drafts(self):
        """One invoice-drafting job per validated customer delivery.

        Nothing slow happens here: the invoice is drafted in the job.
        """
        pickings = self.filtered(lambda p: p._ai_is_invoice_trigger())
        self.env["ai.invoice.log"]._ai_enqueue(
            [p.sale_id._prepare_ai_log_vals("picking_done", picking=p) for p in pickings]
        )

    def _ai_is_invoice_trigger(self):
        self.ensure_one()
        company = self.company_id
        return (
            self.state == "done"
            and self.picking_type_code == "outgoing"
            and bool(self.sale_id)
            and company.ai_invoicing_enabled
            and company.ai_trigger_on_delivery
            and self.sale_id.invoice_status == "to invoice"
        )
