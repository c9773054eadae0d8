"""Cash matching scorer with realistic data: Belgian and ISO structured references, IBANs,
early-payment discounts, foreign currency, combinations, and twins that must not be guessed."""

from datetime import date
from decimal import Decimal

import pytest

from ai_invoicing.services.cash_matching import (
    DEFAULT_MARGIN,
    DEFAULT_THRESHOLD,
    Index,
    OpenItem,
    PartnerDirectory,
    StatementLine,
    Suggestion,
    auto_apply_choice,
    format_be_structured,
    identify_partner,
    is_valid_be_structured,
    is_valid_rf,
    match_line,
    normalize_name,
    to_minor,
    validate_proposed_references,
)

ACME, BRICO, DELTA = 10, 11, 12
ACME_IBAN = "BE71 0961 2345 6769"
BRICO_IBAN = "BE68 5390 0754 7034"
DIRECTORY = PartnerDirectory.build(
    accounts=[(ACME_IBAN, ACME), (BRICO_IBAN, BRICO), ("DE89 3704 0044 0532 0130 00", DELTA)],
    names=[("Acme SA", ACME), ("Brico NV", BRICO), ("Delta GmbH", DELTA)],
)
NAMES = {ACME: "Acme SA", BRICO: "Brico NV", DELTA: "Delta GmbH"}
EUR = Decimal


def item(
    id,
    move_name,
    residual,
    partner=ACME,
    *,
    payment_ref=None,
    customer_ref=None,
    currency="EUR",
    due=date(2026, 3, 15),
    early=None,
    until=None,
):
    return OpenItem(
        id=id,
        partner_id=partner,
        partner_name=NAMES[partner],
        move_name=move_name,
        payment_ref=payment_ref or move_name,
        customer_ref=customer_ref,
        residual=Decimal(residual),
        currency=currency,
        due_date=due,
        early_discount_amount=Decimal(early) if early else None,
        early_discount_until=until,
    )


def line(amount, label="", *, account="", name="", currency="EUR", when=date(2026, 3, 16), **kw):
    return StatementLine(
        id=1,
        amount=Decimal(amount),
        currency=currency,
        date=when,
        label=label,
        partner_name=name,
        account_number=account,
        **kw,
    )


# A typical open ledger: Acme has three invoices, Brico two with the same amount.
INV42 = item(101, "INV/2026/00042", "1210.00", customer_ref="PO-7781")
INV43 = item(102, "INV/2026/00043", "500.00", payment_ref="+++202/6000/42026+++")
INV50 = item(
    103, "INV/2026/00050", "250.00", due=date(2026, 4, 1), early="245.00", until=date(2026, 3, 10)
)
BRICO_A = item(
    104, "INV/2026/00044", "980.00", BRICO, payment_ref="RF18539007547034", due=date(2026, 3, 10)
)
BRICO_B = item(105, "INV/2026/00045", "980.00", BRICO, due=date(2026, 4, 10))
DELTA_USD = item(106, "INV/2026/00046", "1500.00", DELTA, currency="USD", due=date(2026, 3, 31))
LEDGER = [INV42, INV43, INV50, BRICO_A, BRICO_B, DELTA_USD]
INDEX = Index(LEDGER)


def suggest(statement_line, index=INDEX, **kw):
    return match_line(statement_line, index, DIRECTORY, **kw)


def best(statement_line, index=INDEX, **kw):
    suggestions = suggest(statement_line, index, **kw)
    assert suggestions, "expected at least one suggestion"
    return suggestions[0]


# -- exact reference ----------------------------------------------------------
def test_exact_reference_amount_and_bank_account_is_applied():
    suggestions = suggest(line("1210.00", "Payment INV/2026/00042 thank you", account=ACME_IBAN))
    top = suggestions[0]
    assert (top.item_ids, top.kind) == ((101,), "exact")
    assert top.amount_applied == {101: Decimal("1210.00")}
    assert top.explanation.startswith(
        "reference INV/2026/00042 in the label, amount equals the residual"
    )
    assert f"bank account {ACME_IBAN} known for Acme SA" in top.explanation
    assert top.score >= 0.95
    assert auto_apply_choice(suggestions) is top


