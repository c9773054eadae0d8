"""Guardrails and templates on localized text: a figure or a date written the way a French,
Belgian, Dutch, German, Spanish or Italian reader writes it is still Odoo's figure or date."""

from datetime import date

import pytest

from ai_invoicing.services import templates
from ai_invoicing.services.dunning import (
    Level,
    OpenItem,
    amounts_to_format,
    plan_reminders,
    reminder_facts,
)
from ai_invoicing.services.guardrails import (
    AllowedOutput,
    check_output,
    find_amounts,
    find_dates,
)

# What Odoo computed: 1234.56 EUR due on 25 November 2026 (formatLang/format_date, en_US).
ALLOWED = AllowedOutput(
    amounts=frozenset({"1,234.56", "1234.56", "€\u00a01,234.56"}),
    facts_text='{"invoice_date_due": "11/25/2026"}',
)

# (language, right figure, right date) as Odoo's formatters write them in that language
RIGHT = [
    ("fr_BE", "1.234,56\u00a0€", "25/11/2026"),
    ("fr_FR", "1\u202f234,56\u00a0€", "25/11/2026"),
    ("fr_FR (no-break space)", "1\u00a0234,56 €", "25 novembre 2026"),
    ("nl_BE", "€\u00a01.234,56", "25/11/2026"),
    ("nl_NL", "€ 1.234,56", "25-11-2026"),
    ("de_DE", "1.234,56\u00a0€", "25.11.2026"),
    ("de_DE (words)", "1.234,56 EUR", "25. November 2026"),
    ("es_ES", "1.234,56\u00a0€", "25 de noviembre de 2026"),
    ("it_IT", "1.234,56 €", "25/11/2026"),
    ("en_US", "€ 1,234.56", "November 25, 2026"),
]
WRONG = [
    ("fr_BE", "1.243,56\u00a0€", "26/11/2026"),
    ("fr_FR", "1\u202f234,65\u00a0€", "25/12/2026"),
    ("nl_BE", "€\u00a01.234,00", "24/11/2026"),
    ("de_DE", "12.345,60\u00a0€", "25.10.2026"),
    ("es_ES", "1.234,50\u00a0€", "25 de octubre de 2026"),
    ("it_IT", "2.234,56 €", "26 novembre 2026"),
]


@pytest.mark.parametrize(("lang", "amount", "when"), RIGHT, ids=[r[0] for r in RIGHT])
def test_odoo_figure_and_date_in_any_format_are_allowed(lang, amount, when):
    text = f"Montant / Betrag / importe: {amount}, échéance / Fälligkeit: {when}."
    assert find_amounts(text), lang
    assert find_dates(text), lang
    assert check_output([text], ALLOWED) == [], lang


@pytest.mark.parametrize(("lang", "amount", "when"), WRONG, ids=[r[0] for r in WRONG])
def test_a_figure_or_date_odoo_did_not_compute_is_refused(lang, amount, when):
    codes = [f.code for f in check_output([f"Total: {amount}."], ALLOWED)]
    assert codes == ["llm_amount_mismatch"], lang
    codes = [f.code for f in check_output([f"Due on {when}."], ALLOWED)]
    assert codes == ["llm_date_mismatch"], lang


def test_a_german_date_is_neither_an_amount_nor_an_account_number():
    text = "Fällig am 25.11.2026, Betrag 1.234,56 €."
    assert find_amounts(text) == ["1.234,56 €"]
    assert check_output([text], ALLOWED) == []


def _fake_french(source, /, **kwargs):
    french = {
        "- %(name)s (due %(date)s, %(days)s day(s) overdue): %(amount)s": (
            "- %(name)s (échéance %(date)s, %(days)s jour(s) de retard) : %(amount)s"
        ),
        "Total due: %(amount)s": "Total dû : %(amount)s",
    }
    text = french.get(source, source)
    return text % kwargs if kwargs else text


def test_templates_speak_through_the_callers_wording():
    level = Level(1, 20, 7, "email", "friendly", False, "First reminder")
    item = OpenItem(1, "INV/2026/00001", 7, "EUR", 1234.56, date(2026, 11, 1))
    plan = plan_reminders([item], {}, [level], date(2026, 11, 9))[0]
    formatted = {key: "1.234,56\u00a0€" for key in amounts_to_format(plan)}
    facts = reminder_facts(
        plan, None, [], [], formatted, "Acme", format_date=lambda d: d.strftime("%d/%m/%Y")
    )
    wording = templates.Wording(_fake_french, lambda d: d.strftime("%d/%m/%Y"))
    _subject, body = templates.fallback_dunning_body(facts, "friendly", wording)
    assert "- INV/2026/00001 (échéance 01/11/2026, 8 jour(s) de retard) : 1.234,56\u00a0€" in body
    assert "Total dû : 1.234,56\u00a0€" in body
    assert wording.date("2026-11-25") == "25/11/2026"


def test_due_today_is_said_in_both_templates():
    line = templates.dunning_invoice_line({"name": "INV/1", "due_date": "x", "amount_due": "5 €"})
    assert line == "- INV/1 (due today): 5 €"
