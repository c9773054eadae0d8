"""The invoice agent's narrative: LLM when available, template otherwise."""

from dataclasses import dataclass, field

from .budget import Budget
from .guardrails import (
    check_narrative_amounts,
    detect_injection,
    injection_flags,
    minimize_payload,
)
from .llm_client import LLMGateway, LLMResult
from .llm_schemas import InvoiceNarrative, RiskFlag
from .prompts import INVOICE_NARRATIVE
from .templates import fallback_invoice_narrative


@dataclass
class NarrativeOutcome:
    narrative: InvoiceNarrative
    flags: list[RiskFlag] = field(default_factory=list)
    llm: LLMResult | None = None
    fallback_used: bool = True
    fallback_reason: str | None = None


def _merge(*groups: list[RiskFlag]) -> list[RiskFlag]:
    """Union of flags, first occurrence kept; nothing is ever removed."""
    seen, merged = set(), []
    for flag in (flag for group in groups for flag in group):
        key = (flag.code, flag.message)
        if key not in seen:
            seen.add(key)
            merged.append(flag)
    return merged


def _output_flags(narrative: InvoiceNarrative, allowed_amounts: set[str]) -> list[RiskFlag]:
    """Reasons to discard an otherwise valid answer: foreign figures, echoed instructions."""
    flags = check_narrative_amounts(narrative, allowed_amounts)
    hits = detect_injection(f"{narrative.customer_note}\n{narrative.rationale}")
    if hits:
        flags.append(
            RiskFlag(
                code="llm_output_injection",
                severity="warning",
                message=(
                    "The AI text repeated instructions from customer data "
                    f"({', '.join(hits)}); it was discarded and the template used."
                ),
            )
        )
    return flags


def narrate_invoice(
    gateway: LLMGateway | None,
    facts: dict,
    untrusted: dict[str, str],
    allowed_amounts: set[str],
    budget: Budget | None = None,
    allow_contact: bool = False,
) -> NarrativeOutcome:
    """Narrative and flags for one drafted invoice; never raises for LLM problems."""
    rule_flags = injection_flags(untrusted)
    facts = minimize_payload(facts, allow_contact=allow_contact)
    untrusted = minimize_payload(untrusted, allow_contact=allow_contact)
    if gateway is None:
        return NarrativeOutcome(
            narrative=fallback_invoice_narrative(facts, rule_flags),
            flags=rule_flags,
            fallback_reason="LLM disabled (rules-only mode).",
        )
    result = gateway.complete(INVOICE_NARRATIVE, facts, untrusted, budget=budget)
    narrative = result.data
    llm_flags = list(narrative.risk_flags) if narrative else []
    guard_flags = _output_flags(narrative, allowed_amounts) if narrative else []
    flags = _merge(rule_flags, llm_flags, guard_flags)
    reason = result.error
    if guard_flags:
        narrative, reason = None, guard_flags[0].message
    if narrative is None:
        return NarrativeOutcome(
            narrative=fallback_invoice_narrative(facts, flags),
            flags=flags,
            llm=result,
            fallback_reason=reason,
        )
    return NarrativeOutcome(
        narrative=narrative, flags=flags, llm=result, fallback_used=False, fallback_reason=None
    )
