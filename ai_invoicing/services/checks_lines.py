"""Controller checks line by line: each invoice line against the customer's own history.

Pure rules, no Odoo. The adapters (``models/account_move_ai_checks_history.py``) convert
quantities and prices to the product's own unit of measure, keep only the history in the
invoice's currency, and turn each ``Hit`` into a translated ``checks.Finding``: a hit carries
its code, severity, check and the facts its message names, never the message itself (the
text is written, translated and formatted by Odoo).
"""

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from .checks import Severity

# How many of the latest history lines set "what this customer recently paid".
RECENT_PRICES = 3


@dataclass(frozen=True)
class Hit:
    """A rule's decision: the finding's code, severity and check, and the facts to name."""

    code: str
    severity: Severity
    check: str
    facts: dict = field(default_factory=dict)


@dataclass(frozen=True)
class PastLine:
    """One posted invoice line of this customer for this product (newest first).

    ``qty`` and ``net_price`` are per the product's own unit of measure; ``net_price`` is
    after the line discount, in ``currency``.
    """

    day: date
    qty: float
    net_price: float
    currency: str
    tax_ids: frozenset[int] = frozenset()
    fiscal_position_id: int | None = None


@dataclass(frozen=True)
class HistoryLine:
    """An invoice line and the customer's history of its product.

    ``qty``, ``net_price`` and ``reference_price`` (what the order's pricelist, else the list
    price, gives for this line today) are per the product's own unit of measure.
    """

    product_id: int
    qty: float
    net_price: float
    currency: str
    tax_ids: frozenset[int]
    fiscal_position_id: int | None
    history: Sequence[PastLine]
    reference_price: float | None = None


def _usual(values: Sequence[float]) -> float:
    return statistics.median(values)


def check_qty_vs_history(
    line: HistoryLine, min_history: int, factor: float, rounding: float = 1e-6
) -> list[Hit]:
    """A quantity far outside what this customer takes of this product.

    Flagged when it is at least ``factor`` times the customer's median quantity and above
    the largest it ever took (or at most the median divided by ``factor`` and below the
    smallest): a legitimate bulk order the size of an earlier one is not flagged, a unit of
    measure mistake (dozens for units, units for pallets) is, whatever the invoice total.
    Needs ``min_history`` past lines.
    """
    past = [p.qty for p in line.history if p.qty > rounding]
    if factor <= 1 or len(past) < max(min_history, 1) or line.qty <= rounding:
        return []
    usual = _usual(past)
    high = line.qty >= usual * factor and line.qty > max(past) + rounding
    low = line.qty <= usual / factor and line.qty < min(past) - rounding
    if not (high or low):
        return []
    return [
        Hit(
            "qty_outside_history",
            "warning",
            "line_history",
            {
                "product_id": line.product_id,
                "qty": line.qty,
                "usual_qty": usual,
                "min_qty": min(past),
                "max_qty": max(past),
                "count": len(past),
                "direction": "above" if high else "below",
                "ratio": line.qty / usual,
            },
        )
    ]


def check_price_vs_history(line: HistoryLine, min_history: int, tolerance_pct: float) -> list[Hit]:
    """A unit price other than what this customer recently paid, with nothing to explain it.

    "Recently paid" is the median net price of the customer's latest ``RECENT_PRICES`` lines
    of the product in the invoice currency. A price that is what the pricelist (or the list
    price) gives today is explained: a new pricelist rule, a quantity break, a price
    increase for everyone. Needs ``min_history`` past lines in the currency.
    """
    past = [p.net_price for p in line.history if p.currency == line.currency]
    if len(past) < max(min_history, 1):
        return []
    recent = _usual(past[:RECENT_PRICES])
    if recent <= 0 or _within(line.net_price, recent, tolerance_pct):
        return []
    reference = line.reference_price
    if reference and reference > 0 and _within(line.net_price, reference, tolerance_pct):
        return []  # the pricelist (or the list price) changed: it explains the price
    return [
        Hit(
            "price_outside_history",
            "warning",
            "line_history",
            {
                "product_id": line.product_id,
                "price": line.net_price,
                "usual_price": recent,
                "reference_price": reference,
                "gap_pct": (line.net_price / recent - 1) * 100,
                "count": len(past[:RECENT_PRICES]),
            },
        )
    ]


def check_taxes_vs_history(line: HistoryLine, min_history: int) -> list[Hit]:
    """Taxes other than the ones this product always had on this customer's invoices.

    Only past lines under the invoice's fiscal position count (a customer who moved abroad
    is the fiscal position checks' business), and only a history with one single set of
    taxes says "always".
    """
    past = [p.tax_ids for p in line.history if p.fiscal_position_id == line.fiscal_position_id]
    if len(past) < max(min_history, 1):
        return []
    usual = set(past)
    if len(usual) != 1:
        return []
    (always,) = usual
    if always == line.tax_ids:
        return []
    return [
        Hit(
            "taxes_outside_history",
            "warning",
            "line_history",
            {
                "product_id": line.product_id,
                "tax_ids": line.tax_ids,
                "usual_tax_ids": always,
                "count": len(past),
            },
        )
    ]


def _within(value: float, reference: float, tolerance_pct: float) -> bool:
    if math.isclose(value, reference, rel_tol=1e-9, abs_tol=5e-3):
        return True
    return abs(value / reference - 1) * 100 <= tolerance_pct + 1e-9
