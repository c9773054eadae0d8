"""Cash application: match incoming bank statement lines to open customer items.

Inputs are plain values gathered by the Odoo model (open receivable lines, statement lines, the
partners' bank accounts and names); nothing here touches Odoo. For each line, `match_line` ranks
suggestions with a score between 0 and 1 and the reasons behind it, and `auto_apply_choice` says
which one, if any, is sure enough to apply without a person.

Everything that decides a match or an amount is deterministic. An LLM may read messy remittance
text and propose reference tokens; `validate_proposed_references` keeps only the tokens that are
real open items, and `match_line(..., proposed_references=...)` weighs them like any other
evidence. Amounts are compared in integer minor units (cents), never as floats.

Scale: `Index` is built once from the open items (by partner, by amount, by reference key and by
one-character-deletion keys for typos), so a line only looks at the few items it can pay.
"""

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

from .texts import Amount, Day, _, join

Kind = Literal["exact", "combination", "partial", "overpayment", "early_discount", "reference_only"]
PartnerSource = Literal["line", "account", "name"]

DEFAULT_THRESHOLD = 0.9
DEFAULT_MARGIN = 0.1

# Evidence weights, combined as 1 - prod(1 - w): each independent clue removes part of the doubt.
W_REF_STRUCTURED = 0.95  # Belgian +++…+++ or RF reference with valid check digits
W_REF_EXACT = 0.85  # invoice number or payment reference, any separators and case
W_REF_STRUCTURED_TYPO = 0.8  # one character off a structured reference, its check digits fail
W_REF_SHORT = 0.75  # the same without its prefix (2026/00042 for INV/2026/00042)
W_REF_CUSTOMER = 0.6  # customer PO reference: one PO may cover several invoices
W_REF_PROPOSED = 0.6  # read from the remittance text by the LLM, checked against open items
W_REF_TYPO = 0.5  # one character off (substitution, insertion, deletion or swap)
W_REF_TYPO_SHARED = 0.15  # one character off several open references: supports an amount only
W_REF_PARTIAL_SET = 0.3  # a combination of which only some items are referenced
W_AMOUNT_EXACT = 0.6
W_AMOUNT_EARLY = 0.55
W_AMOUNT_COMBINATION = 0.5
W_PARTNER_LINE = 0.5
W_PARTNER_ACCOUNT = 0.5
W_PARTNER_NAME = 0.3
W_UNIQUE_PARTNER = 0.4  # the only open item (or combination) of the payer with this amount
W_UNIQUE_GLOBAL = 0.3  # the only open item with this amount, payer unknown
W_DATE = 0.1  # at most, paid on the due date; fades out over DATE_WINDOW_DAYS
DATE_WINDOW_DAYS = 60
# Factors applied after combining: the match may be right, the amount still needs a person.
F_PARTIAL = 0.85
F_OVERPAYMENT = 0.8
F_OTHER_PARTNER = 0.75  # the payer was identified and it is not the invoice's customer
F_OTHER_PARTNER_BY_NAME = 0.85
F_OTHER_CURRENCY = 0.6
F_LABEL_ELSEWHERE = 0.85  # the label names other open items

MIN_KEY_LENGTH = 4
MIN_SHORT_LENGTH = 5
MIN_TYPO_LENGTH = 6
MAX_TOKEN_WORDS = 7
MAX_TOKEN_LENGTH = 35
MAX_GROUP_WORD_LENGTH = 5  # "RF18 5390 0754", "123 4567 89002", "INV 2026 00042" are joined
MAX_AMOUNT_ONLY_CANDIDATES = 20
MAX_COMBINATION_POOL = 30
MAX_COMBINATION_SCAN = 300  # of the payer's items, oldest due first, to fill the pool
MAX_COMBINATION_SIZE = 5
COMBINATION_BUDGET = 3000  # search nodes per line
MAX_COMBINATION_SOLUTIONS = 4

_MINOR_UNITS = {
    "BHD": 3,
    "CLP": 0,
    "ISK": 0,
    "JOD": 3,
    "JPY": 0,
    "KRW": 0,
    "KWD": 3,
    "OMR": 3,
    "TND": 3,
    "UGX": 0,
    "VND": 0,
    "XAF": 0,
    "XOF": 0,
}
_NON_ALNUM = re.compile(r"[^0-9A-Z]")
_NAME_NOISE = re.compile(r"[^0-9A-Z]+")
_WORD_SPLIT = re.compile(r"[\s,;:]+")
_HAS_DIGIT = re.compile(r"\d")
_LETTER_PREFIX = re.compile(r"^[A-Z]+(?=\d)")
_DATE_SHAPE = re.compile(r"\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}")
_BE_STRUCTURED_IN_TEXT = re.compile(
    r"(?:\+{3}|\*{3})?\s*(\d{3})\s*/\s*(\d{4})\s*/\s*(\d{5})\s*(?:\+{3}|\*{3})?"
)
_RF_SHAPE = re.compile(r"RF\d{2}[0-9A-Z]{1,21}")
_LEGAL_FORMS = frozenset(
    "AB AG BV BVBA CO CORP CV GMBH INC KG LLC LLP LTD NV OY PLC SA SAS SARL SCS SL SNC SPA SPRL "
    "SRL SRO".split()
)


