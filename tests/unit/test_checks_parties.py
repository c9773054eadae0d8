"""Who is invoiced, where the goods were supplied, and the age of the rate.

A Belgian brewery: Café Le Fox (BE), Bierhandel Van Dijk (NL, intra-EU), Hoppy Imports (US).
"""

from datetime import date

from ai_invoicing.services.checks_parties import (
    DEFAULT_BLOCKING_WORDS,
    SupplyLine,
    blocking_words,
    check_archived_customer,
    check_invoice_entity,
    check_place_of_supply,
    check_rate_age,
)
from ai_invoicing.services.checks_parties import check_sales_warning as warning

WORDS = blocking_words(DEFAULT_BLOCKING_WORDS)
FOX, FOX_SHOP, HQ, VAN_DIJK = 11, 21, 31, 12
KEG, SERVICE = 101, 201


def codes(hits):
    return [(hit.code, hit.severity) for hit in hits]


# -- sales warning ----------------------------------------------------------------------------
def test_a_warning_telling_not_to_invoice_holds_the_draft():
    for text in (
        "Do not invoice before the keg dispute is settled (ask Marc)",
        "Ne pas facturer: litige en cours",
        "Niet factureren tot nader order",
        "Account BLOCKED by finance",
    ):
        hits = warning(text, WORDS)
        assert codes(hits) == [("sales_warning", "warning")], text
        assert hits[0].facts["message"] == text


def test_a_warning_about_something_else_is_clean():
    assert warning("Deliver at the back door before 10:00", WORDS) == []
    assert warning("", WORDS) == []
    assert warning(None, WORDS) == []


def test_without_words_any_warning_holds_the_draft():
    assert codes(warning("Deliver at the back door", [])) == [("sales_warning", "warning")]


def test_blocking_words_setting_is_parsed():
    assert blocking_words(" Invoice, STOP ;\nhold,, ") == ["invoice", "stop", "hold"]


# -- archived, other entity -------------------------------------------------------------------
def test_archived_customer():
    assert codes(check_archived_customer(["Café Le Fox SRL"])) == [("customer_archived", "warning")]
    assert check_archived_customer([]) == []


def test_invoice_address_of_another_company():
    hits = check_invoice_entity(HQ, [FOX], FOX)
    assert codes(hits) == [("invoice_address_other_entity", "warning")]
    assert hits[0].facts["other_ids"] == [FOX]


def test_contacts_of_one_company_are_one_entity():
    assert check_invoice_entity(FOX, [FOX], FOX) == []
    assert check_invoice_entity(FOX, [FOX, FOX], None) == []


# -- place of supply --------------------------------------------------------------------------
KEG_0 = SupplyLine(KEG, True, 21.0, 0.0)


def test_goods_that_stayed_in_belgium_invoiced_without_belgian_vat():
    hits = check_place_of_supply("BE", ["BE"], ["BE", "BE"], "NL", "NL", [KEG_0])
    assert codes(hits) == [("goods_stayed_untaxed", "error")]
    facts = hits[0].facts
    assert facts["product_ids"] == [KEG] and facts["country"] == "BE"
    assert (facts["domestic_rate"], facts["invoiced_rate"], facts["local_vat"]) == (21, 0, False)


def test_foreign_customer_with_a_local_vat_registration():
    hits = check_place_of_supply("BE", ["BE"], ["BE"], "FR", "BE", [KEG_0])
    assert hits[0].facts["local_vat"] is True


def test_a_real_export_and_an_intra_eu_delivery_are_clean():
    assert check_place_of_supply("BE", ["BE"], ["US"], "US", None, [KEG_0]) == []
    assert check_place_of_supply("BE", ["BE"], ["NL"], "NL", "NL", [KEG_0]) == []
    assert check_place_of_supply("BE", ["BE"], ["BE", "NL"], "NL", "NL", [KEG_0]) == []


def test_goods_leaving_a_foreign_warehouse_are_not_concerned():
    assert check_place_of_supply("BE", ["NL"], ["BE"], "NL", "NL", [KEG_0]) == []


def test_a_domestic_reverse_charge_is_clean():
    """Co-contractant: a Belgian customer, VAT shifted to it by law."""
    assert check_place_of_supply("BE", ["BE"], ["BE"], "BE", "BE", [KEG_0]) == []


def test_local_vat_charged_or_services_are_clean():
    assert (
        check_place_of_supply("BE", ["BE"], ["BE"], "NL", "NL", [SupplyLine(KEG, True, 21, 21)])
        == []
    )
    assert (
        check_place_of_supply("BE", [], ["BE"], "NL", "NL", [SupplyLine(SERVICE, False, 21, 0)])
        == []
    )


# -- rate age ---------------------------------------------------------------------------------
def test_rate_older_than_the_maximum_age():
    hits = check_rate_age("USD", "EUR", date(2026, 3, 1), date(2026, 3, 20), 7)
    assert codes(hits) == [("currency_rate_stale", "warning")]
    assert hits[0].facts["days"] == 19


def test_a_rate_a_few_days_old_or_the_company_currency_is_clean():
    assert check_rate_age("USD", "EUR", date(2026, 3, 17), date(2026, 3, 20), 7) == []
    assert check_rate_age("EUR", "EUR", date(2020, 1, 1), date(2026, 3, 20), 7) == []
    assert check_rate_age("USD", "EUR", None, date(2026, 3, 20), 7) == []
