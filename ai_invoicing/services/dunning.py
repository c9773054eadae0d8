"""Dunning: which customers to remind today, at which level, about which invoices.

One reminder per customer (commercial partner), not per invoice. Inputs are plain values the Odoo
side gathers: the open receivable items, each customer's follow-up state and the company's levels.
Nothing here touches Odoo, sends anything or reads the clock.

Never twice: when it sends (or queues for approval) the message of a plan, the caller stores the
plan's level and the date on the customer (``CustomerState``) in the same transaction. Planning
again with that state sends nothing twice for the same level, so an interrupted run is simply run
again. Partners are independent, so planning batch by batch gives the same plans as one big run.
"""

import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal, NamedTuple

from .templates import ENGLISH

Action = Literal["email", "email_call", "letter", "final_notice"]
Tone = Literal["courteous", "friendly", "firm", "final"]
ItemKind = Literal["invoice", "credit_note", "payment"]
FollowupStatus = Literal["none", "reminded", "escalated", "promise", "excluded"]

ACTIONS: tuple[str, ...] = ("email", "email_call", "letter", "final_notice")
TONES: tuple[str, ...] = ("courteous", "friendly", "firm", "final")

# Skip reasons, in the order they are tested.
SKIP_EXCLUDED = "excluded"
SKIP_PROMISE = "promise_to_pay"
SKIP_NOTHING_DUE = "nothing_due"
SKIP_IN_PAYMENT = "in_payment"
SKIP_BLOCKED = "blocked"
SKIP_CREDITED = "covered_by_credits"
SKIP_BELOW_MINIMUM = "below_minimum"
SKIP_ALREADY_SENT = "level_already_sent"

# The LLM and the templates only ever see this; the caller puts the real link in afterwards.
PAYMENT_LINK_PLACEHOLDER = "[PAYMENT_LINK]"


@dataclass(frozen=True)
class Level:
    """One step of a company's dunning ladder.

    ``days`` is relative to the due date (negative: a courteous reminder before it). Actions:
    ``email``; ``email_call`` (e-mail plus an activity to phone the customer); ``letter``
    (printable PDF); ``final_notice`` (printable letter, also e-mailed, as the last warning).
    """

    id: int | None
    sequence: int
    days: int
    action: Action
    tone: Tone
    needs_approval: bool
    name: str


DEFAULT_LEVELS: tuple[Level, ...] = (
    Level(None, 10, -3, "email", "courteous", False, "Courteous reminder"),
    Level(None, 20, 7, "email", "friendly", False, "First reminder"),
    Level(None, 30, 21, "email_call", "firm", False, "Second reminder"),
    Level(None, 40, 45, "final_notice", "final", True, "Final notice"),
)


@dataclass(frozen=True)
class OpenItem:
    """An open receivable item of a commercial partner, in its own currency.

    ``amount_residual`` is the open amount as a positive number whatever the kind: the kind says
    whether the customer owes it (invoice) or may use it (credit note, unapplied payment).
    ``in_payment`` and ``blocked`` (disputed, set by a clerk) keep an item out of the dunning;
    a credit that is being refunded or disputed is not netted either.
    """

    id: int
    name: str
    partner_id: int
    currency: str
    amount_residual: float
    due_date: date | None
    in_payment: bool = False
    blocked: bool = False
    kind: ItemKind = "invoice"


@dataclass(frozen=True)
class CustomerState:
    """What the caller stored on the customer after the last reminder it sent."""

    partner_id: int
    last_level_id: int | None = None
    last_level_sequence: int | None = None
    last_sent_date: date | None = None
    promise_until: date | None = None
    excluded: bool = False


@dataclass(frozen=True)
class CurrencyTotal:
    """Chased invoices of one currency, less that currency's open credits (never converted)."""

    currency: str
    due: float
    credits: float
    balance: float


