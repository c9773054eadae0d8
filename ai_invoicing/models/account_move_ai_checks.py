# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from collections import Counter, defaultdict
from dataclasses import replace
from datetime import timedelta

from odoo import api, fields, models
from odoo.fields import Domain
from odoo.tools import SQL
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
    def _run(self, move, source_key=None):
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
            for enabled, check in self._registry(move, batch):
                if enabled:
                    findings += check()
            result[move.id] = [replace(f, message=say(f.message, w)) for f in findings]
        return result

    @api.model
    def _registry(self, move, batch):
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
    # Batch prefetch: a fixed number of queries whatever the batch size
    # ------------------------------------------------------------------
    @api.model
    def _prefetch_batch(self, moves, source_keys):
        """What the enabled checks compare each move with, read for all ``moves`` at once."""

        def enabled(flag):
            return moves.filtered(lambda move: move.company_id[flag])

        self._prefetch_lines(moves)
        history_moves = enabled("ai_check_unusual_amount") | enabled("ai_check_currency_habit")
        return {
            # per-batch memo of look-ups shared by invoices of one customer, currency, day
            "memo": {},
            "duplicates": self._prefetch_duplicates(enabled("ai_check_duplicates"), source_keys),
            "history": self._prefetch_history(history_moves),
            "credit": self._prefetch_credit(enabled("ai_check_credit_limit")),
            "prices": self._prefetch_prices(enabled("ai_check_price_reference")),
            "auto_fpos": self._prefetch_auto_fiscal_positions(
                enabled("ai_check_forced_fiscal_position")
            ),
        }

    @api.model
    def _prefetch_lines(self, moves):
        """Load the lines, order lines and products of the whole batch in a few queries.

        The adapters work on one move's lines at a time (``filtered`` subsets, which the
        ORM would otherwise read move by move).
        """
        lines = moves.invoice_line_ids
        sale_lines = lines.sale_line_ids
        sale_lines.order_id.pricelist_id.mapped("name")
        sale_lines.mapped("product_no_variant_attribute_value_ids")
        products = lines.product_id | sale_lines.product_id
        products.mapped("display_name")
        products.mapped("taxes_id")
        (lines.tax_ids | products.taxes_id).mapped("name")
        (lines.product_uom_id | sale_lines.product_uom_id | products.uom_id).mapped("name")
        moves.partner_id.mapped("display_name")
        moves.partner_shipping_id.mapped("country_id")
        moves.commercial_partner_id.mapped("display_name")

    @api.model
    def _prefetch_duplicates(self, moves, source_keys):
        """``{move id: (its key, keys of the invoices it might repeat)}``.

        One search finds the candidates of the whole batch (same company, customer, type,
        and origin or reference, within the window); one more reads which delivery each came
        from. ``checks.check_duplicates`` then compares amounts, currencies, dates and lines.
        """
        moves = moves.filtered(lambda move: move.invoice_origin or move.ref)
        if not moves:
            return {}
        days = max(moves.company_id.mapped("ai_duplicate_days"))
        start = min(self._move_date(move) for move in moves) - timedelta(days=days)
        links = [
            Domain(fname, "in", values)
            for fname in ("invoice_origin", "ref")
            if (values := list({value for value in moves.mapped(fname) if value}))
        ]
        others = self.env["account.move"].search_fetch(
            Domain(
                [
                    ("move_type", "in", list(set(moves.mapped("move_type")))),
                    ("state", "!=", "cancel"),
                    ("company_id", "in", moves.company_id.ids),
                    ("commercial_partner_id", "in", moves.commercial_partner_id.ids),
                    ("date", ">=", start),
                ]
            )
            & Domain.OR(links),
            [
                "name",
                "move_type",
                "company_id",
                "commercial_partner_id",
                "currency_id",
                "amount_total",
                "invoice_date",
                "date",
                "invoice_origin",
                "ref",
            ],
        )
        keyed = moves | others
        sources = self._source_keys(keyed.filtered(lambda move: move.id not in source_keys))
        sources.update(source_keys)
        # the lines and orders of every candidate at once, for the line signatures
        keyed.invoice_line_ids.sale_line_ids.order_id.mapped("name")
        keys = {move.id: self._invoice_key(move, sources.get(move.id)) for move in keyed}
        by_group = defaultdict(list)
        for other in others:
            by_group[other.company_id.id, other.move_type, other.commercial_partner_id.id].append(
                keys[other.id]
            )
        return {
            move.id: (
                keys[move.id],
                by_group[move.company_id.id, move.move_type, move.commercial_partner_id.id],
            )
            for move in moves
        }

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
    def _prefetch_history(self, moves):
        """``{(company id, customer id): [(move id, amount, currency code)]}``.

        The latest posted customer invoices of every customer of the batch (at most
        ``HISTORY_SIZE`` + 1 each, newest first; amounts in company currency), in one
        query: a lateral join takes each customer's newest rows from the
        ``(commercial_partner_id, date)`` index, so a customer with thousands of posted
        invoices costs what one with a hundred does.
        """
        pairs = {(move.company_id.id, move.commercial_partner_id.id) for move in moves}
        if not pairs:
            return {}
        Move = self.env["account.move"]
        Move.flush_model(
            ["move_type", "state", "company_id", "commercial_partner_id", "date", "currency_id"]
            + ["amount_total_signed"]
        )
        companies, partners = zip(*sorted(pairs), strict=True)
        # the customers and companies come from the checked moves, which the agent may read;
        # only amounts and currencies of their own posted invoices are read
        rows = self.env.execute_query(
            SQL(
                """
                SELECT pair.company_id, pair.partner_id, move.id,
                       ABS(move.amount_total_signed), currency.name
                  FROM unnest(%(companies)s::int[], %(partners)s::int[])
                       AS pair(company_id, partner_id)
                  CROSS JOIN LATERAL (
                        SELECT id, date, amount_total_signed, currency_id
                          FROM account_move
                         WHERE move_type = 'out_invoice'
                           AND state = 'posted'
                           AND company_id = pair.company_id
                           AND commercial_partner_id = pair.partner_id
                      ORDER BY date DESC, id DESC
                         LIMIT %(limit)s
                  ) AS move
                  JOIN res_currency AS currency ON currency.id = move.currency_id
                 ORDER BY pair.company_id, pair.partner_id, move.date DESC, move.id DESC
                """,
                companies=list(companies),
                partners=list(partners),
                limit=HISTORY_SIZE + 1,  # one more: the checked move may be among them
            )
        )
        history = defaultdict(list)
        for company_id, partner_id, move_id, amount, currency in rows:
            history[company_id, partner_id].append((move_id, float(amount or 0.0), currency))
        return history

    @api.model
    def _prefetch_credit(self, moves):
        """``{(company id, customer id): (receivable, credit limit)}`` in company currency.

        Only for companies that use credit limits (``account_use_credit_limit``). Odoo's
        ``credit`` compute reads the receivables of all the customers in one query per
        company; ``credit_limit`` falls back to the company's default limit.
        """
        result = {}
        for company in moves.company_id.filtered("account_use_credit_limit"):
            customers = moves.filtered(lambda move, c=company: move.company_id == c)
            # sudo: res.partner - receivable and credit limit are restricted to invoicing
            # users; the check only compares them with the limit.
            partners = customers.commercial_partner_id.sudo().with_company(company)
            for partner in partners:
                result[company.id, partner.id] = (partner.credit, partner.credit_limit)
        return result

    @api.model
    def _prefetch_auto_fiscal_positions(self, moves):
        """``{company id: its auto-applied fiscal positions}``, one search per company.

        Only for the companies of moves whose customer or delivery contact has a forced
        fiscal position: the others have nothing to compare.
        """
        forced = moves.filtered(
            lambda move: (
                (move.partner_id | move.partner_shipping_id)
                .with_company(move.company_id)
                .property_account_position_id
            )
        )
        FiscalPosition = self.env["account.fiscal.position"]
        return {
            company.id: FiscalPosition.with_company(company).search(
                Domain(FiscalPosition._check_company_domain(company))
                & Domain("auto_apply", "=", True)
            )
            for company in forced.company_id
        }

    @api.model
    def _prefetch_prices(self, moves):
        """``{invoice line id: checks.PriceRefLine}`` for the product lines of ``moves``.

        Per line, in the invoice currency and the line's UoM: the product's list price, the
        price the order's pricelist gives for the customer, the ordered quantity and the order
        date (the rule is picked as ``product.pricelist._compute_price_rule`` does, from the
        rules of all the batch's pricelists read in one search, and priced by Odoo's
        ``product.pricelist.item._compute_price``), and the product's cost
        (``standard_price`` of the invoice's company).
        """
        lines = moves.invoice_line_ids.filtered(
            lambda line: (
                line.display_type == "product"
                and line.product_id
                and line.price_unit >= 0
                and not line.sale_line_ids.filtered(
                    lambda sol: sol.is_downpayment or sol.is_delivery or sol.combo_item_id
                )
                and line.product_id.type != "combo"
            )
        )
        if not lines:
            return {}
        rules = self._pricelist_rules(lines.sale_line_ids.order_id.pricelist_id, lines.product_id)
        for company in moves.company_id:
            # sudo: product.product - the cost is read as product._price_compute does
            lines.product_id.sudo().with_company(company).mapped("standard_price")
        return {line.id: self._price_ref_line(line, rules) for line in lines}

    @api.model
    def _pricelist_rules(self, pricelists, products):
        """``{pricelist id: [rules in their order]}`` that may apply to ``products``.

        ``product.pricelist._get_applicable_rules_domain`` for all ``pricelists`` at once;
        the dates are filtered per order line by ``_pick_pricelist_rule``.
        """
        if not pricelists:
            return {}
        Item = self.env["product.pricelist.item"]
        found = Item.search(
            Domain("pricelist_id", "in", pricelists.ids)
            & (
                Domain("categ_id", "=", False)
                | Domain("categ_id", "parent_of", products.categ_id.ids)
            )
            & (
                Domain("product_tmpl_id", "=", False)
                | Domain("product_tmpl_id", "in", products.product_tmpl_id.ids)
            )
            & (Domain("product_id", "=", False) | Domain("product_id", "in", products.ids))
        )
        rules = defaultdict(list)
        for rule in found:
            rules[rule.pricelist_id.id].append(rule)
        return rules

    @api.model
    def _pick_pricelist_rule(self, rules, product, qty_in_product_uom, date):
        """The first applicable rule, as ``product.pricelist._compute_price_rule`` picks it."""
        for rule in rules:
            if rule.date_start and rule.date_start > date:
                continue
            if rule.date_end and rule.date_end < date:
                continue
            if rule._is_applicable_for(product, qty_in_product_uom):
                return rule
        return self.env["product.pricelist.item"]

    @api.model
    def _price_ref_line(self, line, rules):
        move = line.move_id
        company, currency, uom = move.company_id, move.currency_id, line.product_uom_id
        product = line.product_id.with_company(company)
        day = self._move_date(move)
        taxes = product.taxes_id._filter_taxes_by_company(company)
        fpos = move.fiscal_position_id

        def as_invoiced(price):
            # a tax-included product price is adapted to the invoice's fiscal position, as
            # sale.order.line._reset_price_unit does
            return product._get_tax_included_unit_price_from_price(
                price, product_taxes=taxes, fiscal_position=fpos
            )

        list_price = as_invoiced(
            product._price_compute(
                "list_price", uom=uom, currency=currency, company=company, date=day
            )[product.id]
        )
        # sudo: product.product - the cost (standard price) is restricted to internal users
        cost = (
            product.sudo()._price_compute(
                "standard_price", uom=uom, currency=currency, company=company, date=day
            )[product.id]
            or None
        )
        pricelist_price = None
        sale_line = line.sale_line_ids[:1]
        pricelist = sale_line.order_id.pricelist_id
        if pricelist:
            order_date = sale_line._get_order_date()
            # currency conversions at the order's day (rates are daily; Odoo caches them per
            # day, where the order's timestamp would read the rates once per order)
            order_day = fields.Date.to_date(order_date)
            quantity = sale_line.product_uom_id._compute_quantity(
                sale_line.product_uom_qty or 1.0, uom, raise_if_failure=False
            )
            rule = self._pick_pricelist_rule(
                rules.get(pricelist.id, []),
                product,
                uom._compute_quantity(quantity, product.uom_id, raise_if_failure=False),
                order_date,
            )
            pricelist_price = as_invoiced(
                rule._compute_price(
                    product.with_context(**sale_line._get_product_price_context()),
                    quantity,
                    uom,
                    order_day,
                    currency=currency,
                )
            )
        net = line.price_unit * (1 - (line.discount or 0.0) / 100)

        def money(amount):
            return formatLang(self.env, amount, currency_obj=currency) if amount else ""

        return checks.PriceRefLine(
            product_name=product.display_name,
            price_unit=line.price_unit,
            discount_pct=line.discount or 0.0,
            list_price=list_price,
            pricelist_price=pricelist_price,
            cost=cost,
            pricelist_name=pricelist.display_name or "",
            price_display=money(net),
            list_price_display=money(list_price),
            pricelist_price_display=money(pricelist_price),
            cost_display=money(cost),
        )

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
    def _findings_currency(self, move, batch):
        company = move.company_id
        if move.currency_id == company.currency_id:
            return []
        day = self._move_date(move)
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
        rates = batch["memo"][key]
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
