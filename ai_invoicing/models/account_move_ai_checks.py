# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from collections import Counter
from dataclasses import replace

from odoo import api, fields, models
from odoo.tools.misc import formatLang

from ..services import checks
from ..services.texts import say

# Latest posted invoices per customer the amount and currency habits are learnt from.
HISTORY_SIZE = 100


class AccountMoveAiChecks(models.AbstractModel):
    """The deterministic checks of draft invoices: Odoo data in, findings out.

    ``services/checks.py`` holds the rules; each ``_findings_<check>(move, batch)`` here
    feeds one rule with Odoo's data and returns a list of ``checks.Finding``.
    The company's ``ai_check_<check>`` boolean switches it on or off.

    ``_run_batch`` checks many invoices in one pass: ``_prefetch_<data>(moves)`` reads what
    the checks compare an invoice with (duplicate candidates, posted history, receivables,
    pricelist rules, costs, fiscal positions) for the whole batch with a fixed number of
    queries, and the adapters read it from ``batch`` instead of searching per invoice.
    """

    _name = "account.move.ai.checks"
    _description = "AI Invoicing: Checks of a Draft Invoice"

    @api.model
    def _run_checks(self, move, source_key=None):
        """All enabled checks for ``move``, as a list of ``checks.Finding``.

        ``source_key`` names the delivery the draft comes from (partial deliveries
        of one order are not duplicates of each other).
        """
        source_keys = {move.id: source_key} if source_key else None
        return self._run_batch(move, source_keys)[move.id]

    @api.model
    def _run_batch(self, moves, source_keys=None):
        """All enabled checks for each of ``moves``: ``{move id: [checks.Finding]}``.

        ``source_keys`` maps a move id to the delivery it invoices (``"picking:12"``);
        moves without one are looked up in the drafting logs.
        """
        batch = self._prefetch_batch(moves, source_keys or {})
        # findings in the language of whoever runs the checks (the agent's user, a reviewer)
        w = self.env["ai.invoice.agent"]._wording(
            self.env.context.get("lang") or self.env.user.lang or "en_US"
        )
        result = {}
        for move in moves:
            findings = []
            for enabled, check in self._check_functions(move, batch):
                if enabled:
                    findings += check()
            result[move.id] = [replace(f, message=say(f.message, w)) for f in findings]
        return result

    @api.model
    def _check_functions(self, move, batch):
        """(enabled, check) pairs; extend to add a check."""
        company = move.company_id
        return [
            (company.ai_check_taxes, lambda: self._findings_taxes(move, batch)),
            (
                company.ai_check_forced_fiscal_position,
                lambda: self._findings_forced_fiscal_position(move, batch),
            ),
            (company.ai_check_vat, lambda: self._findings_vat(move)),
            (company.ai_check_currency, lambda: self._findings_currency(move, batch)),
            (company.ai_check_currency_habit, lambda: self._findings_currency_habit(move, batch)),
            (company.ai_check_quantities, lambda: self._findings_quantities(move)),
            (company.ai_check_over_delivery, lambda: self._findings_over_delivery(move)),
            (company.ai_check_prices, lambda: self._findings_prices(move)),
            (company.ai_check_price_reference, lambda: self._findings_price_reference(move, batch)),
            (company.ai_check_duplicates, lambda: self._findings_duplicates(move, batch)),
            (company.ai_check_unusual_amount, lambda: self._findings_unusual_amount(move, batch)),
            (company.ai_check_credit_limit, lambda: self._findings_credit_limit(move, batch)),
            (company.ai_check_channel, lambda: self._findings_channel(move)),
        ]

    # ------------------------------------------------------------------
    # Adapters
    # ------------------------------------------------------------------
    @api.model
    def _findings_taxes(self, move, batch):
        company = move.company_id
        key = ("fpos", company.id, move.partner_id.id, move.partner_shipping_id.id)
        if key not in batch["memo"]:
            # Odoo's own pick (localisations override it), once per customer address
            batch["memo"][key] = (
                self.env["account.fiscal.position"]
                .with_company(company)
                ._get_fiscal_position(move.partner_id, delivery=move.partner_shipping_id)
            )
        expected = batch["memo"][key]
        lines = []
        for line in move._ai_product_lines().filtered(lambda l_: not l_.sale_line_ids.is_delivery):
            product_taxes = line.product_id.taxes_id._filter_taxes_by_company(company)
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
    def _findings_forced_fiscal_position(self, move, batch):
        """The position forced on the customer vs the one the delivery address calls for.

        Mirrors ``account.fiscal.position._get_fiscal_position``: the forced position is the
        delivery contact's or the customer's ``property_account_position_id``; the automatic
        one is the first auto-applied position matching the delivery address
        (``_get_first_matching_fpos``), which that method returns when nothing is forced.
        """
        company = move.company_id
        partner = move.partner_id.with_company(company)
        delivery = move.partner_shipping_id.with_company(company) or partner
        if company.id not in batch["auto_fpos"]:
            return []  # nothing forced on the customer or its delivery contact
        if company.vat and partner.vat:
            if "eu_codes" not in batch["memo"]:
                batch["memo"]["eu_codes"] = set(
                    self.env.ref("base.europe").country_ids.mapped("code")
                )
            eu_codes = batch["memo"]["eu_codes"]
            intra_eu = company.vat[:2] in eu_codes and partner.vat[:2] in eu_codes
            if intra_eu and company.vat[:2] == partner.vat[:2]:
                delivery = partner  # same VAT country: Odoo looks at the invoicing address
        holder = delivery if delivery.property_account_position_id else partner
        forced = holder.property_account_position_id
        if not forced:
            return []
        auto = self.env["account.fiscal.position"]
        if partner.country_id:
            auto = (
                batch["auto_fpos"][company.id]
                .with_company(company)
                ._get_first_matching_fpos(delivery)
            )
        return checks.check_forced_fiscal_position(
            auto.id or None,
            auto.display_name or "",
            forced.id,
            forced.display_name,
            forced.auto_apply,
            holder.display_name,
            delivery.country_id.name or "",
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
    def _latest_rates(self, move, batch):
        """The two latest rates up to the invoice date, shared by the currency and rate-age
        checks: once per company, currency and day."""
        company, day = move.company_id, self._move_date(move)
        key = ("rates", company.id, move.currency_id.id, day)
        if key not in batch["memo"]:
            batch["memo"][key] = self.env["res.currency.rate"].search(
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
        return batch["memo"][key]

    @api.model
    def _pricelist_price(self, pricelist, line, rules):
        """What ``pricelist`` gives for the order line of invoice line ``line``, in the
        invoice's currency and unit, before taxes (``rules``: the batch's pricelist rules)."""
        move, uom = line.move_id, line.product_uom_id
        product = line.product_id.with_company(move.company_id)
        sale_line = line.sale_line_ids[:1]
        order_date = sale_line._get_order_date()
        quantity = sale_line.product_uom_id._compute_quantity(
            sale_line.product_uom_qty or 1.0, uom, raise_if_failure=False
        )
        rule = self._pick_pricelist_rule(
            rules.get(pricelist.id, []),
            product,
            uom._compute_quantity(quantity, product.uom_id, raise_if_failure=False),
            order_date,
        )
        # currency conversions at the order's day (rates are daily; Odoo caches them per
        # day, where the order's timestamp would read the rates once per order)
        return rule._compute_price(
            product.with_context(**sale_line._get_product_price_context()),
            quantity,
            uom,
            fields.Date.to_date(order_date),
            currency=move.currency_id,
        )

    @api.model
    def _findings_currency(self, move, batch):
        company = move.company_id
        if move.currency_id == company.currency_id:
            return []
        rates = self._latest_rates(move, batch)
        return checks.check_currency_rate(
            move.currency_id.name,
            company.currency_id.name,
            rates[:1].rate or None,
            rates[1:2].rate or None,
            company.ai_currency_tolerance,
        )

    @api.model
    def _findings_currency_habit(self, move, batch):
        company, partner = move.company_id, move.commercial_partner_id
        rows = batch["history"].get((company.id, partner.id), [])
        currencies = Counter(code for move_id, _amount, code in rows if move_id != move.id)
        return checks.check_currency_habit(
            move.currency_id.name,
            currencies,
            company.ai_currency_habit_min_history,
            partner.display_name,
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
        return checks.check_quantities(lines, rounding=self._qty_rounding())

    @api.model
    def _findings_over_delivery(self, move):
        """Order lines this invoice bills whose quantity invoiced to date exceeds the order.

        A line invoiced beyond what was delivered is the quantities check's error
        (``qty_over_delivered``); it is not reported twice while that check is on.
        """
        company = move.company_id
        rounding = self._qty_rounding()
        lines = []
        for sale_line in move._ai_product_lines().sale_line_ids:
            if sale_line.is_downpayment or sale_line.is_delivery:
                continue
            policy = sale_line.product_id.invoice_policy or "delivery"
            beyond_delivery = sale_line.qty_invoiced - sale_line.qty_delivered > rounding
            if policy == "delivery" and beyond_delivery and company.ai_check_quantities:
                continue
            lines.append(
                checks.OrderedQtyLine(
                    product_name=sale_line.product_id.display_name,
                    ordered_qty=sale_line.product_uom_qty,
                    invoiced_qty=sale_line.qty_invoiced,
                    uom_name=sale_line.product_uom_id.name or "",
                    order_name=sale_line.order_id.name or "",
                    delivered_qty=sale_line.qty_delivered,
                    invoice_policy=policy,
                )
            )
        return checks.check_over_delivery(lines, company.ai_over_delivery_tolerance, rounding)

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
    def _findings_price_reference(self, move, batch):
        lines = [
            batch["prices"][line.id] for line in move.invoice_line_ids if line.id in batch["prices"]
        ]
        company = move.company_id
        return checks.check_price_reference(
            lines, company.ai_price_reference_tolerance, company.ai_check_below_cost
        )

    @api.model
    def _invoice_key(self, move, source=None):
        lines = move._ai_product_lines()
        orders = sorted(set(lines.sale_line_ids.order_id.mapped("name")))
        return checks.InvoiceKey(
            id=move.id,
            name=move.name if move.name and move.name != "/" else f"draft #{move.id}",
            partner_id=move.commercial_partner_id.id,
            amount_total=move.amount_total,
            currency=move.currency_id.name,
            date=self._move_date(move),
            origin=move.invoice_origin or None,
            ref=move.ref or None,
            source=source,
            sale_order=", ".join(orders) or None,
            line_signature=checks.line_signature(
                (line.product_id.id, line.quantity, line.price_unit, line.discount)
                for line in lines
            ),
            amount_display=formatLang(self.env, move.amount_total, currency_obj=move.currency_id),
        )

    @api.model
    def _findings_duplicates(self, move, batch):
        if move.id not in batch["duplicates"]:
            return []  # neither origin nor reference: nothing to twin on
        me, others = batch["duplicates"][move.id]
        return checks.check_duplicates(me, others, move.company_id.ai_duplicate_days)

    @api.model
    def _findings_unusual_amount(self, move, batch):
        company, partner = move.company_id, move.commercial_partner_id
        rows = batch["history"].get((company.id, partner.id), [])
        history = [amount for move_id, amount, _code in rows if move_id != move.id]
        # Odoo's own opt-out (vendor bills' abnormal amount warning), on either contact
        opted_out = any(
            contact.with_company(company).ignore_abnormal_invoice_amount
            for contact in (move.partner_id, partner)
        )
        return checks.check_unusual_amount(
            abs(move.amount_total_signed),
            history[:HISTORY_SIZE],
            company.ai_unusual_sigma,
            company.ai_unusual_min_history,
            opted_out=opted_out,
        )

    @api.model
    def _findings_credit_limit(self, move, batch):
        company, partner = move.company_id, move.commercial_partner_id
        if (company.id, partner.id) not in batch["credit"]:
            return []  # the company does not use credit limits
        receivable, limit = batch["credit"][company.id, partner.id]
        if move.state == "posted":  # already in the receivable
            receivable -= move.amount_residual_signed
        amount = move.amount_total_signed

        def money(value):
            return formatLang(self.env, value, currency_obj=company.currency_id)

        return checks.check_credit_limit(
            receivable,
            amount,
            limit,
            company.account_use_credit_limit,
            partner.display_name,
            money(receivable),
            money(amount),
            money(limit),
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

    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------
    @api.model
    def _move_date(self, move):
        return move.invoice_date or move.date or fields.Date.context_today(move)

    @api.model
    def _qty_rounding(self):
        return 10 ** -self.env["decimal.precision"].precision_get("Product Unit")
