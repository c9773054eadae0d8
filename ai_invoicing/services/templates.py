"""Deterministic text used in rules-only mode and whenever the LLM fails."""

from collections.abc import Iterable

from markupsafe import Markup

from .llm_schemas import EmailBody, InvoiceNarrative, RemittanceReferences, RiskFlag

_TRIGGERS = {
    "picking_done": "the validated delivery",
    "order_confirmed": "the confirmed order",
    "cron": "a scheduled run",
    "manual": "a manual request",
}


def fallback_invoice_narrative(facts: dict, flags: Iterable[RiskFlag] = ()) -> InvoiceNarrative:
    """Plain, correct text built only from the facts."""
    order = facts.get("order_name") or "your order"
    pickings = ", ".join(facts.get("picking_names") or [])
    covered = f"delivery {pickings} of {order}" if pickings else order
    source = _TRIGGERS.get(facts.get("trigger"), "the sale order")
    rationale = (
        f"Drafted by rules from {source} ({covered}) with Odoo's invoicing engine: "
        f"{facts.get('line_count', 0)} line(s), total {facts.get('amount_total', '')} "
        f"{facts.get('currency', '')}. Quantities, prices, discounts, taxes and payment terms "
        "come from the order, its deliveries and the fiscal position."
    )
    flags = list(flags)
    if flags:
        rationale += " Flags: " + "; ".join(flag.message for flag in flags)
    return InvoiceNarrative(
        customer_note=f"Thank you for your order {order}. This invoice covers {covered}.",
        rationale=rationale[:2000],
        risk_flags=flags[:10],
        confidence=1.0,
    )


def fallback_email_body(facts: dict, flags: Iterable[RiskFlag] = ()) -> EmailBody:
    partner = facts.get("partner_name") or "customer"
    invoice = facts.get("invoice_name") or "your invoice"
    return EmailBody(
        subject=f"Invoice {invoice}",
        body=(
            f"Dear {partner},\n\nPlease find attached invoice {invoice} "
            f"of {facts.get('amount_total', '')} {facts.get('currency', '')}.\n\nKind regards"
        ),
    )


def _dunning_texts(tone: str, several: bool, before_due: bool) -> tuple[str, str, str]:
    """Subject, opening and closing of each dunning tone (English; Odoo translates)."""
    if tone == "courteous" and before_due:
        return (
            "Friendly reminder: invoices falling due soon"
            if several
            else "Friendly reminder: invoice {invoice} falls due soon",
            "This is a courteous reminder that the following invoices will fall due shortly."
            if several
            else "This is a courteous reminder that the following invoice will fall due shortly.",
            "If payment is already on its way, thank you, and please disregard this message.",
        )
    if tone == "courteous":
        return (
            "Friendly reminder: invoices due"
            if several
            else "Friendly reminder: invoice {invoice}",
            "This is a courteous reminder that the following invoices are due for payment."
            if several
            else "This is a courteous reminder that the following invoice is due for payment.",
            "If payment is already on its way, thank you, and please disregard this message.",
        )
    if tone == "firm":
        return (
            "Second reminder: overdue invoices still unpaid"
            if several
            else "Second reminder: invoice {invoice} is still unpaid",
            "Despite our previous reminder, the following invoices remain unpaid."
            if several
            else "Despite our previous reminder, the following invoice remains unpaid.",
            "Please arrange payment without further delay. If there is a problem with any of "
            "these invoices, please contact us so that we can resolve it.",
        )
    if tone == "final":
        return (
            "Final notice: overdue invoices" if several else "Final notice: invoice {invoice}",
            "This is our final notice. Despite our previous reminders, the following invoices "
            "remain unpaid."
            if several
            else "This is our final notice. Despite our previous reminders, the following "
            "invoice remains unpaid.",
            "Unless we receive payment promptly, we will have to take further steps to recover "
            "the amount due. If you have already paid or dispute an invoice, please contact us "
            "immediately.",
        )
    return (
        "Payment reminder: overdue invoices" if several else "Payment reminder: invoice {invoice}",
        "According to our records, the following invoices are now overdue."
        if several
        else "According to our records, the following invoice is now overdue.",
        "Could you please arrange payment at your earliest convenience? If you have already "
        "paid, thank you, and please disregard this message.",
    )


def _dunning_invoice_line(invoice: dict) -> str:
    if invoice.get("days_overdue"):
        when = f"due {invoice['due_date']}, {invoice['days_overdue']} day(s) overdue"
    elif invoice.get("days_until_due"):
        when = f"due {invoice['due_date']}"
    else:
        when = "due today"
    return f"- {invoice['name']} ({when}): {invoice['amount_due']}"


def _dunning_total_lines(total: dict, several_currencies: bool) -> list[str]:
    suffix = f" in {total['currency']}" if several_currencies else ""
    if "credits" not in total:
        return [f"Total due{suffix}: {total['balance']}"]
    return [
        f"Total of these invoices{suffix}: {total['amount_due']}",
        f"Less your credit notes and unapplied payments{suffix}: {total['credits']}",
        f"Balance to pay{suffix}: {total['balance']}",
    ]


def fallback_dunning_body(facts: dict, tone: str) -> tuple[str, str]:
    """Subject and plain-text body of a dunning reminder built only from ``facts``.

    ``facts`` comes from ``dunning.reminder_facts``: amounts are the caller's formatted strings
    and the payment link is a placeholder the caller replaces. Tones: courteous (before the due
    date), friendly (first reminder), firm (second reminder), final (final notice).
    """
    invoices = facts.get("invoices") or []
    totals = facts.get("totals") or []
    subject, opening, closing = _dunning_texts(
        tone, several=len(invoices) != 1, before_due=bool(facts.get("before_due"))
    )
    if tone in ("firm", "final") and facts.get("previous_reminder_count") == 0:
        # No earlier message to refer to (levels skipped, e.g. while a promise ran).
        opening = (
            "The following invoices remain unpaid."
            if len(invoices) != 1
            else "The following invoice remains unpaid."
        )
        if tone == "final":
            opening = "This is our final notice. " + opening
    if invoices:
        subject = subject.replace("{invoice}", invoices[0]["name"])
    lines = [f"Dear {facts.get('partner_name') or 'customer'},", "", opening, ""]
    lines += [_dunning_invoice_line(invoice) for invoice in invoices]
    lines.append("")
    for total in totals:
        lines += _dunning_total_lines(total, several_currencies=len(totals) > 1)
    lines += [
        "",
        f"You can pay online here: {facts.get('payment_link', '')}",
        "",
        closing,
        "",
        "Kind regards",
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
            '<span class="badge %s">%s</span><span>%s</span></li>'
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
