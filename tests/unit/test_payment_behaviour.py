"""Payment behaviour: statistics, the terms policy, discount suggestion, credit order."""

from datetime import date, timedelta

from ai_invoicing.services.payment_behaviour import (
    Behaviour,
    Credit,
    CustomerFacts,
    SettledInvoice,
    Settlement,
    TermsRule,
    compute_behaviour,
    credits_to_apply,
    early_discount_suggestion,
    invoice_days_late,
    late_share,
    match_rule,
    percentile,
    terms_looser,
)

TODAY = date(2026, 6, 30)


def _invoice(ident, due, paid_after_due, amount=100.0, invoice_days_before_due=30):
    due_date = TODAY - timedelta(days=200) + timedelta(days=due)
    return SettledInvoice(
        invoice_id=ident,
        invoice_date=due_date - timedelta(days=invoice_days_before_due),
        due_date=due_date,
        amount=amount,
        settlements=(Settlement(due_date + timedelta(days=paid_after_due), amount),),
    )


def test_on_time_and_late():
    on_time = _invoice(1, 0, -3)
    late = _invoice(2, 1, 10)
    assert invoice_days_late(on_time) == 0
    assert invoice_days_late(late) == 10
    stats = compute_behaviour([on_time, late], TODAY)
    assert stats.invoices_paid == 2
    assert stats.average_days_late == 5.0
    assert stats.late_share == 50.0
    assert stats.days_late == (10, 0)  # newest first


def test_partial_payments_weighted_by_amount():
    due = date(2026, 3, 1)
    invoice = SettledInvoice(
        1,
        date(2026, 2, 1),
        due,
        1000.0,
        (
            Settlement(due, 900.0),  # 90 % on time
            Settlement(due + timedelta(days=40), 100.0),  # the rest 40 days late
        ),
    )
    assert invoice_days_late(invoice) == 4  # 0.9 x 0 + 0.1 x 40


def test_credit_notes_are_not_payments():
    due = date(2026, 3, 1)
    # half credited 60 days late, half paid on time: paid on time
    mixed = SettledInvoice(
        1,
        date(2026, 2, 1),
        due,
        200.0,
        (Settlement(due + timedelta(days=60), 100.0, False), Settlement(due, 100.0)),
    )
    assert invoice_days_late(mixed) == 0
    only_credited = SettledInvoice(
        2, date(2026, 2, 1), due, 100.0, (Settlement(due, 100.0, False),)
    )
    assert invoice_days_late(only_credited) is None
    stats = compute_behaviour([mixed, only_credited], TODAY)
    assert (stats.invoices_paid, stats.credited) == (1, 1)


def test_exchange_difference_has_no_weight():
    due = date(2026, 3, 1)
    invoice = SettledInvoice(
        1,
        date(2026, 2, 1),
        due,
        100.0,
        (Settlement(due + timedelta(days=3), 100.0), Settlement(due + timedelta(days=90), 0.0)),
    )
    assert invoice_days_late(invoice) == 3


def test_p90_and_trend():
    assert percentile([], 90) == 0
    assert percentile(list(range(1, 11)), 90) == 9
    # ten invoices: the five newest paid 20 days late, the five before on time
    invoices = [_invoice(i, i, 20 if i >= 5 else 0) for i in range(10)]
    stats = compute_behaviour(invoices, TODAY)
    assert stats.trend == "worsening"
    assert (stats.recent_days_late, stats.earlier_days_late) == (20.0, 0.0)
    assert stats.p90_days_late == 20
    improving = compute_behaviour([_invoice(i, i, 0 if i >= 5 else 20) for i in range(10)], TODAY)
    assert improving.trend == "improving"
    assert compute_behaviour(invoices[:6], TODAY).trend == "unknown"


def test_no_history():
    stats = compute_behaviour([], TODAY)
    assert stats == Behaviour()


def test_late_share_and_rules():
    assert late_share((20, 0, 16, 3), 10, 15) == (2, 4, 50.0)
    assert late_share((), 10, 15) == (0, 0, 0.0)
    new = TermsRule(1, "new_customer", max_days=0)
    slow = TermsRule(2, "late_share", max_days=30, last_n=10, late_days=15, min_share=30.0)
    rules = [new, slow]
    assert match_rule(rules, CustomerFacts(is_new=True)).rule == new
    facts = CustomerFacts(is_new=False, days_late=(20, 0, 16, 0, 0, 0, 0, 0, 0, 30, 40))
    found = match_rule(rules, facts)
    assert found.rule == slow
    assert (found.late_count, found.considered, found.share) == (3, 10, 30.0)
    good = CustomerFacts(is_new=False, days_late=(20, 0, 0, 0, 0, 0, 0, 0, 0, 0))
    assert match_rule(rules, good) is None
    # too little history for a share: no rule
    assert match_rule([slow], CustomerFacts(is_new=False, days_late=(40, 40))) is None
    average = TermsRule(3, "average_late", max_days=15, late_days=10)
    facts = CustomerFacts(is_new=False, average_days_late=12.0, invoices_paid=5)
    assert match_rule([average], facts).rule == average
    overdue = TermsRule(4, "open_overdue", max_days=0, min_invoices=2)
    assert match_rule([overdue], CustomerFacts(is_new=False, open_overdue_count=2))
    assert not match_rule([overdue], CustomerFacts(is_new=False, open_overdue_count=1))


def test_terms_looser():
    assert terms_looser(60, 30)
    assert not terms_looser(30, 30)
    assert not terms_looser(None, 0)


def test_early_discount_suggestion():
    slow = Behaviour(
        invoices_paid=12,
        average_days_late=25.0,
        average_days_to_pay=55.0,
        yearly_invoiced=36500.0,
    )
    found = early_discount_suggestion(slow, 8000.0, 2.0, 7, 10.0, 5000.0)
    assert found.days_sooner == 48.0
    assert found.cash_sooner == 4800.0  # 100 a day x 48 days
    assert found.yearly_cost == 730.0
    assert early_discount_suggestion(slow, 1000.0, 2.0, 7, 10.0, 5000.0) is None  # small balance
    prompt = Behaviour(invoices_paid=12, average_days_late=2.0, average_days_to_pay=30.0)
    assert early_discount_suggestion(prompt, 8000.0, 2.0, 7, 10.0, 5000.0) is None
    short = Behaviour(invoices_paid=2, average_days_late=25.0, average_days_to_pay=55.0)
    assert early_discount_suggestion(short, 8000.0, 2.0, 7, 10.0, 5000.0) is None


def test_credits_oldest_first_and_refusals():
    eur_new = Credit(1, date(2026, 5, 1), 50.0, "EUR", 1)
    eur_old = Credit(2, date(2026, 1, 1), 30.0, "EUR", 1)
    usd = Credit(3, date(2025, 1, 1), 30.0, "USD", 1)
    other = Credit(4, date(2025, 1, 1), 30.0, "EUR", 2)
    pending = Credit(5, date(2025, 1, 1), 30.0, "EUR", 1, pending_review=True)
    usable, refused = credits_to_apply([eur_new, eur_old, usd, other, pending], "EUR", 1)
    assert usable == [eur_old, eur_new]
    assert {(c.line_id, code) for c, code in refused} == {
        (3, "other_currency"),
        (4, "other_company"),
        (5, "pending_review"),
    }