@dataclass(frozen=True)
class OpenItem:
    """An open customer item (receivable line) that a payment may settle.

    Amounts are in the item's currency (Odoo's ``amount_residual_currency``).
    ``early_discount_amount`` is the discounted amount to pay when paid by
    ``early_discount_until`` (Odoo's ``discount_amount_currency`` and ``discount_date``).
    ``partner_id`` should be the commercial partner, as payments come from the company.
    """

    id: int
    partner_id: int | None
    partner_name: str
    move_name: str
    payment_ref: str | None
    customer_ref: str | None
    residual: Decimal
    currency: str
    due_date: date | None
    early_discount_amount: Decimal | None = None
    early_discount_until: date | None = None


@dataclass(frozen=True)
class StatementLine:
    """An incoming bank statement line; ``amount`` in the journal's ``currency``.

    When the bank converted the payment, ``foreign_amount``/``foreign_currency`` hold what the
    customer paid (Odoo's ``amount_currency``/``foreign_currency_id``).
    """

    id: int
    amount: Decimal
    currency: str
    date: date
    label: str = ""
    partner_name: str = ""
    account_number: str = ""
    partner_id: int | None = None
    foreign_amount: Decimal | None = None
    foreign_currency: str | None = None


@dataclass(frozen=True)
class PartnerMatch:
    partner_id: int
    source: PartnerSource
    reason: str


@dataclass
class PartnerDirectory:
    """Known bank accounts and names of customers, with normalised keys.

    Build it with `PartnerDirectory.build`: an account number or a name shared by two partners
    identifies neither, so it is left out (and listed in ``ambiguous``).
    """

    by_account: dict[str, int] = field(default_factory=dict)
    by_name: dict[str, int] = field(default_factory=dict)
    names: dict[int, str] = field(default_factory=dict)
    ambiguous: set[str] = field(default_factory=set)

    @classmethod
    def build(
        cls,
        accounts: Iterable[tuple[str, int]] = (),
        names: Iterable[tuple[str, int]] = (),
    ) -> "PartnerDirectory":
        directory = cls()
        for number, partner_id in accounts:
            directory._add(directory.by_account, normalize_account(number), partner_id)
        for name, partner_id in names:
            directory.names.setdefault(partner_id, name)
            directory._add(directory.by_name, normalize_name(name), partner_id)
        return directory

    def _add(self, mapping: dict[str, int], key: str, partner_id: int) -> None:
        if not key or key in self.ambiguous:
            return
        if mapping.get(key, partner_id) != partner_id:
            del mapping[key]
            self.ambiguous.add(key)
            return
        mapping[key] = partner_id


@dataclass(frozen=True)
class Suggestion:
    """One way to settle a statement line, with the reasons a clerk would check.

    ``amount_applied`` is what the payment settles on each item, in the items' ``currency``;
    ``write_off`` is the early-payment discount granted and ``unapplied`` what the line keeps
    (an overpayment). ``ambiguous_with`` lists items that are just as likely: nothing but the
    date tells them apart, so the suggestion is never applied automatically.
    """

    line_id: int
    item_ids: tuple[int, ...]
    kind: Kind
    score: float
    currency: str
    amount_applied: dict[int, Decimal]
    reasons: tuple[str, ...]
    write_off: Decimal = Decimal(0)
    unapplied: Decimal = Decimal(0)
    ambiguous_with: tuple[int, ...] = ()

    @property
    def explanation(self) -> str:
        return join(", ", self.reasons)


# ---------------------------------------------------------------------------
# Normalisation and structured references
# ---------------------------------------------------------------------------
def currency_digits(currency: str) -> int:
    return _MINOR_UNITS.get((currency or "").upper(), 2)


def to_minor(amount: Decimal | int | str | float, currency: str) -> int:
    """Amount in integer minor units of the currency (cents), rounded half up."""
    value = amount if isinstance(amount, Decimal) else Decimal(str(amount))
    return int(value.scaleb(currency_digits(currency)).to_integral_value(ROUND_HALF_UP))


def from_minor(units: int, currency: str) -> Decimal:
    return Decimal(units).scaleb(-currency_digits(currency))


def format_amount(units: int, currency: str) -> str:
    """``1,234.50 EUR`` (a ``texts.Amount``: the reader's format when said)."""
    return Amount(from_minor(units, currency), currency_digits(currency), currency)


def normalize_reference(text: str | None) -> str:
    """Upper case, separators dropped: ``inv/2026-00042`` and ``INV 2026 00042`` are equal."""
    return _NON_ALNUM.sub("", (text or "").upper())


def normalize_account(number: str | None) -> str:
    return normalize_reference(number)


def normalize_name(name: str | None) -> str:
    """Accents, punctuation and legal forms dropped: ``Acmé S.A.`` is ``ACME``."""
    plain = unicodedata.normalize("NFKD", name or "").encode("ascii", "ignore").decode()
    plain = re.sub(r"(?<=\b[A-Za-z])\.(?=[A-Za-z]\b)", "", plain)  # S.A. -> SA
    words = [w for w in _NAME_NOISE.split(plain.upper()) if w]
    kept = [w for w in words if w not in _LEGAL_FORMS]
    return " ".join(kept or words)


def is_valid_be_structured(reference: str | None) -> bool:
    """Belgian structured communication: 10 digits then their remainder mod 97 (97 for 0)."""
    digits = normalize_reference(reference)
    if len(digits) != 12 or not digits.isdigit():
        return False
    return int(digits[10:]) == (int(digits[:10]) % 97 or 97)