@pytest.mark.parametrize(
    "label, written",
    [
        ("inv-2026-00042", "inv-2026-00042"),
        ("INV 2026 00042", "INV 2026 00042"),
        ("ref: inv.2026.00042.", "inv.2026.00042."),
        ("Facture INV2026/00042 du 1/3", "INV2026/00042"),
    ],
)
def test_reference_ignores_separators_and_case(label, written):
    top = best(line("1210.00", label))
    assert top.item_ids == (101,)
    assert f"reference INV/2026/00042 in the label (written '{written}')" in top.explanation


@pytest.mark.parametrize("label", ["2026/00042", "paid 202600042", "FACT-2026-00042"])
def test_reference_without_its_prefix(label):
    top = best(line("1210.00", label))
    assert top.item_ids == (101,)
    assert "without its prefix" in top.explanation
    assert auto_apply_choice([top]) is top


def test_customer_po_reference():
    top = best(line("1210.00", "your order PO 7781"))
    assert top.item_ids == (101,)
    assert "customer reference PO-7781 in the label" in top.explanation


# -- typos ----------------------------------------------------------------------
@pytest.mark.parametrize(
    "label",
    [
        "INV/2026/00402",  # two digits swapped
        "INV/2026/0042",  # a zero missing
        "INV/2O26/00042",  # letter O for zero
        "INV/2026/000042",  # a zero too many
    ],
)
def test_typo_in_reference(label):
    suggestions = suggest(line("1210.00", label, account=ACME_IBAN))
    top = suggestions[0]
    assert top.item_ids == (101,)
    assert f"'{label}' in the label is one character off INV/2026/00042," in top.explanation
    assert auto_apply_choice(suggestions) is top


def test_typo_close_to_several_references_only_supports_the_amount():
    # 00024 is one character off 00042 (swap) and 00044 (Brico's): no firm reference.
    statement = line("1210.00", "INV/2026/00024", account=ACME_IBAN)
    top = best(statement)
    assert top.item_ids == (101,)
    assert (
        "'INV/2026/00024' in the label is one character off INV/2026/00042 "
        "and 1 other open reference" in top.explanation
    )
    # It never makes a partial payment or an overpayment on its own.
    assert suggest(line("600.00", "INV/2026/00024", account=ACME_IBAN)) == []


def test_dates_in_the_label_are_not_references():
    index = Index([item(401, "INV/2026/0415", "99.00", DELTA, due=date(2026, 4, 30))])
    assert suggest(line("12.00", "transfer 2026-04-15", when=date(2026, 4, 15)), index) == []
    assert suggest(line("12.00", "transfer 2026-04-16", when=date(2026, 4, 15)), index) == []
    assert suggest(line("12.00", "INV/2026/0415"), index)[0].item_ids == (401,)


def test_label_naming_another_item_marks_down_an_amount_match():
    suggestions = suggest(line("500.00", "INV/2026/00042", account=ACME_IBAN))
    assert [(s.item_ids, s.kind) for s in suggestions] == [((101,), "partial"), ((102,), "exact")]
    assert "the label refers to INV/2026/00042 instead" in suggestions[1].explanation
    assert auto_apply_choice(suggestions) is None


def test_a_real_reference_is_not_a_typo_of_its_neighbour():
    # INV/2026/00043 exists: the label means it, not INV/2026/00042 one character away.
    for suggestion in suggest(line("1210.00", "INV/2026/00043", account=ACME_IBAN)):
        assert "one character off" not in suggestion.explanation
    top = best(line("500.00", "INV/2026/00043"))
    assert top.item_ids == (102,)


def test_short_references_are_not_typo_matched():
    assert suggest(line("77.00", "ref 4321")) == []


# -- Belgian structured communication -------------------------------------------
def test_belgian_check_digits():
    assert is_valid_be_structured("+++202/6000/42026+++")
    assert is_valid_be_structured("***123/4567/89002***")
    # 1234567890 mod 97 = 2: the check digits of 123/4567/890.. are 02, not 12.
    assert not is_valid_be_structured("+++123/4567/89012+++")
    assert is_valid_be_structured("000000009797")  # remainder 0 is written 97
    assert not is_valid_be_structured("12345678900")  # 11 digits
    assert format_be_structured("202600042026") == "+++202/6000/42026+++"


