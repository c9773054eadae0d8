"""Doubles a Belgian brewery's controller catches: Café Le Fox's order entered twice behind a
shipping line, and shipping billed twice."""

from datetime import date

from ai_invoicing.services.checks_doubles import (
    LotLine,
    ServiceLine,
    ShippingLine,
    TwinKey,
    check_missing_lots,
    check_services_not_delivered,
    check_shipping_twice,
    check_twins,
    goods_signature,
)

KEG, CRATE = 101, 102
FOX_GOODS = goods_signature([(KEG, 10.0, 138.0, 0.0), (CRATE, 20.0, 24.5, 0.0)])


def invoice(id_, day, order, goods=FOX_GOODS, ref=None):
    return TwinKey(id_, f"INV/{id_}", date(2026, 3, day), frozenset({order}), goods, ref)


def codes(hits):
    return [(hit.code, hit.severity) for hit in hits]


def test_goods_signature_ignores_line_order_and_float_noise():
    assert goods_signature([(CRATE, 20.0000001, 24.5, 0), (KEG, 10, 138.0, None)]) == FOX_GOODS


def test_same_goods_on_another_order_a_day_later():
    hits = check_twins(invoice(2, 11, "S00057"), [invoice(1, 10, "S00042")], 3, 30)
    assert codes(hits) == [("same_goods_twice", "warning")]
    assert hits[0].facts == {"other_id": 1, "days": 1, "same_ref": False}


def test_same_goods_under_the_same_customer_reference_weeks_apart():
    me = invoice(2, 24, "S00057", ref="PO-FOX-881")
    hits = check_twins(me, [invoice(1, 3, "S00042", ref="PO-FOX-881")], 3, 30)
    assert codes(hits) == [("same_goods_twice", "warning")]
    assert hits[0].facts["same_ref"] is True and hits[0].facts["days"] == 21


def test_weekly_standing_order_is_clean():
    me = invoice(2, 17, "S00057", ref="PO-W12")
    assert check_twins(me, [invoice(1, 10, "S00042", ref="PO-W11")], 3, 30) == []


def test_partial_deliveries_of_one_order_and_other_goods_are_clean():
    assert check_twins(invoice(2, 11, "S00042"), [invoice(1, 10, "S00042")], 3, 30) == []
    other_goods = goods_signature([(KEG, 12.0, 138.0, 0.0), (CRATE, 20.0, 24.5, 0.0)])
    assert (
        check_twins(invoice(2, 11, "S00057", other_goods), [invoice(1, 10, "S00042")], 3, 30) == []
    )


def test_an_invoice_without_goods_has_no_twin():
    assert check_twins(invoice(2, 11, "S1", ()), [invoice(1, 11, "S2", ())], 3, 30) == []


def test_shipping_billed_twice():
    lines = [ShippingLine(7, "S00042", 1, 1), ShippingLine(0, "S00042", 0, 0)]
    hits = check_shipping_twice(lines)
    assert codes(hits) == [("shipping_billed_twice", "warning")]
    assert hits[0].facts == {"order": "S00042", "lines": 2, "over": False}
    over = check_shipping_twice([ShippingLine(7, "S00042", 1, 2)])
    assert over[0].facts["over"] is True


def test_one_shipping_line_per_order_is_clean():
    assert check_shipping_twice([ShippingLine(7, "S00042", 1, 1)]) == []
    two_orders = [ShippingLine(7, "S00042", 1, 1), ShippingLine(9, "S00057", 1, 1)]
    assert check_shipping_twice(two_orders) == []


def test_tracked_product_invoiced_before_its_lots_were_delivered():
    hits = check_missing_lots([LotLine(KEG, 10.0, 0.0)])
    assert codes(hits) == [("lots_missing", "warning")]
    assert hits[0].facts == {"product_id": KEG, "invoiced_qty": 10.0, "lot_qty": 0.0}
    assert codes(check_missing_lots([LotLine(KEG, 10.0, 4.0)])) == [("lots_missing", "warning")]


def test_tracked_product_delivered_with_its_lots_is_clean():
    assert check_missing_lots([LotLine(KEG, 10.0, 10.0)]) == []
    assert check_missing_lots([LotLine(KEG, 10.0, 12.0)]) == []


def test_service_invoiced_on_delivery_with_nothing_delivered():
    hits = check_services_not_delivered([ServiceLine(KEG, 1.0, 0.0)])
    assert codes(hits) == [("service_not_delivered", "warning")]
    assert hits[0].facts == {"product_id": KEG, "invoiced_qty": 1.0}


def test_service_done_and_recorded_is_clean():
    assert check_services_not_delivered([ServiceLine(KEG, 1.0, 1.0)]) == []
    assert check_services_not_delivered([ServiceLine(KEG, 0.0, 0.0)]) == []
