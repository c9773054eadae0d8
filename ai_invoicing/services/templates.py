"""Deterministic text used in rules-only mode and whenever the LLM fails."""

from collections.abc import Callable, Iterable
from datetime import date

from markupsafe import Markup

from .llm_schemas import EmailBody, InvoiceNarrative, RemittanceReferences, RiskFlag


def _english(source: str, /, **kwargs) -> str:
    return source % kwargs if kwargs else source


class Wording:
    """How the reader's language speaks, given by the caller (no Odoo import here).

    ``_`` translates a literal with named placeholders (on the Odoo side: ``env._`` with
    the reader's language in the context, so every literal below is in the ``.pot``);
    ``date`` formats a date (Odoo's ``format_date`` in that language), ``number`` a number
    (Odoo's ``formatLang``). The default is
    untranslated English with ISO dates, for the pure tests.
    """

    def __init__(
        self,
        translate: Callable[..., str] | None = None,
        format_date=None,
        format_number: Callable[[float], str] | None = None,
    ):
        self._translate = translate or _english
        self._format_date = format_date or (lambda value: value.isoformat())
        self._format_number = format_number or (lambda value: f"{value:.2f}")

    def _(self, source: str, /, **kwargs) -> str:
        return self._translate(source, **kwargs)

    def date(self, value) -> str:
        """A date (or an ISO string) as the reader writes it; '' for none."""
        if not value:
            return ""
        if isinstance(value, str):
            try:
                value = date.fromisoformat(value[:10])
            except ValueError:
                return value
        return self._format_date(value)

    def number(self, value: float) -> str:
        """A number with two decimals as the reader writes it (``1.234,50``)."""
        return self._format_number(value)


ENGLISH = Wording()


def _trigger_text(trigger: str | None, w: Wording) -> str:
    texts = {
        "picking_done": w._("the validated delivery"),
        "order_confirmed": w._("the confirmed order"),
        "cron": w._("a scheduled run"),
        "manual": w._("a manual request"),
    }
    return texts.get(trigger) or w._("the sale order")


def fallback_invoice_narrative(
    facts: dict,
    flags: Iterable[RiskFlag] = (),
    customer: Wording = ENGLISH,
    internal: Wording = ENGLISH,
) -> InvoiceNarrative:
    """Plain, correct text built only from the facts.

    The note is printed on the invoice (``customer``: the customer's language); the
    rationale is for the reviewer (``internal``).
    """
    order = facts.get("order_name")
    pickings = ", ".join(facts.get("picking_names") or [])
    if order and pickings:
        note = customer._(
            "Thank you for your order %(order)s. This invoice covers delivery %(deliveries)s.",
            order=order,
            deliveries=pickings,
        )
        covered = internal._(
            "delivery %(deliveries)s of %(order)s", deliveries=pickings, order=order
        )
    elif order:
        note = customer._(
            "Thank you for your order %(order)s. This invoice covers that order.", order=order
        )
        covered = order
    else:
        note = customer._("Thank you for your order.")
        covered = internal._("the order")
    rationale = internal._(
        "Drafted by rules from %(origin)s (%(covered)s) with Odoo's invoicing engine: "
        "%(count)s line(s), total %(total)s. Quantities, prices, discounts, taxes and payment "
        "terms come from the order, its deliveries and the fiscal position.",
        origin=_trigger_text(facts.get("trigger"), internal),
        covered=covered,
        count=facts.get("line_count", 0),
        total=facts.get("amount_total", ""),
    )
    flags = list(flags)
    if flags:
        rationale += " " + internal._(
            "Flags: %(flags)s", flags="; ".join(flag.message for flag in flags)
        )
    return InvoiceNarrative(
        customer_note=note[:1000],
        rationale=rationale[:2000],
        risk_flags=flags[:10],
        confidence=1.0,
    )


def fallback_email_body(
    facts: dict, flags: Iterable[RiskFlag] = (), w: Wording = ENGLISH
) -> EmailBody:
    """The e-mail's opening paragraph without the LLM, in the customer's language (``w``).

    It is put before Odoo's own invoice e-mail, which greets the customer and signs: no
    greeting and no closing here.
    """
    invoice = facts.get("invoice_name") or ""
    return EmailBody(
        subject=w._("Invoice %(invoice)s", invoice=invoice),
        body=w._(
            "Please find attached invoice %(invoice)s of %(amount)s, due on %(date)s.",
            invoice=invoice,
            amount=facts.get("amount_total", ""),
            date=facts.get("invoice_date_due") or "-",
        ),
    )