@pytest.mark.parametrize(
    "label",
    [
        "+++202/6000/42026+++",
        "***202/6000/42026***",
        "202600042026",
        "202/6000/42026",
        "/ROC/+++202/6000/42026+++",
        "Mededeling: 202 6000 42026",
    ],
)
def test_belgian_structured_communication_in_any_writing(label):
    suggestions = suggest(line("500.00", label))
    top = suggestions[0]
    assert top.item_ids == (102,)
    assert "structured communication +++202/6000/42026+++ in the label" in top.explanation
    assert "check digits valid" in top.explanation
    assert auto_apply_choice(suggestions) is top


def test_belgian_structured_communication_with_a_typo_fails_its_check():
    top = best(line("500.00", "+++202/6000/42062+++"))
    assert top.item_ids == (102,)
    assert "one character off +++202/6000/42026+++ and fails its own check digits" in (
        top.explanation
    )


# -- RF creditor reference --------------------------------------------------------
def test_rf_check_digits():
    assert is_valid_rf("RF18 5390 0754 7034")
    assert is_valid_rf("rf18539007547034")
    assert not is_valid_rf("RF19 5390 0754 7034")
    assert not is_valid_rf("RF18")
    assert not is_valid_rf("INV202600042")


@pytest.mark.parametrize(
    "label", ["RF18 5390 0754 7034", "rf18539007547034", "RF18-5390-0754-7034"]
)
def test_rf_creditor_reference(label):
    suggestions = suggest(line("980.00", label))
    top = suggestions[0]
    assert top.item_ids == (104,)
    assert "creditor reference RF18 5390 0754 7034 in the label" in top.explanation
    assert "ISO 11649 check valid" in top.explanation
    # Brico's other 980.00 invoice is no rival: the reference tells them apart.
    assert top.ambiguous_with == ()
    assert auto_apply_choice(suggestions) is top


def test_rf_without_rf_and_check_digits():
    top = best(line("980.00", "ref 5390 0754 7034"))
    assert top.item_ids == (104,)
    assert "without its prefix" in top.explanation


def test_rf_with_wrong_check_digits_is_a_typo():
    top = best(line("980.00", "RF19 5390 0754 7034"))
    assert top.item_ids == (104,)
    assert "fails its own check digits" in top.explanation


# -- partner ------------------------------------------------------------------
def test_partner_from_iban_only():
    statement = line("1210.00", "transfer", account="be71096123456769")
    partner = identify_partner(statement, DIRECTORY)
    assert (partner.partner_id, partner.source) == (ACME, "account")
    suggestions = suggest(statement)
    assert [s.item_ids for s in suggestions] == [(101,)]
    top = suggestions[0]
    assert "bank account be71096123456769 known for Acme SA" in top.explanation
    assert "the only open item of Acme SA with this amount" in top.explanation
    # No reference: a person confirms at the default threshold, a lenient company need not.
    assert auto_apply_choice(suggestions) is None
    assert auto_apply_choice(suggestions, threshold=0.85) is top


def test_partner_from_name_only():
    statement = line("500.00", "virement", name="ACMÉ s.a.")
    partner = identify_partner(statement, DIRECTORY)
    assert (partner.partner_id, partner.source) == (ACME, "name")
    top = best(statement)
    assert top.item_ids == (102,)
    assert "name 'ACMÉ s.a.' on the line matches Acme SA" in top.explanation


def test_bank_account_wins_over_name_and_line_partner_over_both():
    statement = line("1.00", account=BRICO_IBAN, name="Acme SA")
    assert identify_partner(statement, DIRECTORY).partner_id == BRICO
    statement = line("1.00", account=BRICO_IBAN, name="Acme SA", partner_id=DELTA)
    assert identify_partner(statement, DIRECTORY).source == "line"


def test_shared_name_or_account_identifies_nobody():
    directory = PartnerDirectory.build(
        accounts=[("BE00 1111", 1), ("BE00 1111", 2)], names=[("Martin", 1), ("MARTIN", 2)]
    )
    assert identify_partner(line("1.00", account="BE001111", name="Martin"), directory) is None
    assert normalize_name("Acmé S.A.") == normalize_name("ACME sa") == "ACME"


