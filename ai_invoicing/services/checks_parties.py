"""Controller checks of who is invoiced, where the goods were supplied, and the rate's age.

Pure rules, no Odoo; the adapters (``models/account_move_ai_checks_parties.py``,
``..._supply.py``) gather the facts and turn each ``checks_lines.Hit`` into a translated
finding.
"""

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from .checks_lines import Hit

# Words of a sales warning that tell people not to invoice (Settings: "Blocking Words").
DEFAULT_BLOCKING_WORDS = (
    "invoice, invoicing, bill, block, stop, hold, do not, don't, "
    "factur, factu, bloqu, blokk, geblokkeerd, rechnung, sperre"
)


def blocking_words(text: str | None) -> list[str]:
    """The comma- or line-separated words of the setting, lower-cased, without blanks."""
    return [word.strip().casefold() for word in re.split(r"[,\n;]", text or "") if word.strip()]


def check_sales_warning(message: str | None, words: Iterable[str]) -> list[Hit]:
    """A customer whose sales warning tells people not to invoice.

    Odoo 19's sales warning (``res.partner.sale_warn_msg``) is a plain message shown when an
    order is entered; it has no blocking level any more, and an agent drafting the invoice
    sees no pop-up. The rule: a warning containing one of ``words`` (case-insensitive;
    "invoice", "block", "stop", ...) holds the draft; with no words configured, any
    non-empty warning does. A warning about something else ("deliver at the back door") is
    not a reason to hold an invoice.
    """
    text = " ".join((message or "").split())
    if not text:
        return []
    words = [word.casefold() for word in words if word and word.strip()]
    lowered = text.casefold()
    matched = [word for word in words if word in lowered]
    if words and not matched:
        return []
    return [Hit("sales_warning", "warning", "sales_warning", {"message": text, "words": matched})]


def check_archived_customer(archived: Sequence[str]) -> list[Hit]:
    """The invoiced customer (or its invoice contact) is archived."""
    if not archived:
        return []
    return [Hit("customer_archived", "warning", "archived_customer", {"names": list(archived)})]


def check_invoice_entity(
    invoiced_id: int | None, ordering_ids: Iterable[int], receiving_id: int | None
) -> list[Hit]:
    """An invoice address of another company than the one that ordered and received.

    Ids are commercial entities (a contact's company); contacts of one company (its invoice
    contact, its shops as delivery addresses) are the same entity.
    """
    others = {pid for pid in [*ordering_ids, receiving_id] if pid and pid != invoiced_id}
    if not invoiced_id or not others:
        return []
    return [
        Hit(
            "invoice_address_other_entity",
            "warning",
            "invoice_entity",
            {"invoiced_id": invoiced_id, "other_ids": sorted(others)},
        )
    ]


@dataclass(frozen=True)
class SupplyLine:
    """One line: goods or not, the VAT rate the product bears at home (its own taxes, %)
    and the rate invoiced."""

    product_id: int
    is_goods: bool
    domestic_rate: float
    invoiced_rate: float


def check_place_of_supply(
    company_country: str | None,
    ship_from: Iterable[str | None],
    destinations: Iterable[str | None],
    customer_country: str | None,
    customer_vat_country: str | None,
    lines: Sequence[SupplyLine],
) -> list[Hit]:
    """Goods that never left the country invoiced without its VAT because the customer is
    foreign.

    The goods stayed when every warehouse they left and every address they went to is in
    the company's country. The customer is foreign by its country or its VAT number (a
    foreign company with a local VAT registration buys locally too). A domestic customer
    under a domestic reverse charge, a real export and an intra-EU delivery abroad are not
    concerned.
    """
    origins = {country or company_country for country in ship_from} or {company_country}
    targets = {country for country in destinations if country}
    if not company_country or not targets or origins | targets != {company_country}:
        return []
    foreign = customer_country and customer_country != company_country
    if not foreign:
        return []
    missing = [
        line
        for line in lines
        if line.is_goods
        and line.domestic_rate > 0
        and line.invoiced_rate < line.domestic_rate - 1e-6
    ]
    if not missing:
        return []
    return [
        Hit(
            "goods_stayed_untaxed",
            "error",
            "place_of_supply",
            {
                "product_ids": [line.product_id for line in missing],
                "country": company_country,
                "domestic_rate": max(line.domestic_rate for line in missing),
                "invoiced_rate": min(line.invoiced_rate for line in missing),
                "local_vat": customer_vat_country == company_country,
            },
        )
    ]


def check_rate_age(
    currency: str,
    company_currency: str,
    rate_day: date | None,
    invoice_day: date,
    max_days: int,
) -> list[Hit]:
    """A foreign-currency invoice converted at a rate older than ``max_days`` (the feed
    stopped). No rate at all is the currency check's error."""
    if currency == company_currency or not rate_day or max_days <= 0:
        return []
    age = (invoice_day - rate_day).days
    if age <= max_days:
        return []
    return [
        Hit(
            "currency_rate_stale",
            "warning",
            "rate_age",
            {"currency": currency, "rate_day": rate_day, "days": age, "max_days": max_days},
        )
    ]
