"""Dunning planning: levels, netting, skips, never twice, escalation, facts, scale."""

import random
import time
from dataclasses import replace
from datetime import date, timedelta

import pytest

from ai_invoicing.services.dunning import (
    DEFAULT_LEVELS,
    PAYMENT_LINK_PLACEHOLDER,
    SKIP_ALREADY_SENT,
    SKIP_BELOW_MINIMUM,
    SKIP_BLOCKED,
    SKIP_CREDITED,
    SKIP_EXCLUDED,
    SKIP_IN_PAYMENT,
    SKIP_NOTHING_DUE,
    SKIP_PROMISE,
    CurrencyTotal,
    CustomerState,
    OpenItem,
    allowed_amounts,
    amounts_to_format,
    followup_status,
    insert_payment_link,
    level_problems,
    payment_behaviour,
    plan_reminders,
    reminder_facts,
    risk_note,
)
from ai_invoicing.services.guardrails import find_amounts
from ai_invoicing.services.templates import fallback_dunning_body

TODAY = date(2026, 3, 2)
LEVELS = [replace(level, id=index) for index, level in enumerate(DEFAULT_LEVELS, start=1)]
COURTEOUS, FIRST, SECOND, FINAL = LEVELS


def inv(id, days_overdue, amount=100.0, partner=7, currency="EUR", **kw):
    due = TODAY - timedelta(days=days_overdue)
    return OpenItem(id, f"INV/2026/{id:05d}", partner, currency, amount, due, **kw)


def credit(id, amount, partner=7, currency="EUR", kind="credit_note", **kw):
    return OpenItem(id, f"RINV/2026/{id:05d}", partner, currency, amount, None, kind=kind, **kw)


def plan_one(items, state=None, today=TODAY, **kw):
    states = [state] if state else []
    plans = plan_reminders(items, states, LEVELS, today, **kw)
    assert len(plans) == 1
    return plans[0]


def after_sending(state, plan):
    """What the caller stores on the customer with the message (same transaction)."""
    return replace(
        state,
        last_level_id=plan.level.id,
        last_level_sequence=plan.level.sequence,
        last_sent_date=plan.as_of,
    )


def fmt(plan):
    return {key: f"{amount:,.2f} {cur}" for key, (amount, cur) in amounts_to_format(plan).items()}


# -- levels --------------------------------------------------------------------
@pytest.mark.parametrize(
    "days,level",
    [
        (-3, COURTEOUS),
        (0, COURTEOUS),
        (6, COURTEOUS),
        (7, FIRST),
        (20, FIRST),
        (21, SECOND),
        (44, SECOND),
        (45, FINAL),
        (400, FINAL),
    ],
)
def test_level_is_the_highest_reached_by_the_most_overdue_invoice(days, level):
    plan = plan_one([inv(1, days), inv(2, 1)])
    assert plan.level == level and plan.send


def test_day_six_is_not_yet_the_first_reminder_day_seven_is():
    assert plan_one([inv(1, 6)]).level == COURTEOUS
    assert plan_one([inv(1, 7)]).level == FIRST


def test_before_due_reminder():
    plan = plan_one([inv(1, -3), inv(2, -4)])
    assert plan.level == COURTEOUS and plan.send
    assert [i.id for i in plan.invoices] == [1]  # the other one is not within 3 days yet
    assert plan.next_action_date == TODAY + timedelta(days=3 + 7)  # first reminder of invoice 1
    facts = reminder_facts(plan, None, [], [], fmt(plan))
    assert facts["before_due"] is True
    assert facts["invoices"][0]["days_until_due"] == 3
    subject, _body = fallback_dunning_body(facts, facts["tone"])
    assert subject == "Friendly reminder: invoice INV/2026/00001 falls due soon"


def test_too_early_for_any_level():
    plan = plan_one([inv(1, -4)])
    assert plan.skipped == SKIP_NOTHING_DUE and plan.level is None and plan.invoices == ()
    assert plan.next_action_date == TODAY + timedelta(days=1)  # then 3 days before its due date


def test_overdue_level_lists_overdue_invoices_only_pre_due_level_also_soon_due():
    overdue = plan_one([inv(1, 10), inv(2, 1), inv(3, 0), inv(4, -2)])
    assert overdue.level == FIRST and [i.id for i in overdue.invoices] == [1, 2]
    soon = plan_one([inv(2, 1), inv(3, 0), inv(4, -2), inv(5, -4)])
    assert soon.level == COURTEOUS and [i.id for i in soon.invoices] == [2, 3, 4]