def _dunning_subject(tone: str, several: bool, before_due: bool, invoice: str, w: Wording) -> str:
    if tone == "courteous" and before_due:
        if several:
            return w._("Friendly reminder: invoices falling due soon")
        return w._("Friendly reminder: invoice %(invoice)s falls due soon", invoice=invoice)
    if tone == "courteous":
        if several:
            return w._("Friendly reminder: invoices due")
        return w._("Friendly reminder: invoice %(invoice)s", invoice=invoice)
    if tone == "firm":
        if several:
            return w._("Second reminder: overdue invoices still unpaid")
        return w._("Second reminder: invoice %(invoice)s is still unpaid", invoice=invoice)
    if tone == "final":
        if several:
            return w._("Final notice: overdue invoices")
        return w._("Final notice: invoice %(invoice)s", invoice=invoice)
    if several:
        return w._("Payment reminder: overdue invoices")
    return w._("Payment reminder: invoice %(invoice)s", invoice=invoice)


def _dunning_opening(tone: str, several: bool, before_due: bool, w: Wording) -> str:
    if tone == "courteous" and before_due:
        if several:
            return w._(
                "This is a courteous reminder that the following invoices will fall due shortly."
            )
        return w._("This is a courteous reminder that the following invoice will fall due shortly.")
    if tone == "courteous":
        if several:
            return w._(
                "This is a courteous reminder that the following invoices are due for payment."
            )
        return w._("This is a courteous reminder that the following invoice is due for payment.")
    if tone == "firm":
        if several:
            return w._("Despite our previous reminder, the following invoices remain unpaid.")
        return w._("Despite our previous reminder, the following invoice remains unpaid.")
    if tone == "final":
        if several:
            return w._(
                "This is our final notice. Despite our previous reminders, the following "
                "invoices remain unpaid."
            )
        return w._(
            "This is our final notice. Despite our previous reminders, the following invoice "
            "remains unpaid."
        )
    if several:
        return w._("According to our records, the following invoices are now overdue.")
    return w._("According to our records, the following invoice is now overdue.")


def _dunning_closing(tone: str, w: Wording) -> str:
    if tone == "courteous":
        return w._(
            "If payment is already on its way, thank you, and please disregard this message."
        )
    if tone == "firm":
        return w._(
            "Please arrange payment without further delay. If there is a problem with any of "
            "these invoices, please contact us so that we can resolve it."
        )
    if tone == "final":
        return w._(
            "Unless we receive payment promptly, we will have to take further steps to recover "
            "the amount due. If you have already paid or dispute an invoice, please contact us "
            "immediately."
        )
    return w._(
        "Could you please arrange payment at your earliest convenience? If you have already "
        "paid, thank you, and please disregard this message."
    )


def dunning_invoice_line(invoice: dict, w: Wording = ENGLISH) -> str:
    """One listed invoice: name, due date (already formatted), days overdue, amount due."""
    if invoice.get("days_overdue"):
        return w._(
            "- %(name)s (due %(date)s, %(days)s day(s) overdue): %(amount)s",
            name=invoice["name"],
            date=invoice["due_date"],
            days=invoice["days_overdue"],
            amount=invoice["amount_due"],
        )
    if invoice.get("days_until_due"):
        return w._(
            "- %(name)s (due %(date)s): %(amount)s",
            name=invoice["name"],
            date=invoice["due_date"],
            amount=invoice["amount_due"],
        )
    return w._(
        "- %(name)s (due today): %(amount)s", name=invoice["name"], amount=invoice["amount_due"]
    )


