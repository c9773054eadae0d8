"""Deterministic guardrails around the LLM.

* Customer-written text is scanned for prompt-injection attempts (flagged, never obeyed).
* Payloads are minimised before they leave Odoo (no bank data, no secrets,
  contact details only when allowed).
* Every text the LLM writes is checked before a customer or a user reads it
  (``check_output``): figures Odoo did not compute, links and domains Odoo did not
  generate, bank account numbers, e-mail addresses and phone numbers that are not
  in the facts, and instruction-like text each discard the answer.
"""

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

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
    for name, text in untrusted.items():
        hits = detect_injection(text)
        if hits:
            flags.append(
                RiskFlag(
                    code="prompt_injection",
                    severity="warning",
                    message=(
                        f"Customer text in '{name}' looks like instructions to the AI "
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
    text = f"{narrative.customer_note}\n{narrative.rationale}"
    foreign = foreign_amounts(normalize(text), AllowedOutput(amounts=frozenset(allowed)))
    if not foreign:
        return []
    return [_flag("llm_amount_mismatch", "figure(s)", foreign)]


# ----------------------------------------------------------------------
# Output checks: what the LLM wrote, before anybody reads it
# ----------------------------------------------------------------------
_COMMON_TLDS = (
    "com|net|org|info|biz|io|co|app|dev|xyz|online|site|shop|store|pay|money|bank|finance"
    "|link|click|top|live|cloud|email|me|ly|to|ai|eu|[a-z]{2}"
)
_URL_RE = re.compile(
    r"\b(?:https?://|www\.)[^\s<>\"')\]]+"
    rf"|\b(?:[a-z0-9](?:[a-z0-9-]{{0,61}}[a-z0-9])?\.)+(?:{_COMMON_TLDS})\b(?:/[^\s<>\"')\]]*)?",
    re.IGNORECASE,
)
_EMAIL_RE = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
_IBAN_RE = re.compile(r"\b[A-Z]{2}\d{2}(?:[ -]?[A-Z0-9]{2,4}){3,8}\b")
# 8+ digits in a run of digits, spaces and dashes, not followed by decimals
# (that is an amount, checked as a figure) and not an ISO date.
_LONG_NUMBER_RE = re.compile(r"(?<![\w.,])\+?\(?\d[\d \-()./]{6,}\d(?![\w]|[.,]\d)")
_ISO_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def _host(url: str) -> str:
    host = re.sub(r"^(?:https?://)", "", url.lower()).split("/")[0].split(":")[0]
    return host.removeprefix("www.")


@dataclass(frozen=True)
class AllowedOutput:
    """What an LLM answer may quote: only what Odoo computed or generated.

    ``amounts``: formatted figures Odoo computed; ``urls``: links Odoo generated
    (their hosts are allowed); ``facts_text``: the facts sent to the LLM, so that a
    reference, an e-mail or a phone number that Odoo itself supplied may be repeated.
    Customer-written text is never part of it.
    """

    amounts: frozenset[str] = frozenset()
    urls: frozenset[str] = frozenset()
    facts_text: str = ""
    hosts: frozenset[str] = field(init=False, repr=False)
    _facts: str = field(init=False, repr=False)
    _fact_numbers: frozenset[str] = field(init=False, repr=False)

    def __post_init__(self):
        facts = normalize(self.facts_text).lower()
        numbers = {_digits(m.group(0)) for m in _LONG_NUMBER_RE.finditer(facts)}
        numbers |= set(re.findall(r"\d{6,}", facts))
        object.__setattr__(self, "hosts", frozenset(_host(url) for url in self.urls if url))
        object.__setattr__(self, "_facts", facts)
        object.__setattr__(self, "_fact_numbers", frozenset(numbers))

    def in_facts(self, token: str) -> bool:
        token = normalize(token).lower()
        return token in self._facts or _digits(token) in self._fact_numbers


def _flag(code: str, what: str, found: Iterable[str]) -> RiskFlag:
    """A flag that names what was refused without repeating it (a clerk could copy it)."""
    count = len(set(found))
    return RiskFlag(
        code=code,
        severity="warning",
        message=(
            f"The AI text contained {count} {what} that Odoo did not provide; "
            "it was discarded and the template used."
        ),
    )


def foreign_links(text: str, allowed: AllowedOutput) -> list[str]:
    found = []
    for match in _URL_RE.finditer(text):
        token = match.group(0).rstrip(".,;:")
        host = _host(token)
        if "@" in text[max(match.start() - 1, 0) : match.start()]:
            continue  # the domain of an e-mail address: checked as an e-mail
        if not any(host == ok or host.endswith("." + ok) for ok in allowed.hosts):
            found.append(token)
    return found


def foreign_emails(text: str, allowed: AllowedOutput) -> list[str]:
    return [m.group(0) for m in _EMAIL_RE.finditer(text) if not allowed.in_facts(m.group(0))]


def bank_details(text: str, allowed: AllowedOutput) -> list[str]:
    """IBANs and long account-like numbers that are not in the facts."""
    found = [m.group(0) for m in _IBAN_RE.finditer(text) if not allowed.in_facts(m.group(0))]
    for match in _LONG_NUMBER_RE.finditer(text):
        token = match.group(0).strip()
        if _ISO_DATE_RE.match(token) or len(_digits(token)) < 8 or token.startswith(("+", "(")):
            continue
        if not allowed.in_facts(token):
            found.append(token)
    return found


def foreign_phones(text: str, allowed: AllowedOutput) -> list[str]:
    found = []
    for match in _LONG_NUMBER_RE.finditer(text):
        token = match.group(0).strip()
        if token.startswith(("+", "(")) and len(_digits(token)) >= 8:
            if not allowed.in_facts(token):
                found.append(token)
    return found


def foreign_amounts(text: str, allowed: AllowedOutput) -> list[str]:
    allowed_canon = {c for c in map(_canonical, allowed.amounts) if c}
    return [
        token
        for token in find_amounts(text)
        if (canon := _canonical(token)) and canon not in allowed_canon
    ]


@dataclass(frozen=True)
class Verdict:
    """One guardrail's rejection: the rule, its flag code and the strings it refused.

    The strings are for the audit trail (readable by AI Invoicing managers only);
    the flag a clerk reads names what was refused without repeating it.
    """

    rule: str  # the check: amounts, links, bank_details, emails, phones, injection
    code: str
    what: str
    found: tuple[str, ...]
    patterns: tuple[str, ...] = ()  # the injection patterns that matched

    def flag(self) -> RiskFlag:
        if self.rule == "injection":
            return RiskFlag(
                code=self.code,
                severity="warning",
                message=(
                    "The AI text contained instruction-like wording "
                    f"({', '.join(self.patterns)}); it was discarded and the template used."
                ),
            )
        return _flag(self.code, self.what, self.found)

    def as_dict(self) -> dict:
        rule = f"{self.rule} ({', '.join(self.patterns)})" if self.patterns else self.rule
        return {"rule": rule, "code": self.code, "rejected": list(self.found)}


def output_verdicts(texts: Iterable[str], allowed: AllowedOutput) -> list[Verdict]:
    """Each guardrail that rejects the texts, with the strings it rejected."""
    text = "\n".join(normalize(t) for t in texts if t)
    verdicts = []
    for rule, code, what, finder in (
        ("amounts", "llm_amount_mismatch", "figure(s)", foreign_amounts),
        ("links", "llm_foreign_link", "link(s) or domain(s)", foreign_links),
        ("bank_details", "llm_bank_details", "bank account number(s)", bank_details),
        ("emails", "llm_foreign_contact", "e-mail address(es)", foreign_emails),
        ("phones", "llm_foreign_contact", "phone number(s)", foreign_phones),
    ):
        found = finder(text, allowed)
        if found:
            verdicts.append(Verdict(rule, code, what, tuple(found)))
    clean = normalize(text)
    matches = {name: regex.search(clean) for name, regex in _COMPILED.items()}
    hits = tuple(name for name, match in matches.items() if match)
    if hits:
        found = tuple(matches[name].group(0) for name in hits)
        verdicts.append(Verdict("injection", "llm_output_injection", "", found, hits))
    return verdicts


def check_output(texts: Iterable[str], allowed: AllowedOutput) -> list[RiskFlag]:
    """Reasons to discard an LLM answer; empty when every text is safe to show."""
    return [verdict.flag() for verdict in output_verdicts(texts, allowed)]
