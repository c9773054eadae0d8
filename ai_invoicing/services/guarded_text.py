"""The one guarded path for every LLM text a customer or a user reads.

Each agent text type (invoice note and rationale, e-mail opening, and the texts
of agents to come) is produced by ``guarded_complete``:

1. input minimisation (no bank data, no secrets, contact details only when allowed);
2. customer-written text only as quoted data, scanned for injection attempts;
3. the answer validated by its pydantic schema (in the gateway);
4. every string of the answer (risk flag messages included) checked by
   ``guardrails.check_output``: a figure Odoo did not compute, a link Odoo did not
   generate, a bank account, an e-mail or phone number not in the facts, or
   instruction-like text discards the answer — the template is used and a flag raised.

It never raises for LLM problems and never lets an unchecked LLM string out.

Each call that reached the endpoint also returns the record of what was exchanged
(``GuardedOutcome.exchange_vals``): the exact messages sent after minimisation, the raw
answers, the schema validation of each, the repair request if any, and each guardrail
verdict with the strings it rejected, for the audit trail (managers only).
"""

import json
from collections.abc import Callable
from dataclasses import dataclass, field

from pydantic import BaseModel

from .budget import Budget
from .guardrails import (
    AllowedOutput,
    Verdict,
    injection_flags,
    minimize_payload,
    output_verdicts,
)
from .llm_client import LLMGateway, LLMResult
from .llm_schemas import RiskFlag
from .prompts import PromptSpec
from .templates import ENGLISH, Wording

Fallback = Callable[[dict, list[RiskFlag]], BaseModel]


@dataclass
class GuardedOutcome:
    data: BaseModel  # the checked LLM answer, or the template's
    flags: list[RiskFlag] = field(default_factory=list)
    llm: LLMResult | None = None
    fallback_used: bool = True
    fallback_reason: str | None = None
    text_type: str = ""
    language: str = ""
    verdicts: list[Verdict] = field(default_factory=list)

    def log_vals(self) -> dict:
        """Values for an ``ai.invoice.log``: observability (no text, no secret), and
        under ``llm_exchanges`` the record of what was exchanged (see ``exchange_vals``)."""
        llm = self.llm
        vals = {
            "llm_called": bool(llm and llm.attempts),
            "llm_fallback": self.fallback_used,
            "llm_error": self.fallback_reason or False,
        }
        if llm:
            vals.update(
                llm_model=llm.model,
                prompt_version=llm.prompt_version,
                prompt_tokens=llm.prompt_tokens,
                completion_tokens=llm.completion_tokens,
                latency_ms=llm.latency_ms,
            )
        exchange = self.exchange_vals()
        if exchange:
            vals["llm_exchanges"] = [exchange]
        return vals

    def outcome(self) -> str:
        """used, discarded (guardrails or the agent), invalid (schema) or failed."""
        llm = self.llm
        if not self.fallback_used:
            return "used"
        if self.verdicts or (llm and llm.data is not None):
            return "discarded"
        last = llm.requests[-1] if llm and llm.requests else None
        if last and last.answer is not None and last.validation not in (None, "valid"):
            return "invalid"
        return "failed"

    def exchange_vals(self) -> dict | None:
        """What was sent and answered, as plain values; None when nothing was sent."""
        llm = self.llm
        if not llm or not llm.requests:
            return None
        first = llm.requests[0]
        repair = next((r for r in llm.requests[1:] if r.repair), None)
        errors = [r.error for r in llm.requests if r.error]
        return {
            "text_type": self.text_type,
            "prompt_version": llm.prompt_version,
            "model": llm.model,
            "endpoint_host": llm.endpoint_host,
            "language": self.language,
            "outcome": self.outcome(),
            "reason": self.fallback_reason or "",
            "request": _dump(first.messages),
            "answer": first.answer or "",
            "validation": first.validation or "",
            "repair_request": _dump(repair.messages[len(first.messages) :]) if repair else "",
            "repair_answer": (repair.answer or "") if repair else "",
            "repair_validation": (repair.validation or "") if repair else "",
            "verdicts": [verdict.as_dict() for verdict in self.verdicts],
            "error": errors[-1] if errors else "",
            "prompt_tokens": llm.prompt_tokens,
            "completion_tokens": llm.completion_tokens,
            "latency_ms": llm.latency_ms,
            "attempts": llm.attempts,
        }