def format_be_structured(reference: str) -> str:
    digits = normalize_reference(reference)
    return f"+++{digits[:3]}/{digits[3:7]}/{digits[7:]}+++"


def is_valid_rf(reference: str | None) -> bool:
    """ISO 11649 creditor reference: RF, two check digits, up to 21 characters, mod 97 = 1."""
    ref = normalize_reference(reference)
    if not _RF_SHAPE.fullmatch(ref):
        return False
    moved = ref[4:] + ref[:4]
    return int("".join(str(int(char, 36)) for char in moved)) % 97 == 1


def format_rf(reference: str) -> str:
    ref = normalize_reference(reference)
    return " ".join(ref[i : i + 4] for i in range(0, len(ref), 4))


def _is_structured(key: str) -> bool:
    return is_valid_be_structured(key) or is_valid_rf(key)


def _short_form(key: str) -> str | None:
    """The key without its letter prefix (and without RF and check digits)."""
    if is_valid_rf(key):
        short = key[4:]
    else:
        match = _LETTER_PREFIX.match(key)
        short = key[match.end() :] if match else ""
    return short if len(short) >= MIN_SHORT_LENGTH else None


def _within_one_edit(a: str, b: str) -> bool:
    """Optimal string alignment distance of exactly one (adjacent swaps count as one)."""
    if a == b:
        return False
    la, lb = len(a), len(b)
    if abs(la - lb) > 1:
        return False
    if la == lb:
        diffs = [i for i in range(la) if a[i] != b[i]]
        if len(diffs) == 1:
            return True
        return (
            len(diffs) == 2
            and diffs[1] == diffs[0] + 1
            and a[diffs[0]] == b[diffs[1]]
            and a[diffs[1]] == b[diffs[0]]
        )
    if la < lb:
        a, b = b, a
    for i in range(len(b)):
        if a[i] != b[i]:
            return a[i + 1 :] == b[i:]
    return True


# ---------------------------------------------------------------------------
# Index of open items
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class _RefEntry:
    item_id: int
    source: Literal["number", "payment", "customer"]
    short: bool
    structured: bool
    display: str


class _Entry:
    __slots__ = ("item", "currency", "minor", "early_minor", "sort_key")

    def __init__(self, item: OpenItem):
        self.item = item
        self.currency = item.currency.upper()
        self.minor = to_minor(item.residual, item.currency)
        self.early_minor = (
            to_minor(item.early_discount_amount, item.currency)
            if item.early_discount_amount is not None
            else None
        )
        self.sort_key = (item.due_date or date.max, item.id)


class Index:
    """Open items indexed by partner, amount and reference keys (built once per run).

    Items with nothing left to pay (residual <= 0, e.g. credit notes) are left out.
    """

    def __init__(self, items: Iterable[OpenItem]):
        self._entries: dict[int, _Entry] = {}
        self._by_partner: dict[tuple[int, str], list[_Entry]] = {}
        self._payable: dict[tuple[int, str, int], int] = {}  # items a partner can pay with x
        self._by_amount: dict[tuple[str, int], list[_Entry]] = {}
        self._by_early_amount: dict[tuple[str, int], list[_Entry]] = {}
        self._by_ref: dict[str, list[_RefEntry]] = {}
        self._by_deletion: dict[str, set[str]] = {}
        self._typo_lengths: set[int] = set()
        self.partner_names: dict[int, str] = {}
        for item in items:
            entry = _Entry(item)
            if entry.minor <= 0:
                continue
            self._entries[item.id] = entry
            currency = entry.currency
            amounts = [entry.minor]
            self._by_amount.setdefault((currency, entry.minor), []).append(entry)
            if entry.early_minor is not None and 0 < entry.early_minor < entry.minor:
                amounts.append(entry.early_minor)
                self._by_early_amount.setdefault((currency, entry.early_minor), []).append(entry)
            if item.partner_id is not None:
                self._by_partner.setdefault((item.partner_id, currency), []).append(entry)
                self.partner_names.setdefault(item.partner_id, item.partner_name)
                for amount in amounts:
                    key = (item.partner_id, currency, amount)
                    self._payable[key] = self._payable.get(key, 0) + 1
            self._index_references(item)
        for bucket in (self._by_partner, self._by_amount, self._by_early_amount):
            for entries in bucket.values():
                entries.sort(key=lambda e: e.sort_key)

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, item_id: int) -> bool:
        return item_id in self._entries

    def item(self, item_id: int) -> OpenItem:
        return self._entries[item_id].item

    def _index_references(self, item: OpenItem) -> None:
        seen: set[str] = set()
        for source, text in (
            ("payment", item.payment_ref),
            ("number", item.move_name),
            ("customer", item.customer_ref),
        ):
            key = normalize_reference(text)
            if len(key) < MIN_KEY_LENGTH or key in seen:
                continue
            seen.add(key)
            structured = source != "customer" and _is_structured(key)
            if structured and is_valid_be_structured(key):
                display = format_be_structured(key)
            elif structured:
                display = format_rf(key)
            else:
                display = text.strip()
            self._add_key(key, _RefEntry(item.id, source, False, structured, display))
            short = _short_form(key) if source != "customer" else None
            if short and short not in seen:
                seen.add(short)
                self._add_key(short, _RefEntry(item.id, source, True, False, display))

    def _add_key(self, key: str, ref: _RefEntry) -> None:
        entries = self._by_ref.setdefault(key, [])
        entries.append(ref)
        if ref.short or ref.source == "customer" or len(key) < MIN_TYPO_LENGTH:
            return
        self._typo_lengths.update((len(key) - 1, len(key), len(key) + 1))
        for i in range(len(key)):
            self._by_deletion.setdefault(key[:i] + key[i + 1 :], set()).add(key)

    # -- look-ups ----------------------------------------------------------
    def references(self, key: str) -> list[_RefEntry]:
        return self._by_ref.get(key, [])

    def near_references(self, token: str) -> list[_RefEntry]:
        """Full references (not prefix-less forms, not PO references) one edit from ``token``.

        A deletion-neighbourhood look-up: keys are indexed by their one-character deletions,
        and each candidate is confirmed with an exact edit-distance check.
        """
        if len(token) < MIN_TYPO_LENGTH - 1 or len(token) not in self._typo_lengths:
            return []
        by_ref, by_deletion = self._by_ref, self._by_deletion
        found = set(by_deletion.get(token, ()))
        for i in range(len(token)):
            variant = token[:i] + token[i + 1 :]
            if variant in by_ref:
                found.add(variant)
            found.update(by_deletion.get(variant, ()))
        return [
            ref
            for key in sorted(found)
            if _within_one_edit(token, key)
            for ref in by_ref[key]
            if not ref.short and ref.source != "customer"
        ]

    def by_amount(self, currency: str, minor: int) -> list[_Entry]:
        return self._by_amount.get((currency.upper(), minor), [])

    def by_early_amount(self, currency: str, minor: int) -> list[_Entry]:
        return self._by_early_amount.get((currency.upper(), minor), [])

    def of_partner(self, partner_id: int, currency: str) -> list[_Entry]:
        """The partner's open items in ``currency``, oldest due date first."""
        return self._by_partner.get((partner_id, currency.upper()), [])

    def payable_count(self, partner_id: int, currency: str, minor: int) -> int:
        """How many of the partner's open items ``minor`` pays exactly (residual or early)."""
        return self._payable.get((partner_id, currency.upper(), minor), 0)

    def entry(self, item_id: int) -> _Entry:
        return self._entries[item_id]


