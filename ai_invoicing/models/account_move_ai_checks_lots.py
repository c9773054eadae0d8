# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import api, models

from ..services import checks, checks_doubles


class AccountMoveAiChecks(models.AbstractModel):
    """Omissions: tracked products invoiced without their lots or serial numbers when the
    invoices print them (Inventory setting *Display Lots & Serial Numbers on Invoices*); a
    service invoiced on delivered quantities with nothing delivered.
    Rules in ``services/checks_doubles.py``."""

    _inherit = "account.move.ai.checks"

    @api.model
    def _check_functions(self, move, batch):
        return super()._check_functions(move, batch) + [
            (move.company_id.ai_check_lots, lambda: self._findings_lots(move, batch)),
            (
                move.company_id.ai_check_services_delivered,
                lambda: self._findings_services_delivered(move),
            ),
        ]

    @api.model
    def _prefetch_batch(self, moves, source_keys):
        batch = super()._prefetch_batch(moves, source_keys)
        group = self.env.ref("stock_account.group_lot_on_invoice", raise_if_not_found=False)
        services = moves.filtered(
            lambda move: (
                move.company_id.ai_check_services_delivered
                and move.invoice_line_ids.product_id.filtered(
                    lambda product: (
                        product.type == "service" and product.invoice_policy == "delivery"
                    )
                )
            )
        )
        # the order lines a service line added by hand is compared with, for the batch
        services.invoice_line_ids.sale_line_ids.order_id.order_line.mapped("qty_delivered")
        batch["lots_printed"] = bool(
            group and group in self.env.ref("base.group_user").all_implied_ids
        )
        if batch["lots_printed"]:
            checked = moves.filtered(lambda move: move.company_id.ai_check_lots)
            # sudo: stock.move.line - which lots the deliveries carried; whoever runs the
            # checks (agent, reviewer) need not be a stock user
            move_lines = checked.invoice_line_ids.sale_line_ids.sudo().move_ids.move_line_ids
            move_lines.mapped("lot_id")
            (move_lines.location_id | move_lines.location_dest_id).mapped("usage")
        return batch

    @api.model
    def _findings_lots(self, move, batch):
        if not batch["lots_printed"]:
            return []
        lines = move._ai_product_lines().filtered(
            lambda line: line.product_id.tracking != "none" and line.quantity > 0
        )
        items = []
        for line in lines:
            product = line.product_id
            unit = product.uom_id
            invoiced = line.product_uom_id._compute_quantity(line.quantity, unit)
            # sudo: sale.order.line - the delivered lots of the line, for a reviewer
            # without sales or stock rights who re-runs the checks
            sale_line = line.sale_line_ids[:1].sudo()
            with_lots = 0.0
            for sml in sale_line.move_ids.move_line_ids:
                if sml.state != "done" or not sml.lot_id or sml.product_id != product:
                    continue
                qty = sml.product_uom_id._compute_quantity(sml.quantity, unit)
                if sml.location_dest_id.usage == "customer":
                    with_lots += qty
                elif sml.location_id.usage == "customer":
                    with_lots -= qty
            earlier = (
                sale_line.product_uom_id._compute_quantity(sale_line.qty_invoiced, unit) - invoiced
                if sale_line
                else 0.0
            )
            items.append(checks_doubles.LotLine(product.id, invoiced, with_lots - earlier))
        findings = []
        for hit in checks_doubles.check_missing_lots(items, rounding=self._qty_rounding()):
            product = self.env["product.product"].browse(hit.facts["product_id"])
            findings.append(
                checks.Finding(
                    hit.code,
                    hit.severity,
                    self.env._(
                        "%(product)s is tracked by lots or serial numbers and the invoices "
                        "print them, but %(invoiced)s %(unit)s are invoiced and only "
                        "%(lots)s %(unit)s were delivered with a lot: the invoice would list "
                        "none for the rest. Invoice after the delivery, or complete its lots.",
                        product=product.display_name,
                        invoiced=self._format_qty(hit.facts["invoiced_qty"]),
                        lots=self._format_qty(hit.facts["lot_qty"]),
                        unit=product.uom_id.name,
                    ),
                    hit.check,
                )
            )
        return findings

    @api.model
    def _findings_services_delivered(self, move):
        """Services invoiced on delivered quantities with nothing delivered to invoice.

        A line of the order is the quantities check's business while that check is on
        (``qty_over_delivered``); a line added by hand is compared with the delivered and not
        yet invoiced quantity of the same service on the invoice's orders (none: nothing).
        """
        company = move.company_id
        lines = move._ai_product_lines().filtered(
            lambda line: (
                line.product_id.type == "service"
                and line.product_id.invoice_policy == "delivery"
                and line.quantity > 0
            )
        )
        if not lines:
            return []
        order_lines = move._ai_product_lines().sale_line_ids.order_id.order_line
        items = []
        for line in lines:
            if line.sale_line_ids and company.ai_check_quantities:
                continue
            linked = line.sale_line_ids or order_lines.filtered(
                lambda sol, p=line.product_id: sol.product_id == p
            )
            deliverable = sum(
                sol.qty_delivered - sol.qty_invoiced for sol in linked if not sol.is_downpayment
            )
            if line.sale_line_ids:  # this line is already in qty_invoiced
                deliverable += line.quantity
            items.append(checks_doubles.ServiceLine(line.product_id.id, line.quantity, deliverable))
        hits = checks_doubles.check_services_not_delivered(items, self._qty_rounding())
        findings = []
        for hit in hits:
            product = self.env["product.product"].browse(hit.facts["product_id"])
            findings.append(
                checks.Finding(
                    hit.code,
                    hit.severity,
                    self.env._(
                        "%(product)s is invoiced on delivered quantities, but nothing of it "
                        "was delivered and left to invoice (%(qty)s invoiced). Invoice it once "
                        "the service is done and recorded on the order.",
                        product=product.display_name,
                        qty=self._format_qty(hit.facts["invoiced_qty"]),
                    ),
                    hit.check,
                )
            )
        return findings