@dataclass(frozen=True)
class ReminderPlan:
    """Today's decision for one customer.

    ``level`` is the level the most overdue chased invoice has reached (also when skipped);
    ``invoices`` are the invoices the message lists, oldest due date first; ``skipped`` is one of
    the ``SKIP_*`` reasons or None when the message is to be sent; ``escalate`` says the last level
    was already sent (and the grace period is over): the AR responsible must act. It is a state,
    not an event: create the activity when the customer's status becomes ``escalated``.
    """

    partner_id: int
    level: Level | None
    invoices: tuple[OpenItem, ...]
    totals: tuple[CurrencyTotal, ...]
    skipped: str | None
    escalate: bool
    next_action_date: date | None
    as_of: date

    @property
    def send(self) -> bool:
        return self.skipped is None

    def days_overdue(self, item: OpenItem) -> int:
        """Days past the due date on ``as_of`` (negative: days before it)."""
        return (self.as_of - item.due_date).days


class PaymentRecord(NamedTuple):
    """One payment received on an invoice; ``settled`` is False when it left a balance."""

    due_date: date
    paid_date: date
    amount: float
    settled: bool = True


@dataclass(frozen=True)
class PaymentBehaviour:
    payments: int
    average_days_late: int  # amount-weighted; a payment before the due date counts as 0
    earlier_days_late: int | None  # older half of the payments (None below the trend minimum)
    recent_days_late: int | None  # newer half
    worsening: bool
    late_payments: int
    partial_payments: int


class SentReminder(NamedTuple):
    sent_on: date
    level_name: str


class PaymentPromise(NamedTuple):
    made_on: date
    until: date
    kept: bool | None = None  # None: not yet due


# ---------------------------------------------------------------------------
# Levels
# ---------------------------------------------------------------------------
def _ladder(levels: Iterable[Level]) -> tuple[Level, ...]:
    return tuple(
        sorted(levels, key=lambda lvl: (lvl.sequence, lvl.days, -1 if lvl.id is None else lvl.id))
    )


def level_problems(levels: Iterable[Level], w=None) -> list[str]:
    """Why a company's levels cannot be used as a ladder (for the model's constraint); ``w``
    (a ``templates.Wording``) speaks the user's language."""
    w = w or ENGLISH
    problems = []
    ladder = _ladder(levels)
    for lower, upper in zip(ladder, ladder[1:], strict=False):
        if upper.days <= lower.days:
            problems.append(
                w._(
                    "Level '%(level)s' comes after '%(previous)s' in the sequence, so it must "
                    "start later than %(previous_days)s day(s) from the due date (it starts at "
                    "%(days)s).",
                    level=upper.name,
                    previous=lower.name,
                    previous_days=lower.days,
                    days=upper.days,
                )
            )
    for level in ladder:
        if level.action not in ACTIONS:
            problems.append(
                w._(
                    "Level '%(level)s' has an unknown action '%(action)s'.",
                    level=level.name,
                    action=level.action,
                )
            )
        if level.tone not in TONES:
            problems.append(
                w._(
                    "Level '%(level)s' has an unknown tone '%(tone)s'.",
                    level=level.name,
                    tone=level.tone,
                )
            )
    return problems


def _rank_for(ladder: tuple[Level, ...], days_overdue: int) -> int | None:
    """Index of the highest level whose start is on or before ``days_overdue``."""
    rank = None
    for index, level in enumerate(ladder):
        if level.days <= days_overdue:
            rank = index
    return rank


def _last_rank(state: CustomerState, ladder: tuple[Level, ...], index_by_id: dict) -> int:
    """The ladder position of the last level sent: by id, else by its stored sequence; -1: none."""
    if state.last_level_id is not None and state.last_level_id in index_by_id:
        return index_by_id[state.last_level_id]
    if state.last_level_sequence is None:
        return -1
    rank = -1
    for index, level in enumerate(ladder):
        if level.sequence <= state.last_level_sequence:
            rank = index
    return rank


def _listing_threshold(level: Level) -> int:
    """An overdue level lists every overdue invoice; a pre-due level also those due soon."""
    return min(level.days, 1)