# ---------------------------------------------------------------------------
# Evidence
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class _RefHit:
    weight: float
    reason: str
    firm: bool = True  # False: one character off several references, it only supports an amount


def _label_tokens(label: str) -> dict[str, str]:
    """Normalised candidate references in the label -> the text as written.

    Single words, and runs of short words ("RF18 5390 0754 7034", "INV 2026 00042"), with at
    least one digit; Belgian structured communications are also picked out of longer words.
    """
    tokens: dict[str, str] = {}
    raw = [word for word in _WORD_SPLIT.split(label or "") if word]
    norm = [normalize_reference(word) for word in raw]
    for i, first in enumerate(norm):
        if not first:
            continue
        joined, j = first, i
        while True:
            if len(joined) >= MIN_KEY_LENGTH and _HAS_DIGIT.search(joined):
                tokens.setdefault(joined, " ".join(raw[i : j + 1]))
            j += 1
            if j >= len(norm) or j - i >= MAX_TOKEN_WORDS:
                break
            word = norm[j]
            if not word or len(word) > MAX_GROUP_WORD_LENGTH:
                break
            joined += word
            if len(joined) > MAX_TOKEN_LENGTH:
                break
    for match in _BE_STRUCTURED_IN_TEXT.finditer(label or ""):
        tokens.setdefault("".join(match.groups()), match.group(0).strip())
    return tokens


def _reference_hits(
    line: StatementLine, index: Index, proposed: Iterable[str]
) -> dict[int, _RefHit]:
    hits: dict[int, _RefHit] = {}

    def keep(item_id: int, hit: _RefHit) -> None:
        if item_id not in hits or hits[item_id].weight < hit.weight:
            hits[item_id] = hit

    for token, written in _label_tokens(line.label).items():
        exact = index.references(token)
        if _DATE_SHAPE.fullmatch(written):
            # 2026-04-15 is a date, not INV/2026/0415 without its prefix or with a typo.
            exact = [ref for ref in exact if not ref.short]
            for ref in exact:
                keep(ref.item_id, _exact_hit(ref, written))
            continue
        for ref in exact:
            keep(ref.item_id, _exact_hit(ref, written))
        short = _short_form(token)
        if short:
            for ref in index.references(short):
                keep(ref.item_id, _short_hit(ref, written))
        if exact or _is_structured(token):
            # A token that is a reference itself, or carries valid check digits, is no typo.
            continue
        near = index.near_references(token)
        others = len({ref.item_id for ref in near}) - 1
        for ref in near:
            keep(ref.item_id, _typo_hit(ref, written, others))
    for token in proposed:
        key = normalize_reference(token)
        for ref in _proposed_refs(key, index):
            reason = _(
                "reference %(ref)s read from the remittance text (checked: it is open)",
                ref=ref.display,
            )
            keep(ref.item_id, _RefHit(W_REF_PROPOSED, reason))
    return hits


def _written(display: str, written: str) -> str:
    return "" if written == display else _(" (written '%(written)s')", written=written)


