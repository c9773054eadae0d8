# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import api, models
from odoo.exceptions import UserError


class AiInvoiceAgentDraft(models.AbstractModel):
    """Drafts the customer invoice of a validated delivery or a confirmed order.

    One log per delivery (or per confirmed order); the drafting steps it shares with
    the billing and project agents (Odoo's engine, checks, routing, log) are
    ``ai.invoice.agent.drafting``'s.
    """

    _name = "ai.invoice.agent.draft"
    _inherit = "ai.invoice.agent.drafting"
    _description = "AI Invoicing Agent: Invoice Drafting"
    _agent = "invoice_draft"

    @api.model
    def _prepare_log_vals(self, record, trigger):
        """``record`` is the validated delivery or the confirmed order."""
        picking = record if record._name == "stock.picking" else record.browse()
        order = picking.sale_id if picking else record
        return {
            "trigger": trigger,
            "company_id": order.company_id.id,
            "sale_order_id": order.id,
            "picking_id": picking.id,
            "partner_id": order.partner_id.id,
            "currency_id": order.currency_id.id,
        }

    @api.model
    def _dedup_key(self, vals):
        """A delivery is invoiced once; an order once per trigger."""
        if vals.get("picking_id"):
            return f"picking:{vals['picking_id']}"
        return vals.get("sale_order_id") and f"{vals['trigger']}:order:{vals['sale_order_id']}"

    # ------------------------------------------------------------------
    # Run
    # ------------------------------------------------------------------
    @api.model
    def _run(self, log):
        order = log.sale_order_id
        if not order:
            raise UserError(self.env._("The log has no sale order to invoice."))
        out_of_scope = self._ai_rollout_skip_reason(order, log.picking_id)
        if out_of_scope:  # outside every rollout scope, or in one switched off
            return self._skip(log, out_of_scope)
        # Every job touching this order waits for the others: two deliveries of
        # one order, or a confirmation and a delivery, never invoice in parallel.
        self._lock_or_retry(
            order,
            self.env._("Sale order %(order)s is being invoiced by another job.", order=order.name),
        )
        self._raise_blocker(order)
        invoice = self._create_invoice(order)
        if not invoice:
            covering = self._covering_invoices(log)
            if covering:
                return self._skip_covered(log, covering)
            raise UserError(
                self.env._(
                    "Nothing left to invoice on %(order)s: every delivered or ordered quantity "
                    "is already on an invoice.",
                    order=order.name,
                )
            )
        return self._finalize(log, invoice)

    @api.model
    def _covering_invoices(self, log):
        """Invoices that already cover this delivery or confirmation (another job met it)."""
        if log.picking_id:
            sale_lines = log.picking_id.move_ids.sale_line_id
        elif log.trigger == "order_delivered":
            sale_lines = log.sale_order_id.order_line
        else:
            sale_lines = log.sale_order_id.order_line.filtered(
                lambda line: line.product_id.invoice_policy == "order"
            )
        return sale_lines.invoice_lines.move_id.filtered(
            lambda move: move.state != "cancel" and move.move_type == "out_invoice"
        ).sorted("id", reverse=True)

    @api.model
    def _skip_covered(self, log, covering):
        return self._skip(
            log,
            self.env._(
                "Covered by %(invoices)s: another job invoiced %(document)s with it; nothing "
                "was created.",
                invoices=", ".join(covering.mapped("display_name")),
                document=log._document().display_name,
            ),
            source_data={"covered_by": covering.ids, "trigger": log.trigger},
        )
