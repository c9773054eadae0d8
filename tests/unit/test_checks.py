"""Deterministic checks with realistic data (BE/FR/DE/US, intra-EU B2B, multi-currency)."""

from datetime import date

import pytest

from ai_invoicing.services.checks import (
    InvoiceKey,
    LineTaxes,
    OrderedQtyLine,
    PriceLine,
    PriceRefLine,
    QtyLine,
    check_channel_readiness,
    check_credit_limit,
    check_currency_habit,
    check_currency_rate,
    check_duplicates,
    check_fiscal_position,
    check_forced_fiscal_position,
    check_over_delivery,
    check_price_reference,
    check_prices,
    check_quantities,
    check_unusual_amount,
    check_vat,
)


def codes(findings):
    return [(f.code, f.severity) for f in findings]


# -- taxes vs delivery address ------------------------------------------------
def test_intra_eu_b2b_with_right_position_and_taxes_is_clean():
    line = LineTaxes("Widget", frozenset({7}), frozenset({7}), "0% EU G", "0% EU G")
    assert check_fiscal_position(3, "Intra-EU B2B", 3, "Intra-EU B2B", [line]) == []


def test_domestic_position_on_eu_delivery_is_an_error():
    findings = check_fiscal_position(3, "Intra-EU B2B", None, "", [])
    assert codes(findings) == [("fiscal_position_mismatch", "error")]
    assert "Intra-EU B2B" in findings[0].message


def test_line_taxes_not_mapped_by_position():
    line = LineTaxes("Widget", frozenset({7}), frozenset({1}), "0% EU G", "21% G")
    findings = check_fiscal_position(3, "Intra-EU B2B", 3, "Intra-EU B2B", [line])
    assert codes(findings) == [("tax_mismatch", "error")]
    assert "'21% G'" in findings[0].message and "'0% EU G'" in findings[0].message


# -- VAT ---------------------------------------------------------------------
@pytest.mark.parametrize(
    "vat,country",
    [
        ("BE0477472701", "BE"),
        ("FR40303265045", "FR"),
        ("DE136695976", "DE"),
        ("ATU13585627", "AT"),
        ("NL004495445B01", "NL"),
    ],
)
def test_valid_eu_vat_numbers(vat, country):
    assert check_vat(vat, country, True, True) == []


def test_wrong_check_digit_is_an_error():
    findings = check_vat("BE0477472702", "BE", True, True)
    assert codes(findings) == [("vat_invalid", "error")]
    assert "BE0477472702" in findings[0].message


def test_missing_vat_for_intra_eu_business():
    assert codes(check_vat(None, "FR", True, True)) == [("vat_missing", "warning")]
    assert check_vat(None, "FR", False, True) == []  # a consumer needs none


def test_us_customer_has_no_vat_rules():
    assert codes(check_vat("12-3456789", "US", True, False)) == [("vat_not_checkable", "info")]


def test_vies_outcomes():
    assert codes(check_vat("DE136695976", "DE", True, True, "invalid")) == [
        ("vies_invalid", "warning")
    ]
    unverified = check_vat("DE136695976", "DE", True, True, "unverified")
    assert codes(unverified) == [("vat_unverified", "info")]  # a network failure never blocks


# -- currency ------------------------------------------------------------------
def test_currency_rules():
    assert check_currency_rate("EUR", "EUR", None, None, 10) == []
    assert codes(check_currency_rate("USD", "EUR", None, 1.08, 10)) == [
        ("currency_rate_missing", "error")
    ]
    assert check_currency_rate("USD", "EUR", 1.10, 1.08, 10) == []
    jump = check_currency_rate("USD", "EUR", 1.35, 1.08, 10)
    assert codes(jump) == [("currency_rate_jump", "warning")]
    assert "25.0%" in jump[0].message


# -- quantities and prices ----------------------------------------------------------
def test_quantities():
    ok = QtyLine("Crate", 4, 4, "Units")
    over = QtyLine("Keg", 5, 3, "Units")
    negative = QtyLine("Return", -1, 0, "Units")
    assert codes(check_quantities([ok, over, negative])) == [
        ("qty_over_delivered", "error"),
        ("qty_negative", "warning"),
    ]


