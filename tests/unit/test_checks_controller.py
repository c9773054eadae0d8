"""Checks a finance controller would run, on a Belgian company invoicing in EUR.

Customers: Café Le Fox (domestic BE), Bierhandel Van Dijk (intra-EU NL, valid VAT),
Hoppy Imports Inc. (US export, always billed in USD). Each anomaly test asserts exactly
one finding code and that the message names the facts a clerk needs; the clean tests
assert that look-alikes of each anomaly raise nothing.
"""

from dataclasses import dataclass, field, replace
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
    line_signature,
)

FOX, VAN_DIJK, HOPPY = 11, 12, 13  # commercial partner ids
KEG, CRATE, TAP = 101, 102, 103  # product ids


def codes(findings):
    return [(f.code, f.severity) for f in findings]


# -- duplicates across orders ----------------------------------------------------------------
FOX_LINES = line_signature([(KEG, 10.0, 138.0, 0.0), (CRATE, 20.0, 24.5, 0.0)])


def fox_invoice(id_, name, day, order, picking, ref="PO-FOX-881", lines=FOX_LINES, total=1875.28):
    return InvoiceKey(
        id=id_,
        name=name,
        partner_id=FOX,
        amount_total=total,
        currency="EUR",
        date=date(2026, 3, day),
        origin=order,
        ref=ref,
        source=f"picking:{picking}",
        sale_order=order,
        line_signature=lines,
        amount_display="€ 1,875.28",
    )


def test_two_identical_orders_days_apart_are_flagged():
    first = fox_invoice(1, "INV/2026/00031", 3, "S00042", 501)
    second = fox_invoice(2, "draft #2", 10, "S00057", 533)
    findings = check_duplicates(second, [first], 30)
    assert codes(findings) == [("possible_duplicate", "warning")]
    message = findings[0].message
    for fact in ("INV/2026/00031", "same lines", "€ 1,875.28", "PO-FOX-881", "S00042", "S00057"):
        assert fact in message


def test_partial_deliveries_of_the_same_order_are_not_twins():
    first = fox_invoice(1, "INV/2026/00031", 3, "S00042", 501)
    second = fox_invoice(2, "draft #2", 10, "S00042", 502)  # backorder, same lines and total
    assert check_duplicates(second, [first], 30) == []


def test_same_delivery_invoiced_twice_is_flagged():
    first = fox_invoice(1, "INV/2026/00031", 3, "S00042", 501)
    second = fox_invoice(2, "draft #2", 4, "S00042", 501)
    assert codes(check_duplicates(second, [first], 30)) == [("possible_duplicate", "warning")]


def test_without_order_ids_the_origin_tells_deliveries_of_one_order():
    """Callers that do not pass ``sale_order`` keep the old exemption for one order only."""

    def key(id_, day, origin, picking):
        return InvoiceKey(
            id_, f"INV/{id_}", FOX, 500.0, "EUR", date(2026, 3, day), origin, "PO-1", picking
        )

    first = key(1, 3, "S00042", "picking:1")
    same_order = key(2, 9, "S00042", "picking:2")
    other_order = key(3, 9, "S00057", "picking:3")
    assert check_duplicates(same_order, [first], 30) == []
    assert codes(check_duplicates(other_order, [first], 30)) == [("possible_duplicate", "warning")]


def test_legitimate_reorder_with_other_lines_is_clean():
    """Blanket PO: every call-off carries the same reference; this one happens to cost the same."""
    first = fox_invoice(1, "INV/2026/00031", 3, "S00042", 501)
    other_goods = line_signature([(TAP, 1.0, 1047.28, 0.0), (KEG, 6.0, 138.0, 0.0)])
    reorder = fox_invoice(2, "draft #2", 10, "S00057", 533, lines=other_goods)
    assert check_duplicates(reorder, [first], 30) == []


def test_standing_weekly_order_without_shared_reference_is_clean():
    first = fox_invoice(1, "INV/2026/00031", 3, "S00042", 501, ref="PO-FOX-881")
    weekly = fox_invoice(2, "draft #2", 10, "S00057", 533, ref="PO-FOX-902")
    assert check_duplicates(weekly, [first], 30) == []


def test_line_signature_ignores_line_order_and_float_noise():
    a = line_signature([(KEG, 10.0, 138.0, 0.0), (CRATE, 20.0, 24.5, 0.0)])
    b = line_signature([(CRATE, 20.000000001, 24.5, 0.0), (KEG, 10.0, 138.0, 0.0)])
    assert a == b
    assert a != line_signature([(KEG, 11.0, 138.0, 0.0), (CRATE, 20.0, 24.5, 0.0)])


