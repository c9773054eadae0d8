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
from datetime import date

from .llm_schemas import RiskFlag
from .templates import ENGLISH, Wording

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


def injection_flags(untrusted: dict[str, str], w: Wording = ENGLISH) -> list[RiskFlag]:
    """One ``prompt_injection`` warning per customer field that looks like instructions
    (``w``: the reader's language)."""
    flags = []
    for name, text in untrusted.items():
        hits = detect_injection(text)
        if hits:
            flags.append(
                RiskFlag(
                    code="prompt_injection",
                    severity="warning",
                    message=w._(
                        "Customer text in '%(field)s' looks like instructions to the AI "
                        "(%(patterns)s); it was treated as data and changed nothing.",
                        field=name,
                        patterns=", ".join(hits),
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


# ----------------------------------------------------------------------
# Dates, as Odoo's languages write them: 2026-11-25, 25/11/2026, 11/25/2026, 25.11.2026,
# 25-11-2026, 25 novembre 2026, 25. November 2026, 25 de noviembre de 2026, November 25, 2026
# ----------------------------------------------------------------------
_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            "january janvier januari januar enero gennaio jan janv",
            "february fevrier février februari februar febrero febbraio feb fevr févr febr",
            "march mars maart märz marz marzo mar mrt mär",
            "april avril abril aprile apr avr",
            "may mai mei mayo maggio",
            "june juin juni junio giugno jun",
            "july juillet juli julio luglio jul juil",
            "august août aout augustus agosto aug",
            "september septembre septiembre settembre sep sept",
            "october octobre oktober octubre ottobre oct okt",
            "november novembre noviembre nov",
            "december décembre decembre dezember diciembre dicembre dec déc dez dic",
        ),
        start=1,
    )
    for name in names.split()
}
_MONTH_RE = "|".join(sorted(map(re.escape, _MONTHS), key=len, reverse=True))
_DATE_RE = re.compile(
    r"(?<![\w./-])(?:"
    r"(?P<iy>\d{4})-(?P<im>\d{1,2})-(?P<id>\d{1,2})"
    r"|(?P<a>\d{1,2})(?P<sep>[./-])(?P<b>\d{1,2})(?P=sep)(?P<y>\d{4})"
    rf"|(?P<nd>\d{{1,2}})\.?\s+(?:de\s+)?(?P<nm>{_MONTH_RE})\.?\s+(?:de\s+)?(?P<ny>\d{{4}})"
    rf"|(?P<md_m>{_MONTH_RE})\.?\s+(?P<md_d>\d{{1,2}}),?\s+(?P<md_y>\d{{4}})"
    r")(?![\w/-]|\.\d)",
    re.IGNORECASE,
)


def _iso(year: int, month: int, day: int) -> str | None:
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return None


def _date_readings(match: re.Match) -> frozenset[str]:
    """Every date a written date may mean (25/11 is day first, 11/25 month first)."""
    g = match.groupdict()
    if g["iy"]:
        readings = {_iso(int(g["iy"]), int(g["im"]), int(g["id"]))}
    elif g["y"]:
        a, b, year = int(g["a"]), int(g["b"]), int(g["y"])
        readings = {_iso(year, b, a), _iso(year, a, b)}
    elif g["ny"]:
        readings = {_iso(int(g["ny"]), _MONTHS[g["nm"].lower()], int(g["nd"]))}
    else:
        readings = {_iso(int(g["md_y"]), _MONTHS[g["md_m"].lower()], int(g["md_d"]))}
    return frozenset(r for r in readings if r)


def find_dates(text: str) -> list[tuple[str, frozenset[str]]]:
    """Dates in free text, each with the ISO dates it may mean."""
    found = []
    for match in _DATE_RE.finditer(normalize(text)):
        readings = _date_readings(match)
        if readings:
            found.append((match.group(0), readings))
    return found


def _without_dates(text: str) -> str:
    """``text`` with its dates blanked, so that 25.11.2026 is no amount or account number."""
    return _DATE_RE.sub(lambda m: " " * len(m.group(0)) if _date_readings(m) else m.group(0), text)


