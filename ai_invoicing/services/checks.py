"""Deterministic invoice checks: each yields findings a finance clerk can act on.

Inputs are plain values gathered by the Odoo model; nothing here touches Odoo.
Any warning or error sends the draft to review; info is only logged.
"""

import math
import re
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import date
from typing import Literal

Severity = Literal["info", "warning", "error"]
_RANK = {"info": 0, "warning": 1, "error": 2}
EU_COUNTRIES = frozenset(
    "AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK".split()
)
_EMAIL_RE = re.compile(r"^[^@\s,;<>]+@[^@\s,;<>]+\.[A-Za-z]{2,}$")


@dataclass(frozen=True)
class Finding:
    code: str
    severity: Severity
    message: str
    check: str


@dataclass(frozen=True)
class LineTaxes:
    product_name: str
    expected_tax_ids: frozenset[int]
    actual_tax_ids: frozenset[int]
    expected_tax_names: str = ""
    actual_tax_names: str = ""


@dataclass(frozen=True)
class QtyLine:
    product_name: str
    invoiced_qty: float
    deliverable_qty: float
    uom_name: str = ""
    invoice_policy: str = "delivery"


@dataclass(frozen=True)
class PriceLine:
    product_name: str
    invoice_price_unit: float
    order_price_unit: float
    discount_pct: float = 0.0


@dataclass(frozen=True)
class InvoiceKey:
    id: int
    name: str
    partner_id: int
    amount_total: float
    currency: str
    date: date
    origin: str | None = None
    ref: str | None = None
    source: str | None = None  # e.g. the delivery it invoices: different sources are no twins


# ---------------------------------------------------------------------------
# Taxes vs delivery address
# ---------------------------------------------------------------------------
def check_fiscal_position(
    expected_fpos_id: int | None,
    expected_fpos_name: str,
    invoice_fpos_id: int | None,
    invoice_fpos_name: str,
    lines: Sequence[LineTaxes] = (),
) -> list[Finding]:
    """The fiscal position Odoo would pick for the delivery address, and each line's taxes."""
    findings = []
    if (expected_fpos_id or None) != (invoice_fpos_id or None):
        findings.append(
            Finding(
                "fiscal_position_mismatch",
                "error",
                f"The delivery address calls for fiscal position "
                f"'{expected_fpos_name or 'none'}' but the invoice uses "
                f"'{invoice_fpos_name or 'none'}': check the customer's addresses and VAT number.",
                "taxes",
            )
        )
    for line in lines:
        if line.expected_tax_ids != line.actual_tax_ids:
            findings.append(
                Finding(
                    "tax_mismatch",
                    "error",
                    f"Taxes on '{line.product_name}' are '{line.actual_tax_names or 'none'}' but "
                    f"the fiscal position maps the product's taxes to "
                    f"'{line.expected_tax_names or 'none'}'.",
                    "taxes",
                )
            )
    return findings


# ---------------------------------------------------------------------------
# VAT number
# ---------------------------------------------------------------------------
def _vat_module(country_code: str):
    from stdnum.util import get_cc_module

    return get_cc_module(country_code.lower(), "vat")


def check_vat(
    vat: str | None,
    country_code: str | None,
    is_company: bool,
    requires_vat: bool,
    vies_state: Literal["valid", "invalid", "unverified", "not_checked"] = "not_checked",
) -> list[Finding]:
    """Format and check digit with python-stdnum; VIES outcome when it was looked up."""
    if not vat:
        if requires_vat and is_company:
            return [
                Finding(
                    "vat_missing",
                    "warning",
                    "This business customer has no VAT number, which the applied tax treatment "
                    "needs (intra-EU B2B). Add it on the customer.",
                    "vat",
                )
            ]
        return []
    code = (country_code or vat[:2]).upper()
    module = _vat_module(code) if code.isalpha() else None
    if module is None:
        return [
            Finding(
                "vat_not_checkable",
                "info",
                f"No VAT number rules for country {code}; {vat} was not checked.",
                "vat",
            )
        ]
    # stdnum's country modules strip their own country prefix (BE0477..., ATU...).
    if not module.is_valid(vat.strip()):
        return [
            Finding(
                "vat_invalid",
                "error",
                f"VAT number {vat} fails the {code} format or check digit. Correct it on the "
                "customer.",
                "vat",
            )
        ]
    if vies_state == "invalid":
        return [
            Finding(
                "vies_invalid",
                "warning",
                f"VIES does not know VAT number {vat}: the customer may not be VAT-registered.",
                "vat",
            )
        ]
    if vies_state == "unverified":
        return [
            Finding(
                "vat_unverified",
                "info",
                f"VIES could not be reached to verify {vat}; the format is valid.",
                "vat",
            )
        ]
    return []


# ---------------------------------------------------------------------------
# Currency
# ---------------------------------------------------------------------------
def check_currency_rate(
    currency: str,
    company_currency: str,
    rate: float | None,
    previous_rate: float | None,
    tolerance_pct: float,
) -> list[Finding]:
    if currency == company_currency:
        return []
    if not rate:
        return [
            Finding(
                "currency_rate_missing",
                "error",
                f"No exchange rate for {currency} on the invoice date: the company-currency "
                "amounts would be wrong. Add the rate.",
                "currency",
            )
        ]
    if previous_rate and tolerance_pct:
        change = abs(rate / previous_rate - 1) * 100
        if change > tolerance_pct:
            return [
                Finding(
                    "currency_rate_jump",
                    "warning",
                    f"The {currency} rate moved {change:.1f}% since the previous rate "
                    f"({previous_rate:g} -> {rate:g}), above the {tolerance_pct:g}% tolerance. "
                    "Check the rate before posting.",
                    "currency",
                )
            ]
    return []


