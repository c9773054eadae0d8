# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import fields, models
from odoo.fields import Domain

WAITING_DOMAIN = [
    ("state", "=", "done"),
    ("picking_type_code", "=", "outgoing"),
    ("sale_id.invoice_status", "=", "to invoice"),
]


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
    ai_waiting_invoice = fields.Boolean(
        string="Waiting to Be Invoiced",
        compute="_compute_ai_waiting_invoice",
        search="_search_ai_waiting_invoice",
        help="A validated customer delivery whose order still has something to invoice "
        "(e.g. waiting for its invoicing period).",
    )

    def _compute_ai_waiting_invoice(self):
        for picking in self:
            picking.ai_waiting_invoice = picking.filtered_domain(WAITING_DOMAIN) == picking

    def _search_ai_waiting_invoice(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            return NotImplemented
        positive = (operator == "=") == value
        return Domain(WAITING_DOMAIN) if positive else ~Domain(WAITING_DOMAIN)

    def _ai_delivered_to_invoice(self):
        """Whether this validated delivery brought something to invoice: a product invoiced
        on delivered quantities left with it. Read from its own moves; the order's
        ``invoice_status`` would recompute and flush the order lines in the middle of
        the validation (and an order invoiced ahead is found covered by the job)."""
        self.ensure_one()
        return any(
            move.state == "done"
            and move.quantity
            and move.sale_line_id.product_id.invoice_policy == "delivery"
            for move in self.move_ids
        )

    def _action_done(self):
        res = super()._action_done()
        # Nothing slow here: the invoice is drafted in a queue job, by the customer's mode.
        pickings = self.filtered(
            lambda p: (
                p.state == "done"
                and p.picking_type_code == "outgoing"
                and p.sale_id
                and p.company_id.ai_invoicing_enabled
                and p.company_id.ai_trigger_on_delivery
            )
        )
        by_mode = pickings.grouped(lambda p: p.sale_id.partner_id._ai_invoicing_mode(p.company_id))
        agent = self.env["ai.invoice.agent.draft"]
        per_delivery = by_mode.get("per_delivery", self.browse())
        to_invoice = per_delivery.filtered(lambda p: p._ai_delivered_to_invoice())
        agent._enqueue(to_invoice, "picking_done")
        # per order: one invoice once everything of the order is delivered
        delivered = by_mode.get("per_order", self.browse()).sale_id.filtered(
            lambda o: (
                all(p.state in ("done", "cancel") for p in o.picking_ids)
                and o.invoice_status == "to invoice"
            )
        )
        agent._enqueue(delivered, "order_delivered")
        # per period: the deliveries wait for the scheduled run (ai.invoice.agent.billing)
        return res
