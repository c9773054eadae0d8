"""Whether an AI-drafted invoice waits for a human, and why."""

from collections.abc import Sequence
from dataclasses import dataclass

from .checks import Finding
from .templates import ENGLISH, Wording

# Stable reason codes (filters and analysis use them; the texts are translated)
REASON_THRESHOLD = "threshold"
REASON_NEW_CUSTOMER = "new_customer"
REASON_FINDING = "finding"


@dataclass(frozen=True)
class ReviewDecision:
    review_required: bool
    reasons: tuple[str, ...]
    codes: tuple[str, ...] = ()


def _money(amount: float, symbol: str) -> str:
    return f"{amount:,.2f} {symbol}".strip()


def decide_review(
    amount_company: float,
    threshold: float,
    is_new_customer: bool,
    review_new_customers: bool,
    findings: Sequence[Finding] = (),
    currency_symbol: str = "",
    amount_display: str = "",
    threshold_display: str = "",
    w: Wording = ENGLISH,
) -> ReviewDecision:
    """Amount above threshold (0 disables), first invoice, or any warning/error finding.

    ``amount_display`` / ``threshold_display``: the amounts as the UI shows them
    (the caller formats them with Odoo); without them a plain format is used. ``w`` speaks
    the reviewer's language (Odoo's translations on the Odoo side).
    """
    reasons, codes = [], []
    if threshold and amount_company > threshold:
        reasons.append(
            w._(
                "Total %(amount)s is above the review threshold of %(threshold)s.",
                amount=amount_display or _money(amount_company, currency_symbol),
                threshold=threshold_display or _money(threshold, currency_symbol),
            )
        )
        codes.append(REASON_THRESHOLD)
    if is_new_customer and review_new_customers:
        reasons.append(w._("First invoice for this customer."))
        codes.append(REASON_NEW_CUSTOMER)
    flagged = [f.message for f in findings if f.severity in ("warning", "error")]
    if flagged:
        reasons += flagged
        codes.append(REASON_FINDING)
    return ReviewDecision(review_required=bool(reasons), reasons=tuple(reasons), codes=tuple(codes))