# ---------------------------------------------------------------------------
# Quantities, prices, discounts
# ---------------------------------------------------------------------------
def check_quantities(lines: Sequence[QtyLine], rounding: float = 1e-6) -> list[Finding]:
    findings = []
    for line in lines:
        if line.invoiced_qty < -rounding:
            findings.append(
                Finding(
                    "qty_negative",
                    "warning",
                    f"'{line.product_name}' is invoiced with a negative quantity "
                    f"({line.invoiced_qty:g} {line.uom_name}).",
                    "quantities",
                )
            )
        elif line.invoiced_qty - line.deliverable_qty > rounding:
            basis = "ordered" if line.invoice_policy == "order" else "delivered"
            findings.append(
                Finding(
                    "qty_over_delivered",
                    "error",
                    f"'{line.product_name}': {line.invoiced_qty:g} {line.uom_name} invoiced but "
                    f"only {line.deliverable_qty:g} {basis} and not yet invoiced.",
                    "quantities",
                )
            )
    return findings


def check_prices(
    lines: Sequence[PriceLine], tolerance_pct: float, max_discount_pct: float
) -> list[Finding]:
    findings = []
    for line in lines:
        reference = line.order_price_unit
        if reference and tolerance_pct >= 0:
            deviation = abs(line.invoice_price_unit / reference - 1) * 100
            if deviation > tolerance_pct:
                findings.append(
                    Finding(
                        "price_deviation",
                        "warning",
                        f"'{line.product_name}' is invoiced at {line.invoice_price_unit:,.2f} "
                        f"but ordered at {reference:,.2f} ({deviation:.1f}% off, tolerance "
                        f"{tolerance_pct:g}%).",
                        "prices",
                    )
                )
        if max_discount_pct and line.discount_pct > max_discount_pct:
            findings.append(
                Finding(
                    "discount_too_high",
                    "warning",
                    f"'{line.product_name}' has a {line.discount_pct:g}% discount, above the "
                    f"{max_discount_pct:g}% ceiling.",
                    "prices",
                )
            )
    return findings


# ---------------------------------------------------------------------------
# Duplicates, unusual amounts
# ---------------------------------------------------------------------------
def check_duplicates(
    candidate: InvoiceKey, others: Sequence[InvoiceKey], window_days: int
) -> list[Finding]:
    findings = []
    for other in others:
        if other.id == candidate.id:
            continue
        if other.partner_id != candidate.partner_id or other.currency != candidate.currency:
            continue
        if round(other.amount_total - candidate.amount_total, 2) != 0:
            continue
        if abs((candidate.date - other.date).days) > window_days:
            continue
        if candidate.source and other.source and candidate.source != other.source:
            continue  # two partial deliveries of one order may well cost the same
        same_origin = candidate.origin and candidate.origin == other.origin
        same_ref = candidate.ref and candidate.ref == other.ref
        if same_origin or same_ref:
            link = "origin" if same_origin else "reference"
            findings.append(
                Finding(
                    "possible_duplicate",
                    "warning",
                    f"Possible duplicate of {other.name} ({other.date}): same customer, same total "
                    f"{candidate.amount_total:,.2f} {candidate.currency} and same {link}.",
                    "duplicates",
                )
            )
    return findings


def check_unusual_amount(
    amount: float, history: Sequence[float], k_sigma: float, min_history: int
) -> list[Finding]:
    """Above mean + k sigma of the customer's posted invoices (population stdev).

    With a flat history (stdev 0) the bar is mean x (1 + k/10), so a customer who always
    pays 100 is flagged at 131 with k = 3.
    """
    if len(history) < max(min_history, 1):
        return []
    mean = statistics.fmean(history)
    stdev = statistics.pstdev(history)
    limit = mean + k_sigma * stdev if stdev else mean * (1 + k_sigma / 10)
    if amount > limit and not math.isclose(amount, limit):
        return [
            Finding(
                "unusual_amount",
                "warning",
                f"Total {amount:,.2f} is unusually high for this customer (average "
                f"{mean:,.2f} over {len(history)} posted invoices).",
                "unusual_amount",
            )
        ]
    return []


# ---------------------------------------------------------------------------
# Delivery channel readiness
# ---------------------------------------------------------------------------
def check_channel_readiness(
    channel: str,
    email: str | None,
    peppol_endpoint: str | None = None,
    peppol_valid: bool = False,
) -> list[Finding]:
    if channel == "email":
        if not email:
            return [
                Finding(
                    "channel_email_missing",
                    "warning",
                    "The customer receives invoices by e-mail but has no e-mail address.",
                    "channel",
                )
            ]
        if not _EMAIL_RE.match(email.strip()):
            return [
                Finding(
                    "channel_email_invalid",
                    "warning",
                    f"The customer's e-mail address '{email}' does not look valid.",
                    "channel",
                )
            ]
    elif channel == "peppol" and not (peppol_endpoint and peppol_valid):
        return [
            Finding(
                "channel_peppol_missing",
                "warning",
                "The customer receives invoices by Peppol but has no verified Peppol endpoint.",
                "channel",
            )
        ]
    elif channel == "manual":
        return [
            Finding(
                "channel_manual",
                "info",
                "The customer has no electronic channel: the invoice is sent by hand.",
                "channel",
            )
        ]
    return []


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------
def worst_severity(findings: Iterable[Finding]) -> str | None:
    ranked = sorted(findings, key=lambda f: _RANK[f.severity], reverse=True)
    return ranked[0].severity if ranked else None


def review_reasons(findings: Iterable[Finding]) -> list[str]:
    return [f.message for f in findings if f.severity in ("warning", "error")]


def findings_to_json(findings: Iterable[Finding]) -> list[dict]:
    return [asdict(f) for f in findings]
