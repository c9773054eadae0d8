# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from collections import defaultdict
from datetime import timedelta

from odoo import api, models
from odoo.fields import Domain
from odoo.tools import SQL
from odoo.tools.misc import formatLang

from ..services import checks
from .account_move_ai_checks import HISTORY_SIZE


class AccountMoveAiChecks(models.AbstractModel):
    """What a batch of checks reads once: ``_prefetch_batch`` fills ``batch`` with what
    the checks compare each invoice with (duplicate candidates, posted history,
    receivables, pricelist rules, costs, fiscal positions) in a fixed number of queries
    whatever the batch size; the adapters (``account_move_ai_checks.py``) read it."""

    _inherit = "account.move.ai.checks"

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
            pricelist_price = as_invoiced(self._pricelist_price(pricelist, line, rules))
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
