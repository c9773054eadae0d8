"""What a Belgian brewery's customer is entitled to: its pricelist, discounts, terms, rebates.

Café Le Fox's own pricelist is Horeca BE (kegs at 138.00, list price 155.00); its own terms
are 30 days net. Each anomaly gives exactly its hit; each clean look-alike gives nothing.
"""

from ai_invoicing.services.checks_entitlements import (
    EntitledLine,
    Terms,
    check_double_discount,
    check_manual_rebates,
    check_payment_terms,
    check_pricelist_entitlement,
)

HORECA, WHOLESALE, PROMO = 1, 2, 3
KEG, CRATE = 101, 102


def codes(hits):
    return [(hit.code, hit.severity) for hit in hits]


def keg(net=138.0, discount=0.0, order_price=138.0, own_price=138.0):
    return EntitledLine(KEG, net, discount, 155.0, order_price, own_price)


# -- the customer's own pricelist -------------------------------------------------------------
def test_order_on_the_wholesale_pricelist_gives_a_discount_fox_is_not_entitled_to():
    lines = [keg(net=120.0, order_price=120.0), EntitledLine(CRATE, 24.5, 0, 24.5, 24.5, 24.5)]
    hits = check_pricelist_entitlement(WHOLESALE, HORECA, lines, 1.0)
    assert codes(hits) == [("pricelist_not_entitled", "warning")]
    facts = hits[0].facts
    assert (facts["product_id"], facts["order_price"], facts["own_price"]) == (KEG, 120.0, 138.0)
    assert round(facts["gap_pct"], 1) == 13.0
    assert facts["count"] == 1


def test_the_customers_own_pricelist_is_clean():
    assert check_pricelist_entitlement(HORECA, HORECA, [keg()], 1.0) == []


def test_another_pricelist_that_is_no_cheaper_is_clean():
    """A promotion pricelist with the same keg price, or a dearer one, is no discount."""
    assert check_pricelist_entitlement(PROMO, HORECA, [keg()], 1.0) == []
    dearer = keg(net=155.0, order_price=155.0)
    assert check_pricelist_entitlement(PROMO, HORECA, [dearer], 1.0) == []


def test_a_customer_without_a_pricelist_of_its_own_is_not_compared():
    assert check_pricelist_entitlement(WHOLESALE, None, [keg(120.0, 0, 120.0, None)], 1.0) == []


# -- double discount --------------------------------------------------------------------------
def test_line_discount_on_top_of_a_discounting_pricelist():
    hits = check_double_discount([keg(net=124.2, discount=10.0)], 5.0)
    assert codes(hits) == [("double_discount", "warning")]
    facts = hits[0].facts
    assert facts["pricelist_price"] == 138.0 and facts["list_price"] == 155.0
    assert round(facts["extra_pct"], 1) == 10.0
    assert round(facts["total_pct"], 1) == 19.9


def test_a_small_discount_within_the_allowance_is_clean():
    assert check_double_discount([keg(net=131.1, discount=5.0)], 5.0) == []


def test_a_line_discount_on_a_product_the_pricelist_does_not_discount_is_clean():
    crate = EntitledLine(CRATE, 22.05, 10.0, 24.5, 24.5, 24.5)
    assert check_double_discount([crate], 5.0) == []


def test_a_pricelist_showing_its_own_discount_on_the_line_is_one_discount():
    """Price 155.00 with the pricelist's 10.97% shown as the line discount: 138.00 net."""
    assert check_double_discount([keg(net=138.0, discount=10.97)], 5.0) == []


# -- payment terms ----------------------------------------------------------------------------
NET30 = Terms(1, 30)


def test_terms_longer_than_the_customers_own():
    hits = check_payment_terms(Terms(2, 60), NET30, 0)
    assert codes(hits) == [("payment_terms_longer", "warning")]
    assert hits[0].facts == {"days": 60, "own_days": 30}


def test_early_payment_discount_not_in_the_customers_terms():
    hits = check_payment_terms(Terms(3, 30, 2.0, 10), NET30, 0)
    assert codes(hits) == [("early_discount_not_entitled", "warning")]
    assert hits[0].facts["early_pct"] == 2.0 and hits[0].facts["own_early_pct"] == 0.0


def test_the_customers_own_long_terms_are_clean():
    own = Terms(2, 60)
    assert check_payment_terms(Terms(2, 60), own, 0) == []


def test_shorter_terms_or_the_same_discount_are_clean():
    own = Terms(4, 30, 2.0, 10)
    assert check_payment_terms(Terms(5, 15), own, 0) == []
    assert check_payment_terms(Terms(6, 30, 2.0, 10), own, 0) == []
    assert check_payment_terms(Terms(2, 35), NET30, 5) == []


def test_no_terms_of_its_own_are_not_compared():
    assert check_payment_terms(Terms(2, 90), None, 0) == []


# -- manual rebates ---------------------------------------------------------------------------
def test_a_rebate_worth_a_significant_share_of_the_goods():
    hits = check_manual_rebates([(7, -300.0)], 1875.0, 10.0)
    assert codes(hits) == [("manual_rebate", "warning")]
    assert round(hits[0].facts["share_pct"], 1) == 16.0


def test_a_small_rebate_is_clean():
    assert check_manual_rebates([(7, -30.0)], 1875.0, 10.0) == []


def test_no_goods_no_share():
    assert check_manual_rebates([(7, -30.0)], 0.0, 10.0) == []