def _exact_hit(ref: _RefEntry, written: str) -> _RefHit:
    if ref.structured and is_valid_be_structured(ref.display):
        return _RefHit(
            W_REF_STRUCTURED,
            _(
                "structured communication %(ref)s in the label%(written)s, check digits valid",
                ref=ref.display,
                written=_written(ref.display, written),
            ),
        )
    if ref.structured:
        return _RefHit(
            W_REF_STRUCTURED,
            _(
                "creditor reference %(ref)s in the label%(written)s, ISO 11649 check valid",
                ref=ref.display,
                written=_written(ref.display, written),
            ),
        )
    if ref.short:
        return _short_hit(ref, written)
    if ref.source == "customer":
        return _RefHit(
            W_REF_CUSTOMER,
            _(
                "customer reference %(ref)s in the label%(written)s",
                ref=ref.display,
                written=_written(ref.display, written),
            ),
        )
    return _RefHit(
        W_REF_EXACT,
        _(
            "reference %(ref)s in the label%(written)s",
            ref=ref.display,
            written=_written(ref.display, written),
        ),
    )


def _short_hit(ref: _RefEntry, written: str) -> _RefHit:
    return _RefHit(
        W_REF_SHORT,
        _(
            "reference %(ref)s in the label without its prefix ('%(written)s')",
            ref=ref.display,
            written=written,
        ),
    )


def _typo_hit(ref: _RefEntry, written: str, others: int) -> _RefHit:
    if others:
        return _RefHit(
            W_REF_TYPO_SHARED,
            _(
                "'%(written)s' in the label is one character off %(ref)s and %(count)s other "
                "open references",
                written=written,
                ref=ref.display,
                count=others,
            )
            if others > 1
            else _(
                "'%(written)s' in the label is one character off %(ref)s and %(count)s other "
                "open reference",
                written=written,
                ref=ref.display,
                count=others,
            ),
            firm=False,
        )
    if ref.structured:
        return _RefHit(
            W_REF_STRUCTURED_TYPO,
            _(
                "'%(written)s' in the label is one character off %(ref)s and fails its own "
                "check digits",
                written=written,
                ref=ref.display,
            ),
        )
    return _RefHit(
        W_REF_TYPO,
        _(
            "'%(written)s' in the label is one character off %(ref)s",
            written=written,
            ref=ref.display,
        ),
    )


def _proposed_refs(key: str, index: Index) -> list[_RefEntry]:
    if len(key) < MIN_KEY_LENGTH:
        return []
    return list(index.references(key))


def validate_proposed_references(tokens: Iterable[str], index: Index) -> tuple[int, ...]:
    """Ids of the open items whose reference is one of ``tokens`` (e.g. proposed by an LLM).

    Only exact hits on a real open item count (separators and case aside): a token that
    matches nothing, or only nearly, is dropped.
    """
    ids = {
        ref.item_id for token in tokens for ref in _proposed_refs(normalize_reference(token), index)
    }
    return tuple(sorted(ids))


def identify_partner(
    line: StatementLine, directory: PartnerDirectory, index: Index | None = None
) -> PartnerMatch | None:
    """The payer: set on the line, else from the bank account number, else from the name."""

    def name_of(partner_id: int) -> str:
        return (
            directory.names.get(partner_id)
            or (index.partner_names.get(partner_id) if index else None)
            or _("partner %(id)s", id=partner_id)
        )

    if line.partner_id:
        return PartnerMatch(
            line.partner_id,
            "line",
            _("partner %(partner)s set on the line", partner=name_of(line.partner_id)),
        )
    account = normalize_account(line.account_number)
    if account and account in directory.by_account:
        partner_id = directory.by_account[account]
        return PartnerMatch(
            partner_id,
            "account",
            _(
                "bank account %(account)s known for %(partner)s",
                account=line.account_number.strip(),
                partner=name_of(partner_id),
            ),
        )
    name = normalize_name(line.partner_name)
    if name and name in directory.by_name:
        partner_id = directory.by_name[name]
        return PartnerMatch(
            partner_id,
            "name",
            _(
                "name '%(name)s' on the line matches %(partner)s",
                name=line.partner_name.strip(),
                partner=name_of(partner_id),
            ),
        )
    return None


# ---------------------------------------------------------------------------
# Scoring
# ---------------------------------------------------------------------------
@dataclass
class _Candidate:
    entries: tuple[_Entry, ...]
    kind: Kind
    currency: str
    applied: dict[int, int]
    evidence: list[float]
    reasons: list[str]
    factor: float = 1.0
    date_weight: float = 0.0
    date_reason: str | None = None
    write_off: int = 0
    unapplied: int = 0
    proximity: int = 10**6

    def base(self) -> float:
        doubt = 1.0
        for weight in self.evidence:
            doubt *= 1.0 - weight
        return round((1.0 - doubt) * self.factor, 6)

    def score(self) -> float:
        doubt = 1.0
        for weight in (*self.evidence, self.date_weight):
            doubt *= 1.0 - weight
        return round((1.0 - doubt) * self.factor, 4)


def _line_amounts(line: StatementLine) -> dict[str, int]:
    """What the customer paid, per currency it can be compared in."""
    amounts = {line.currency.upper(): to_minor(line.amount, line.currency)}
    if line.foreign_currency and line.foreign_amount is not None:
        amounts[line.foreign_currency.upper()] = to_minor(
            line.foreign_amount, line.foreign_currency
        )
    return amounts