def test_reference_of_another_customer_is_flagged():
    top = best(line("1210.00", "INV/2026/00042", account=BRICO_IBAN))
    assert top.item_ids == (101,)
    assert "known for Brico NV, but the invoice is for Acme SA" in top.explanation
    assert auto_apply_choice([top]) is None


# -- amounts --------------------------------------------------------------------
def test_partial_payment():
    suggestions = suggest(line("600.00", "INV/2026/00042 first part", account=ACME_IBAN))
    top = suggestions[0]
    assert (top.item_ids, top.kind) == ((101,), "partial")
    assert top.amount_applied == {101: Decimal("600.00")}
    assert "partial payment: 600.00 EUR of 1,210.00 EUR open, the rest stays open" in (
        top.explanation
    )
    assert auto_apply_choice(suggestions) is None
    assert auto_apply_choice(suggestions, threshold=0.75) is top


def test_partial_payment_without_reference_only_for_the_payers_only_item():
    only = Index([item(1, "INV/2026/00070", "800.00", DELTA)])
    top = best(line("300.00", "acompte", account="DE89370400440532013000"), only)
    assert top.kind == "partial"
    assert "the only open item of Delta GmbH" in top.explanation
    # Acme has several open items: which one is paid in part is not guessed.
    assert suggest(line("300.00", "acompte", account=ACME_IBAN)) == []


def test_one_payment_for_three_invoices():
    ledger = [
        item(201, "INV/2026/00101", "300.00", BRICO),
        item(202, "INV/2026/00102", "450.50", BRICO),
        item(203, "INV/2026/00103", "249.50", BRICO),
        item(204, "INV/2026/00104", "999.00", BRICO),
        item(205, "INV/2026/00105", "120.00", BRICO),
    ]
    index = Index(ledger)
    label = "INV/2026/00101, INV/2026/00102 and INV/2026/00103"
    suggestions = suggest(line("1000.00", label, account=BRICO_IBAN), index)
    top = suggestions[0]
    assert (top.item_ids, top.kind) == ((201, 202, 203), "combination")
    assert top.amount_applied == {
        201: Decimal("300.00"),
        202: Decimal("450.50"),
        203: Decimal("249.50"),
    }
    assert "the residuals of INV/2026/00101, INV/2026/00102, INV/2026/00103 add up" in (
        top.explanation
    )
    assert auto_apply_choice(suggestions) is top


def test_combination_without_references_waits_for_a_person():
    ledger = [
        item(201, "INV/2026/00101", "300.00", BRICO),
        item(202, "INV/2026/00102", "450.50", BRICO),
        item(203, "INV/2026/00103", "249.50", BRICO),
        item(204, "INV/2026/00104", "999.00", BRICO),
    ]
    suggestions = suggest(line("1000.00", "payment", account=BRICO_IBAN), Index(ledger))
    top = suggestions[0]
    assert top.kind == "combination" and top.item_ids == (201, 202, 203)
    assert "the only combination of Brico NV's open items that adds up (up to 5 items)" in (
        top.explanation
    )
    assert auto_apply_choice(suggestions) is None


def test_combination_search_is_bounded_and_claims_nothing_beyond_its_bounds():
    # 40 fillers no pair of which adds up; X+Y (oldest) and Z+W (newest) both pay 1,000.00.
    ledger = [
        item(501, "INV/2026/00501", "400.00", DELTA, due=date(2026, 1, 1)),
        item(502, "INV/2026/00502", "600.00", DELTA, due=date(2026, 1, 2)),
        *(
            item(600 + k, f"INV/2026/00{600 + k}", f"900.{k:02d}", DELTA, due=date(2026, 2, k))
            for k in range(1, 29)
        ),
        *(
            item(700 + k, f"INV/2026/00{700 + k}", f"910.{k:02d}", DELTA, due=date(2026, 3, k))
            for k in range(1, 13)
        ),
        item(503, "INV/2026/00503", "450.00", DELTA, due=date(2026, 6, 1)),
        item(504, "INV/2026/00504", "550.00", DELTA, due=date(2026, 6, 2)),
    ]
    statement = line("1000.00", "payment", account="DE89370400440532013000")
    suggestions = suggest(statement, Index(ledger))
    top = suggestions[0]
    assert (top.kind, top.item_ids) == ("combination", (501, 502))  # oldest items first
    assert "the only combination" not in top.explanation  # Z+W were never looked at
    assert auto_apply_choice(suggestions, threshold=0.8) is None


