"""Controller checks of doubles: an order entered twice behind a shipping line, shipping
billed twice.

Pure rules, no Odoo; the adapter (``models/account_move_ai_checks_doubles.py``) gathers the
customer's other invoices of the window and turns each ``checks_lines.Hit`` into a
translated finding.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from .checks_lines import Hit


def goods_signature(rows: Iterable[tuple]) -> tuple:
    """The goods of an invoice (product, quantity, price, discount), shipping lines left out
    by the caller: order-independent, rounded so float noise does not split twins."""
    return tuple(
        sorted(
            (product, round(qty, 6), round(price, 6), round(discount or 0.0, 6))
            for product, qty, price, discount in rows
        )
    )


@dataclass(frozen=True)
class TwinKey:
    id: int
    name: str
    day: date
    orders: frozenset[str]
    goods: tuple
    ref: str | None = None


def check_twins(
    me: TwinKey, others: Sequence[TwinKey], lines_days: int, ref_days: int
) -> list[Hit]:
    """Another order of the customer with the very same goods, within ``lines_days`` (or
    within ``ref_days`` under the same customer reference), whatever its shipping line.

    Invoices of the same order (partial deliveries) are not twins; a weekly standing order
    is further apart than a few days and has its own reference.
    """
    if not me.goods:
        return []
    for other in sorted(others, key=lambda o: (abs((me.day - o.day).days), o.id)):
        if other.id == me.id or other.goods != me.goods or other.orders & me.orders:
            continue
        days = abs((me.day - other.day).days)
        same_ref = bool(me.ref and other.ref and me.ref.strip() == other.ref.strip())
        if days <= lines_days or (same_ref and days <= ref_days):
            return [
                Hit(
                    "same_goods_twice",
                    "warning",
                    "twins",
                    {"other_id": other.id, "days": days, "same_ref": same_ref},
                )
            ]
    return []


@dataclass(frozen=True)
class ShippingLine:
    """A shipping line of the invoice and its order line (quantities in the order's unit;
    ``invoiced_qty`` is invoiced to date, this invoice included)."""

    order_line_id: int
    order_name: str
    ordered_qty: float
    invoiced_qty: float


def check_shipping_twice(lines: Sequence[ShippingLine], rounding: float = 1e-6) -> list[Hit]:
    """Shipping billed twice: two shipping lines of one order on the invoice, or a shipping
    line invoiced beyond what the order charges."""
    hits = []
    by_order = {}
    for line in lines:
        by_order.setdefault(line.order_name, []).append(line)
    for order_name, of_order in by_order.items():
        over = [
            line
            for line in of_order
            if line.ordered_qty > 0 and line.invoiced_qty > line.ordered_qty + rounding
        ]
        if len(of_order) > 1 or over:
            hits.append(
                Hit(
                    "shipping_billed_twice",
                    "warning",
                    "shipping_twice",
                    {"order": order_name, "lines": len(of_order), "over": bool(over)},
                )
            )
    return hits


@dataclass(frozen=True)
class LotLine:
    """A line of a product tracked by lots or serial numbers, in the product's unit:
    ``lot_qty`` is what its deliveries carried with a lot (returns deducted) and earlier
    invoices did not take yet."""

    product_id: int
    invoiced_qty: float
    lot_qty: float


def check_missing_lots(lines: Sequence[LotLine], rounding: float = 1e-6) -> list[Hit]:
    """Tracked products invoiced without their lots or serial numbers (the caller only asks
    when the invoices print them): more invoiced than delivered with a lot."""
    return [
        Hit(
            "lots_missing",
            "warning",
            "lots",
            {
                "product_id": line.product_id,
                "invoiced_qty": line.invoiced_qty,
                "lot_qty": max(line.lot_qty, 0.0),
            },
        )
        for line in lines
        if line.invoiced_qty > max(line.lot_qty, 0.0) + rounding
    ]


@dataclass(frozen=True)
class ServiceLine:
    """A service invoiced on delivered quantities, in its order line's unit: what this
    invoice bills and what its order lines delivered and did not invoice before it."""

    product_id: int
    invoiced_qty: float
    deliverable_qty: float


def check_services_not_delivered(lines: Sequence[ServiceLine], rounding: float = 1e-6) -> list[Hit]:
    """A service invoiced on delivered quantities with nothing delivered to invoice (e.g. a
    line added by hand to a draft: the order's installation not done yet)."""
    return [
        Hit(
            "service_not_delivered",
            "warning",
            "services",
            {"product_id": line.product_id, "invoiced_qty": line.invoiced_qty},
        )
        for line in lines
        if line.invoiced_qty > rounding and line.deliverable_qty <= rounding
    ]
