"""Controller checks of what the customer is entitled to: pricelist, discounts, terms, rebates.

Pure rules, no Odoo; the adapters (``models/account_move_ai_checks_entitlements.py``) price
each line with the order's and with the customer's own pricelist and turn each
``checks_lines.Hit`` into a translated finding.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass

from .checks_lines import Hit

# A pricelist "discounts" a product when its price is this much (in %) below the list price.
PRICELIST_DISCOUNT_MIN_PCT = 0.5


@dataclass(frozen=True)
class EntitledLine:
    """One invoice line, unit prices in the invoice currency and the line's unit.

    ``order_price`` is what the order's pricelist gives, ``own_price`` what the customer's
    own pricelist gives (None: no such pricelist), ``net_price`` the invoiced price after
    the line discount.
    """

    product_id: int
    net_price: float
    discount_pct: float = 0.0
    list_price: float | None = None
    order_price: float | None = None
    own_price: float | None = None


@dataclass(frozen=True)
class Terms:
    """Payment terms: the days to the last due date from the invoice date, and the early
    payment discount (0 when none)."""

    id: int
    days: int
    early_pct: float = 0.0
    early_days: int = 0


def _gap_pct(price: float, reference: float) -> float:
    return (1 - price / reference) * 100


def check_pricelist_entitlement(
    order_pricelist_id: int | None,
    own_pricelist_id: int | None,
    lines: Sequence[EntitledLine],
    tolerance_pct: float,
) -> list[Hit]:
    """An order on another pricelist than the customer's own that gives it lower prices.

    Only a customer with a pricelist of its own (set on the customer) is compared; an order
    on another pricelist that gives the same or higher prices is not a discount.
    """
    if not own_pricelist_id or order_pricelist_id == own_pricelist_id:
        return []
    better = [
        line
        for line in lines
        if line.own_price
        and line.own_price > 0
        and line.order_price is not None
        and line.order_price < line.own_price
        and not math.isclose(line.order_price, line.own_price, abs_tol=5e-3)
        and _gap_pct(line.order_price, line.own_price) > tolerance_pct + 1e-9
    ]
    if not better:
        return []
    worst = max(better, key=lambda line: _gap_pct(line.order_price, line.own_price))
    return [
        Hit(
            "pricelist_not_entitled",
            "warning",
            "pricelist_entitlement",
            {
                "product_id": worst.product_id,
                "order_price": worst.order_price,
                "own_price": worst.own_price,
                "gap_pct": _gap_pct(worst.order_price, worst.own_price),
                "count": len(better),
            },
        )
    ]


def check_double_discount(lines: Sequence[EntitledLine], tolerance_pct: float) -> list[Hit]:
    """A line discount on top of a pricelist that already discounts the product.

    The discount beyond the pricelist's price counts (a pricelist that shows its own
    discount on the line is not a second one); up to ``tolerance_pct`` is allowed.
    """
    hits = []
    for line in lines:
        if not line.discount_pct or not line.order_price or not line.list_price:
            continue
        if line.order_price <= 0 or line.list_price <= 0:
            continue
        if _gap_pct(line.order_price, line.list_price) < PRICELIST_DISCOUNT_MIN_PCT:
            continue  # the pricelist does not discount this product
        extra = _gap_pct(line.net_price, line.order_price)
        if extra <= tolerance_pct + 1e-9:
            continue
        hits.append(
            Hit(
                "double_discount",
                "warning",
                "double_discount",
                {
                    "product_id": line.product_id,
                    "discount_pct": line.discount_pct,
                    "list_price": line.list_price,
                    "pricelist_price": line.order_price,
                    "net_price": line.net_price,
                    "extra_pct": extra,
                    "total_pct": _gap_pct(line.net_price, line.list_price),
                },
            )
        )
    return hits


def check_payment_terms(
    invoice_terms: Terms | None, own_terms: Terms | None, tolerance_days: int
) -> list[Hit]:
    """Terms longer than the customer's own, or an early-payment discount not in them.

    Only a customer with payment terms of its own (set on the customer) is compared.
    """
    if not invoice_terms or not own_terms or invoice_terms.id == own_terms.id:
        return []
    hits = []
    if invoice_terms.days > own_terms.days + max(tolerance_days, 0):
        hits.append(
            Hit(
                "payment_terms_longer",
                "warning",
                "payment_terms",
                {"days": invoice_terms.days, "own_days": own_terms.days},
            )
        )
    early = invoice_terms.early_pct > 0 and (
        invoice_terms.early_pct > own_terms.early_pct + 1e-9
        or invoice_terms.early_days > own_terms.early_days
    )
    if early:
        hits.append(
            Hit(
                "early_discount_not_entitled",
                "warning",
                "payment_terms",
                {
                    "early_pct": invoice_terms.early_pct,
                    "early_days": invoice_terms.early_days,
                    "own_early_pct": own_terms.early_pct,
                    "own_early_days": own_terms.early_days,
                },
            )
        )
    return hits


def check_manual_rebates(
    rebates: Sequence[tuple[int, float]], goods_total: float, share_pct: float
) -> list[Hit]:
    """Negative lines (manual rebates) each worth at least ``share_pct`` of the goods.

    ``rebates`` holds (line id, amount) of the negative lines nothing explains (the caller
    leaves out down payment deductions); ``goods_total`` is the untaxed total of the
    positive lines.
    """
    if goods_total <= 0:
        return []
    hits = []
    for line_id, amount in rebates:
        share = abs(amount) / goods_total * 100
        if amount < 0 and share >= share_pct - 1e-9:
            hits.append(
                Hit(
                    "manual_rebate",
                    "warning",
                    "manual_rebate",
                    {"line_id": line_id, "amount": amount, "share_pct": share},
                )
            )
    return hits
