"""Deterministic invoice checks: each yields findings a finance clerk can act on.

Inputs are plain values gathered by the Odoo model; nothing here touches Odoo.
Any warning or error sends the draft to review; info is only logged.
"""

import math
import re
import statistics
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import date
from typing import Literal

Severity = Literal["info", "warning", "error"]
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
class OrderedQtyLine:
    """An order line this invoice bills; quantities in the order line's UoM.

    ``invoiced_qty`` is invoiced to date on the order line, this invoice included.
    """

    product_name: str
    ordered_qty: float
    invoiced_qty: float
    uom_name: str = ""
    order_name: str = ""
    delivered_qty: float | None = None
    invoice_policy: str = "delivery"


@dataclass(frozen=True)
class PriceLine:
    product_name: str
    invoice_price_unit: float
    order_price_unit: float
    discount_pct: float = 0.0


@dataclass(frozen=True)
class PriceRefLine:
    """One invoice line and what its price should be, all in the invoice currency and line UoM.

    The caller converts the list price and the cost (standard price) to the invoice currency
    and the line's UoM, and asks the order's pricelist for the net price it gives this customer
    for this quantity on the order date (None without a pricelist). ``*_display`` are the same
    amounts preformatted; ``price_display`` is the net unit price, after the line discount.
    """

    product_name: str
    price_unit: float
    discount_pct: float = 0.0
    list_price: float | None = None
    pricelist_price: float | None = None
    cost: float | None = None
    pricelist_name: str = ""
    price_display: str = ""
    list_price_display: str = ""
    pricelist_price_display: str = ""
    cost_display: str = ""

    @property
    def net_price(self) -> float:
        return self.price_unit * (1 - (self.discount_pct or 0.0) / 100)


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
    source: str | None = None  # e.g. the delivery it invoices ("picking:12")
    # The sale order(s) it bills (e.g. "S00042"): only deliveries of the SAME order are exempt
    # from the duplicate rule. Unknown (None) on both sides: the origin stands in for it.
    sale_order: str | None = None
    # line_signature() of its product lines: two invoices for different goods are no twins.
    line_signature: tuple | None = None
    amount_display: str | None = None  # amount_total preformatted by the caller, e.g. "€ 1,210.00"


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
                    f"Taxes on {line.product_name} are '{line.actual_tax_names or 'none'}' but "
                    f"the fiscal position maps the product's taxes to "
                    f"'{line.expected_tax_names or 'none'}'.",
                    "taxes",
                )
            )
    return findings


def check_forced_fiscal_position(
    auto_fpos_id: int | None,
    auto_fpos_name: str,
    forced_fpos_id: int | None,
    forced_fpos_name: str,
    forced_auto_apply: bool = True,
    partner_name: str = "",
    delivery_country: str = "",
) -> list[Finding]:
    """A fiscal position forced on the customer that the delivery address contradicts.

    ``auto_fpos_*``: the position Odoo would pick by itself for the delivery address
    (``_get_first_matching_fpos``, ignoring the forced one); ``forced_fpos_*``: the customer's
    (or delivery contact's) forced ``property_account_position_id``. A forced position that
    is not auto-applied (``forced_auto_apply`` False, e.g. a co-contractor regime) is a special
    regime no address can confirm, so it is not reported.
    """
    if not forced_fpos_id or forced_fpos_id == (auto_fpos_id or None) or not forced_auto_apply:
        return []
    who = partner_name or "the customer"
    where = f" in {delivery_country}" if delivery_country else ""
    auto = f"'{auto_fpos_name}'" if auto_fpos_id else "no fiscal position"
    return [
        Finding(
            "fiscal_position_forced",
            "warning",
            f"Fiscal position '{forced_fpos_name}' is forced on {who}, but for the delivery "
            f"address{where} Odoo would apply {auto}. Check where the goods go: the fiscal "
            "position decides the VAT.",
            "fiscal_position_forced",
        )
    ]


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


def check_currency_habit(
    invoice_currency: str,
    history_currencies: Sequence[str] | Mapping[str, int],
    min_history: int,
    partner_name: str = "",
) -> list[Finding]:
    """An invoice in a currency none of the customer's posted invoices uses.

    ``history_currencies`` holds one currency code per posted invoice of the customer, or a
    ``{code: count}`` mapping (e.g. straight from a grouped count).
    """
    counts = Counter(history_currencies)
    total = sum(counts.values())
    if total < max(min_history, 1) or counts.get(invoice_currency):
        return []
    used = [code for code, count in counts.most_common() if count > 0]
    usual = " and ".join(used) if len(used) < 3 else ", ".join(used[:-1]) + f" and {used[-1]}"
    who = partner_name or "This customer"
    return [
        Finding(
            "unusual_currency",
            "warning",
            f"{who} has only been invoiced in {usual} ({total} posted invoices) but this invoice "
            f"is in {invoice_currency}. Check the currency of the order and its pricelist.",
            "currency_habit",
        )
    ]


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
                    f"{line.product_name} is invoiced with a negative quantity "
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
                    f"{line.product_name}: {line.invoiced_qty:g} {line.uom_name} invoiced but "
                    f"only {line.deliverable_qty:g} {basis} and not yet invoiced.",
                    "quantities",
                )
            )
    return findings