def dunning_total_lines(total: dict, several_currencies: bool, w: Wording = ENGLISH) -> list[str]:
    """The total lines of one currency (named when the reminder has several)."""
    currency = total["currency"]
    if "credits" not in total:
        if several_currencies:
            return [
                w._(
                    "Total due in %(currency)s: %(amount)s",
                    currency=currency,
                    amount=total["balance"],
                )
            ]
        return [w._("Total due: %(amount)s", amount=total["balance"])]
    if several_currencies:
        return [
            w._(
                "Total of these invoices in %(currency)s: %(amount)s",
                currency=currency,
                amount=total["amount_due"],
            ),
            w._(
                "Less your credit notes and unapplied payments in %(currency)s: %(amount)s",
                currency=currency,
                amount=total["credits"],
            ),
            w._(
                "Balance to pay in %(currency)s: %(amount)s",
                currency=currency,
                amount=total["balance"],
            ),
        ]
    return [
        w._("Total of these invoices: %(amount)s", amount=total["amount_due"]),
        w._("Less your credit notes and unapplied payments: %(amount)s", amount=total["credits"]),
        w._("Balance to pay: %(amount)s", amount=total["balance"]),
    ]


def dunning_invoice_lines(facts: dict, w: Wording = ENGLISH) -> list[str]:
    return [dunning_invoice_line(invoice, w) for invoice in facts.get("invoices") or []]


def dunning_totals(facts: dict, w: Wording = ENGLISH) -> list[str]:
    totals = facts.get("totals") or []
    lines = []
    for total in totals:
        lines += dunning_total_lines(total, len(totals) > 1, w)
    return lines


def fallback_dunning_body(facts: dict, tone: str, w: Wording = ENGLISH) -> tuple[str, str]:
    """Subject and plain-text body of a dunning reminder built only from ``facts``.

    ``facts`` comes from ``dunning.reminder_facts``: amounts and dates are the caller's
    formatted strings and the payment link is a placeholder the caller replaces. ``w`` speaks
    the customer's language. Tones: courteous (before the due date), friendly (first
    reminder), firm (second reminder), final (final notice).
    """
    invoices = facts.get("invoices") or []
    several = len(invoices) != 1
    before_due = bool(facts.get("before_due"))
    subject = _dunning_subject(
        tone, several, before_due, invoices[0]["name"] if invoices else "", w
    )
    opening = _dunning_opening(tone, several, before_due, w)
    if tone in ("firm", "final") and facts.get("previous_reminder_count") == 0:
        # No earlier message to refer to (levels skipped, e.g. while a promise ran).
        if tone == "final":
            opening = (
                w._("This is our final notice. The following invoices remain unpaid.")
                if several
                else w._("This is our final notice. The following invoice remains unpaid.")
            )
        else:
            opening = (
                w._("The following invoices remain unpaid.")
                if several
                else w._("The following invoice remains unpaid.")
            )
    lines = [
        w._("Dear %(partner)s,", partner=facts.get("partner_name") or w._("customer")),
        "",
        opening,
        "",
    ]
    lines += dunning_invoice_lines(facts, w)
    lines.append("")
    lines += dunning_totals(facts, w)
    lines += [
        "",
        w._("You can pay online here: %(link)s", link=facts.get("payment_link", "")),
        "",
        _dunning_closing(tone, w),
        "",
        w._("Kind regards"),
    ]
    return subject, "\n".join(lines)


_BADGES = {"error": "text-bg-danger", "warning": "text-bg-warning", "info": "text-bg-info"}


def findings_html(findings, labels: dict[str, str]) -> Markup | bool:
    """Findings or flags (dicts with severity and message) as a list with severity badges.

    ``labels`` maps a severity to its translated label. Messages are escaped.
    """
    rows = Markup("").join(
        Markup(
            '<li class="list-group-item d-flex gap-2 align-items-start">'
            '<span class="badge %s flex-shrink-0">%s</span><span>%s</span></li>'
        )
        % (
            _BADGES.get(item.get("severity"), "text-bg-secondary"),
            labels.get(item.get("severity"), item.get("severity") or ""),
            item.get("message") or "",
        )
        for item in findings or []
    )
    return Markup('<ul class="list-group">%s</ul>') % rows if rows else False


def fallback_remittance_references(
    facts: dict, flags: Iterable[RiskFlag] = ()
) -> RemittanceReferences:
    """Rules-only: no extra reference; the deterministic reading of the label stands alone."""
    return RemittanceReferences(references=[], risk_flags=list(flags)[:10])