# ---------------------------------------------------------------------------
# Planning
# ---------------------------------------------------------------------------
def _sum(amounts: Iterable[float]) -> float:
    return round(math.fsum(amounts), 6)


def _minimum_check(
    min_amount: Mapping[str, float] | float, convert: Callable[[float, str], float] | None
) -> Callable[[float, str], bool]:
    if isinstance(min_amount, Mapping):
        return lambda balance, currency: balance >= min_amount.get(currency, 0.0)
    if convert is None:
        if min_amount:
            raise ValueError(
                "A minimum in company currency needs a converter; pass a per-currency mapping "
                "otherwise."
            )
        return lambda balance, currency: True
    return lambda balance, currency: round(convert(balance, currency), 6) >= min_amount


def _totals(listed: list[OpenItem], credits: Mapping[str, float]) -> tuple[CurrencyTotal, ...]:
    due = defaultdict(list)
    for item in listed:
        due[item.currency].append(item.amount_residual)
    totals = []
    for currency in sorted(due):
        amount, credit = _sum(due[currency]), credits.get(currency, 0.0)
        totals.append(CurrencyTotal(currency, amount, credit, round(amount - credit, 6)))
    return tuple(totals)


def _select(candidates, credits, ladder, today, passes):
    """Invoices to chase, their totals and level, dropping currencies with nothing (enough) owed.

    ``candidates`` are sorted oldest due date first, so the listed invoices are a prefix of the
    pool. Dropping a currency can lower the level; the currencies kept keep passing (their lists
    and balances only grow), so a pass can only drop more when the listing threshold went down,
    which happens at most once per pre-due level: passes are bounded by the levels, not by the
    currencies, and the whole stays linear in the partner's items.
    """
    pool, failed = candidates, {}
    while True:
        rank = _rank_for(ladder, (today - pool[0].due_date).days)
        threshold = _listing_threshold(ladder[rank])
        listed = [item for item in pool if (today - item.due_date).days >= threshold]
        totals = _totals(listed, credits)
        failing = {
            t.currency: t.balance
            for t in totals
            if t.balance <= 0 or not passes(t.balance, t.currency)
        }
        if not failing:
            return pool, listed, totals, rank, failed
        failed.update(failing)
        pool = [item for item in pool if item.currency not in failing]
        if not pool:
            return pool, listed, totals, rank, failed


def _classify(items, first_days, today):
    """Invoices to chase, held back (in payment, blocked) and not yet due; credits per currency."""
    candidates, held, upcoming = [], [], []
    credit_amounts = defaultdict(list)
    for item in items:
        if item.kind != "invoice":
            if not (item.in_payment or item.blocked):
                credit_amounts[item.currency].append(abs(item.amount_residual))
            continue
        if item.amount_residual <= 0 or item.due_date is None or first_days is None:
            continue
        reached = (today - item.due_date).days >= first_days
        if item.in_payment or item.blocked:
            if reached:
                held.append(item)
        elif reached:
            candidates.append(item)
        else:
            upcoming.append(item)
    candidates.sort(key=lambda item: (item.due_date, item.name, item.id))
    credits = {currency: _sum(amounts) for currency, amounts in credit_amounts.items()}
    return candidates, held, upcoming, credits


def _skip_reason(state, today, candidates, held, pool, failed, already_sent) -> str | None:
    if state.excluded:
        return SKIP_EXCLUDED
    if state.promise_until is not None and state.promise_until >= today:
        return SKIP_PROMISE
    if not candidates:
        if not held:
            return SKIP_NOTHING_DUE
        return SKIP_IN_PAYMENT if all(item.in_payment for item in held) else SKIP_BLOCKED
    if not pool:
        return SKIP_CREDITED if all(b <= 0 for b in failed.values()) else SKIP_BELOW_MINIMUM
    return SKIP_ALREADY_SENT if already_sent else None