def _date_evidence(candidate: _Candidate, line: StatementLine) -> None:
    dues = [e.item.due_date for e in candidate.entries if e.item.due_date]
    if not dues:
        return
    days = min(((line.date - due).days for due in dues), key=abs)
    candidate.proximity = abs(days)
    candidate.date_weight = W_DATE * max(0.0, 1.0 - abs(days) / DATE_WINDOW_DAYS)
    if days == 0:
        candidate.date_reason = _("paid on the due date")
    elif abs(days) <= 7:
        count = abs(days)
        if days > 0:
            candidate.date_reason = (
                _("paid %(count)s days after the due date", count=count)
                if count > 1
                else _("paid %(count)s day after the due date", count=count)
            )
        else:
            candidate.date_reason = (
                _("paid %(count)s days before the due date", count=count)
                if count > 1
                else _("paid %(count)s day before the due date", count=count)
            )


def _partner_evidence(candidate: _Candidate, partner: PartnerMatch | None) -> None:
    if partner is None:
        return
    partners = {e.item.partner_id for e in candidate.entries}
    if partners == {partner.partner_id}:
        weight = {"line": W_PARTNER_LINE, "account": W_PARTNER_ACCOUNT}.get(
            partner.source, W_PARTNER_NAME
        )
        candidate.evidence.append(weight)
        candidate.reasons.append(partner.reason)
        return
    customer = ", ".join(sorted({e.item.partner_name for e in candidate.entries}))
    candidate.factor *= F_OTHER_PARTNER_BY_NAME if partner.source == "name" else F_OTHER_PARTNER
    candidate.reasons.append(
        _(
            "%(reason)s, but the invoice is for %(customer)s",
            reason=partner.reason,
            customer=customer,
        )
    )


def _single(
    entry: _Entry,
    line: StatementLine,
    paid: dict[str, int],
    hit: _RefHit | None,
    partner: PartnerMatch | None,
    index: Index,
) -> _Candidate | None:
    item = entry.item
    currency = entry.currency
    reasons = [hit.reason] if hit else []
    evidence = [hit.weight] if hit else []
    firm = hit is not None and hit.firm
    amount = paid.get(currency)
    if amount is None:
        if not firm:
            return None
        reasons.append(
            _(
                "the invoice is in %(currency)s and the payment in %(paid)s: amounts not compared",
                currency=currency,
                paid=", ".join(paid),
            )
        )
        return _Candidate(
            (entry,), "reference_only", currency, {}, evidence, reasons, F_OTHER_CURRENCY
        )
    in_foreign = currency != line.currency.upper()
    paid_text = _("amount paid in %(currency)s", currency=currency) if in_foreign else _("amount")
    payer = partner.partner_id if partner and partner.partner_id == item.partner_id else None
    payer_items = len(index.of_partner(payer, currency)) if payer is not None else 0
    on_time = item.early_discount_until is None or line.date <= item.early_discount_until
    candidate = _Candidate((entry,), "exact", currency, {}, evidence, reasons)
    if amount == entry.minor:
        candidate.applied = {item.id: entry.minor}
        evidence.append(W_AMOUNT_EXACT)
        reasons.append(_("%(paid)s equals the residual", paid=paid_text))
        _uniqueness(candidate, amount, payer, partner, index, currency)
    elif amount == entry.early_minor and on_time:
        candidate.kind = "early_discount"
        candidate.applied = {item.id: entry.minor}
        candidate.write_off = entry.minor - amount
        evidence.append(W_AMOUNT_EARLY)
        until = (
            _(" until %(date)s", date=Day(item.early_discount_until))
            if item.early_discount_until
            else ""
        )
        reasons.append(
            _(
                "%(paid)s equals the early-payment amount (discount %(discount)s%(until)s)",
                paid=paid_text,
                discount=format_amount(candidate.write_off, currency),
                until=until,
            )
        )
        _uniqueness(candidate, amount, payer, partner, index, currency)
    elif firm or payer_items == 1:
        if not firm:
            reasons.append(_("the only open item of %(payer)s", payer=_payer_name(partner, index)))
        if amount < entry.minor:
            candidate.kind = "partial"
            candidate.applied = {item.id: amount}
            candidate.factor = F_PARTIAL
            partial = _(
                "partial payment: %(paid)s of %(open)s open, the rest stays open",
                paid=format_amount(amount, currency),
                open=format_amount(entry.minor, currency),
            )
            if amount == entry.early_minor:
                partial = join(
                    "",
                    (partial, _(" (early-payment amount, but paid after the discount date)")),
                )
            reasons.append(partial)
        else:
            candidate.kind = "overpayment"
            candidate.applied = {item.id: entry.minor}
            candidate.unapplied = amount - entry.minor
            candidate.factor = F_OVERPAYMENT
            reasons.append(
                _(
                    "overpayment: %(paid)s paid for %(open)s open, %(left)s left on the line",
                    paid=format_amount(amount, currency),
                    open=format_amount(entry.minor, currency),
                    left=format_amount(candidate.unapplied, currency),
                )
            )
    else:
        return None
    return candidate


def _payer_name(partner: PartnerMatch | None, index: Index) -> str:
    if partner is None:
        return _("the customer")
    return index.partner_names.get(partner.partner_id) or _("partner %(id)s", id=partner.partner_id)


