# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from collections import defaultdict
from datetime import timedelta

from odoo import api, models
from odoo.tools import SQL
from odoo.tools.misc import formatLang

from ..services import checks, checks_lines

# Latest posted lines per customer and product the line checks compare with.
LINE_HISTORY_SIZE = 20


class AccountMoveAiChecks(models.AbstractModel):
    """Each line against the customer's own history of its product.

    ``_prefetch_line_history`` reads, for every (customer, product) of the batch, the latest
    posted invoice lines within the company's look-back, in one query (a lateral join on
    the ``(partner_id, product_id, date)`` index of ``account_move_line``); the rules are in
    ``services/checks_lines.py``.
    """

    _inherit = "account.move.ai.checks"

    @api.model
    def _check_functions(self, move, batch):
        return super()._check_functions(move, batch) + [
            (
                move.company_id.ai_check_line_history,
                lambda: self._findings_line_history(move, batch),
            ),
        ]

    @api.model
    def _prefetch_batch(self, moves, source_keys):
        batch = super()._prefetch_batch(moves, source_keys)
        checked = moves.filtered(lambda move: move.company_id.ai_check_line_history)
        batch["line_history"] = self._prefetch_line_history(checked)
        # what the pricelist gives today explains a price change; the price reference
        # check reads it already when it is on
        missing = checked.filtered(lambda move: not move.company_id.ai_check_price_reference)
        if missing:
            batch["prices"] = {**batch["prices"], **self._prefetch_prices(missing)}
        return batch

    @api.model
    def _history_lines(self, move):
        """The lines of ``move`` the history checks compare (goods and services sold)."""
        return move._ai_product_lines().filtered(
            lambda line: (
                not line.sale_line_ids.filtered(lambda sol: sol.is_downpayment or sol.is_delivery)
                and line.price_unit >= 0
                and line.quantity > 0
            )
        )

    @api.model
    def _prefetch_line_history(self, moves):
        """``{(company id, customer id, product id): [history row]}``, newest first.

        A row is ``(line id, move id, date, quantity, uom id, price unit, discount,
        currency id, fiscal position id, [tax ids])`` of a posted customer invoice line, at
        most ``LINE_HISTORY_SIZE`` per key, none older than the company's look-back. One
        query for the batch, plus one read of the units, currencies and taxes it names.
        """
        since = {}
        for move in moves:
            start = self._move_date(move) - timedelta(days=move.company_id.ai_line_history_days)
            for line in self._history_lines(move):
                key = (move.company_id.id, move.commercial_partner_id.id, line.product_id.id)
                since[key] = min(since.get(key, start), start)
        if not since:
            return {}
        self.env["account.move.line"].flush_model(
            ["partner_id", "product_id", "date", "parent_state", "display_type", "quantity"]
            + ["price_unit", "discount", "currency_id", "product_uom_id", "tax_ids"]
        )
        self.env["account.move"].flush_model(["move_type", "fiscal_position_id"])
        keys = sorted(since)
        # the customers and products come from the checked moves; only their own posted
        # invoice lines are read
        rows = self.env.execute_query(
            SQL(
                """
                SELECT key.company_id, key.partner_id, key.product_id,
                       hist.id, hist.move_id, hist.date, hist.quantity, hist.product_uom_id,
                       hist.price_unit, hist.discount, hist.currency_id, hist.fiscal_position_id,
                       ARRAY(SELECT rel.account_tax_id
                               FROM account_move_line_account_tax_rel AS rel
                              WHERE rel.account_move_line_id = hist.id
                           ORDER BY rel.account_tax_id)
                  FROM unnest(%(companies)s::int[], %(partners)s::int[], %(products)s::int[],
                              %(since)s::date[])
                       AS key(company_id, partner_id, product_id, since)
                  CROSS JOIN LATERAL (
                        SELECT line.id, line.move_id, line.date, line.quantity,
                               line.product_uom_id, line.price_unit, line.discount,
                               line.currency_id, move.fiscal_position_id
                          FROM account_move_line AS line
                          JOIN account_move AS move ON move.id = line.move_id
                         WHERE line.partner_id = key.partner_id
                           AND line.product_id = key.product_id
                           AND line.parent_state = 'posted'
                           AND line.display_type = 'product'
                           AND line.product_id IS NOT NULL
                           AND line.date >= key.since
                           AND line.company_id = key.company_id
                           AND move.move_type = 'out_invoice'
                      ORDER BY line.date DESC, line.id DESC
                         LIMIT %(limit)s
                  ) AS hist
                 ORDER BY key.company_id, key.partner_id, key.product_id,
                          hist.date DESC, hist.id DESC
                """,
                companies=[key[0] for key in keys],
                partners=[key[1] for key in keys],
                products=[key[2] for key in keys],
                since=[since[key] for key in keys],
                limit=LINE_HISTORY_SIZE,
            )
        )
        history = defaultdict(list)
        uoms, currencies, taxes = set(), set(), set()
        for company_id, partner_id, product_id, *row in rows:
            history[company_id, partner_id, product_id].append(tuple(row))
            uoms.add(row[4])
            currencies.add(row[7])
            taxes.update(row[9] or ())
        # names and factors of what the rows name, for the whole batch at once
        self.env["uom.uom"].browse(uoms).mapped("factor")
        self.env["res.currency"].browse(currencies).mapped("name")
        self.env["account.tax"].browse(taxes).mapped("name")
        return history

    @api.model
    def _history_line(self, move, line, batch):
        """``checks_lines.HistoryLine`` of ``line``: per the product's own unit."""
        company, product = move.company_id, line.product_id
        unit, line_uom = product.uom_id, line.product_uom_id or product.uom_id
        day = self._move_date(move)
        past = []
        Uom, Currency = self.env["uom.uom"], self.env["res.currency"]
        key = (company.id, move.commercial_partner_id.id, product.id)
        since = day - timedelta(days=company.ai_line_history_days)
        for row in batch["line_history"].get(key, []):
            (
                _line_id,
                move_id,
                row_day,
                qty,
                uom_id,
                price,
                discount,
                currency_id,
                fpos_id,
                tax_ids,
            ) = row
            if move_id == move.id or row_day > day or row_day < since:
                continue
            uom = Uom.browse(uom_id) if uom_id else unit
            net = (price or 0.0) * (1 - (discount or 0.0) / 100)
            past.append(
                checks_lines.PastLine(
                    day=row_day,
                    qty=uom._compute_quantity(qty or 0.0, unit, raise_if_failure=False),
                    net_price=uom._compute_price(net, unit),
                    currency=Currency.browse(currency_id).name,
                    tax_ids=frozenset(tax_ids or ()),
                    fiscal_position_id=fpos_id or None,
                )
            )
        reference = None
        price_ref = batch["prices"].get(line.id)
        if price_ref:
            today = (
                price_ref.pricelist_price
                if price_ref.pricelist_price is not None
                else price_ref.list_price
            )
            reference = line_uom._compute_price(today, unit) if today else None
        net = line.price_unit * (1 - (line.discount or 0.0) / 100)
        return checks_lines.HistoryLine(
            product_id=product.id,
            qty=line_uom._compute_quantity(line.quantity, unit, raise_if_failure=False),
            net_price=line_uom._compute_price(net, unit),
            currency=move.currency_id.name,
            tax_ids=frozenset(line.tax_ids.ids),
            fiscal_position_id=move.fiscal_position_id.id or None,
            history=past,
            reference_price=reference,
        )

    @api.model
    def _findings_line_history(self, move, batch):
        company = move.company_id
        findings = []
        for line in self._history_lines(move):
            item = self._history_line(move, line, batch)
            hits = checks_lines.check_qty_vs_history(
                item, company.ai_line_history_min, company.ai_line_qty_factor
            )
            hits += checks_lines.check_price_vs_history(
                item, company.ai_line_history_min, company.ai_line_price_tolerance
            )
            hits += checks_lines.check_taxes_vs_history(item, company.ai_line_history_min)
            findings += [self._line_history_finding(move, line, hit) for hit in hits]
        return findings

    @api.model
    def _line_history_finding(self, move, line, hit):
        facts = hit.facts
        product = line.product_id
        unit = product.uom_id
        customer = move.commercial_partner_id.display_name

        def money(amount):
            return formatLang(self.env, amount, currency_obj=move.currency_id)

        if hit.code == "qty_outside_history":
            invoiced = f"{self._format_qty(facts['qty'])} {unit.name}"
            if line.product_uom_id and line.product_uom_id != unit:
                invoiced = (
                    f"{self._format_qty(line.quantity)} {line.product_uom_id.name} ({invoiced})"
                )
            message = self.env._(
                "%(product)s: %(invoiced)s invoiced, where %(customer)s usually takes "
                "%(usual)s %(unit)s (between %(low)s and %(high)s on its last %(count)s "
                "invoice lines of it). Check the quantity and its unit of measure.",
                product=product.display_name,
                invoiced=invoiced,
                customer=customer,
                usual=self._format_qty(facts["usual_qty"]),
                unit=unit.name,
                low=self._format_qty(facts["min_qty"]),
                high=self._format_qty(facts["max_qty"]),
                count=facts["count"],
            )
        elif hit.code == "price_outside_history":
            if facts["reference_price"]:
                explained = self.env._(
                    "its pricelist gives %(reference)s today",
                    reference=money(facts["reference_price"]),
                )
            else:
                explained = self.env._("no pricelist gives it")
            message = self.env._(
                "%(product)s is invoiced at a net unit price of %(price)s per %(unit)s, "
                "%(gap)s from the %(usual)s %(customer)s paid on its recent invoices, and "
                "%(explained)s. Check whether the price was changed by hand.",
                product=product.display_name,
                price=money(facts["price"]),
                unit=unit.name,
                gap=f"{facts['gap_pct']:+.1f}%",
                usual=money(facts["usual_price"]),
                customer=customer,
                explained=explained,
            )
        else:
            Tax = self.env["account.tax"]
            message = self.env._(
                "%(product)s is invoiced with %(taxes)s, but on %(customer)s's last "
                "%(count)s invoice lines of it (same fiscal position) it always had "
                "%(usual_taxes)s. Check the product's and the line's taxes.",
                product=product.display_name,
                taxes=self._tax_names(Tax.browse(sorted(facts["tax_ids"]))),
                customer=customer,
                count=facts["count"],
                usual_taxes=self._tax_names(Tax.browse(sorted(facts["usual_tax_ids"]))),
            )
        return checks.Finding(hit.code, hit.severity, message, hit.check)

    @api.model
    def _tax_names(self, taxes):
        return ", ".join(taxes.mapped("name")) or self.env._("no tax")

    @api.model
    def _format_qty(self, qty):
        """A quantity as a clerk writes it: 24, 2.5, 0.125 (Odoo's number format)."""
        digits = self.env["decimal.precision"].precision_get("Product Unit")
        text = f"{round(qty, digits):.{digits}f}".rstrip("0").rstrip(".")
        decimals = len(text.split(".")[1]) if "." in text else 0
        return formatLang(self.env, qty, digits=decimals)
