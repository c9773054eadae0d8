"""Whether an AI-drafted invoice waits for a human, and why."""

from collections.abc import Sequence
from dataclasses import dataclass

from .checks import Finding


@dataclass(frozen=True)
class ReviewDecision:
    review_required: bool
    reasons: tuple[str, ...]


def _money(amount: float, symbol: str) -> str:
    return f"{amount:,.2f} {symbol}".strip()


def decide_review(
    amount_company: float,
    threshold: float,
    is_new_customer: bool,
    review_new_customers: bool,
    findings: Sequence[Finding] = (),
    currency_symbol: str = "",
) -> ReviewDecision:
    """Amount above threshold (0 disables), first invoice, or any warning/error finding."""
    reasons = []
    if threshold and amount_company > threshold:
        reasons.append(
            f"Total {_money(amount_company, currency_symbol)} is above the review threshold of "
            f"{_money(threshold, currency_symbol)}."
        )
    if is_new_customer and review_new_customers:
        reasons.append("First invoice for this customer.")
    reasons += [f.message for f in findings if f.severity in ("warning", "error")]
    return ReviewDecision(review_required=bool(reasons), reasons=tuple(reasons))
