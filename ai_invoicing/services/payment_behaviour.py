"""How a customer pays: statistics from its settled invoices, the payment-terms policy,
the early-payment discount suggestion and the order of outstanding credits.

Plain values in, plain values out; the Odoo models read the reconciliations and format
the messages. Nothing here touches Odoo.
"""

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

# Latest posted invoices per customer and company the statistics are learnt from: a
# customer with 20,000 invoices costs what one with a hundred does.
HISTORY_SIZE = 100
# Per-invoice days late kept on the stored row, newest first (the policy's "last N").
RECENT_KEPT = 50
TREND_WINDOW = 5
WORSENING_DAYS = 7

CONDITIONS = ("new_customer", "late_share", "average_late", "open_overdue")


@dataclass(frozen=True)
class Settlement:
    """One reconciliation of the invoice's receivable: when, how much (invoice currency),
    and whether money came in (a payment) or a credit note cancelled part of the debt."""

    date: date
    amount: float
    is_payment: bool = True


@dataclass(frozen=True)
class SettledInvoice:
    invoice_id: int
    invoice_date: date
    due_date: date
    amount: float  # total in company currency
    settlements: tuple[Settlement, ...] = ()


@dataclass(frozen=True)
class Behaviour:
    invoices_paid: int = 0
    credited: int = 0
    average_days_late: float = 0.0
    p90_days_late: int = 0
    late_share: float = 0.0  # percent of paid invoices settled after their due date
    average_days_to_pay: float = 0.0  # from the invoice date
    earlier_days_late: float | None = None
    recent_days_late: float | None = None
    trend: str = "unknown"  # unknown / improving / stable / worsening
    last_paid_date: date | None = None
    average_amount: float = 0.0
    yearly_invoiced: float = 0.0  # paid invoices of the last 365 days (company currency)
    days_late: tuple[int, ...] = field(default_factory=tuple)  # per invoice, newest first


def _weighted_date_offset(settlements: Iterable[Settlement], reference: date) -> float | None:
    """Days from ``reference`` to the payments, weighted by the amount each paid."""
    payments = [s for s in settlements if s.is_payment and s.amount > 0]
    total = math.fsum(s.amount for s in payments)
    if not payments or not total:
        return None
    return math.fsum((s.date - reference).days * s.amount for s in payments) / total


def invoice_days_late(invoice: SettledInvoice) -> int | None:
    """Days after the due date the invoice was paid, partial payments weighted by amount
    (0 when paid on time; None when only credit notes settled it)."""
    offset = _weighted_date_offset(invoice.settlements, invoice.due_date)
    if offset is None:
        return None
    return max(math.floor(offset + 0.5), 0)


def percentile(values: Sequence[float], pct: float) -> int:
    """Nearest-rank percentile (0 for no values)."""
    if not values:
        return 0
    ordered = sorted(values)
    rank = max(math.ceil(pct / 100 * len(ordered)), 1)
    return int(ordered[rank - 1])


def _mean(values: Sequence[float]) -> float:
    return math.fsum(values) / len(values) if values else 0.0


def compute_behaviour(
    invoices: Iterable[SettledInvoice],
    today: date,
    trend_window: int = TREND_WINDOW,
    worsening_days: int = WORSENING_DAYS,
) -> Behaviour:
    """Statistics over fully settled invoices. The trend compares the average days late of
    the newest ``trend_window`` paid invoices with the ``trend_window`` before them."""
    invoices = sorted(invoices, key=lambda inv: (inv.invoice_date, inv.invoice_id), reverse=True)
    paid = []  # (invoice, days late), newest first
    credited = 0
    for invoice in invoices:
        late = invoice_days_late(invoice)
        if late is None:
            credited += 1
        else:
            paid.append((invoice, late))
    if not paid:
        return Behaviour(credited=credited)
    lates = [late for _inv, late in paid]
    to_pay = [
        _weighted_date_offset(inv.settlements, inv.invoice_date) or 0.0 for inv, _late in paid
    ]
    earlier = recent = None
    trend = "unknown"
    if len(lates) >= 2 * trend_window:
        recent = _mean(lates[:trend_window])
        earlier = _mean(lates[trend_window : 2 * trend_window])
        if recent - earlier >= worsening_days:
            trend = "worsening"
        elif earlier - recent >= worsening_days:
            trend = "improving"
        else:
            trend = "stable"
    last_paid = max(
        (s.date for inv, _late in paid for s in inv.settlements if s.is_payment), default=None
    )
    yearly = math.fsum(
        inv.amount for inv, _late in paid if last_paid and (today - inv.invoice_date).days <= 365
    )
    return Behaviour(
        invoices_paid=len(paid),
        credited=credited,
        average_days_late=round(_mean(lates), 1),
        p90_days_late=percentile(lates, 90),
        late_share=round(100.0 * sum(1 for late in lates if late > 0) / len(lates), 1),
        average_days_to_pay=round(max(_mean(to_pay), 0.0), 1),
        earlier_days_late=None if earlier is None else round(earlier, 1),
        recent_days_late=None if recent is None else round(recent, 1),
        trend=trend,
        last_paid_date=last_paid,
        average_amount=round(_mean([inv.amount for inv, _late in paid]), 2),
        yearly_invoiced=round(yearly, 2),
        days_late=tuple(lates[:RECENT_KEPT]),
    )