def test_default_levels_and_ladder_checks():
    assert [(lv.days, lv.action, lv.tone, lv.needs_approval) for lv in DEFAULT_LEVELS] == [
        (-3, "email", "courteous", False),
        (7, "email", "friendly", False),
        (21, "email_call", "firm", False),
        (45, "final_notice", "final", True),
    ]
    assert level_problems(DEFAULT_LEVELS) == []
    shuffled = [replace(FIRST, days=50), SECOND, COURTEOUS, replace(FINAL, tone="angry")]
    problems = level_problems(shuffled)
    assert len(problems) == 2
    assert "'Second reminder' comes after 'First reminder'" in problems[0]
    assert "unknown tone 'angry'" in problems[1]


def test_levels_are_ordered_by_sequence_not_by_input_order():
    plan = plan_reminders([inv(1, 30)], [], list(reversed(LEVELS)), TODAY)[0]
    assert plan.level == SECOND


# -- netting -------------------------------------------------------------------
def test_partial_payments_credit_notes_and_unapplied_payments_are_netted():
    items = [
        inv(1, 10, 60.0),  # 100 invoiced, 40 paid: Odoo's residual is 60
        inv(2, 8, 250.0),
        credit(3, 25.0),
        credit(4, 10.0, kind="payment"),
        credit(5, 99.0, in_payment=True),  # being refunded: not available
        credit(6, 77.0, blocked=True),  # disputed: not netted
    ]
    plan = plan_one(items)
    assert plan.send and [i.id for i in plan.invoices] == [1, 2]
    assert plan.totals == (CurrencyTotal("EUR", 310.0, 35.0, 275.0),)


def test_amounts_do_not_drift_with_floats():
    plan = plan_one([inv(1, 10, 0.1), inv(2, 10, 0.2), credit(3, 0.3)])
    assert plan.skipped == SKIP_CREDITED
    assert plan.totals == (CurrencyTotal("EUR", 0.3, 0.3, 0.0),)


def test_two_currencies_listed_separately_never_summed():
    items = [
        inv(1, 30, 100.0),
        inv(2, 10, 200.0, currency="USD"),
        inv(3, 8, 50.0),
        credit(4, 30.0),
        credit(5, 5.0, currency="CHF"),  # no CHF invoice: nothing to net it against
    ]
    plan = plan_one(items)
    assert plan.level == SECOND
    assert [i.id for i in plan.invoices] == [1, 2, 3]
    assert plan.totals == (
        CurrencyTotal("EUR", 150.0, 30.0, 120.0),
        CurrencyTotal("USD", 200.0, 0.0, 200.0),
    )
    _subject, body = fallback_dunning_body(reminder_facts(plan, None, [], [], fmt(plan)), "firm")
    assert "Balance to pay in EUR: 120.00 EUR" in body
    assert "Total due in USD: 200.00 USD" in body


def test_currency_settled_by_credits_is_dropped_and_level_follows_the_rest():
    items = [inv(1, 30, 100.0), credit(2, 100.0), inv(3, 8, 70.0, currency="USD")]
    plan = plan_one(items)
    assert plan.send and plan.level == FIRST  # EUR is settled; USD drives the level
    assert [i.id for i in plan.invoices] == [3]
    assert [t.currency for t in plan.totals] == ["USD"]


def test_all_credited_is_skipped():
    plan = plan_one([inv(1, 30, 100.0), credit(2, 120.0)])
    assert plan.skipped == SKIP_CREDITED and not plan.send
    assert plan.totals == (CurrencyTotal("EUR", 100.0, 120.0, -20.0),)
    assert followup_status(CustomerState(7), plan, TODAY) == ("none", None)


# -- what is not chased ----------------------------------------------------------
def test_blocked_invoice_is_not_chased_and_does_not_set_the_level():
    plan = plan_one([inv(1, 50, blocked=True), inv(2, 8)])
    assert plan.send and plan.level == FIRST and [i.id for i in plan.invoices] == [2]
    assert plan_one([inv(1, 50, blocked=True)]).skipped == SKIP_BLOCKED