def _dump(messages: list[dict]) -> str:
    """Messages as readable JSON text (what the audit trail stores and hashes)."""
    return json.dumps(messages, ensure_ascii=False, indent=1)


def merge_flags(*groups: list[RiskFlag]) -> list[RiskFlag]:
    """Union of flags, first occurrence kept; nothing is ever removed."""
    seen, merged = set(), []
    for flag in (flag for group in groups for flag in group):
        key = (flag.code, flag.message)
        if key not in seen:
            seen.add(key)
            merged.append(flag)
    return merged


def _strings(value) -> list[str]:
    """Every string in a dumped answer, however deeply nested."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for item in value.values() for s in _strings(item)]
    if isinstance(value, list | tuple):
        return [s for item in value for s in _strings(item)]
    return []


def _safe_llm_flags(
    answer: BaseModel,
    allowed: AllowedOutput,
    verdicts: list[Verdict] | None = None,
    w: Wording = ENGLISH,
) -> list[RiskFlag]:
    """The LLM's own risk flags; a flag whose wording fails the checks keeps its code only
    (the verdicts that withheld a wording are added to ``verdicts``)."""
    safe = []
    for flag in getattr(answer, "risk_flags", None) or []:
        withheld = output_verdicts([flag.message], allowed)
        if withheld:
            if verdicts is not None:
                verdicts += [
                    Verdict(f"risk_flag_wording:{v.rule}", v.code, v.what, v.found, v.patterns)
                    for v in withheld
                ]
            flag = RiskFlag(
                code=flag.code,
                severity=flag.severity,
                message=w._(
                    "The AI raised '%(code)s'; its wording was withheld by the guardrails.",
                    code=flag.code,
                ),
            )
        safe.append(flag)
    return safe


def guarded_complete(
    gateway: LLMGateway | None,
    spec: PromptSpec,
    facts: dict,
    untrusted: dict[str, str],
    allowed: AllowedOutput,
    fallback: Fallback,
    budget: Budget | None = None,
    allow_contact: bool = False,
    w: Wording = ENGLISH,
) -> GuardedOutcome:
    """A checked answer for ``spec``, or the template with the reason and flags (the flags
    and the reason in the reader's language, ``w``)."""
    rule_flags = injection_flags(untrusted, w)
    facts = minimize_payload(facts, allow_contact=allow_contact)
    untrusted = minimize_payload(untrusted, allow_contact=allow_contact)
    if not allowed.facts_text:
        allowed = AllowedOutput(
            amounts=allowed.amounts,
            urls=allowed.urls,
            facts_text=json.dumps(facts, ensure_ascii=False, default=str),
        )
    context = {
        "text_type": spec.name,
        "language": str(facts.get("language") or "") if isinstance(facts, dict) else "",
    }
    if gateway is None:
        return GuardedOutcome(
            data=fallback(facts, rule_flags),
            flags=rule_flags,
            fallback_reason=w._("LLM disabled (rules-only mode)."),
            **context,
        )
    result = gateway.complete(spec, facts, untrusted, budget=budget)
    answer = result.data
    if answer is None:
        return GuardedOutcome(
            data=fallback(facts, rule_flags),
            flags=rule_flags,
            llm=result,
            fallback_reason=result.error,
            **context,
        )
    dumped = answer.model_dump(exclude={"risk_flags"})
    verdicts = output_verdicts(_strings(dumped), allowed)
    guard_flags = [verdict.flag(w) for verdict in verdicts]
    flag_verdicts: list[Verdict] = []
    flags = merge_flags(rule_flags, _safe_llm_flags(answer, allowed, flag_verdicts, w), guard_flags)
    if guard_flags:
        return GuardedOutcome(
            data=fallback(facts, flags),
            flags=flags,
            llm=result,
            fallback_reason=guard_flags[0].message,
            verdicts=verdicts + flag_verdicts,
            **context,
        )
    return GuardedOutcome(
        data=answer,
        flags=flags,
        llm=result,
        fallback_used=False,
        verdicts=flag_verdicts,
        **context,
    )
