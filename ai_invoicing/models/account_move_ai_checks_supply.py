# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import api, models

from ..services import checks, checks_parties


class AccountMoveAiChecks(models.AbstractModel):
    """Place of supply: goods that never left the company's country (the warehouses and
    addresses of the deliveries, else the invoice's delivery address) invoiced without its
    VAT because the customer is foreign. Comes on top of the fiscal position checks, which
    trust the addresses. Rule in ``services/checks_parties.py``."""

    _inherit = "account.move.ai.checks"

    @api.model
    def _check_functions(self, move, batch):
        return super()._check_functions(move, batch) + [
            (
                move.company_id.ai_check_place_of_supply,
                lambda: self._findings_place_of_supply(move),
            ),
        ]

    @api.model
    def _prefetch_batch(self, moves, source_keys):
        batch = super()._prefetch_batch(moves, source_keys)
        checked = moves.filtered(lambda move: move.company_id.ai_check_place_of_supply)
        # sudo: stock.picking - where the deliveries left from and went to; whoever runs
        # the checks (agent, reviewer) need not be a stock user
        pickings = checked.invoice_line_ids.sale_line_ids.sudo().move_ids.picking_id
        pickings.partner_id.country_id.mapped("code")
        pickings.picking_type_id.warehouse_id.partner_id.country_id.mapped("code")
        checked.invoice_line_ids.tax_ids.children_tax_ids.mapped("amount")
        return batch

    @api.model
    def _vat_rate(self, taxes):
        """The percentage ``taxes`` add (groups through their children)."""
        rate = 0.0
        for tax in taxes:
            if tax.amount_type == "group":
                rate += self._vat_rate(tax.children_tax_ids)
            elif tax.amount_type in ("percent", "division"):
                rate += tax.amount
        return rate

    @api.model
    def _findings_place_of_supply(self, move):
        company = move.company_id
        home = (company.country_id or company.account_fiscal_country_id).code
        lines = move._ai_product_lines().filtered(
            lambda line: (
                not line.sale_line_ids.filtered(lambda sol: sol.is_delivery or sol.is_downpayment)
            )
        )
        # sudo: stock.picking - as in _prefetch_batch
        pickings = lines.sale_line_ids.sudo().move_ids.picking_id.filtered(
            lambda picking: picking.picking_type_code == "outgoing" and picking.state == "done"
        )
        ship_from = [
            picking.picking_type_id.warehouse_id.partner_id.country_id.code or None
            for picking in pickings
        ]
        # where the deliveries went is the fact; the invoice's delivery address only stands
        # in for it when no delivery is linked (a manual invoice, a service order)
        destinations = [
            (picking.partner_id or move.partner_shipping_id).country_id.code or None
            for picking in pickings
        ] or [move.partner_shipping_id.country_id.code or None]
        customer = move.commercial_partner_id
        vat = (customer.vat or "").strip().upper()
        supply = [
            checks_parties.SupplyLine(
                product_id=line.product_id.id,
                is_goods=line.product_id.type == "consu",
                domestic_rate=self._vat_rate(
                    line.product_id.taxes_id._filter_taxes_by_company(company)
                ),
                invoiced_rate=self._vat_rate(line.tax_ids),
            )
            for line in lines
        ]
        hits = checks_parties.check_place_of_supply(
            home,
            ship_from,
            destinations,
            customer.country_id.code or None,
            vat[:2] if vat[:2].isalpha() else None,
            supply,
        )
        findings = []
        for hit in hits:
            facts = hit.facts
            country = self.env["res.country"].search([("code", "=", facts["country"])], limit=1)
            products = self.env["product.product"].browse(facts["product_ids"])
            if facts["local_vat"]:
                why = self.env._(
                    "%(customer)s is registered for VAT in %(country)s (%(vat)s)",
                    customer=customer.display_name,
                    country=country.name,
                    vat=vat,
                )
            else:
                why = self.env._(
                    "%(customer)s is based in %(customer_country)s",
                    customer=customer.display_name,
                    customer_country=customer.country_id.name,
                )
            message = self.env._(
                "%(products)s left a warehouse in %(country)s for an address in %(country)s "
                "and never left the country, but the invoice charges %(invoiced)s VAT instead "
                "of %(domestic)s (fiscal position '%(fpos)s'). %(why)s, yet the supply took "
                "place in %(country)s: charge its VAT.",
                products=", ".join(f"'{name}'" for name in products.mapped("display_name")),
                country=country.name,
                invoiced=f"{facts['invoiced_rate']:g}%",
                domestic=f"{facts['domestic_rate']:g}%",
                fpos=move.fiscal_position_id.display_name or self.env._("none"),
                why=why,
            )
            findings.append(checks.Finding(hit.code, hit.severity, message, hit.check))
        return findings