def check_over_delivery(
    lines: Sequence[OrderedQtyLine], tolerance_pct: float = 0.0, rounding: float = 1e-6
) -> list[Finding]:
    """More invoiced to date than ordered: the customer is billed for goods it did not order.

    Lines invoiced on ordered quantities are left to ``check_quantities`` (it already reports
    invoicing beyond the ordered quantity as ``qty_over_delivered``).
    """
    findings = []
    for line in lines:
        if line.invoice_policy == "order":
            continue
        over = line.invoiced_qty - line.ordered_qty
        allowed = max(line.ordered_qty, 0.0) * tolerance_pct / 100
        if over <= allowed + rounding:
            continue
        uom = f" {line.uom_name}" if line.uom_name else ""
        on_order = f" on order {line.order_name}" if line.order_name else ""
        delivered = f" ({line.delivered_qty:g} delivered)" if line.delivered_qty is not None else ""
        if line.ordered_qty > rounding:
            detail = (
                f"only {line.ordered_qty:g}{uom} were ordered: {over:g}{uom} more "
                f"({over / line.ordered_qty * 100:.1f}%, tolerance {tolerance_pct:g}%)"
            )
        else:
            detail = "it was not ordered"
        findings.append(
            Finding(
                "qty_above_ordered",
                "warning",
                f"{line.product_name}{on_order}: {line.invoiced_qty:g}{uom} invoiced to date"
                f"{delivered} but {detail}. Check that the customer accepts the extra quantity.",
                "over_delivery",
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
                        f"{line.product_name} is invoiced at {line.invoice_price_unit:,.2f} "
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
                    f"{line.product_name} has a {line.discount_pct:g}% discount, above the "
                    f"{max_discount_pct:g}% ceiling.",
                    "prices",
                )
            )
    return findings


def check_price_reference(
    lines: Sequence[PriceRefLine], tolerance_pct: float, check_cost: bool = True
) -> list[Finding]:
    """Net line price vs what it should be, and vs the product's cost.

    The reference is the order pricelist's price for this customer, quantity and date (it
    already holds the customer's agreed reductions); without a pricelist, the list price.
    Flags a net price more than ``tolerance_pct`` below the reference (a manual override),
    and any net price below the cost. Lines with a negative price (rebates) are skipped.
    """
    findings = []
    for line in lines:
        if line.price_unit < 0:
            continue
        net = line.net_price
        finding = _below_reference(line, net, tolerance_pct)
        if finding:
            findings.append(finding)
        if check_cost and line.cost and line.cost > 0 and _below(net, line.cost):
            findings.append(
                Finding(
                    "price_below_cost",
                    "warning",
                    f"{line.product_name} is sold at a unit price of "
                    f"{_money(line.price_display, net)}{_after_discount(line)}, below its cost of "
                    f"{_money(line.cost_display, line.cost)}: this line loses money.",
                    "price_reference",
                )
            )
    return findings


def _below_reference(line: PriceRefLine, net: float, tolerance_pct: float) -> Finding | None:
    if line.pricelist_price is not None:
        reference, display = line.pricelist_price, line.pricelist_price_display
        code = "price_below_pricelist"
        name = f" '{line.pricelist_name}'" if line.pricelist_name else ""
        source = f"the customer's pricelist{name} gives"
    else:
        reference, display = line.list_price, line.list_price_display
        code, source = "price_below_list_price", "the list price is"
    if not reference or reference <= 0:
        return None
    gap_pct = (1 - net / reference) * 100
    if not _below(net, reference) or gap_pct <= tolerance_pct + 1e-9:
        return None
    return Finding(
        code,
        "warning",
        f"{line.product_name} is invoiced at a unit price of {_money(line.price_display, net)}"
        f"{_after_discount(line)} but {source} "
        f"{_money(display, reference)}: {gap_pct:.1f}% lower, above the {tolerance_pct:g}% "
        "tolerance. Check whether the price was changed by hand.",
        "price_reference",
    )


def _below(value: float, reference: float) -> bool:
    return value < reference and not math.isclose(value, reference, rel_tol=1e-9, abs_tol=5e-3)


def _money(display: str, value: float) -> str:
    return display or f"{value:,.2f}"


def _after_discount(line: PriceRefLine) -> str:
    return f" (after its {line.discount_pct:g}% discount)" if line.discount_pct else ""