def test_two_combinations_adding_up_are_not_guessed():
    ledger = [
        item(301, "INV/2026/00201", "100.00", BRICO),
        item(302, "INV/2026/00202", "200.00", BRICO),
        item(303, "INV/2026/00203", "150.00", BRICO),
        item(304, "INV/2026/00204", "150.00", BRICO),
    ]
    suggestions = suggest(line("300.00", "payment", account=BRICO_IBAN), Index(ledger))
    combos = [s for s in suggestions if s.kind == "combination"]
    assert {s.item_ids for s in combos} == {(301, 302), (303, 304)}
    assert all(s.ambiguous_with for s in combos)
    assert auto_apply_choice(suggestions, threshold=0.0, margin=0.0) is None


def test_early_payment_discount_in_time():
    suggestions = suggest(line("245.00", "INV/2026/00050", when=date(2026, 3, 8)))
    top = suggestions[0]
    assert (top.item_ids, top.kind) == ((103,), "early_discount")
    assert top.amount_applied == {103: Decimal("250.00")}
    assert top.write_off == Decimal("5.00")
    assert "early-payment amount (discount 5.00 EUR until 2026-03-10)" in top.explanation
    assert auto_apply_choice(suggestions) is top


def test_early_payment_amount_after_the_discount_date_is_a_partial_payment():
    top = best(line("245.00", "INV/2026/00050", when=date(2026, 3, 12)))
    assert top.kind == "partial"
    assert top.amount_applied == {103: Decimal("245.00")}
    assert "paid after the discount date" in top.explanation


def test_overpayment():
    suggestions = suggest(line("1250.00", "INV/2026/00042", account=ACME_IBAN))
    top = suggestions[0]
    assert (top.item_ids, top.kind) == ((101,), "overpayment")
    assert top.amount_applied == {101: Decimal("1210.00")}
    assert top.unapplied == Decimal("40.00")
    assert "40.00 EUR left on the line" in top.explanation
    assert auto_apply_choice(suggestions) is None


def test_amounts_compare_in_cents_not_floats():
    assert to_minor(0.1 + 0.2, "EUR") == 30
    assert to_minor("1210.005", "EUR") == 121001
    assert to_minor(Decimal("1500"), "JPY") == 1500
    assert to_minor("12.3456", "KWD") == 12346
    top = best(line(Decimal("1210.0000"), "INV/2026/00042"))
    assert top.kind == "exact"


# -- currency -------------------------------------------------------------------
def test_foreign_currency_payment_matches_on_the_foreign_amount():
    statement = line(
        "1382.55",
        "INV/2026/00046",
        account="DE89 3704 0044 0532 0130 00",
        foreign_amount=Decimal("1500.00"),
        foreign_currency="USD",
    )
    suggestions = suggest(statement)
    top = suggestions[0]
    assert (top.item_ids, top.kind, top.currency) == ((106,), "exact", "USD")
    assert top.amount_applied == {106: Decimal("1500.00")}
    assert "amount paid in USD equals the residual" in top.explanation
    assert auto_apply_choice(suggestions) is top


def test_other_currency_without_foreign_amount_is_never_applied():
    suggestions = suggest(line("1382.55", "INV/2026/00046"))
    top = suggestions[0]
    assert (top.item_ids, top.kind) == ((106,), "reference_only")
    assert top.amount_applied == {}
    assert "the invoice is in USD and the payment in EUR: amounts not compared" in (top.explanation)
    assert auto_apply_choice(suggestions, threshold=0.0, margin=0.0) is None


def test_same_amount_in_another_currency_is_no_match():
    assert suggest(line("1500.00", "transfer", currency="EUR")) == []


# -- twins ----------------------------------------------------------------------
def test_two_invoices_with_the_same_amount_are_not_guessed():
    suggestions = suggest(line("980.00", "payment", account=BRICO_IBAN, when=date(2026, 3, 11)))
    assert [s.item_ids for s in suggestions] == [(104,), (105,)]  # the closer due date first
    first, second = suggestions
    assert first.ambiguous_with == (105,) and second.ambiguous_with == (104,)
    assert "nothing but the date tells them apart" in first.explanation
    for threshold, margin in ((DEFAULT_THRESHOLD, DEFAULT_MARGIN), (0.0, 0.0)):
        assert auto_apply_choice(suggestions, threshold, margin) is None


