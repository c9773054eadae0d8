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

from .texts import Amount, Day, Joined, Text, _, amount, join, to_data

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
                _(
                    "The delivery address calls for fiscal position '%(expected)s' but the "
                    "invoice uses '%(invoiced)s': check the customer's addresses and VAT number.",
                    expected=expected_fpos_name or _("none"),
                    invoiced=invoice_fpos_name or _("none"),
                ),
                "taxes",
            )
        )
    for line in lines:
        if line.expected_tax_ids != line.actual_tax_ids:
            findings.append(
                Finding(
                    "tax_mismatch",
                    "error",
                    _(
                        "Taxes on %(product)s are '%(actual)s' but the fiscal position maps "
                        "the product's taxes to '%(expected)s'.",
                        product=line.product_name,
                        actual=line.actual_tax_names or _("none"),
                        expected=line.expected_tax_names or _("none"),
                    ),
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
    who = partner_name or _("the customer")
    auto = f"'{auto_fpos_name}'" if auto_fpos_id else _("no fiscal position")
    if delivery_country:
        message = _(
            "Fiscal position '%(forced)s' is forced on %(who)s, but for the delivery address "
            "in %(country)s Odoo would apply %(auto)s. Check where the goods go: the fiscal "
            "position decides the VAT.",
            forced=forced_fpos_name,
            who=who,
            country=delivery_country,
            auto=auto,
        )
    else:
        message = _(
            "Fiscal position '%(forced)s' is forced on %(who)s, but for the delivery address "
            "Odoo would apply %(auto)s. Check where the goods go: the fiscal position decides "
            "the VAT.",
            forced=forced_fpos_name,
            who=who,
            auto=auto,
        )
    return [
        Finding(
            "fiscal_position_forced",
            "warning",
            message,
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
                    _(
                        "This business customer has no VAT number, which the applied tax "
                        "treatment needs (intra-EU B2B). Add it on the customer."
                    ),
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
                _(
                    "No VAT number rules for country %(country)s; %(vat)s was not checked.",
                    country=code,
                    vat=vat,
                ),
                "vat",
            )
        ]
    # stdnum's country modules strip their own country prefix (BE0477..., ATU...).
    if not module.is_valid(vat.strip()):
        return [
            Finding(
                "vat_invalid",
                "error",
                _(
                    "VAT number %(vat)s fails the %(country)s format or check digit. Correct it "
                    "on the customer.",
                    vat=vat,
                    country=code,
                ),
                "vat",
            )
        ]
    if vies_state == "invalid":
        return [
            Finding(
                "vies_invalid",
                "warning",
                _(
                    "VIES does not know VAT number %(vat)s: the customer may not be "
                    "VAT-registered.",
                    vat=vat,
                ),
                "vat",
            )
        ]
    if vies_state == "unverified":
        return [
            Finding(
                "vat_unverified",
                "info",
                _("VIES could not be reached to verify %(vat)s; the format is valid.", vat=vat),
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
                _(
                    "No exchange rate for %(currency)s on the invoice date: the "
                    "company-currency amounts would be wrong. Add the rate.",
                    currency=currency,
                ),
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
                    _(
                        "The %(currency)s rate moved %(change)s%% since the previous rate "
                        "(%(previous)s -> %(rate)s), above the %(tolerance)s%% tolerance. "
                        "Check the rate before posting.",
                        currency=currency,
                        change=f"{change:.1f}",
                        previous=f"{previous_rate:g}",
                        rate=f"{rate:g}",
                        tolerance=f"{tolerance_pct:g}",
                    ),
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
    if len(used) < 2:
        usual = ", ".join(used)
    else:
        usual = _("%(first)s and %(last)s", first=", ".join(used[:-1]), last=used[-1])
    who = partner_name or _("This customer")
    return [
        Finding(
            "unusual_currency",
            "warning",
            _(
                "%(who)s has only been invoiced in %(usual)s (%(count)s posted invoices) but "
                "this invoice is in %(currency)s. Check the currency of the order and its "
                "pricelist.",
                who=who,
                usual=usual,
                count=total,
                currency=invoice_currency,
            ),
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
                    _(
                        "%(product)s is invoiced with a negative quantity (%(qty)s %(uom)s).",
                        product=line.product_name,
                        qty=f"{line.invoiced_qty:g}",
                        uom=line.uom_name,
                    ),
                    "quantities",
                )
            )
        elif line.invoiced_qty - line.deliverable_qty > rounding:
            params = {
                "product": line.product_name,
                "qty": f"{line.invoiced_qty:g}",
                "uom": line.uom_name,
                "deliverable": f"{line.deliverable_qty:g}",
            }
            if line.invoice_policy == "order":
                message = _(
                    "%(product)s: %(qty)s %(uom)s invoiced but only %(deliverable)s ordered "
                    "and not yet invoiced.",
                    **params,
                )
            else:
                message = _(
                    "%(product)s: %(qty)s %(uom)s invoiced but only %(deliverable)s "
                    "delivered and not yet invoiced.",
                    **params,
                )
            findings.append(
                Finding(
                    "qty_over_delivered",
                    "error",
                    message,
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
        on_order = _(" on order %(order)s", order=line.order_name) if line.order_name else ""
        delivered = (
            _(" (%(qty)s delivered)", qty=f"{line.delivered_qty:g}")
            if line.delivered_qty is not None
            else ""
        )
        if line.ordered_qty > rounding:
            detail = _(
                "only %(ordered)s%(uom)s were ordered: %(over)s%(uom)s more (%(pct)s%%, "
                "tolerance %(tolerance)s%%)",
                ordered=f"{line.ordered_qty:g}",
                uom=uom,
                over=f"{over:g}",
                pct=f"{over / line.ordered_qty * 100:.1f}",
                tolerance=f"{tolerance_pct:g}",
            )
        else:
            detail = _("it was not ordered")
        findings.append(
            Finding(
                "qty_above_ordered",
                "warning",
                _(
                    "%(product)s%(on_order)s: %(qty)s%(uom)s invoiced to date%(delivered)s but "
                    "%(detail)s. Check that the customer accepts the extra quantity.",
                    product=line.product_name,
                    on_order=on_order,
                    qty=f"{line.invoiced_qty:g}",
                    uom=uom,
                    delivered=delivered,
                    detail=detail,
                ),
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
                        _(
                            "%(product)s is invoiced at %(price)s but ordered at %(ordered)s "
                            "(%(deviation)s%% off, tolerance %(tolerance)s%%).",
                            product=line.product_name,
                            price=amount(line.invoice_price_unit),
                            ordered=amount(reference),
                            deviation=f"{deviation:.1f}",
                            tolerance=f"{tolerance_pct:g}",
                        ),
                        "prices",
                    )
                )
        if max_discount_pct and line.discount_pct > max_discount_pct:
            findings.append(
                Finding(
                    "discount_too_high",
                    "warning",
                    _(
                        "%(product)s has a %(discount)s%% discount, above the %(ceiling)s%% "
                        "ceiling.",
                        product=line.product_name,
                        discount=f"{line.discount_pct:g}",
                        ceiling=f"{max_discount_pct:g}",
                    ),
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
                    _(
                        "%(product)s is sold at a unit price of %(price)s%(after_discount)s, "
                        "below its cost of %(cost)s: this line loses money.",
                        product=line.product_name,
                        price=_money(line.price_display, net),
                        after_discount=_after_discount(line),
                        cost=_money(line.cost_display, line.cost),
                    ),
                    "price_reference",
                )
            )
    return findings


def _below_reference(line: PriceRefLine, net: float, tolerance_pct: float) -> Finding | None:
    if line.pricelist_price is not None:
        reference, display = line.pricelist_price, line.pricelist_price_display
        code = "price_below_pricelist"
        if line.pricelist_name:
            source = _(
                "the customer's pricelist '%(pricelist)s' gives", pricelist=line.pricelist_name
            )
        else:
            source = _("the customer's pricelist gives")
    else:
        reference, display = line.list_price, line.list_price_display
        code, source = "price_below_list_price", _("the list price is")
    if not reference or reference <= 0:
        return None
    gap_pct = (1 - net / reference) * 100
    if not _below(net, reference) or gap_pct <= tolerance_pct + 1e-9:
        return None
    return Finding(
        code,
        "warning",
        _(
            "%(product)s is invoiced at a unit price of %(price)s%(after_discount)s but "
            "%(basis)s %(reference)s: %(gap)s%% lower, above the %(tolerance)s%% tolerance. "
            "Check whether the price was changed by hand.",
            product=line.product_name,
            price=_money(line.price_display, net),
            after_discount=_after_discount(line),
            basis=source,
            reference=_money(display, reference),
            gap=f"{gap_pct:.1f}",
            tolerance=f"{tolerance_pct:g}",
        ),
        "price_reference",
    )


def _below(value: float, reference: float) -> bool:
    return value < reference and not math.isclose(value, reference, rel_tol=1e-9, abs_tol=5e-3)


def _money(display: str, value: float) -> str:
    return display or amount(value)


def _after_discount(line: PriceRefLine) -> str:
    if not line.discount_pct:
        return ""
    return _(" (after its %(discount)s%% discount)", discount=f"{line.discount_pct:g}")


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
    total = candidate.amount_display or amount(candidate.amount_total, 2, candidate.currency)
    if same_origin:
        link = _("origin %(origin)s", origin=candidate.origin)
    else:
        link = _("reference %(ref)s", ref=candidate.ref)
    same_lines = candidate.line_signature is not None and (
        candidate.line_signature == other.line_signature
    )
    facts = _("same customer, same lines") if same_lines else _("same customer")
    message = _(
        "Possible duplicate of %(other)s (%(date)s): %(facts)s, same total %(amount)s and "
        "same %(link)s.",
        other=other.name,
        date=Day(other.date),
        facts=facts,
        amount=total,
        link=link,
    )
    orders = (candidate.sale_order or candidate.origin, other.sale_order or other.origin)
    if all(orders) and orders[0] != orders[1]:
        message = join(
            " ",
            (
                message,
                _(
                    "Order %(order)s repeats order %(other)s: check that the customer did not "
                    "order twice.",
                    order=orders[0],
                    other=orders[1],
                ),
            ),
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
                _(
                    "Total %(amount)s is unusually high for this customer (average %(mean)s "
                    "over %(count)s posted invoices).",
                    amount=Amount(amount),
                    mean=Amount(mean),
                    count=len(history),
                ),
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
    who = partner_name or _("The customer")
    return [
        Finding(
            "credit_limit_exceeded",
            "warning",
            _(
                "%(who)s: open receivable %(receivable)s plus this invoice %(amount)s is above "
                "the credit limit of %(limit)s. Get payment or approval before sending.",
                who=who,
                receivable=_money(receivable_display, receivable),
                amount=_money(amount_display, invoice_amount),
                limit=_money(limit_display, credit_limit),
            ),
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
                    _("The customer receives invoices by e-mail but has no e-mail address."),
                    "channel",
                )
            ]
        if not _EMAIL_RE.match(email.strip()):
            return [
                Finding(
                    "channel_email_invalid",
                    "warning",
                    _(
                        "The customer's e-mail address '%(email)s' does not look valid.",
                        email=email,
                    ),
                    "channel",
                )
            ]
    elif channel == "peppol" and not (peppol_endpoint and peppol_valid):
        return [
            Finding(
                "channel_peppol_missing",
                "warning",
                _("The customer receives invoices by Peppol but has no verified Peppol endpoint."),
                "channel",
            )
        ]
    elif channel == "manual":
        return [
            Finding(
                "channel_manual",
                "info",
                _("The customer has no electronic channel: the invoice is sent by hand."),
                "channel",
            )
        ]
    return []


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------
def findings_to_json(findings: Iterable[Finding]) -> list[dict]:
    """Findings as JSON; a translatable message keeps its template and params in ``text``,
    so that each reader can read it in their own language (``texts.from_data``)."""
    return [
        asdict(f) | ({"text": to_data(f.message)} if isinstance(f.message, (Text, Joined)) else {})
        for f in findings
    ]