# ---------------------------------------------------------------------------
# Payment-terms policy
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class TermsRule:
    """A rule of the policy. ``condition``:

    - ``new_customer``: the customer has no posted invoice in the company yet;
    - ``late_share``: at least ``min_share`` % of its last ``last_n`` paid invoices were paid
      more than ``late_days`` days late (needs ``min_invoices`` paid invoices);
    - ``average_late``: pays more than ``late_days`` days late on average (idem);
    - ``open_overdue``: has at least ``min_invoices`` open overdue invoices.
    """

    id: int
    condition: str
    max_days: int
    last_n: int = 10
    late_days: int = 15
    min_share: float = 30.0
    min_invoices: int = 3


@dataclass(frozen=True)
class CustomerFacts:
    is_new: bool
    days_late: tuple[int, ...] = ()  # newest first
    average_days_late: float = 0.0
    invoices_paid: int = 0
    open_overdue_count: int = 0


@dataclass(frozen=True)
class RuleMatch:
    rule: TermsRule
    late_count: int = 0
    considered: int = 0
    share: float = 0.0


def late_share(
    days_late: Sequence[int], last_n: int, more_than_days: int
) -> tuple[int, int, float]:
    """(invoices paid more than ``more_than_days`` late, invoices considered, percent)
    over the newest ``last_n``."""
    window = list(days_late[: max(last_n, 1)])
    if not window:
        return 0, 0, 0.0
    late = sum(1 for days in window if days > more_than_days)
    return late, len(window), round(100.0 * late / len(window), 1)


def match_rule(rules: Iterable[TermsRule], facts: CustomerFacts) -> RuleMatch | None:
    """The first rule (in the given order) the customer's facts meet."""
    for rule in rules:
        if rule.condition == "new_customer":
            if facts.is_new:
                return RuleMatch(rule)
        elif rule.condition == "late_share":
            late, considered, share = late_share(facts.days_late, rule.last_n, rule.late_days)
            if considered >= max(rule.min_invoices, 1) and share >= rule.min_share:
                return RuleMatch(rule, late, considered, share)
        elif rule.condition == "average_late":
            if (
                facts.invoices_paid >= max(rule.min_invoices, 1)
                and facts.average_days_late > rule.late_days
            ):
                return RuleMatch(rule, considered=facts.invoices_paid)
        elif rule.condition == "open_overdue":
            if facts.open_overdue_count >= max(rule.min_invoices, 1):
                return RuleMatch(rule, late_count=facts.open_overdue_count)
    return None


def terms_looser(current_days: int | None, max_days: int) -> bool:
    """Whether terms whose last instalment falls ``current_days`` after the invoice date
    give more time than the policy's ``max_days`` (no terms: due on the invoice date)."""
    return (current_days or 0) > max_days


# ---------------------------------------------------------------------------
# Early-payment discount suggestion
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class DiscountSuggestion:
    days_sooner: float  # days earlier the cash comes in if the customer takes the discount
    cash_sooner: float  # receivable freed: invoiced per day x days sooner (company currency)
    yearly_cost: float  # the discount if every invoice of a year took it


def early_discount_suggestion(
    behaviour: Behaviour,
    open_balance: float,
    discount_pct: float,
    discount_days: int,
    min_days_late: float,
    min_balance: float,
    min_invoices: int = 3,
) -> DiscountSuggestion | None:
    """Suggest early-payment discount terms to a slow payer with a large balance.

    The cash effect is estimated from the customer's own history: it now pays
    ``average_days_to_pay`` days after the invoice date; taking the discount it would pay
    within ``discount_days``. Its invoicing per day (last year's paid invoices / 365) times
    the days gained is the receivable the company would hold less.
    """
    if behaviour.invoices_paid < max(min_invoices, 1):
        return None
    if behaviour.average_days_late < min_days_late or open_balance < min_balance:
        return None
    days_sooner = behaviour.average_days_to_pay - discount_days
    if days_sooner <= 0:
        return None
    per_day = behaviour.yearly_invoiced / 365.0
    return DiscountSuggestion(
        days_sooner=round(days_sooner, 1),
        cash_sooner=round(per_day * days_sooner, 2),
        yearly_cost=round(behaviour.yearly_invoiced * discount_pct / 100.0, 2),
    )


# ---------------------------------------------------------------------------
# Outstanding credits
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Credit:
    line_id: int
    date: date
    amount: float  # open amount in the invoice currency
    currency: str
    company_id: int
    pending_review: bool = False


def credits_to_apply(
    credits: Iterable[Credit], currency: str, company_id: int
) -> tuple[list[Credit], list[tuple[Credit, str]]]:
    """(credits to apply oldest first, [(credit, refusal code)]). Never across currencies or
    companies; a credit pending review waits for it."""
    usable, refused = [], []
    for credit in credits:
        if credit.company_id != company_id:
            refused.append((credit, "other_company"))
        elif credit.currency != currency:
            refused.append((credit, "other_currency"))
        elif credit.pending_review:
            refused.append((credit, "pending_review"))
        elif credit.amount > 0:
            usable.append(credit)
    usable.sort(key=lambda credit: (credit.date, credit.line_id))
    return usable, refused