def test_invoice_in_payment_is_not_chased():
    plan = plan_one([inv(1, 50, in_payment=True), inv(2, 22)])
    assert plan.level == SECOND and [i.id for i in plan.invoices] == [2]
    assert plan_one([inv(1, 50, in_payment=True)]).skipped == SKIP_IN_PAYMENT
    mixed = plan_one([inv(1, 50, in_payment=True), inv(2, 9, blocked=True)])
    assert mixed.skipped == SKIP_BLOCKED


def test_held_invoices_report_the_next_action_of_the_others():
    plan = plan_one([inv(1, 50, in_payment=True), inv(2, -10)])
    assert plan.skipped == SKIP_IN_PAYMENT
    assert plan.next_action_date == TODAY + timedelta(days=7)


def test_promise_to_pay_active_until_its_date_then_expired():
    items = [inv(1, 30)]
    active = plan_one(items, CustomerState(7, promise_until=TODAY))
    assert active.skipped == SKIP_PROMISE and active.level == SECOND
    assert active.next_action_date == TODAY + timedelta(days=1)
    state = CustomerState(7, promise_until=TODAY)
    assert followup_status(state, active, TODAY) == ("promise", TODAY + timedelta(days=1))
    expired = plan_one(items, CustomerState(7, promise_until=TODAY - timedelta(days=1)))
    assert expired.send and expired.level == SECOND


def test_below_minimum_per_currency():
    items = [inv(1, 10, 40.0), inv(2, 10, 80.0, currency="USD")]
    plan = plan_one(items, min_amount={"EUR": 50.0, "USD": 100.0})
    assert plan.skipped == SKIP_BELOW_MINIMUM
    exactly = plan_one([inv(1, 10, 50.0)], min_amount={"EUR": 50.0})
    assert exactly.send
    one_kept = plan_one(items, min_amount={"EUR": 50.0, "USD": 60.0})
    assert one_kept.send and [t.currency for t in one_kept.totals] == ["USD"]


def test_below_minimum_after_netting():
    plan = plan_one([inv(1, 10, 60.0), credit(2, 20.0)], min_amount={"EUR": 50.0})
    assert plan.skipped == SKIP_BELOW_MINIMUM


def test_minimum_in_company_currency_through_a_converter():
    rates = {"EUR": 1.0, "USD": 0.9}
    calls = []

    def to_eur(amount, currency):
        calls.append(currency)
        return amount * rates[currency]

    items = [inv(1, 10, 60.0, currency="USD")]  # 54 EUR
    assert plan_one(items, min_amount=50.0, convert=to_eur).send
    assert plan_one(items, min_amount=55.0, convert=to_eur).skipped == SKIP_BELOW_MINIMUM
    assert set(calls) == {"USD"}
    with pytest.raises(ValueError, match="converter"):
        plan_reminders(items, [], LEVELS, TODAY, min_amount=50.0)


def test_excluded_customer():
    state = CustomerState(7, excluded=True)
    plan = plan_one([inv(1, 100)], state)
    assert plan.skipped == SKIP_EXCLUDED and plan.next_action_date is None
    assert followup_status(state, plan, TODAY) == ("excluded", None)


# -- never twice -----------------------------------------------------------------
def test_rerun_sends_nothing_twice_and_a_higher_level_is_sent():
    items = [inv(1, 7), inv(2, 3)]
    first = plan_one(items)
    assert first.send and first.level == FIRST
    state = after_sending(CustomerState(7), first)
    rerun = plan_one(items, state)
    assert rerun.skipped == SKIP_ALREADY_SENT and not rerun.escalate
    assert followup_status(state, rerun, TODAY) == ("reminded", TODAY + timedelta(days=14))
    later = TODAY + timedelta(days=13)
    assert plan_one(items, state, today=later).skipped == SKIP_ALREADY_SENT
    higher = plan_one(items, state, today=later + timedelta(days=1))
    assert higher.send and higher.level == SECOND


def test_interrupted_run_restarted_sends_each_customer_once():
    items = [inv(i, 10 + i % 40, partner=100 + i % 50) for i in range(500)]
    states = {}
    sent = []

    def run(limit=None):
        for plan in plan_reminders(items, states, LEVELS, TODAY)[:limit]:
            if plan.send:
                sent.append(plan.partner_id)
                state = states.get(plan.partner_id) or CustomerState(plan.partner_id)
                states[plan.partner_id] = after_sending(state, plan)

    run(limit=20)  # the worker dies after 20 customers
    run()
    run()
    assert sorted(sent) == list(range(100, 150))