# -- price vs pricelist, list price and cost -------------------------------------------------
PRICE_TOLERANCE = 20.0  # %


def keg(price, discount=0.0, display="", **kw):
    """Blonde 30L keg: list € 155.00, the Horeca BE pricelist gives € 138.00, cost € 96.40."""
    values = dict(
        list_price=155.0,
        pricelist_price=138.0,
        cost=96.40,
        pricelist_name="Horeca BE",
        price_display=display,
        list_price_display="€ 155.00",
        pricelist_price_display="€ 138.00",
        cost_display="€ 96.40",
    )
    values.update(kw)
    return PriceRefLine("Blonde 30L keg", price, discount, **values)


def test_manual_override_far_below_the_pricelist():
    findings = check_price_reference([keg(99.0, display="€ 99.00")], PRICE_TOLERANCE)
    assert codes(findings) == [("price_below_pricelist", "warning")]
    message = findings[0].message
    for fact in ("Blonde 30L keg", "€ 99.00", "Horeca BE", "€ 138.00", "28.3%", "20%"):
        assert fact in message


def test_override_through_the_discount_field_counts_too():
    findings = check_price_reference([keg(138.0, 25, display="€ 103.50")], PRICE_TOLERANCE)
    assert codes(findings) == [("price_below_pricelist", "warning")]
    assert "€ 103.50" in findings[0].message and "25% discount" in findings[0].message


def test_without_pricelist_the_list_price_is_the_reference():
    crate = PriceRefLine(
        "Tripel 24x33cl crate",
        14.70,
        list_price=24.50,
        cost=11.20,
        price_display="€ 14.70",
        list_price_display="€ 24.50",
    )
    findings = check_price_reference([crate], PRICE_TOLERANCE)
    assert codes(findings) == [("price_below_list_price", "warning")]
    assert "€ 24.50" in findings[0].message and "40.0%" in findings[0].message


def test_sold_below_cost_at_the_pricelist_price():
    """The cost went up and the pricelist was not updated: price matches, margin is negative."""
    tap = PriceRefLine(
        "Tap installation (2 lines)",
        1080.0,
        list_price=1200.0,
        pricelist_price=1080.0,
        cost=1104.50,
        pricelist_name="Horeca BE",
        price_display="€ 1,080.00",
        cost_display="€ 1,104.50",
    )
    findings = check_price_reference([tap], PRICE_TOLERANCE)
    assert codes(findings) == [("price_below_cost", "warning")]
    message = findings[0].message
    assert "Tap installation (2 lines)" in message
    assert "€ 1,080.00" in message and "€ 1,104.50" in message


def test_decimal_slip_is_below_pricelist_and_below_cost():
    findings = check_price_reference([keg(13.80, display="€ 13.80")], PRICE_TOLERANCE)
    assert codes(findings) == [
        ("price_below_pricelist", "warning"),
        ("price_below_cost", "warning"),
    ]
    assert "90.0%" in findings[0].message


def test_cost_check_can_be_left_to_the_pricelist_rule():
    assert check_price_reference([keg(13.80)], PRICE_TOLERANCE, check_cost=False) != []
    tap = PriceRefLine("Tap", 1080.0, pricelist_price=1080.0, cost=1104.50)
    assert check_price_reference([tap], PRICE_TOLERANCE, check_cost=False) == []


@pytest.mark.parametrize(
    "line",
    [
        keg(138.0),  # the pricelist price
        keg(138.0, 5),  # a small permitted discount
        keg(155.0, 10.97),  # the pricelist shows its reduction as a discount
        keg(160.0),  # above the pricelist
        PriceRefLine("Deposit refund", -30.0, pricelist_price=30.0, cost=30.0),  # a rebate line
        PriceRefLine("Delivery Brussels", 45.0, list_price=45.0),  # a service without cost
        PriceRefLine("Sample glass", 4.0, list_price=None, pricelist_price=None, cost=None),
    ],
)
def test_legitimate_prices_are_clean(line):
    assert check_price_reference([line], PRICE_TOLERANCE) == []


# -- over-delivery ---------------------------------------------------------------------------
def test_over_delivery_invoiced_beyond_the_order():
    line = OrderedQtyLine("Blonde 30L keg", 10, 12, "Units", "S00042", delivered_qty=12)
    findings = check_over_delivery([line])
    assert codes(findings) == [("qty_above_ordered", "warning")]
    message = findings[0].message
    for fact in ("Blonde 30L keg", "S00042", "12 Units invoiced", "only 10 Units", "2 Units more"):
        assert fact in message