# ---------------------------------------------------------------------------
# Duplicates, unusual amounts
# ---------------------------------------------------------------------------
def line_signature(rows: Iterable[tuple]) -> tuple:
    """Order-independent signature of an invoice's lines, for ``InvoiceKey.line_signature``.

    ``rows`` are ``(product_id, quantity, price_unit, discount_pct)`` tuples (any hashable
    values); floats are rounded so that 10.0 and 10.000000001 match.
    """

    def norm(value):
        return round(value, 6) if isinstance(value, float) else value

    return tuple(sorted(tuple(norm(v) for v in row) for row in rows))


def _same_order(a: InvoiceKey, b: InvoiceKey) -> bool:
    if a.sale_order or b.sale_order:
        return a.sale_order == b.sale_order
    return bool(a.origin) and a.origin == b.origin


def _is_partial_delivery(a: InvoiceKey, b: InvoiceKey) -> bool:
    """Two different deliveries of the same order may well cost the same: not twins."""
    return bool(a.source and b.source and a.source != b.source and _same_order(a, b))


def check_duplicates(
    candidate: InvoiceKey, others: Sequence[InvoiceKey], window_days: int
) -> list[Finding]:
    """Another invoice for the same customer, currency and total within the window that shares
    the origin or the customer reference.

    Exempt: different deliveries of the same order, and invoices whose known line signatures
    differ (a reorder of other goods that happens to cost the same). Two separate orders with
    the same lines, total and customer reference are flagged: the customer may have ordered
    twice.
    """
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
        signatures = (candidate.line_signature, other.line_signature)
        if None not in signatures and signatures[0] != signatures[1]:
            continue
        if _is_partial_delivery(candidate, other):
            continue
        same_origin = candidate.origin and candidate.origin == other.origin
        same_ref = candidate.ref and candidate.ref == other.ref
        if same_origin or same_ref:
            findings.append(_duplicate_finding(candidate, other, bool(same_origin)))
    return findings


def _duplicate_finding(candidate: InvoiceKey, other: InvoiceKey, same_origin: bool) -> Finding:
    amount = candidate.amount_display or f"{candidate.amount_total:,.2f} {candidate.currency}"
    link = f"origin {candidate.origin}" if same_origin else f"reference {candidate.ref}"
    same_lines = candidate.line_signature is not None and (
        candidate.line_signature == other.line_signature
    )
    facts = "same customer, same lines" if same_lines else "same customer"
    message = (
        f"Possible duplicate of {other.name} ({other.date}): {facts}, same total {amount} "
        f"and same {link}."
    )
    orders = (candidate.sale_order or candidate.origin, other.sale_order or other.origin)
    if all(orders) and orders[0] != orders[1]:
        message += (
            f" Order {orders[0]} repeats order {orders[1]}: check that the customer did not "
            "order twice."
        )
    return Finding("possible_duplicate", "warning", message, "duplicates")


def check_unusual_amount(
    amount: float,
    history: Sequence[float],
    k_sigma: float,
    min_history: int,
    opted_out: bool = False,
) -> list[Finding]:
    """Above mean + k sigma of the customer's posted invoices (population stdev).

    With a flat history (stdev 0) the bar is mean x (1 + k/10), so a customer who always
    pays 100 is flagged at 131 with k = 3. ``opted_out`` is Odoo's own partner opt-out
    (``ignore_abnormal_invoice_amount``): such customers are never flagged.
    """
    if opted_out or len(history) < max(min_history, 1):
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
# Credit limit
# ---------------------------------------------------------------------------
def check_credit_limit(
    receivable: float,
    invoice_amount: float,
    credit_limit: float,
    enabled: bool = True,
    partner_name: str = "",
    receivable_display: str = "",
    amount_display: str = "",
    limit_display: str = "",
) -> list[Finding]:
    """The customer's open receivable plus this invoice above Odoo's partner credit limit.

    All amounts in company currency: ``receivable`` is the partner's ``credit``, the
    limit the partner's effective ``credit_limit`` (zero: no limit), ``enabled`` the
    company's ``account_use_credit_limit``. A credit note never exceeds a limit.
    """
    if not enabled or credit_limit <= 0 or invoice_amount <= 0:
        return []
    total = receivable + invoice_amount
    if total <= credit_limit or math.isclose(total, credit_limit, abs_tol=5e-3):
        return []
    who = partner_name or "The customer"
    return [
        Finding(
            "credit_limit_exceeded",
            "warning",
            f"{who}: open receivable {_money(receivable_display, receivable)} plus this invoice "
            f"{_money(amount_display, invoice_amount)} is above the credit limit of "
            f"{_money(limit_display, credit_limit)}. Get payment or approval before sending.",
            "credit_limit",
        )
    ]


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
def findings_to_json(findings: Iterable[Finding]) -> list[dict]:
    return [asdict(f) for f in findings]
