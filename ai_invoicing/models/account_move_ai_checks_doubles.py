# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from datetime import timedelta

from odoo import api, models
from odoo.fields import Domain
from odoo.tools import SQL
from odoo.tools.misc import format_date, formatLang

from ..services import checks, checks_doubles


class AccountMoveAiChecks(models.AbstractModel):
    """Doubles: an order entered twice that a shipping line hides from the duplicate check
    (same goods within days, or under the same customer reference within the duplicate
    window), and shipping billed twice. Rules in ``services/checks_doubles.py``."""

    _inherit = "account.move.ai.checks"

    @api.model
    def _check_functions(self, move, batch):
        company = move.company_id
        return super()._check_functions(move, batch) + [
            (company.ai_check_twins, lambda: self._findings_twins(move, batch)),
            (company.ai_check_shipping_twice, lambda: self._findings_shipping_twice(move, batch)),
        ]

    @api.model
    def _prefetch_batch(self, moves, source_keys):
        batch = super()._prefetch_batch(moves, source_keys)
        batch["twins"] = self._prefetch_twins(
            moves.filtered(lambda move: move.company_id.ai_check_twins)
        )
        shipping = moves.filtered(
            lambda move: move.company_id.ai_check_shipping_twice or move.company_id.ai_check_twins
        )
        batch["shipping_products"] = (
            # sudo: delivery.carrier - which products are shipping charges
            self.env["delivery.carrier"]
            .sudo()
            .with_context(active_test=False)
            .search([])
            .product_id
            if shipping
            else self.env["product.product"]
        )
        return batch

    @api.model
    def _prefetch_twins(self, moves):
        """``{"candidates": {(company id, customer id): invoices}, "goods": {move id:
        (goods rows, order names)}}`` for the window, in two queries whatever is cached.

        The window is the larger of the twin days and the duplicate window before the
        earliest checked invoice; the ``(commercial_partner_id, date)`` index bounds it.
        The goods of the candidates and of the checked invoices are read in one query
        (product, quantity, price, discount, shipping or not, order), so the cost does not
        depend on whether the candidates are in the batch.
        """
        if not moves:
            return {"candidates": {}, "goods": {}}
        days = max(
            max(company.ai_twin_days, company.ai_duplicate_days) for company in moves.company_id
        )
        start = min(self._move_date(move) for move in moves) - timedelta(days=days)
        others = self.env["account.move"].search_fetch(
            Domain(
                [
                    ("move_type", "=", "out_invoice"),
                    ("state", "!=", "cancel"),
                    ("company_id", "in", moves.company_id.ids),
                    ("commercial_partner_id", "in", moves.commercial_partner_id.ids),
                    ("date", ">=", start),
                ]
            ),
            ["name", "company_id", "commercial_partner_id", "date", "invoice_date", "ref"]
            + ["amount_total", "currency_id", "invoice_origin"],
        )
        keyed = others | moves
        self.env["account.move.line"].flush_model(
            ["move_id", "display_type", "product_id", "quantity", "price_unit", "discount"]
        )
        self.env["sale.order.line"].flush_model(["is_delivery", "order_id"])
        # the moves are the checked ones and their customer's own invoices of the window
        rows = self.env.execute_query(
            SQL(
                """
                SELECT line.move_id, line.product_id, line.quantity, line.price_unit,
                       line.discount, BOOL_OR(COALESCE(sol.is_delivery, FALSE)),
                       ARRAY_AGG(DISTINCT so.name) FILTER (WHERE so.name IS NOT NULL)
                  FROM account_move_line AS line
             LEFT JOIN sale_order_line_invoice_rel AS rel ON rel.invoice_line_id = line.id
             LEFT JOIN sale_order_line AS sol ON sol.id = rel.order_line_id
             LEFT JOIN sale_order AS so ON so.id = sol.order_id
                 WHERE line.move_id = ANY(%(ids)s)
                   AND line.display_type = 'product'
                   AND line.product_id IS NOT NULL
              GROUP BY line.id
                """,
                ids=keyed.ids,
            )
        )
        goods = {move_id: ([], set()) for move_id in keyed.ids}
        for move_id, product_id, qty, price, discount, is_delivery, orders in rows:
            goods[move_id][0].append((product_id, qty or 0.0, price or 0.0, discount, is_delivery))
            goods[move_id][1].update(orders or ())
        candidates = {}
        for other in keyed:
            candidates.setdefault((other.company_id.id, other.commercial_partner_id.id), []).append(
                other
            )
        return {"candidates": candidates, "goods": goods}

    @api.model
    def _twin_key(self, move, batch):
        rows, orders = batch["twins"]["goods"].get(move.id, ([], set()))
        shipping = set(batch["shipping_products"].ids)
        return checks_doubles.TwinKey(
            id=move.id,
            name=move.name if move.name and move.name != "/" else f"draft #{move.id}",
            day=self._move_date(move),
            orders=frozenset(orders),
            goods=checks_doubles.goods_signature(
                (product_id, qty, price, discount)
                for product_id, qty, price, discount, is_delivery in rows
                if not is_delivery and product_id not in shipping
            ),
            ref=move.ref or None,
        )

    @api.model
    def _findings_twins(self, move, batch):
        company = move.company_id
        candidates = [
            other
            for other in batch["twins"]["candidates"].get(
                (company.id, move.commercial_partner_id.id), []
            )
            if other.id != move.id
            # the duplicate check already reports the same total under the same origin or
            # reference: only what the shipping line hides from it is reported here
            and not (
                company.ai_check_duplicates
                and other.currency_id == move.currency_id
                and move.currency_id.is_zero(other.amount_total - move.amount_total)
                and (
                    (other.invoice_origin and other.invoice_origin == move.invoice_origin)
                    or (other.ref and other.ref == move.ref)
                )
            )
        ]
        hits = checks_doubles.check_twins(
            self._twin_key(move, batch),
            [self._twin_key(other, batch) for other in candidates],
            company.ai_twin_days,
            company.ai_duplicate_days,
        )
        findings = []
        for hit in hits:
            other = self.env["account.move"].browse(hit.facts["other_id"])
            orders = self._twin_key(move, batch).orders | self._twin_key(other, batch).orders
            if hit.facts["same_ref"]:
                why = self.env._("the same customer reference %(ref)s", ref=move.ref)
            else:
                why = self.env._("%(days)s day(s) apart", days=hit.facts["days"])
            message = self.env._(
                "Same goods, same quantities and prices as %(other)s of %(date)s, on another "
                "order (%(orders)s), %(why)s; the totals (%(amount)s and %(other_amount)s) "
                "differ only by shipping. Check the order was not entered twice.",
                other=other.name if other.name and other.name != "/" else f"#{other.id}",
                date=format_date(self.env, self._move_date(other)),
                orders=", ".join(sorted(orders)),
                why=why,
                amount=self._twin_money(move, move.amount_total),
                other_amount=self._twin_money(other, other.amount_total),
            )
            findings.append(checks.Finding(hit.code, hit.severity, message, hit.check))
        return findings

    @api.model
    def _twin_money(self, move, amount):
        return formatLang(self.env, amount, currency_obj=move.currency_id)

    @api.model
    def _findings_shipping_twice(self, move, batch):
        shipping = batch["shipping_products"]
        lines = move._ai_product_lines().filtered(
            lambda line: line.product_id in shipping or line.sale_line_ids.filtered("is_delivery")
        )
        orders = move._ai_product_lines().sale_line_ids.order_id
        single = orders.name if len(orders) == 1 else ""
        items = []
        for line in lines:
            sale_line = line.sale_line_ids[:1]
            items.append(
                checks_doubles.ShippingLine(
                    order_line_id=sale_line.id or 0,
                    order_name=sale_line.order_id.name or single,
                    ordered_qty=sale_line.product_uom_qty if sale_line else 0.0,
                    invoiced_qty=sale_line.qty_invoiced if sale_line else 0.0,
                )
            )
        hits = checks_doubles.check_shipping_twice(items, rounding=self._qty_rounding())
        return [
            checks.Finding(
                hit.code,
                hit.severity,
                self.env._(
                    "Shipping of %(order)s is billed twice: %(lines)s shipping line(s) on this "
                    "invoice%(over)s. Remove the extra shipping charge.",
                    order=hit.facts["order"] or self.env._("this invoice"),
                    lines=hit.facts["lines"],
                    over=self.env._(", invoiced beyond what the order charges")
                    if hit.facts["over"]
                    else "",
                ),
                hit.check,
            )
            for hit in hits
        ]