def test_prices_and_discounts():
    lines = [
        PriceLine("Crate", 36.0, 36.0, 5),
        PriceLine("Keg", 100.0, 120.0, 0),
        PriceLine("Glass", 2.0, 2.0, 60),
    ]
    findings = check_prices(lines, tolerance_pct=5, max_discount_pct=30)
    assert codes(findings) == [("price_deviation", "warning"), ("discount_too_high", "warning")]
    assert "16.7% off" in findings[0].message


# -- duplicates and unusual amounts -------------------------------------------------
def test_duplicates_within_window():
    me = InvoiceKey(10, "INV/10", 7, 1210.0, "EUR", date(2026, 11, 24), "S00042", "PO-1")
    twin = InvoiceKey(9, "INV/9", 7, 1210.0, "EUR", date(2026, 11, 20), "S00042", None)
    old = InvoiceKey(3, "INV/3", 7, 1210.0, "EUR", date(2026, 6, 1), "S00042", None)
    other_customer = InvoiceKey(8, "INV/8", 8, 1210.0, "EUR", date(2026, 11, 23), "S00042", None)
    other_amount = InvoiceKey(7, "INV/7", 7, 1200.0, "EUR", date(2026, 11, 23), "S00042", None)
    same_ref = InvoiceKey(6, "INV/6", 7, 1210.0, "EUR", date(2026, 11, 22), "S00001", "PO-1")
    findings = check_duplicates(me, [me, twin, old, other_customer, other_amount, same_ref], 30)
    assert [f.message.split()[3] for f in findings] == ["INV/9", "INV/6"]


def test_unusual_amount():
    history = [1000, 1100, 950, 1050, 1000]
    assert check_unusual_amount(1150, history, 3, 5) == []  # mean 1,020 + 3 x 51
    assert codes(check_unusual_amount(5000, history, 3, 5)) == [("unusual_amount", "warning")]
    assert check_unusual_amount(5000, history[:2], 3, 5) == []  # too little history
    assert codes(check_unusual_amount(140, [100] * 6, 3, 5)) == [("unusual_amount", "warning")]


# -- channel ---------------------------------------------------------------------
def test_channel_readiness():
    assert check_channel_readiness("email", "ap@brasserie.example.com") == []
    assert codes(check_channel_readiness("email", None)) == [("channel_email_missing", "warning")]
    assert codes(check_channel_readiness("email", "not-an-email")) == [
        ("channel_email_invalid", "warning")
    ]
    assert codes(check_channel_readiness("peppol", None, None, False)) == [
        ("channel_peppol_missing", "warning")
    ]
    assert check_channel_readiness("peppol", None, "0208:0477472701", True) == []
    assert codes(check_channel_readiness("manual", None)) == [("channel_manual", "info")]


def test_clean_invoice_has_no_finding_at_all():
    findings = (
        check_fiscal_position(None, "", None, "", [LineTaxes("A", frozenset({1}), frozenset({1}))])
        + check_vat("BE0477472701", "BE", True, False)
        + check_currency_rate("EUR", "EUR", 1.0, 1.0, 10)
        + check_quantities([QtyLine("A", 2, 2)])
        + check_prices([PriceLine("A", 10, 10, 0)], 5, 30)
        + check_duplicates(InvoiceKey(1, "I1", 1, 10, "EUR", date(2026, 1, 1)), [], 30)
        + check_unusual_amount(10, [10, 11, 9, 10, 10], 3, 5)
        + check_channel_readiness("email", "ap@example.com")
        + check_price_reference([PriceRefLine("A", 9.5, 0, 11, 10, 6)], 20)  # 5% under pricelist
        + check_over_delivery([OrderedQtyLine("A", 2, 2)])
        + check_currency_habit("EUR", ["EUR"] * 5, 3)
        + check_forced_fiscal_position(None, "", None, "")
        + check_credit_limit(1000, 10, 5000, True)
    )
    assert findings == []
