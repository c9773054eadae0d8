# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import fields, models


class SaleOrder(models.Model):
    _name = "sale.order"
    _inherit = ["sale.order", "ai.log.mixin"]
    _ai_log_field = "sale_order_id"

    ai_log_ids = fields.One2many(
        "ai.invoice.log",
        "sale_order_id",
        string="AI Logs",
        groups="ai_invoicing.group_ai_invoicing_user",
    )
    ai_log_count = fields.Integer(compute="_compute_ai_log_count", string="AI Logs Count")

    def _action_confirm(self):
        res = super()._action_confirm()
        # Orders with products invoiced on ordered quantities are invoiced at once;
        # the drafting itself happens in the queue job.
        # (customers invoiced per period get everything on the period's invoice)
        orders = self.filtered(
            lambda o: (
                o.company_id.ai_invoicing_enabled
                and o.company_id.ai_trigger_on_confirm
                and o.partner_id._ai_invoicing_mode(o.company_id) != "per_period"
                and any(
                    line.product_id.invoice_policy == "order"
                    for line in o.order_line
                    if not line.display_type and not line.is_downpayment
                )
            )
        )
        self.env["ai.invoice.agent.draft"]._enqueue(orders, "order_confirmed")
        return res

    def action_ai_draft_invoices_now(self):
        """Draft the invoices of the selected orders now, in batch jobs."""
        self.check_access("write")
        return self.env["ai.invoice.agent.billing"]._action_draft_now(self)

    def _prepare_invoice(self):
        vals = super()._prepare_invoice()
        # set by the drafting agent around _create_invoices, which calls this hook
        journal_id = self.env.context.get("ai_invoice_journal_id")
        if journal_id and not self.journal_id:
            vals["journal_id"] = journal_id
        return vals
