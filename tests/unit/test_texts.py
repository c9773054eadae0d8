"""services/texts.py: English by default, said part by part in another language."""

import copy
import json
import pickle
from dataclasses import asdict

from ai_invoicing.services import cash_matching, checks
from ai_invoicing.services.templates import Wording
from ai_invoicing.services.texts import _, english, join, say

FRENCH = {
    "the only open item of %(payer)s": "la seule pièce ouverte de %(payer)s",
    "the customer": "le client",
    "amount": "le montant",
    "%(paid)s equals the residual": "%(paid)s égal au montant dû",
}


def _french():
    return Wording(
        lambda source, /, **kw: (
            FRENCH.get(source, source) % kw if kw else FRENCH.get(source, source)
        )
    )


def test_text_is_its_english_and_keeps_template_and_params():
    text = _("the only open item of %(payer)s", payer=_("the customer"))
    assert text == "the only open item of the customer"
    assert text.source == "the only open item of %(payer)s"
    assert english(text) == text


def test_say_translates_nested_params_and_joined_parts():
    reasons = join(", ", (_("%(paid)s equals the residual", paid=_("amount")), "plain"))
    said = say(reasons, _french())
    assert said == "le montant égal au montant dû, plain"
    assert english(said) == "amount equals the residual, plain"
    assert say("not a text", _french()) == "not a text"


def test_texts_survive_copies_pickles_and_json():
    finding = checks.Finding(
        "x", "warning", _("the only open item of %(payer)s", payer="Acme"), "c"
    )
    assert asdict(finding)["message"] == "the only open item of Acme"
    assert json.loads(json.dumps(asdict(finding)))["message"] == "the only open item of Acme"
    joined = join("; ", (_("amount"), "b"))
    for copied in (copy.deepcopy(joined), pickle.loads(pickle.dumps(joined))):
        assert copied == "amount; b" and english(copied) == "amount; b"


def test_a_check_and_a_cash_reason_say_themselves_in_another_language():
    [finding] = checks.check_channel_readiness("email", None)
    assert finding.message.source.startswith("The customer receives invoices by e-mail")
    suggestion = cash_matching.Suggestion(
        1, (2,), "exact", 0.9, "EUR", {}, (_("%(paid)s equals the residual", paid=_("amount")),)
    )
    assert say(suggestion.explanation, _french()) == "le montant égal au montant dû"


def test_stored_texts_are_said_later_in_another_language():
    from ai_invoicing.services.texts import from_data

    finding = checks.Finding(
        "x", "warning", join(" ", (_("%(paid)s equals the residual", paid=_("amount")), "x")), "c"
    )
    [data] = checks.findings_to_json([finding])
    assert data["message"] == "amount equals the residual x"
    again = from_data(json.loads(json.dumps(data["text"])))
    assert again == data["message"]
    assert say(again, _french()) == "le montant égal au montant dû x"


def test_amounts_are_english_until_said_in_the_readers_format():
    from ai_invoicing.services.texts import amount, from_data, to_data

    french = Wording(
        format_number=lambda value: f"{value:,.2f}".replace(",", " ").replace(".", ",")
    )
    text = _("partial payment: %(paid)s", paid=cash_matching.format_amount(123450, "EUR"))
    assert text == "partial payment: 1,234.50 EUR"
    assert say(text, french) == "partial payment: 1 234,50 EUR"
    assert say(from_data(to_data(text)), french) == "partial payment: 1 234,50 EUR"
    assert say(amount(5, 0, "JPY"), french) == "5 JPY", "other decimals stay as they are"


def test_dates_are_iso_until_said_in_the_readers_format():
    from datetime import date

    from ai_invoicing.services.texts import Day, from_data, to_data

    belgian = Wording(format_date=lambda value: value.strftime("%d/%m/%Y"))
    text = _(" until %(date)s", date=Day(date(2026, 3, 10)))
    assert text == " until 2026-03-10"
    assert say(from_data(to_data(text)), belgian) == " until 10/03/2026"