def _plan_partner(partner_id, items, state, ladder, index_by_id, today, passes, delay):
    first_days = min(level.days for level in ladder) if ladder else None
    candidates, held, upcoming, credits = _classify(items, first_days, today)
    pool, listed, totals, rank, failed = [], [], (), None, {}
    if candidates:
        pool, listed, totals, rank, failed = _select(candidates, credits, ladder, today, passes)
    last_rank = _last_rank(state, ladder, index_by_id)
    already_sent = bool(pool) and last_rank >= rank and _covered(state, ladder[last_rank], pool[0])
    skipped = _skip_reason(state, today, candidates, held, pool, failed, already_sent)

    escalate, next_date = False, None
    if skipped == SKIP_PROMISE:
        next_date = state.promise_until + timedelta(days=1)
    elif skipped in (SKIP_NOTHING_DUE, SKIP_IN_PAYMENT, SKIP_BLOCKED) and upcoming:
        next_date = min(item.due_date for item in upcoming) + timedelta(days=first_days)
    elif skipped in (None, SKIP_ALREADY_SENT):
        base = last_rank if already_sent else rank
        if base + 1 < len(ladder):
            next_date = pool[0].due_date + timedelta(days=ladder[base + 1].days)
        else:
            # Unknown sending date: escalate now rather than postpone it day after day.
            sent_on = state.last_sent_date if already_sent else today
            next_date = sent_on + timedelta(days=delay) if sent_on else today
            escalate = already_sent and next_date <= today

    return ReminderPlan(
        partner_id=partner_id,
        level=ladder[rank] if rank is not None else None,
        invoices=tuple(listed),
        totals=totals,
        skipped=skipped,
        escalate=escalate,
        next_action_date=next_date,
        as_of=today,
    )


def _covered(state: CustomerState, last_level: Level, driver: OpenItem) -> bool:
    """Whether the last reminder already chased the invoice that drives today's level.

    If it was not yet listed then (a new invoice after older ones were paid), a new cycle starts
    and a level already sent for the older invoices may be sent again for it.
    """
    if state.last_sent_date is None:
        return True
    days_then = (state.last_sent_date - driver.due_date).days
    return days_then >= _listing_threshold(last_level)


def plan_reminders(
    items: Iterable[OpenItem],
    customers: Iterable[CustomerState] | Mapping[int, CustomerState],
    levels: Iterable[Level],
    today: date,
    min_amount: Mapping[str, float] | float = 0.0,
    convert: Callable[[float, str], float] | None = None,
    escalation_delay_days: int = 0,
) -> list[ReminderPlan]:
    """One plan per partner having items or a state, by partner id; linear in the items.

    The level is the highest whose ``days`` is on or before the days overdue of the most overdue
    chased invoice. Credits (open credit notes, unapplied payments) are netted per currency; a
    currency whose balance is not positive or below its minimum is not chased. ``min_amount`` is
    per currency, or one amount in company currency with ``convert(amount, currency)``.
    The last level is escalated ``escalation_delay_days`` after it was sent.
    """
    ladder = _ladder(levels)
    index_by_id = {level.id: index for index, level in enumerate(ladder) if level.id is not None}
    passes = _minimum_check(min_amount, convert)
    if isinstance(customers, Mapping):
        customers = customers.values()
    states = {state.partner_id: state for state in customers}
    by_partner: dict[int, list[OpenItem]] = defaultdict(list)
    for item in items:
        by_partner[item.partner_id].append(item)
    return [
        _plan_partner(
            partner_id,
            by_partner.get(partner_id, ()),
            states.get(partner_id) or CustomerState(partner_id),
            ladder,
            index_by_id,
            today,
            passes,
            escalation_delay_days,
        )
        for partner_id in sorted(by_partner.keys() | states.keys())
    ]


def followup_status(
    state: CustomerState, plan: ReminderPlan | None, today: date
) -> tuple[FollowupStatus, date | None]:
    """The customer's follow-up status and next action date once ``plan`` is carried out."""
    if state.excluded:
        return "excluded", None
    if state.promise_until is not None and state.promise_until >= today:
        return "promise", state.promise_until + timedelta(days=1)
    if plan is None:
        return "none", None
    if plan.escalate:
        return "escalated", plan.next_action_date
    if plan.skipped in (None, SKIP_ALREADY_SENT):
        return "reminded", plan.next_action_date
    return "none", plan.next_action_date