def test_each_level_once_over_a_whole_cycle_then_escalation():
    items = [inv(1, -5, 300.0)]
    state = CustomerState(7)
    sent, statuses = [], []
    for offset in range(80):
        today = TODAY + timedelta(days=offset)
        plan = plan_one(items, state, today=today)
        if plan.send:
            sent.append(((today - items[0].due_date).days, plan.level.name))
            state = after_sending(state, plan)
        statuses.append(followup_status(state, plan, today)[0])
    assert sent == [
        (-3, "Courteous reminder"),
        (7, "First reminder"),
        (21, "Second reminder"),
        (45, "Final notice"),
    ]
    # nothing due 5 and 4 days before the due date; escalated the day after the final notice
    assert statuses == ["none"] * 2 + ["reminded"] * 49 + ["escalated"] * 29


def test_escalation_after_the_last_level():
    items = [inv(1, 50)]
    final = plan_one(items)
    assert final.send and final.level == FINAL and not final.escalate
    assert final.next_action_date == TODAY
    state = after_sending(CustomerState(7), final)
    tomorrow = TODAY + timedelta(days=1)
    plan = plan_one(items, state, today=tomorrow)
    assert plan.skipped == SKIP_ALREADY_SENT and plan.escalate
    assert followup_status(state, plan, tomorrow) == ("escalated", TODAY)


def test_escalation_waits_for_the_grace_period():
    items = [inv(1, 50)]
    state = CustomerState(7, FINAL.id, FINAL.sequence, TODAY)
    waiting = plan_one(items, state, today=TODAY + timedelta(days=13), escalation_delay_days=14)
    assert not waiting.escalate and waiting.next_action_date == TODAY + timedelta(days=14)
    due = plan_one(items, state, today=TODAY + timedelta(days=14), escalation_delay_days=14)
    assert due.escalate and due.skipped == SKIP_ALREADY_SENT


def test_new_invoice_after_the_old_ones_were_paid_starts_a_new_cycle():
    state = CustomerState(7, FIRST.id, FIRST.sequence, TODAY - timedelta(days=30))
    # Listed in that reminder (already overdue then): not sent again at the same level.
    assert plan_one([inv(2, 32)], state).level == SECOND
    assert plan_one([inv(2, 31)], state).send  # moved up, sent
    covered = plan_one(
        [inv(2, 40)], replace(state, last_level_id=SECOND.id, last_level_sequence=30)
    )
    assert covered.skipped == SKIP_ALREADY_SENT
    # Issued after that reminder: its own first reminder, though FIRST was the last level sent.
    fresh = plan_one([inv(3, 8)], state)
    assert fresh.send and fresh.level == FIRST


def test_deleted_level_is_located_by_its_stored_sequence():
    state = CustomerState(7, last_level_id=999, last_level_sequence=25, last_sent_date=TODAY)
    assert plan_one([inv(1, 10)], state).skipped == SKIP_ALREADY_SENT
    assert plan_one([inv(1, 21)], state).send


def test_customer_with_state_but_no_items_is_reported():
    plans = plan_reminders([inv(1, 10, partner=8)], [CustomerState(9, FIRST.id)], LEVELS, TODAY)
    assert [(p.partner_id, p.skipped) for p in plans] == [(8, None), (9, SKIP_NOTHING_DUE)]
    assert followup_status(CustomerState(9, FIRST.id), plans[1], TODAY) == ("none", None)


