"""Each line against the customer's own history (a Belgian brewery's customer, Café Le Fox).

Fox takes 8 to 12 kegs of Blonde at EUR 138.00 (Horeca pricelist), 21% VAT, national
fiscal position. Each anomaly gives exactly its hit with the facts the message names; each
clean look-alike gives nothing.
"""

from dataclasses import replace
from datetime import date

from ai_invoicing.services.checks_lines import (
    HistoryLine,
    PastLine,
    check_price_vs_history,
    check_qty_vs_history,
    check_taxes_vs_history,
)

KEG = 101
VAT21, VAT6, VAT0_EU = 1, 2, 3
NATIONAL, INTRA_EU = 7, 8


def past(qty=10.0, price=138.0, taxes=(VAT21,), fpos=NATIONAL, currency="EUR", day=1):
    return PastLine(date(2026, 3, day), qty, price, currency, frozenset(taxes), fpos)


FOX_HISTORY = [past(qty, day=day) for day, qty in ((20, 10.0), (13, 8.0), (6, 12.0), (1, 10.0))]


def keg_line(qty=10.0, price=138.0, taxes=(VAT21,), fpos=NATIONAL, reference=138.0, history=None):
    return HistoryLine(
        product_id=KEG,
        qty=qty,
        net_price=price,
        currency="EUR",
        tax_ids=frozenset(taxes),
        fiscal_position_id=fpos,
        history=FOX_HISTORY if history is None else history,
        reference_price=reference,
    )


def codes(hits):
    return [(hit.code, hit.severity) for hit in hits]


# -- quantity ---------------------------------------------------------------------------------
def test_unit_of_measure_mistake_is_far_above_the_usual_quantity():
    """10 dozen kegs keyed for 10 kegs: 120 kegs where Fox takes 8 to 12."""
    hits = check_qty_vs_history(keg_line(qty=120.0), 3, 5.0)
    assert codes(hits) == [("qty_outside_history", "warning")]
    facts = hits[0].facts
    assert facts["usual_qty"] == 10.0
    assert (facts["min_qty"], facts["max_qty"], facts["count"]) == (8.0, 12.0, 4)
    assert facts["direction"] == "above"


def test_a_tenth_of_the_usual_quantity_is_flagged_too():
    hits = check_qty_vs_history(keg_line(qty=1.0), 3, 5.0)
    assert codes(hits) == [("qty_outside_history", "warning")]
    assert hits[0].facts["direction"] == "below"


def test_a_bulk_order_the_size_of_an_earlier_one_is_clean():
    history = [*FOX_HISTORY, past(qty=60.0, day=1)]  # the summer festival order
    assert check_qty_vs_history(keg_line(qty=60.0, history=history), 3, 5.0) == []


def test_a_larger_order_below_the_factor_is_clean():
    assert check_qty_vs_history(keg_line(qty=40.0), 3, 5.0) == []


def test_too_short_a_history_says_nothing_about_the_quantity():
    assert check_qty_vs_history(keg_line(qty=120.0, history=FOX_HISTORY[:2]), 3, 5.0) == []


# -- price ------------------------------------------------------------------------------------
def test_price_keyed_by_hand_below_what_the_customer_pays():
    hits = check_price_vs_history(keg_line(price=129.0), 3, 2.0)
    assert codes(hits) == [("price_outside_history", "warning")]
    facts = hits[0].facts
    assert facts["usual_price"] == 138.0
    assert facts["reference_price"] == 138.0
    assert round(facts["gap_pct"], 1) == -6.5


def test_overcharge_is_flagged_as_well():
    assert codes(check_price_vs_history(keg_line(price=148.0), 3, 2.0)) == [
        ("price_outside_history", "warning")
    ]


def test_new_pricelist_rule_explains_the_new_price():
    assert check_price_vs_history(keg_line(price=145.0, reference=145.0), 3, 2.0) == []


def test_price_within_the_tolerance_is_clean():
    assert check_price_vs_history(keg_line(price=136.0), 3, 2.0) == []


def test_history_in_another_currency_is_not_compared():
    usd = [replace(p, currency="USD", net_price=150.0) for p in FOX_HISTORY]
    assert check_price_vs_history(keg_line(price=129.0, history=usd), 3, 2.0) == []


def test_recent_price_is_the_latest_invoices_not_the_oldest():
    """Fox paid 130.00 for years and 138.00 on its three latest invoices."""
    history = [past(price=138.0, day=d) for d in (20, 13, 6)] + [past(price=130.0, day=1)] * 5
    assert check_price_vs_history(keg_line(price=138.0, history=history), 3, 2.0) == []
    hits = check_price_vs_history(keg_line(price=130.0, reference=None, history=history), 3, 2.0)
    assert codes(hits) == [("price_outside_history", "warning")]
    assert hits[0].facts["reference_price"] is None


# -- taxes ------------------------------------------------------------------------------------
def test_taxes_other_than_the_product_always_had():
    hits = check_taxes_vs_history(keg_line(taxes=(VAT6,)), 3)
    assert codes(hits) == [("taxes_outside_history", "warning")]
    assert hits[0].facts["usual_tax_ids"] == frozenset({VAT21})
    assert hits[0].facts["tax_ids"] == frozenset({VAT6})
    assert hits[0].facts["count"] == 4


def test_taxes_under_another_fiscal_position_are_not_compared():
    """Fox's NL branch: intra-EU 0% under the intra-EU position, never seen before."""
    assert check_taxes_vs_history(keg_line(taxes=(VAT0_EU,), fpos=INTRA_EU), 3) == []


def test_a_history_of_mixed_taxes_never_says_always():
    history = [*FOX_HISTORY, past(taxes=(VAT6,), day=2)]
    assert check_taxes_vs_history(keg_line(taxes=(VAT6,), history=history), 3) == []


def test_the_usual_taxes_are_clean():
    assert check_taxes_vs_history(keg_line(), 3) == []