def test_second_invoice_pushes_the_order_line_over():
    """8 of 10 invoiced last week; the backorder brought 4 more: 12 invoiced to date."""
    line = OrderedQtyLine("Tripel 24x33cl crate", 10, 12, "Units", "S00042", delivered_qty=12)
    assert codes(check_over_delivery([line])) == [("qty_above_ordered", "warning")]


def test_product_delivered_but_never_ordered():
    line = OrderedQtyLine("CO2 cylinder 10kg", 0, 2, "Units", "S00042", delivered_qty=2)
    findings = check_over_delivery([line])
    assert codes(findings) == [("qty_above_ordered", "warning")]
    assert "not ordered" in findings[0].message


@pytest.mark.parametrize(
    "line, tolerance",
    [
        (OrderedQtyLine("Blonde 30L keg", 10, 10, "Units", "S00042", 10), 0),  # as ordered
        (OrderedQtyLine("Blonde 30L keg", 10, 6, "Units", "S00042", 6), 0),  # partial delivery
        (OrderedQtyLine("Hops Saaz", 50, 51.2, "kg", "S00042", 51.2), 3),  # weighed, 2.4% over
        (OrderedQtyLine("Gift box", 10, 12, "Units", "S00042", 10, "order"), 0),  # order policy
    ],
)
def test_quantities_within_the_order_are_clean(line, tolerance):
    assert check_over_delivery([line], tolerance) == []


# -- unusual currency, unusual amount --------------------------------------------------------
HOPPY_HISTORY = ["USD"] * 14  # Hoppy Imports Inc. (US) has always been billed in USD


def test_invoice_in_eur_for_a_customer_always_billed_in_usd():
    findings = check_currency_habit("EUR", HOPPY_HISTORY, 3, "Hoppy Imports Inc.")
    assert codes(findings) == [("unusual_currency", "warning")]
    message = findings[0].message
    for fact in ("Hoppy Imports Inc.", "only been invoiced in USD", "14 posted invoices", "EUR"):
        assert fact in message


def test_currency_history_as_grouped_counts():
    findings = check_currency_habit("GBP", {"EUR": 9, "USD": 3}, 3, "Bierhandel Van Dijk B.V.")
    assert codes(findings) == [("unusual_currency", "warning")]
    assert "EUR and USD (12 posted invoices)" in findings[0].message


@pytest.mark.parametrize(
    "currency, history",
    [
        ("USD", HOPPY_HISTORY),  # the US customer who always buys in USD
        ("EUR", ["EUR"] * 30),  # the domestic customer
        ("EUR", {"EUR": 9, "USD": 3}),  # a customer billed in both
        ("USD", ["EUR", "EUR"]),  # too little history to tell a habit
        ("EUR", []),  # a new customer
    ],
)
def test_usual_or_unknown_currency_is_clean(currency, history):
    assert check_currency_habit(currency, history, 3) == []


def test_unusual_amount_respects_odoo_partner_opt_out():
    history = [1875.28, 1790.10, 1920.00, 1850.75, 1802.40, 1899.99]
    assert codes(check_unusual_amount(9400.0, history, 3, 5)) == [("unusual_amount", "warning")]
    assert check_unusual_amount(9400.0, history, 3, 5, opted_out=True) == []


# -- fiscal position forced on the customer --------------------------------------------------
# l10n_be: National (auto, BE), Extra-Community (auto), Intra-Community (auto, EU, VAT
# required), Co-Contractant (never auto-applied).
NATIONAL, EXTRA, INTRA, COCONTRACTANT = 1, 2, 3, 4


def test_intra_community_forced_on_goods_that_stay_in_belgium():
    findings = check_forced_fiscal_position(
        NATIONAL, "National", INTRA, "Intra-Community", True, "Café Le Fox SRL", "Belgium"
    )
    assert codes(findings) == [("fiscal_position_forced", "warning")]
    message = findings[0].message
    for fact in ("'Intra-Community'", "'National'", "Café Le Fox SRL", "Belgium"):
        assert fact in message


def test_national_forced_on_goods_delivered_to_the_netherlands():
    findings = check_forced_fiscal_position(
        INTRA,
        "Intra-Community",
        NATIONAL,
        "National",
        True,
        "Bierhandel Van Dijk B.V.",
        "Netherlands",
    )
    assert codes(findings) == [("fiscal_position_forced", "warning")]
    assert "'National' is forced" in findings[0].message
    assert "would apply 'Intra-Community'" in findings[0].message