def test_two_invoices_with_the_same_amount_told_apart_by_reference():
    suggestions = suggest(line("980.00", "INV 2026 00045", account=BRICO_IBAN))
    top = suggestions[0]
    assert top.item_ids == (105,) and top.ambiguous_with == ()
    assert auto_apply_choice(suggestions) is top


def test_two_referenced_invoices_with_the_same_amount_are_not_guessed():
    label = "INV/2026/00044 INV/2026/00045"
    suggestions = suggest(line("980.00", label, account=BRICO_IBAN))
    assert {s.item_ids for s in suggestions[:2]} == {(104,), (105,)}
    assert suggestions[0].ambiguous_with
    assert auto_apply_choice(suggestions, threshold=0.0, margin=0.0) is None


# -- no match -------------------------------------------------------------------
def test_no_match():
    assert suggest(line("77.77", "refund salary", account="BE00 0000 0000 0000")) == []
    assert suggest(line("-1210.00", "INV/2026/00042")) == []  # outgoing: not ours
    assert auto_apply_choice([]) is None


def test_amount_only_with_unknown_payer():
    top = best(line("1210.00", "thanks"))
    assert top.item_ids == (101,)
    assert "the only open item with this amount" in top.explanation
    assert auto_apply_choice([top]) is None


# -- LLM-proposed references --------------------------------------------------------
def test_proposed_references_are_validated_against_open_items():
    tokens = ["INV-2026-00042", "po 7781", "INV/2099/99999", "inv 2026 42", "", "RF18"]
    assert validate_proposed_references(tokens, INDEX) == (101,)
    assert validate_proposed_references(["INV/2026/00024"], INDEX) == ()  # no typo tolerance


def test_proposed_reference_is_evidence_never_the_amount():
    messy = "pls find attached pmt for the march invoice, regards"
    statement = line("1210.00", messy, account=ACME_IBAN)
    top = best(statement, proposed_references=["INV/2026/00042", "INV/2026/09999"])
    assert top.item_ids == (101,) and top.kind == "exact"
    assert "reference INV/2026/00042 read from the remittance text" in top.explanation
    # A proposed reference does not make a wrong amount right.
    top = best(line("1000.00", messy, account=ACME_IBAN), proposed_references=["INV/2026/00042"])
    assert top.kind == "partial" and top.amount_applied == {101: Decimal("1000.00")}


# -- auto-apply decision -----------------------------------------------------------
def _suggestion(item_id, score, **kw):
    return Suggestion(
        line_id=1,
        item_ids=(item_id,),
        kind=kw.pop("kind", "exact"),
        score=score,
        currency="EUR",
        amount_applied=kw.pop("applied", {item_id: Decimal("10.00")}),
        reasons=("test",),
        **kw,
    )


def test_auto_apply_needs_threshold_and_margin():
    best_, runner = _suggestion(1, 0.95), _suggestion(2, 0.80)
    assert auto_apply_choice([best_, runner], threshold=0.9, margin=0.1) is best_
    assert auto_apply_choice([runner, best_], threshold=0.9, margin=0.1) is best_  # any order
    assert auto_apply_choice([best_, _suggestion(2, 0.86)], threshold=0.9, margin=0.1) is None
    assert auto_apply_choice([best_, _suggestion(2, 0.85)], threshold=0.9, margin=0.1) is best_
    assert auto_apply_choice([best_], threshold=0.96, margin=0.1) is None
    assert auto_apply_choice([best_], threshold=0.95, margin=0.1) is best_


def test_auto_apply_never_takes_ambiguous_or_unpriced_suggestions():
    assert auto_apply_choice([_suggestion(1, 0.99, ambiguous_with=(2,))], 0.5, 0.0) is None
    unpriced = _suggestion(1, 0.99, kind="reference_only", applied={})
    assert auto_apply_choice([unpriced], 0.5, 0.0) is None


def test_suggestions_are_deterministic():
    statement = line("980.00", "payment INV/2026/00044", account=BRICO_IBAN)
    assert suggest(statement) == suggest(statement) == suggest(statement, Index(LEDGER[::-1]))
