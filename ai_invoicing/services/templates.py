"""Deterministic text used in rules-only mode and whenever the LLM fails."""

from collections.abc import Iterable

from .llm_schemas import EmailBody, InvoiceNarrative, RiskFlag

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
