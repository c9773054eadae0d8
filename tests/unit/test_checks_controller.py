"""Checks a finance controller would run, on a Belgian company invoicing in EUR.

Customers: Café Le Fox (domestic BE), Bierhandel Van Dijk (intra-EU NL, valid VAT),
Hoppy Imports Inc. (US export, always billed in USD). Each anomaly test asserts exactly
one finding code and that the message names the facts a clerk needs; the clean tests
assert that look-alikes of each anomaly raise nothing.
"""

from datetime import date

from ai_invoicing.services.checks import (
    InvoiceKey,
    check_duplicates,
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
