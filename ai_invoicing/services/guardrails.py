"""Deterministic guardrails around the LLM.

* Customer-written text is scanned for prompt-injection attempts (flagged, never obeyed).
* Payloads are minimised before they leave Odoo (no bank data, no secrets,
  contact details only when allowed).
* Figures quoted by the LLM must be figures Odoo computed; anything else is
  treated as an attempt to smuggle a number and the narrative is discarded.
"""

import re
import unicodedata

from .llm_schemas import InvoiceNarrative, RiskFlag

_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)

_INSTRUCTIONS = r"(instructions?|prompts?|rules?|messages?|directions?)"
INJECTION_PATTERNS: dict[str, str] = {
    "ignore_previous": (
        r"\b(ignore|disregard|forget|override)\b.{0,40}"
        r"\b(previous|prior|above|all|earlier|system)\b.{0,30}\b" + _INSTRUCTIONS
    ),
    "ignore_previous_fr": (
        r"\b(ignore[rz]?|oublie[rz]?)\b.{0,40}\b(instructions?|consignes?|r[eè]gles?)\b"
    ),
    "ignore_previous_de": (
        r"\b(ignoriere|ignorieren|vergiss|vergessen)\b.{0,40}"
        r"\b(anweisungen|anweisung|regeln|vorherigen)\b"
    ),
    "ignore_previous_es": (
        r"\b(ignora|ignorar|olvida|olvidar)\b.{0,40}\b(instrucciones|reglas|anteriores)\b"
    ),
    "ignore_previous_nl": r"\b(negeer|vergeet)\b.{0,40}\b(instructies|regels|vorige|eerdere)\b",
    "system_prompt": r"\b(system|developer)\s*(prompt|message|instructions?)\b",
    "role_play": r"\b(you are now|act as|pretend to be|from now on you)\b",
    "new_instructions": r"\b(new|updated|real)\s+instructions?\b",
    "set_number": (
        r"\b(set|change|make|update|put|mettre|mets|setze)\b.{0,30}"
        r"\b(price|prix|preis|amount|montant|total|quantity|qty|discount|remise|tax|vat|account)\b"
        r".{0,20}\b(to|=|at|à|a|auf)\b"
    ),
    "role_tag": (
        r"(<\|?im_(start|end)\|?>|<\|(system|assistant|user)\|>"
        r"|^\s*(system|assistant)\s*:|###\s*(instruction|system))"
    ),
    "json_smuggling": (
        r"[\"'](amount[_a-z]*|price[_a-z]*|quantity|qty|discount|tax[_a-z]*|account[_a-z]*"
        r"|partner[_a-z]*)[\"']\s*:"
    ),
}
_COMPILED = {
    name: re.compile(pattern, re.IGNORECASE | re.MULTILINE | re.DOTALL)
    for name, pattern in INJECTION_PATTERNS.items()
}

_ALWAYS_DROP = ("iban", "acc_number", "bank", "bic", "swift", "account_number")
_SECRETS = ("api_key", "token", "secret", "password")
_CONTACT = ("email", "phone", "mobile")

_CURRENCY = r"(?:[$€£¥]|EUR|USD|GBP|CHF|JPY)"
_NUMBER = r"\d{1,3}(?:[ ,.'\u00a0\u202f]\d{3})+(?:[.,]\d{1,2})?|\d+(?:[.,]\d{1,2})?"
# Monetary-looking figures only: with a currency, a percent sign or decimals.
# Dates, references (S00012, PO-2026-0042) and bare counts are not amounts.
_AMOUNT_RE = re.compile(
    rf"(?<![\w.,/\-])(?:{_CURRENCY}\s?)?(?:{_NUMBER})(?:\s?(?:%|{_CURRENCY}))?(?![\w/\-])"
)


def normalize(text: str) -> str:
    """NFKC-normalised text without zero-width characters."""
    return unicodedata.normalize("NFKC", text or "").translate(_ZERO_WIDTH)


def detect_injection(text: str) -> list[str]:
    """Names of the injection patterns found in ``text`` (empty when clean)."""
    clean = normalize(text)
    return [name for name, regex in _COMPILED.items() if regex.search(clean)]


def injection_flags(untrusted: dict[str, str]) -> list[RiskFlag]:
    """One ``prompt_injection`` warning per customer field that looks like instructions."""
    flags = []
    for field, text in untrusted.items():
        hits = detect_injection(text)
        if hits:
            flags.append(
                RiskFlag(
                    code="prompt_injection",
                    severity="warning",
                    message=(
                        f"Customer text in '{field}' looks like instructions to the AI "
                        f"({', '.join(hits)}); it was treated as data and changed nothing."
                    ),
                )
            )
    return flags


def _drop_key(key: str, allow_contact: bool) -> bool:
    lowered = key.lower()
    if any(word in lowered for word in _ALWAYS_DROP + _SECRETS):
        return True
    return not allow_contact and any(word in lowered for word in _CONTACT)


def minimize_payload(data, allow_contact: bool = False):
    """A copy of ``data`` without bank data, secrets and (unless allowed) contact details."""
    if isinstance(data, dict):
        return {
            key: minimize_payload(value, allow_contact)
            for key, value in data.items()
            if not _drop_key(str(key), allow_contact)
        }
    if isinstance(data, list | tuple):
        return [minimize_payload(value, allow_contact) for value in data]
    return data


def _canonical(number: str) -> str | None:
    """'1,234.50' / '1.234,50' / '1 234,5' / '€12' -> '1234.50'; None if no digits."""
    digits = re.sub(r"[^\d.,]", "", number)
    if not re.search(r"\d", digits):
        return None
    last_sep = max(digits.rfind("."), digits.rfind(","))
    if last_sep != -1 and len(digits) - last_sep - 1 in (1, 2):
        whole, frac = digits[:last_sep], digits[last_sep + 1 :]
    else:
        whole, frac = digits, ""
    whole = re.sub(r"[.,]", "", whole) or "0"
    return f"{int(whole)}.{(frac + '00')[:2]}"


def find_amounts(text: str) -> list[str]:
    """Monetary-looking figures in free text ('0.00', '1,234.50', '€ 12', '12 EUR', '100%')."""
    found = []
    for match in _AMOUNT_RE.finditer(normalize(text)):
        token = match.group(0).strip()
        if re.search(rf"{_CURRENCY}|%|[.,]\d{{1,2}}$", token):
            found.append(token)
    return found


def check_narrative_amounts(narrative: InvoiceNarrative, allowed: set[str]) -> list[RiskFlag]:
    """Flag figures in the narrative that Odoo did not compute."""
    allowed_canon = {c for c in map(_canonical, allowed) if c}
    foreign = []
    for text in (narrative.customer_note, narrative.rationale):
        for token in find_amounts(text):
            canon = _canonical(token)
            if canon and canon not in allowed_canon:
                foreign.append(token)
    if not foreign:
        return []
    return [
        RiskFlag(
            code="llm_amount_mismatch",
            severity="warning",
            message=(
                "The AI text quoted figures that Odoo did not compute "
                f"({', '.join(sorted(set(foreign))[:5])}); it was discarded and the template used."
            ),
        )
    ]