# ---------------------------------------------------------------------------
# Payment behaviour and the AR clerk's risk note
# ---------------------------------------------------------------------------
def _weighted_days_late(records: list[PaymentRecord]) -> int:
    lates = [max((r.paid_date - r.due_date).days, 0) for r in records]
    weights = [abs(r.amount) for r in records]
    total = math.fsum(weights)
    if not total:
        value = math.fsum(lates) / len(lates)
    else:
        value = math.fsum(late * w for late, w in zip(lates, weights, strict=True)) / total
    return math.floor(value + 0.5)


def payment_behaviour(
    history: Iterable[tuple], min_for_trend: int = 4, worsening_days: int = 7
) -> PaymentBehaviour:
    """Facts about how a customer paid: ``history`` rows are (due_date, paid_date, amount[,
    settled]), one per payment received. The trend compares the older and newer half by
    payment date; it worsens when the newer half is ``worsening_days`` later or more.
    """
    records = sorted(
        (PaymentRecord(*row) for row in history),
        key=lambda r: (r.paid_date, r.due_date, r.amount),
    )
    if not records:
        return PaymentBehaviour(0, 0, None, None, False, 0, 0)
    earlier = recent = None
    if len(records) >= min_for_trend:
        half = len(records) // 2
        earlier = _weighted_days_late(records[:half])
        recent = _weighted_days_late(records[half:])
    return PaymentBehaviour(
        payments=len(records),
        average_days_late=_weighted_days_late(records),
        earlier_days_late=earlier,
        recent_days_late=recent,
        worsening=earlier is not None and recent - earlier >= worsening_days,
        late_payments=sum(1 for r in records if r.paid_date > r.due_date),
        partial_payments=sum(1 for r in records if not r.settled),
    )


def risk_note(
    facts: PaymentBehaviour, late_days: int = 30, partial_payments: int = 2, w=None
) -> str | None:
    """A sentence for the AR clerk's log when the customer's payments call for attention
    (``w``, a ``templates.Wording``, speaks the clerk's language)."""
    w = w or ENGLISH
    notes = []
    if facts.worsening:
        notes.append(
            w._(
                "Payment delay is worsening: %(earlier)s day(s) late on average on earlier "
                "payments, %(recent)s on the latest ones.",
                earlier=facts.earlier_days_late,
                recent=facts.recent_days_late,
            )
        )
    if facts.average_days_late >= late_days:
        notes.append(
            w._(
                "Pays %(days)s day(s) late on average over %(count)s payment(s).",
                days=facts.average_days_late,
                count=facts.payments,
            )
        )
    if partial_payments and facts.partial_payments >= partial_payments:
        notes.append(
            w._(
                "%(count)s partial payment(s) left a balance open.",
                count=facts.partial_payments,
            )
        )
    return " ".join(notes) or None


# ---------------------------------------------------------------------------
# Facts for the message (LLM or template)
# ---------------------------------------------------------------------------
def amounts_to_format(plan: ReminderPlan) -> dict[str, tuple[float, str]]:
    """Every amount the message may show, by key: the caller formats them (Odoo's formatLang)
    and passes ``{key: text}`` to ``reminder_facts``."""
    amounts = {
        f"invoice:{item.id}": (item.amount_residual, item.currency) for item in plan.invoices
    }
    for total in plan.totals:
        amounts[f"due:{total.currency}"] = (total.due, total.currency)
        if total.credits:
            amounts[f"credits:{total.currency}"] = (total.credits, total.currency)
        amounts[f"balance:{total.currency}"] = (total.balance, total.currency)
    return amounts


def _formatted(formatted_amounts: Mapping[str, str], key: str) -> str:
    try:
        return formatted_amounts[key]
    except KeyError:
        raise ValueError(f"No formatted amount for '{key}' (see amounts_to_format).") from None