def _uniqueness(
    candidate: _Candidate,
    amount: int,
    payer: int | None,
    partner: PartnerMatch | None,
    index: Index,
    currency: str,
) -> None:
    if payer is not None:
        if index.payable_count(payer, currency, amount) == 1:
            candidate.evidence.append(W_UNIQUE_PARTNER)
            candidate.reasons.append(
                _(
                    "the only open item of %(payer)s with this amount",
                    payer=_payer_name(partner, index),
                )
            )
    elif partner is None:
        same = index.by_amount(currency, amount) + index.by_early_amount(currency, amount)
        if len(same) == 1:
            candidate.evidence.append(W_UNIQUE_GLOBAL)
            candidate.reasons.append(_("the only open item with this amount"))


def _subsets(
    pool: Sequence[_Entry], target: int, max_size: int, budget: int, max_solutions: int
) -> tuple[list[tuple[_Entry, ...]], bool]:
    """Subsets of 2..max_size items whose residuals add up to ``target`` exactly.

    Depth-first over residuals in decreasing order with bound pruning; stops after ``budget``
    nodes or ``max_solutions`` solutions. Returns the solutions and whether the search was full.
    """
    items = sorted(pool, key=lambda e: (-e.minor, e.sort_key))
    amounts = [e.minor for e in items]
    solutions: list[tuple[_Entry, ...]] = []
    chosen: list[int] = []
    nodes = 0
    exhausted = False

    def walk(start: int, remaining: int) -> None:
        nonlocal nodes, exhausted
        slots = max_size - len(chosen)
        for i in range(start, len(amounts)):
            if exhausted or len(solutions) >= max_solutions:
                return
            value = amounts[i]
            if value > remaining:
                continue
            if value * slots < remaining:
                return  # even the largest items left cannot reach the target
            nodes += 1
            if nodes > budget:
                exhausted = True
                return
            chosen.append(i)
            if value == remaining:
                if len(chosen) >= 2:
                    solutions.append(tuple(items[k] for k in chosen))
            elif slots > 1:
                walk(i + 1, remaining - value)
            chosen.pop()

    walk(0, target)
    complete = not exhausted and len(solutions) < max_solutions
    return solutions, complete


def _combinations(
    paid: dict[str, int],
    hits: dict[int, _RefHit],
    partner: PartnerMatch | None,
    index: Index,
) -> list[_Candidate]:
    referenced = [index.entry(item_id) for item_id in hits]
    payer = partner.partner_id if partner else None
    if payer is None:
        ref_partners = {e.item.partner_id for e in referenced}
        payer = ref_partners.pop() if len(ref_partners) == 1 else None
    candidates = []
    for currency, amount in paid.items():
        pool: dict[int, _Entry] = {}
        for e in referenced:
            if e.currency == currency and e.minor < amount:
                pool.setdefault(e.item.id, e)
        truncated = False  # some of the payer's items were left out: no claim to be the only one
        if payer is not None:
            for scanned, e in enumerate(index.of_partner(payer, currency)):
                if scanned >= MAX_COMBINATION_SCAN or len(pool) >= MAX_COMBINATION_POOL:
                    truncated = True
                    break
                if e.minor < amount:
                    pool.setdefault(e.item.id, e)
        if len(pool) < 2:
            continue
        solutions, complete = _subsets(
            list(pool.values()),
            amount,
            MAX_COMBINATION_SIZE,
            COMBINATION_BUDGET,
            MAX_COMBINATION_SOLUTIONS,
        )
        complete = complete and not truncated
        for solution in solutions:
            candidates.append(
                _combination(solution, currency, hits, partner, index, complete, len(solutions))
            )
    return candidates


def _combination(
    solution: tuple[_Entry, ...],
    currency: str,
    hits: dict[int, _RefHit],
    partner: PartnerMatch | None,
    index: Index,
    complete: bool,
    found: int,
) -> _Candidate:
    solution = tuple(sorted(solution, key=lambda e: e.sort_key))
    names = ", ".join(e.item.move_name for e in solution)
    evidence = [W_AMOUNT_COMBINATION]
    reasons = [_("the residuals of %(invoices)s add up to the amount", invoices=names)]
    with_ref = [hits[e.item.id] for e in solution if e.item.id in hits]
    if with_ref and len(with_ref) == len(solution):
        evidence.insert(0, min(hit.weight for hit in with_ref))
        reasons.insert(0, join("; ", (hit.reason for hit in with_ref)))
    elif with_ref:
        evidence.insert(0, W_REF_PARTIAL_SET)
        reasons.insert(
            0,
            _(
                "%(count)s of the %(total)s items referenced in the label: %(references)s",
                count=len(with_ref),
                total=len(solution),
                references=join("; ", (hit.reason for hit in with_ref)),
            ),
        )
    if complete and found == 1 and partner is not None:
        evidence.append(W_UNIQUE_PARTNER)
        reasons.append(
            _(
                "the only combination of %(payer)s's open items that adds up (up to %(max)s items)",
                payer=_payer_name(partner, index),
                max=MAX_COMBINATION_SIZE,
            )
        )
    applied = {e.item.id: e.minor for e in solution}
    return _Candidate(solution, "combination", currency, applied, evidence, reasons)


