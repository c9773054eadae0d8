# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import api, models
from odoo.tools.misc import formatLang

from ..services import checks, checks_entitlements
from ..services.checks_lines import Hit


class AccountMoveAiChecks(models.AbstractModel):
    """What the customer is entitled to: its own pricelist, one discount, its own payment
    terms, no unexplained rebate. Rules in ``services/checks_entitlements.py``."""

    _inherit = "account.move.ai.checks"

    @api.model
    def _check_functions(self, move, batch):
        company = move.company_id
        return super()._check_functions(move, batch) + [
            (
                company.ai_check_pricelist_entitlement or company.ai_check_double_discount,
                lambda: self._findings_entitled_prices(move, batch),
            ),
            (company.ai_check_payment_terms, lambda: self._findings_payment_terms(move)),
            (company.ai_check_manual_rebate, lambda: self._findings_manual_rebate(move)),
        ]

    @api.model
    def _prefetch_batch(self, moves, source_keys):
        batch = super()._prefetch_batch(moves, source_keys)
        checked = moves.filtered(
            lambda move: (
                move.company_id.ai_check_pricelist_entitlement
                or move.company_id.ai_check_double_discount
            )
        )
        missing = checked.filtered(
            lambda move: (
                not move.company_id.ai_check_price_reference
                and not move.company_id.ai_check_line_history
            )
        )
        if missing:  # the order pricelist's prices, when no other check read them
            batch["prices"] = {**batch["prices"], **self._prefetch_prices(missing)}
        batch["own_pricelists"] = self._prefetch_own_pricelists(
            moves.filtered(lambda move: move.company_id.ai_check_pricelist_entitlement)
        )
        terms = moves.filtered(lambda move: move.company_id.ai_check_payment_terms)
        for company in terms.company_id:
            of_company = terms.filtered(lambda move, c=company: move.company_id == c)
            own = of_company.commercial_partner_id.with_company(company).property_payment_term_id
            (of_company.invoice_payment_term_id | own).line_ids.mapped("nb_days")
        return batch

    @api.model
    def _prefetch_own_pricelists(self, moves):
        """``{(company id, partner id): its own pricelist}`` of the ordering customers, with
        the rules of those pricelists for the batch's products (one search)."""
        own = {}
        for company in moves.company_id:
            of_company = moves.filtered(lambda move, c=company: move.company_id == c)
            partners = of_company.invoice_line_ids.sale_line_ids.order_id.partner_id
            partners |= partners.commercial_partner_id
            partners = partners.with_company(company)
            partners.mapped("specific_property_product_pricelist")
            for partner in partners:
                pricelist = partner.specific_property_product_pricelist
                if pricelist:
                    own[company.id, partner.id] = pricelist
        pricelists = self.env["product.pricelist"].union(*own.values())
        rules = self._pricelist_rules(pricelists, moves.invoice_line_ids.product_id)
        return {"pricelists": own, "rules": rules}

    @api.model
    def _own_pricelist(self, move, order, batch):
        own = batch["own_pricelists"]["pricelists"]
        company = move.company_id
        return own.get((company.id, order.partner_id.id)) or own.get(
            (company.id, order.partner_id.commercial_partner_id.id)
        )

    @api.model
    def _price_with(self, pricelist, line, rules):
        """What ``pricelist`` gives for ``line``'s order line, as the invoice shows prices
        (currency, unit, fiscal position), as ``_price_ref_line`` prices the order's."""
        move = line.move_id
        company = move.company_id
        product = line.product_id.with_company(company)
        return product._get_tax_included_unit_price_from_price(
            self._pricelist_price(pricelist, line, rules),
            product_taxes=product.taxes_id._filter_taxes_by_company(company),
            fiscal_position=move.fiscal_position_id,
        )

    @api.model
    def _findings_entitled_prices(self, move, batch):
        company = move.company_id
        findings = []
        priced = move.invoice_line_ids.filtered(lambda line: line.id in batch["prices"])
        for order in priced.sale_line_ids.order_id:
            lines = priced.filtered(lambda line, o=order: line.sale_line_ids.order_id == o)
            own = (
                self._own_pricelist(move, order, batch)
                if company.ai_check_pricelist_entitlement
                else None
            )
            items = []
            for line in lines:
                ref = batch["prices"][line.id]
                own_price = None
                if own and own != order.pricelist_id:
                    own_price = self._price_with(own, line, batch["own_pricelists"]["rules"])
                items.append(
                    checks_entitlements.EntitledLine(
                        product_id=line.product_id.id,
                        net_price=ref.net_price,
                        discount_pct=ref.discount_pct,
                        list_price=ref.list_price,
                        order_price=ref.pricelist_price,
                        own_price=own_price,
                    )
                )
            hits = []
            if company.ai_check_pricelist_entitlement:
                hits += checks_entitlements.check_pricelist_entitlement(
                    order.pricelist_id.id or None,
                    own.id if own else None,
                    items,
                    company.ai_pricelist_entitlement_tolerance,
                )
            if company.ai_check_double_discount:
                hits += checks_entitlements.check_double_discount(
                    items, company.ai_double_discount_tolerance
                )
            findings += [self._entitlement_finding(move, hit, order=order, own=own) for hit in hits]
        return findings

    @api.model
    def _terms(self, terms, day):
        if not terms:
            return None
        due = [line._get_due_date(day) for line in terms.line_ids] or [day]
        return checks_entitlements.Terms(
            id=terms.id,
            days=(max(due) - day).days,
            early_pct=terms.discount_percentage if terms.early_discount else 0.0,
            early_days=terms.discount_days if terms.early_discount else 0,
        )

    @api.model
    def _findings_payment_terms(self, move):
        company = move.company_id
        customer = move.commercial_partner_id.with_company(company)
        own = customer.property_payment_term_id
        day = self._move_date(move)
        hits = checks_entitlements.check_payment_terms(
            self._terms(move.invoice_payment_term_id, day),
            self._terms(own, day),
            company.ai_payment_terms_tolerance,
        )
        return [self._entitlement_finding(move, hit, terms=own) for hit in hits]

    @api.model
    def _findings_manual_rebate(self, move):
        lines = move.invoice_line_ids.filtered(lambda line: line.display_type == "product")
        goods = sum(line.price_subtotal for line in lines if line.price_subtotal > 0)
        rebates = [
            (line.id, line.price_subtotal)
            for line in lines
            if line.price_subtotal < 0
            and not line.sale_line_ids.filtered(lambda sol: sol.is_downpayment)
        ]
        hits = checks_entitlements.check_manual_rebates(
            rebates, goods, move.company_id.ai_manual_rebate_share
        )
        return [self._entitlement_finding(move, hit) for hit in hits]

    @api.model
    def _entitlement_finding(self, move, hit: Hit, order=None, own=None, terms=None):
        facts = hit.facts
        customer = move.commercial_partner_id.display_name
        product = self.env["product.product"].browse(facts.get("product_id"))

        def money(amount):
            return formatLang(self.env, amount, currency_obj=move.currency_id)

        def pct(value):
            return f"{value:.1f}%"

        if hit.code == "pricelist_not_entitled":
            message = self.env._(
                "%(order)s is priced with pricelist '%(pricelist)s', but %(customer)s's own "
                "pricelist is '%(own)s': %(product)s at %(price)s where its own pricelist "
                "gives %(own_price)s (%(gap)s lower; lines below its own pricelist: %(count)s). "
                "Check the customer is entitled to that pricelist.",
                order=order.name,
                pricelist=order.pricelist_id.name,
                customer=customer,
                own=own.name,
                product=product.display_name,
                price=money(facts["order_price"]),
                own_price=money(facts["own_price"]),
                gap=pct(facts["gap_pct"]),
                count=facts["count"],
            )
        elif hit.code == "double_discount":
            message = self.env._(
                "%(product)s has a %(discount)s line discount on top of pricelist "
                "'%(pricelist)s', which already lowers its price from %(list_price)s to "
                "%(pricelist_price)s: %(net)s net, %(total)s below the list price. Check the "
                "customer is entitled to both discounts.",
                product=product.display_name,
                discount=f"{facts['discount_pct']:g}%",
                pricelist=order.pricelist_id.name,
                list_price=money(facts["list_price"]),
                pricelist_price=money(facts["pricelist_price"]),
                net=money(facts["net_price"]),
                total=pct(facts["total_pct"]),
            )
        elif hit.code == "payment_terms_longer":
            message = self.env._(
                "The invoice gives %(customer)s %(days)s days to pay ('%(invoice_terms)s') but "
                "its own payment terms are %(own_days)s days ('%(own_terms)s'). Check who "
                "granted the longer terms.",
                customer=customer,
                days=facts["days"],
                invoice_terms=move.invoice_payment_term_id.display_name,
                own_days=facts["own_days"],
                own_terms=terms.display_name,
            )
        elif hit.code == "early_discount_not_entitled":
            if facts["own_early_pct"]:
                own_early = self.env._(
                    "its own terms ('%(terms)s') give %(pct)s within %(days)s days",
                    terms=terms.display_name,
                    pct=f"{facts['own_early_pct']:g}%",
                    days=facts["own_early_days"],
                )
            else:
                own_early = self.env._(
                    "its own terms ('%(terms)s') have no early payment discount",
                    terms=terms.display_name,
                )
            message = self.env._(
                "The invoice's payment terms ('%(invoice_terms)s') give %(customer)s a "
                "%(pct)s early payment discount within %(days)s days, but %(own_early)s.",
                invoice_terms=move.invoice_payment_term_id.display_name,
                customer=customer,
                pct=f"{facts['early_pct']:g}%",
                days=facts["early_days"],
                own_early=own_early,
            )
        else:
            line = self.env["account.move.line"].browse(facts["line_id"])
            message = self.env._(
                "The negative line '%(label)s' (%(amount)s) takes %(share)s off the goods "
                "invoiced, and nothing on the order explains it. Check who agreed the rebate.",
                label=line.name or line.product_id.display_name,
                amount=money(facts["amount"]),
                share=pct(facts["share_pct"]),
            )
        return checks.Finding(hit.code, hit.severity, message, hit.check)