def test_forced_position_where_odoo_would_pick_none():
    findings = check_forced_fiscal_position(None, "", EXTRA, "Extra-Community", True)
    assert codes(findings) == [("fiscal_position_forced", "warning")]
    assert "no fiscal position" in findings[0].message


@pytest.mark.parametrize(
    "auto, forced, auto_apply",
    [
        ((INTRA, "Intra-Community"), (None, ""), True),  # legitimate intra-EU sale, not forced
        ((INTRA, "Intra-Community"), (INTRA, "Intra-Community"), True),  # forced, and right
        ((EXTRA, "Extra-Community"), (EXTRA, "Extra-Community"), True),  # US export
        ((NATIONAL, "National"), (COCONTRACTANT, "Co-Contractant"), False),  # special regime
    ],
)
def test_positions_the_address_confirms_are_clean(auto, forced, auto_apply):
    assert check_forced_fiscal_position(*auto, *forced, auto_apply) == []


# -- credit limit ----------------------------------------------------------------------------
def fox_credit(receivable, amount=1875.28, limit=10000.0, enabled=True):
    return check_credit_limit(
        receivable,
        amount,
        limit,
        enabled,
        "Café Le Fox SRL",
        f"€ {receivable:,.2f}",
        f"€ {amount:,.2f}",
        f"€ {limit:,.2f}",
    )


def test_receivable_plus_invoice_above_the_credit_limit():
    findings = fox_credit(8400.0)
    assert codes(findings) == [("credit_limit_exceeded", "warning")]
    message = findings[0].message
    for fact in ("Café Le Fox SRL", "€ 8,400.00", "€ 1,875.28", "€ 10,000.00"):
        assert fact in message


def test_receivable_already_above_the_limit():
    assert codes(fox_credit(12000.0, 450.0)) == [("credit_limit_exceeded", "warning")]


@pytest.mark.parametrize(
    "receivable, amount, limit, enabled",
    [
        (6000.0, 1875.28, 10000.0, True),  # room left
        (8124.72, 1875.28, 10000.0, True),  # exactly at the limit
        (8400.0, 1875.28, 10000.0, False),  # the company does not use credit limits
        (8400.0, 1875.28, 0.0, True),  # no limit for this customer
        (12000.0, -450.0, 10000.0, True),  # a credit note lowers the exposure
    ],
)
def test_within_or_without_credit_limit_is_clean(receivable, amount, limit, enabled):
    assert fox_credit(receivable, amount, limit, enabled) == []


# -- whole invoices: every check on clean look-alikes of each anomaly ------------------------
@dataclass
class Draft:
    """What the adapter gathers for one AI draft of Brasserie du Parc SRL (BE, EUR)."""

    partner_name: str = "Café Le Fox SRL"
    vat: str | None = "BE0477472701"
    country: str = "BE"
    country_name: str = "Belgium"
    auto_fpos: tuple = (NATIONAL, "National")
    forced_fpos: tuple = (None, "")
    taxes: tuple = (frozenset({21}), "21% G")
    currency: str = "EUR"
    rates: tuple = (1.0, 1.0)
    price_lines: list = field(
        default_factory=lambda: [
            keg(138.0),
            PriceRefLine("Tripel 24x33cl crate", 24.50, list_price=24.50, cost=11.20),
        ]
    )
    ordered: list = field(
        default_factory=lambda: [
            OrderedQtyLine("Blonde 30L keg", 10, 10, "Units", "S00057", 10),
            OrderedQtyLine("Tripel 24x33cl crate", 20, 20, "Units", "S00057", 20),
        ]
    )
    key: InvoiceKey = field(
        default_factory=lambda: fox_invoice(2, "draft #2", 10, "S00057", 533, ref="PO-FOX-902")
    )
    posted: list = field(
        default_factory=lambda: [fox_invoice(1, "INV/2026/00031", 3, "S00042", 501)]
    )
    history_amounts: list = field(
        default_factory=lambda: [1875.28, 1790.10, 1920.00, 1850.75, 1802.40, 1899.99]
    )
    history_currencies: object = field(default_factory=lambda: {"EUR": 31})
    receivable: float = 3750.56
    credit_limit: float = 10000.0