def find_amounts(text: str) -> list[str]:
    """Monetary-looking figures in free text ('0.00', '1,234.50', '1.234,50 €', '€ 12',
    '12 EUR', '100%'); dates are not amounts."""
    found = []
    for match in _AMOUNT_RE.finditer(_without_dates(normalize(text))):
        token = match.group(0).strip()
        if re.search(rf"{_CURRENCY}|%|[.,]\d{{1,2}}$", token):
            found.append(token)
    return found


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

    ``amounts``: formatted figures Odoo computed, in any language's format (``1,234.56``,
    ``1.234,56 €`` and ``1 234,56 €`` are one figure); ``dates``: dates Odoo gave, written
    in any format (the dates in ``facts_text`` count too); ``urls``: links Odoo generated
    (their hosts are allowed); ``facts_text``: the facts sent to the LLM, so that a
    reference, an e-mail or a phone number that Odoo itself supplied may be repeated.
    Customer-written text is never part of it.
    """

    amounts: frozenset[str] = frozenset()
    urls: frozenset[str] = frozenset()
    facts_text: str = ""
    dates: frozenset[str] = frozenset()
    hosts: frozenset[str] = field(init=False, repr=False)
    date_readings: frozenset[str] = field(init=False, repr=False)
    _facts: str = field(init=False, repr=False)
    _fact_numbers: frozenset[str] = field(init=False, repr=False)

    def __post_init__(self):
        facts = normalize(self.facts_text).lower()
        numbers = {_digits(m.group(0)) for m in _LONG_NUMBER_RE.finditer(facts)}
        numbers |= set(re.findall(r"\d{6,}", facts))
        object.__setattr__(self, "hosts", frozenset(_host(url) for url in self.urls if url))
        readings = set()
        for _token, found in find_dates(" \n ".join([self.facts_text, *self.dates])):
            readings |= found
        object.__setattr__(self, "date_readings", frozenset(readings))
        object.__setattr__(self, "_facts", facts)
        object.__setattr__(self, "_fact_numbers", frozenset(numbers))

    def in_facts(self, token: str) -> bool:
        token = normalize(token).lower()
        return token in self._facts or _digits(token) in self._fact_numbers


def _flag_message(what: str, count: int, w: Wording) -> str:
    if what == "figures":
        return w._(
            "The AI text contained %(count)s figure(s) that Odoo did not provide; it was "
            "discarded and the template used.",
            count=count,
        )
    if what == "dates":
        return w._(
            "The AI text contained %(count)s date(s) that Odoo did not provide; it was "
            "discarded and the template used.",
            count=count,
        )
    if what == "links":
        return w._(
            "The AI text contained %(count)s link(s) or domain(s) that Odoo did not provide; "
            "it was discarded and the template used.",
            count=count,
        )
    if what == "bank":
        return w._(
            "The AI text contained %(count)s bank account number(s) that Odoo did not "
            "provide; it was discarded and the template used.",
            count=count,
        )
    if what == "emails":
        return w._(
            "The AI text contained %(count)s e-mail address(es) that Odoo did not provide; "
            "it was discarded and the template used.",
            count=count,
        )
    return w._(
        "The AI text contained %(count)s phone number(s) that Odoo did not provide; it was "
        "discarded and the template used.",
        count=count,
    )


def _flag(code: str, what: str, found: Iterable[str], w: Wording = ENGLISH) -> RiskFlag:
    """A flag that names what was refused without repeating it (a clerk could copy it)."""
    return RiskFlag(code=code, severity="warning", message=_flag_message(what, len(set(found)), w))


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


def foreign_dates(text: str, allowed: AllowedOutput) -> list[str]:
    """Dates Odoo did not give (in no reading of any date of the facts)."""
    return [token for token, readings in find_dates(text) if not readings & allowed.date_readings]


@dataclass(frozen=True)
class Verdict:
    """One guardrail's rejection: the rule, its flag code and the strings it refused.

    The strings are for the audit trail (readable by AI Invoicing managers only);
    the flag a clerk reads names what was refused without repeating it.
    """

    rule: str  # the check: amounts, dates, links, bank_details, emails, phones, injection
    code: str
    what: str  # figures, dates, links, bank, emails, phones (see _flag_message)
    found: tuple[str, ...]
    patterns: tuple[str, ...] = ()  # the injection patterns that matched

    def flag(self, w: Wording = ENGLISH) -> RiskFlag:
        """The flag in the reader's language (``w``)."""
        if self.rule == "injection":
            return RiskFlag(
                code=self.code,
                severity="warning",
                message=w._(
                    "The AI text contained instruction-like wording (%(patterns)s); it was "
                    "discarded and the template used.",
                    patterns=", ".join(self.patterns),
                ),
            )
        return _flag(self.code, self.what, self.found, w)

    def as_dict(self) -> dict:
        rule = f"{self.rule} ({', '.join(self.patterns)})" if self.patterns else self.rule
        return {"rule": rule, "code": self.code, "rejected": list(self.found)}


def output_verdicts(texts: Iterable[str], allowed: AllowedOutput) -> list[Verdict]:
    """Each guardrail that rejects the texts, with the strings it rejected."""
    text = "\n".join(normalize(t) for t in texts if t)
    undated = _without_dates(text)
    verdicts = []
    for rule, code, what, finder, checked in (
        ("amounts", "llm_amount_mismatch", "figures", foreign_amounts, text),
        ("dates", "llm_date_mismatch", "dates", foreign_dates, text),
        ("links", "llm_foreign_link", "links", foreign_links, text),
        ("bank_details", "llm_bank_details", "bank", bank_details, undated),
        ("emails", "llm_foreign_contact", "emails", foreign_emails, text),
        ("phones", "llm_foreign_contact", "phones", foreign_phones, undated),
    ):
        found = finder(checked, allowed)
        if found:
            verdicts.append(Verdict(rule, code, what, tuple(found)))
    clean = normalize(text)
    matches = {name: regex.search(clean) for name, regex in _COMPILED.items()}
    hits = tuple(name for name, match in matches.items() if match)
    if hits:
        found = tuple(matches[name].group(0) for name in hits)
        verdicts.append(Verdict("injection", "llm_output_injection", "", found, hits))
    return verdicts


def check_output(
    texts: Iterable[str], allowed: AllowedOutput, w: Wording = ENGLISH
) -> list[RiskFlag]:
    """Reasons to discard an LLM answer, in the reader's language (``w``); empty when every
    text is safe to show."""
    return [verdict.flag(w) for verdict in output_verdicts(texts, allowed)]