# -- determinism and scale --------------------------------------------------------
def _portfolio(customers=2000, invoices=10000, seed=12):
    rng = random.Random(seed)
    items = []
    for index in range(invoices):
        partner = index % customers
        currency = "USD" if partner % 7 == 0 and rng.random() < 0.5 else "EUR"
        flags = {"in_payment": rng.random() < 0.05, "blocked": rng.random() < 0.02}
        items.append(
            inv(index, rng.randint(-20, 90), rng.uniform(10, 5000), partner, currency, **flags)
        )
    for index in range(invoices, invoices + customers // 2):
        items.append(credit(index, rng.uniform(1, 500), partner=rng.randrange(customers)))
    states = [
        CustomerState(p, FIRST.id, FIRST.sequence, TODAY - timedelta(days=5))
        for p in range(0, customers, 3)
    ]
    return items, states


def test_scale_ten_thousand_invoices_two_thousand_customers():
    items, states = _portfolio()
    start = time.perf_counter()
    plans = plan_reminders(items, states, LEVELS, TODAY, min_amount={"EUR": 20.0, "USD": 20.0})
    elapsed = time.perf_counter() - start
    assert len(plans) == 2000
    assert sum(p.send for p in plans) > 1000
    assert elapsed < 0.5, elapsed


def test_scale_one_customer_with_ten_thousand_invoices():
    rng = random.Random(3)
    items = [
        inv(i, rng.randint(-30, 60), 10.0, currency=("EUR", "USD", "GBP")[i % 3])
        for i in range(10000)
    ]
    items += [credit(20000, 1e9, currency="GBP")]  # GBP dropped, then the level is re-derived
    start = time.perf_counter()
    plan = plan_one(items, min_amount={"USD": 1e9})  # USD dropped as well
    assert time.perf_counter() - start < 0.5
    assert plan.send and {t.currency for t in plan.totals} == {"EUR"}


def test_same_plans_whatever_the_order_and_the_batching():
    items, states = _portfolio(customers=300, invoices=1500, seed=5)
    whole = plan_reminders(items, states, LEVELS, TODAY)
    shuffled = items[:]
    random.Random(1).shuffle(shuffled)
    assert plan_reminders(shuffled, states[::-1], LEVELS, TODAY) == whole
    batched = []
    for low in range(0, 300, 100):
        batch = [i for i in items if low <= i.partner_id < low + 100]
        batch_states = [s for s in states if low <= s.partner_id < low + 100]
        batched += plan_reminders(batch, batch_states, LEVELS, TODAY)
    assert batched == whole
    assert [p.partner_id for p in whole] == sorted(p.partner_id for p in whole)


# -- payment behaviour and risk note ------------------------------------------------
def _paid(due_offset, days_late, amount=100.0, settled=True):
    due = TODAY - timedelta(days=due_offset)
    return (due, due + timedelta(days=days_late), amount, settled)


def test_payment_behaviour_weighted_and_early_counts_as_zero():
    facts = payment_behaviour([_paid(100, 10, 300.0), _paid(90, -5, 100.0), _paid(80, 30, 100.0)])
    assert facts.payments == 3 and facts.late_payments == 2
    assert facts.average_days_late == 12  # (10*300 + 0 + 30*100) / 500
    assert facts.earlier_days_late is None and not facts.worsening  # too few for a trend


def test_worsening_delay_and_partial_payments_make_a_risk_note():
    history = [
        _paid(200, 2),
        _paid(170, 0),
        _paid(140, 5),
        _paid(110, 20, settled=False),
        _paid(80, 25, settled=False),
        _paid(50, 31),
    ]
    facts = payment_behaviour(history)
    assert (facts.earlier_days_late, facts.recent_days_late) == (2, 25)
    assert facts.worsening and facts.partial_payments == 2
    note = risk_note(facts)
    assert note.startswith("Payment delay is worsening: 2 day(s) late on average on earlier")
    assert "2 partial payment(s)" in note


def test_good_payer_has_no_risk_note():
    history = [_paid(200 - 30 * k, k % 3) for k in range(6)]
    facts = payment_behaviour(history)
    assert not facts.worsening and risk_note(facts) is None
    assert risk_note(payment_behaviour([])) is None
    slow = payment_behaviour([(TODAY - timedelta(days=60), TODAY, 50.0)])
    assert risk_note(slow) == "Pays 60 day(s) late on average over 1 payment(s)."


# -- facts, templates ------------------------------------------------------------------
def _numbers(value, path=""):
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _numbers(item, f"{path}.{key}")
    elif isinstance(value, list):
        for item in value:
            yield from _numbers(item, f"{path}[]")
    elif isinstance(value, int | float) and not isinstance(value, bool):
        yield path, value


def test_facts_hold_no_raw_amounts_and_no_ids():
    items = [inv(41, 30, 1234.5), inv(42, 9, 99.99, currency="USD"), credit(43, 34.5)]
    plan = plan_one(items)
    formatted = {
        "invoice:41": "1.234,50 €",
        "invoice:42": "$ 99.99",
        "due:EUR": "1.234,50 €",
        "credits:EUR": "34,50 €",
        "balance:EUR": "1.200,00 €",
        "due:USD": "$ 99.99",
        "balance:USD": "$ 99.99",
    }
    assert set(formatted) == set(amounts_to_format(plan))
    history = [_paid(100, 12, settled=False)]
    promises = [(TODAY - timedelta(days=40), TODAY - timedelta(days=33), False)]
    reminders = [(TODAY - timedelta(days=d), name) for d, name in ((9, "First"), (23, "Courteous"))]
    facts = reminder_facts(
        plan, payment_behaviour(history), reminders, promises, formatted, partner_name="Acme"
    )
    numbers = dict(_numbers(facts))
    assert all(isinstance(value, int) for value in numbers.values())  # days and counts only
    assert set(numbers) == {
        ".invoices[].days_overdue",
        ".previous_reminder_count",
        ".broken_promises",
        ".payment_history.payments",
        ".payment_history.average_days_late",
        ".payment_history.late_payments",
        ".payment_history.partial_payments",
    }
    text = repr(facts)
    assert "1234.5" not in text and "99.99," not in text and "'id'" not in text
    assert allowed_amounts(facts) == set(formatted.values())
    assert facts["previous_reminders"][-1] == {"date": "2026-02-21", "level": "First"}
    assert facts["broken_promises"] == 1 and facts["payment_link"] == PAYMENT_LINK_PLACEHOLDER
    with pytest.raises(ValueError, match="balance:USD"):
        reminder_facts(
            plan, None, [], [], {k: v for k, v in formatted.items() if k != "balance:USD"}
        )


def test_nothing_to_remind_has_no_facts():
    with pytest.raises(ValueError):
        reminder_facts(plan_one([inv(1, -10)]), None, [], [], {})


@pytest.mark.parametrize(
    "days,tone,subject,opening",
    [
        (-2, "courteous", "falls due soon", "will fall due shortly"),
        (3, "courteous", "Friendly reminder: invoice INV/2026/00001", "is due for payment"),
        (8, "friendly", "Payment reminder: invoice INV/2026/00001", "is now overdue"),
        (22, "firm", "Second reminder: invoice INV/2026/00001 is still unpaid", "Despite our"),
        (50, "final", "Final notice: invoice INV/2026/00001", "This is our final notice."),
    ],
)
def test_template_per_level(days, tone, subject, opening):
    plan = plan_one([inv(1, days, 1500.0)])
    assert plan.level.tone == tone
    facts = reminder_facts(plan, None, [(TODAY, "x")], [], fmt(plan), partner_name="Acme SA")
    got_subject, body = fallback_dunning_body(facts, tone)
    assert subject in got_subject
    assert body.startswith("Dear Acme SA,\n\n") and opening in body
    assert "- INV/2026/00001 (due " in body and "Total due: 1,500.00 EUR" in body
    assert f"You can pay online here: {PAYMENT_LINK_PLACEHOLDER}" in body
    assert body.endswith("Kind regards")


def test_template_uses_only_the_facts():
    plan = plan_one([inv(1, 30, 10.0), inv(2, 25, 20.0), credit(3, 5.0)])
    facts = reminder_facts(plan, None, [], [], fmt(plan))
    subject, body = fallback_dunning_body(facts, "firm")
    assert subject == "Second reminder: overdue invoices still unpaid"
    assert "Despite" not in body  # no previous reminder to refer to
    assert "Dear customer," in body
    assert "Less your credit notes and unapplied payments: 5.00 EUR" in body
    assert set(find_amounts(body)) <= allowed_amounts(facts)


def test_payment_link_is_put_in_after_generation():
    url = "https://example.com/my/invoices?access_token=abc"
    assert (
        insert_payment_link(f"Pay here: {PAYMENT_LINK_PLACEHOLDER}\n", url) == f"Pay here: {url}\n"
    )
    assert insert_payment_link("Thanks.\n", url) == f"Thanks.\n\n{url}"


def test_scale_many_currencies_dropped_at_once_stays_linear():
    currencies = [f"C{n:02d}" for n in range(100)]
    items = [inv(i, 10 + i % 30, 5.0, currency=currencies[i % 100]) for i in range(10000)]
    minimum = dict.fromkeys(currencies, 1e6) | {"C42": 1.0}
    start = time.perf_counter()
    plan = plan_one(items, min_amount=minimum)
    assert time.perf_counter() - start < 0.5
    assert [t.currency for t in plan.totals] == ["C42"] and len(plan.invoices) == 100