def _iso(value: date) -> str:
    return value.isoformat()


def _invoice_fact(plan: ReminderPlan, item: OpenItem, formatted_amounts, format_date=_iso) -> dict:
    fact = {"name": item.name, "due_date": format_date(item.due_date)}
    days = plan.days_overdue(item)
    if days > 0:
        fact["days_overdue"] = days
    else:
        fact["days_until_due"] = -days
    fact["amount_due"] = _formatted(formatted_amounts, f"invoice:{item.id}")
    return fact


def _total_fact(total: CurrencyTotal, formatted_amounts) -> dict:
    fact = {
        "currency": total.currency,
        "amount_due": _formatted(formatted_amounts, f"due:{total.currency}"),
    }
    if total.credits:
        fact["credits"] = _formatted(formatted_amounts, f"credits:{total.currency}")
    fact["balance"] = _formatted(formatted_amounts, f"balance:{total.currency}")
    return fact


def reminder_facts(
    plan: ReminderPlan,
    behaviour: PaymentBehaviour | None,
    previous_reminders: Iterable[tuple],
    promises: Iterable[tuple],
    formatted_amounts: Mapping[str, str],
    partner_name: str = "",
    recent: int = 3,
    format_date: Callable[[date], str] = _iso,
) -> dict:
    """The only facts the message (LLM or template) may use.

    Amounts appear only as the caller's formatted strings, dates as ``format_date`` writes them
    (Odoo's ``format_date`` in the customer's language; ISO by default); the other numbers are
    day counts and
    counts of events. No ids, no raw amounts, no payment URL (only ``PAYMENT_LINK_PLACEHOLDER``).
    ``previous_reminders`` rows are (sent_on, level_name), ``promises`` (made_on, until, kept).
    """
    if plan.level is None or not plan.invoices:
        raise ValueError(f"Partner {plan.partner_id} has nothing to remind.")
    reminders = sorted(SentReminder(*row) for row in previous_reminders)
    promise_rows = sorted(PaymentPromise(*row) for row in promises)
    facts = {
        "partner_name": partner_name,
        "level": plan.level.name,
        "tone": plan.level.tone,
        "before_due": all(plan.days_overdue(item) <= 0 for item in plan.invoices),
        "invoices": [
            _invoice_fact(plan, item, formatted_amounts, format_date) for item in plan.invoices
        ],
        "totals": [_total_fact(total, formatted_amounts) for total in plan.totals],
        "payment_link": PAYMENT_LINK_PLACEHOLDER,
        "previous_reminder_count": len(reminders),
        "previous_reminders": [
            {"date": format_date(r.sent_on), "level": r.level_name} for r in reminders[-recent:]
        ],
        "broken_promises": sum(1 for p in promise_rows if p.kept is False),
        "promises": [
            {"made_on": format_date(p.made_on), "until": format_date(p.until), "kept": p.kept}
            for p in promise_rows[-recent:]
        ],
    }
    if behaviour is not None and behaviour.payments:
        facts["payment_history"] = {
            "payments": behaviour.payments,
            "average_days_late": behaviour.average_days_late,
            "late_payments": behaviour.late_payments,
            "partial_payments": behaviour.partial_payments,
            "delay_worsening": behaviour.worsening,
        }
    return facts


def allowed_amounts(facts: Mapping) -> set[str]:
    """The formatted amounts in ``facts``: the only figures a generated message may quote."""
    allowed = {inv["amount_due"] for inv in facts.get("invoices", ())}
    for total in facts.get("totals", ()):
        allowed |= {total[key] for key in ("amount_due", "credits", "balance") if key in total}
    return allowed


def insert_payment_link(body: str, url: str) -> str:
    """Put the real payment link in place of the placeholder, or append it if it went missing."""
    if PAYMENT_LINK_PLACEHOLDER in body:
        return body.replace(PAYMENT_LINK_PLACEHOLDER, url)
    return f"{body.rstrip()}\n\n{url}"