def _suggestion(
    line: StatementLine, candidate: _Candidate, ambiguous: tuple[int, ...]
) -> Suggestion:
    currency = candidate.currency
    reasons = list(candidate.reasons)
    if candidate.date_reason:
        reasons.append(candidate.date_reason)
    if ambiguous:
        reasons.append(
            _(
                "%(count)s other suggestions are just as likely and nothing but the date tells "
                "them apart: a person decides",
                count=len(ambiguous),
            )
            if len(ambiguous) > 1
            else _(
                "%(count)s other suggestion is just as likely and nothing but the date tells "
                "them apart: a person decides",
                count=len(ambiguous),
            )
        )
    return Suggestion(
        line_id=line.id,
        item_ids=tuple(e.item.id for e in candidate.entries),
        kind=candidate.kind,
        score=candidate.score(),
        currency=currency,
        amount_applied={k: from_minor(v, currency) for k, v in candidate.applied.items()},
        reasons=tuple(reasons),
        write_off=from_minor(candidate.write_off, currency),
        unapplied=from_minor(candidate.unapplied, currency),
        ambiguous_with=ambiguous,
    )


_KIND_ORDER = {
    "exact": 0,
    "early_discount": 1,
    "combination": 2,
    "partial": 3,
    "overpayment": 4,
    "reference_only": 5,
}


def match_line(
    line: StatementLine,
    index: Index,
    directory: PartnerDirectory,
    *,
    proposed_references: Iterable[str] = (),
    limit: int = 5,
) -> list[Suggestion]:
    """Ranked suggestions for one incoming statement line (best first; [] when nothing fits).

    Candidates are the items whose reference appears in the label (exact, without prefix, or
    one character off), the payer's items with the paid amount (residual or early-payment
    amount), the payer's only open item, and combinations of the payer's (and referenced)
    items that add up exactly. ``proposed_references`` are tokens read by an LLM from the
    remittance text; they only count when they hit a real open item.
    """
    if line.amount <= 0:
        return []
    paid = _line_amounts(line)
    hits = _reference_hits(line, index, proposed_references)
    partner = identify_partner(line, directory, index)

    entries: dict[int, _Entry] = {item_id: index.entry(item_id) for item_id in hits}
    for currency, amount in paid.items():
        for found in (index.by_amount(currency, amount), index.by_early_amount(currency, amount)):
            if partner is not None:
                found = [e for e in found if e.item.partner_id == partner.partner_id]
            for e in found[:MAX_AMOUNT_ONLY_CANDIDATES]:
                entries.setdefault(e.item.id, e)
    if partner is not None:
        for currency in paid:
            own = index.of_partner(partner.partner_id, currency)
            if len(own) == 1:
                entries.setdefault(own[0].item.id, own[0])

    candidates = []
    for item_id, entry in entries.items():
        candidate = _single(entry, line, paid, hits.get(item_id), partner, index)
        if candidate is not None:
            candidates.append(candidate)
    named = {item_id: hit for item_id, hit in hits.items() if hit.firm}
    sure_single = any(
        c.kind in ("exact", "early_discount") and c.entries[0].item.id in named for c in candidates
    )
    if not sure_single:
        candidates.extend(_combinations(paid, named, partner, index))

    for candidate in candidates:
        _partner_evidence(candidate, partner)
        _date_evidence(candidate, line)
        if named and not any(e.item.id in named for e in candidate.entries):
            candidate.factor *= F_LABEL_ELSEWHERE
            refs = sorted(index.item(item_id).move_name for item_id in named)
            more = _(" and %(count)s more", count=len(refs) - 3) if len(refs) > 3 else ""
            candidate.reasons.append(
                _(
                    "the label refers to %(invoices)s%(more)s instead",
                    invoices=", ".join(refs[:3]),
                    more=more,
                )
            )
    return _rank(line, candidates, limit)


def _rank(line: StatementLine, candidates: list[_Candidate], limit: int) -> list[Suggestion]:
    candidates.sort(
        key=lambda c: (
            -c.score(),
            c.proximity,
            _KIND_ORDER[c.kind],
            tuple(e.item.id for e in c.entries),
        )
    )
    # Suggestions equally likely before the date is considered are not told apart: flag them.
    by_base: dict[float, list[_Candidate]] = {}
    for candidate in candidates:
        if candidate.applied:
            by_base.setdefault(candidate.base(), []).append(candidate)
    suggestions = []
    for candidate in candidates[:limit]:
        twins = [c for c in by_base.get(candidate.base(), []) if c is not candidate]
        ambiguous = (
            tuple(
                sorted(
                    {e.item.id for c in twins for e in c.entries}
                    - {e.item.id for e in candidate.entries}
                )
            )
            if candidate.applied
            else ()
        )
        suggestions.append(_suggestion(line, candidate, ambiguous))
    return suggestions


def auto_apply_choice(
    suggestions: Sequence[Suggestion],
    threshold: float = DEFAULT_THRESHOLD,
    margin: float = DEFAULT_MARGIN,
) -> Suggestion | None:
    """The suggestion to apply without a person, or None when a person must decide.

    Only when the best suggestion scores at least ``threshold``, leads the runner-up by at least
    ``margin``, settles a known amount, and is not tied with another one.
    """
    if not suggestions:
        return None
    ranked = sorted(suggestions, key=lambda s: -s.score)
    best = ranked[0]
    if best.kind == "reference_only" or not best.amount_applied or best.ambiguous_with:
        return None
    if best.score < threshold:
        return None
    if len(ranked) > 1 and round(best.score - ranked[1].score, 4) < margin:
        return None
    return best
