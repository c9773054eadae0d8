# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from datetime import timedelta

from odoo import api, fields, models
from odoo.fields import Domain

from ..services import checks


class AccountMoveAiChecks(models.AbstractModel):
    """The deterministic checks of a draft invoice: Odoo data in, findings out.

    ``services/checks.py`` holds the rules; each ``_findings_<check>(move)`` here
    feeds one rule with Odoo's data and returns a list of ``checks.Finding``.
    The company's ``ai_check_<check>`` boolean switches it on or off.
    """

    _name = "account.move.ai.checks"
    _description = "AI Invoicing: Checks of a Draft Invoice"

    @api.model
    def _run(self, move, source_key=None):
        """All enabled checks for ``move``, as a list of ``checks.Finding``.

        ``source_key`` names the delivery the draft comes from (partial deliveries
        of one order are not duplicates of each other).
        """
        findings = []
        for enabled, check in self._registry(move, source_key):
            if enabled:
                findings += check()
        return findings

    @api.model
    def _registry(self, move, source_key=None):
        """(enabled, check) pairs; extend to add a check."""
        company = move.company_id
        return [
            (company.ai_check_taxes, lambda: self._findings_taxes(move)),
            (company.ai_check_vat, lambda: self._findings_vat(move)),
            (company.ai_check_currency, lambda: self._findings_currency(move)),
            (company.ai_check_quantities, lambda: self._findings_quantities(move)),
            (company.ai_check_prices, lambda: self._findings_prices(move)),
            (company.ai_check_duplicates, lambda: self._findings_duplicates(move, source_key)),
            (company.ai_check_unusual_amount, lambda: self._findings_unusual_amount(move)),
            (company.ai_check_channel, lambda: self._findings_channel(move)),
        ]

    @api.model
    def _findings_taxes(self, move):
        fiscal_positions = self.env["account.fiscal.position"].with_company(move.company_id)
        expected = fiscal_positions._get_fiscal_position(
            move.partner_id, delivery=move.partner_shipping_id
        )
        lines = []
        for line in move._ai_product_lines().filtered(lambda l_: not l_.sale_line_ids.is_delivery):
            product_taxes = line.product_id.taxes_id._filter_taxes_by_company(move.company_id)
            mapped = expected.map_tax(product_taxes)
            lines.append(
                checks.LineTaxes(
                    product_name=line.product_id.display_name,
                    expected_tax_ids=frozenset(mapped.ids),
                    actual_tax_ids=frozenset(line.tax_ids.ids),
                    expected_tax_names=", ".join(mapped.mapped("name")),
                    actual_tax_names=", ".join(line.tax_ids.mapped("name")),
                )
            )
        return checks.check_fiscal_position(
            expected.id or None,
            expected.display_name or "",
            move.fiscal_position_id.id or None,
            move.fiscal_position_id.display_name or "",
            lines,
        )

    @api.model
    def _findings_vat(self, move):
        partner = move.commercial_partner_id
        vies_state = "not_checked"
        if "vies_valid" in partner._fields and move.company_id.vat_check_vies:
            # base_vat's stored VIES result (its look-up is off by default).
            vies_state = "valid" if partner.vies_valid else "unverified"
        return checks.check_vat(
            partner.vat or None,
            partner.country_id.code or None,
            partner.is_company,
            bool(move.fiscal_position_id.vat_required),
            vies_state,
        )

    @api.model
    def _findings_currency(self, move):
        company = move.company_id
        if move.currency_id == company.currency_id:
            return []
        day = move.invoice_date or move.date or fields.Date.context_today(move)
        rates = self.env["res.currency.rate"].search(
            [
                ("currency_id", "=", move.currency_id.id),
                ("name", "<=", day),
                "|",
                ("company_id", "=", False),
                ("company_id", "in", company.parent_ids.ids),
            ],
            order="name desc",
            limit=2,
        )
        return checks.check_currency_rate(
            move.currency_id.name,
            company.currency_id.name,
            rates[:1].rate or None,
            rates[1:2].rate or None,
            company.ai_currency_tolerance,
        )

    @api.model
    def _findings_quantities(self, move):
        lines = []
        for line in move._ai_product_lines():
            sale_line = line.sale_line_ids[:1]
            if not sale_line or sale_line.is_downpayment:
                continue
            qty = line.product_uom_id._compute_quantity(line.quantity, sale_line.product_uom_id)
            policy = sale_line.product_id.invoice_policy
            basis = sale_line.product_uom_qty if policy == "order" else sale_line.qty_delivered
            lines.append(
                checks.QtyLine(
                    product_name=line.product_id.display_name,
                    invoiced_qty=qty,
                    deliverable_qty=basis - (sale_line.qty_invoiced - qty),
                    uom_name=sale_line.product_uom_id.name or "",
                    invoice_policy=policy or "delivery",
                )
            )
        rounding = self.env["decimal.precision"].precision_get("Product Unit")
        return checks.check_quantities(lines, rounding=10**-rounding)

    @api.model
    def _findings_prices(self, move):
        lines = [
            checks.PriceLine(
                product_name=line.product_id.display_name,
                invoice_price_unit=line.price_unit,
                order_price_unit=line.sale_line_ids[:1].price_unit,
                discount_pct=line.discount,
            )
            for line in move._ai_product_lines()
            if line.sale_line_ids
        ]
        company = move.company_id
        return checks.check_prices(lines, company.ai_price_tolerance, company.ai_max_discount)

    @api.model
    def _invoice_key(self, move, source=None):
        return checks.InvoiceKey(
            id=move.id,
            name=move.name if move.name and move.name != "/" else f"draft #{move.id}",
            partner_id=move.commercial_partner_id.id,
            amount_total=move.amount_total,
            currency=move.currency_id.name,
            date=move.invoice_date or move.date or fields.Date.context_today(move),
            origin=move.invoice_origin or None,
            ref=move.ref or None,
            source=source,
        )

    @api.model
    def _findings_duplicates(self, move, source_key=None):
        days = move.company_id.ai_duplicate_days
        me = self._invoice_key(move, source_key or self._source_keys(move).get(move.id))
        twin_keys = {"invoice_origin": me.origin, "ref": me.ref}
        if not any(twin_keys.values()):
            return []
        candidates = Domain(
            [
                ("id", "!=", move.id),
                ("move_type", "=", move.move_type),
                ("state", "!=", "cancel"),
                ("company_id", "=", move.company_id.id),
                ("commercial_partner_id", "=", move.commercial_partner_id.id),
                ("currency_id", "=", move.currency_id.id),
                ("amount_total", ">=", move.amount_total - 0.005),
                ("amount_total", "<=", move.amount_total + 0.005),
                ("date", ">=", me.date - timedelta(days=days)),
            ]
        )
        # a twin shares the origin or the reference (checks.check_duplicates)
        same_source = Domain.OR(
            [Domain(fname, "=", value) for fname, value in twin_keys.items() if value]
        )
        # one query for the candidates and the fields their keys need
        others = self.env["account.move"].search_fetch(
            candidates & same_source,
            ["name", "amount_total", "invoice_date", "date", "invoice_origin", "ref"],
            limit=20,
        )
        sources = self._source_keys(others)
        keys = [self._invoice_key(other, sources.get(other.id)) for other in others]
        return checks.check_duplicates(me, keys, days)

    @api.model
    def _source_keys(self, moves):
        """{move id: the delivery its AI draft invoiced}, to tell partial deliveries from twins."""
        if not moves:
            return {}
        # sudo: ai.invoice.log - the checks read which delivery each AI draft came from
        logs = (
            self.env["ai.invoice.log"]
            .sudo()
            .search_fetch(
                [("move_id", "in", moves.ids), ("agent", "=", "invoice_draft")],
                ["move_id", "picking_id"],
            )
        )
        return {log.move_id.id: f"picking:{log.picking_id.id}" for log in logs if log.picking_id}

    @api.model
    def _findings_unusual_amount(self, move):
        company = move.company_id
        history = (
            self.env["account.move"]
            .search_fetch(
                [
                    ("id", "!=", move.id),
                    ("move_type", "=", "out_invoice"),
                    ("state", "=", "posted"),
                    ("company_id", "=", company.id),
                    ("commercial_partner_id", "=", move.commercial_partner_id.id),
                ],
                ["amount_total_signed"],
                order="date desc, id desc",
                limit=100,
            )
            .mapped("amount_total_signed")
        )
        return checks.check_unusual_amount(
            abs(move.amount_total_signed),
            [abs(amount) for amount in history],
            company.ai_unusual_sigma,
            company.ai_unusual_min_history,
        )

    @api.model
    def _findings_channel(self, move):
        partner = move.partner_id
        channel = partner._ai_effective_channel()
        return checks.check_channel_readiness(
            channel,
            partner.email or None,
            getattr(partner, "peppol_endpoint", None) or None,
            getattr(partner, "peppol_verification_state", "") == "valid",
        )