def all_findings(d: Draft):
    """Every check with the suggested company defaults (an AI draft repeats its order)."""
    picked = d.forced_fpos if d.forced_fpos[0] else d.auto_fpos  # a forced position wins
    taxes = [
        LineTaxes(p.product_name, d.taxes[0], d.taxes[0], d.taxes[1], d.taxes[1])
        for p in d.price_lines
    ]
    delivered = [
        QtyLine(o.product_name, o.invoiced_qty, o.delivered_qty, o.uom_name) for o in d.ordered
    ]
    as_ordered = [
        PriceLine(p.product_name, p.price_unit, p.price_unit, p.discount_pct) for p in d.price_lines
    ]
    requires_vat = d.auto_fpos[0] == INTRA
    amount = d.key.amount_total
    return (
        check_fiscal_position(*picked, *picked, taxes)
        + check_forced_fiscal_position(
            *d.auto_fpos, *d.forced_fpos, True, d.partner_name, d.country_name
        )
        + check_vat(d.vat, d.country, True, requires_vat)
        + check_currency_rate(d.currency, "EUR", *d.rates, 10)
        + check_currency_habit(d.currency, d.history_currencies, 3, d.partner_name)
        + check_quantities(delivered)
        + check_over_delivery(d.ordered)
        + check_prices(as_ordered, 5, 30)
        + check_price_reference(d.price_lines, PRICE_TOLERANCE)
        + check_duplicates(d.key, d.posted, 30)
        + check_unusual_amount(amount, d.history_amounts, 3, 5)
        + check_credit_limit(d.receivable, amount, d.credit_limit, True)
        + check_channel_readiness("peppol", None, "0208:0477472701", True)
    )


VAN_DIJK_DRAFT = Draft(
    partner_name="Bierhandel Van Dijk B.V.",
    vat="NL004495445B01",
    country="NL",
    country_name="Netherlands",
    auto_fpos=(INTRA, "Intra-Community"),
    forced_fpos=(INTRA, "Intra-Community"),  # forced, and the Dutch address confirms it
    taxes=(frozenset({47}), "0% EU G"),
)
HOPPY_DRAFT = Draft(
    partner_name="Hoppy Imports Inc.",
    vat=None,
    country="US",
    country_name="United States",
    auto_fpos=(EXTRA, "Extra-Community"),
    taxes=(frozenset({52}), "0% Export G"),
    currency="USD",
    rates=(1.0841, 1.0790),
    price_lines=[
        PriceRefLine(
            "Blonde 30L keg",
            165.0,
            list_price=168.04,
            pricelist_price=165.0,
            cost=104.51,
            pricelist_name="Export USD",
        ),
    ],
    history_currencies=HOPPY_HISTORY,
)


@pytest.mark.parametrize(
    "draft",
    [
        pytest.param(Draft(), id="domestic BE customer"),
        pytest.param(VAN_DIJK_DRAFT, id="intra-EU NL customer"),
        pytest.param(HOPPY_DRAFT, id="US customer who always buys in USD"),
        pytest.param(
            Draft(price_lines=[keg(138.0, 5), PriceRefLine("Crate", 24.5, list_price=24.5)]),
            id="small permitted discount",
        ),
        pytest.param(
            Draft(
                key=fox_invoice(
                    2,
                    "draft #2",
                    10,
                    "S00057",
                    533,
                    lines=line_signature([(TAP, 1.0, 1047.28, 0.0), (KEG, 6.0, 138.0, 0.0)]),
                )
            ),
            id="reorder of other goods on the blanket PO",
        ),
        pytest.param(
            Draft(key=fox_invoice(2, "draft #2", 10, "S00042", 502)),
            id="backorder of the same order",
        ),
    ],
)
def test_clean_invoices_raise_no_finding(draft):
    assert all_findings(draft) == []


@pytest.mark.parametrize(
    "changes, code",
    [
        ({"price_lines": [keg(99.0)]}, "price_below_pricelist"),
        ({"key": fox_invoice(2, "draft #2", 10, "S00057", 533)}, "possible_duplicate"),
        ({"currency": "USD", "rates": (1.0841, 1.0790)}, "unusual_currency"),
        (
            {"forced_fpos": (INTRA, "Intra-Community"), "taxes": (frozenset({47}), "0% EU G")},
            "fiscal_position_forced",
        ),
        ({"receivable": 8400.0}, "credit_limit_exceeded"),
        (
            {"ordered": [OrderedQtyLine("Blonde 30L keg", 10, 12, "Units", "S00057", 12)]},
            "qty_above_ordered",
        ),
    ],
)
def test_each_seeded_problem_raises_exactly_its_finding(changes, code):
    assert [f.code for f in all_findings(replace(Draft(), **changes))] == [code]
