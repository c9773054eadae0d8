"""Earned autonomy: rollout scopes, their levels, measured accuracy, learned exceptions.

Plain values in, plain values out; the Odoo models gather the data and word the texts.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

# From the most cautious to the most autonomous: an order spanning several scopes
# takes the lowest, graduation climbs one step, demotion falls back to pilot.
LEVELS = ("off", "pilot", "draft", "post", "post_send")
POSTING_LEVELS = frozenset({"post", "post_send"})

# What became of one AI draft of a scope: approved unchanged, or posted by the agent and
# not corrected since, is right first time; the rest means the draft was wrong.
GOOD_OUTCOMES = frozenset({"unchanged", "posted"})
BAD_OUTCOMES = frozenset({"changed", "rejected", "wrong", "reversed"})


def level_rank(level: str) -> int:
    return LEVELS.index(level)


def most_cautious(levels: Iterable[str]) -> str | None:
    levels = list(levels)
    return min(levels, key=level_rank) if levels else None


def next_level(level: str) -> str | None:
    """The level graduation proposes (None: off never graduates, post and send is the top)."""
    if level == "off" or level == LEVELS[-1]:
        return None
    return LEVELS[level_rank(level) + 1]


def level_from_company(auto_post: bool, auto_send: bool) -> str:
    """The level reproducing the company switches Auto-Post and Send Posted AI Invoices."""
    if not auto_post:
        return "draft"
    return "post_send" if auto_send else "post"


# ----------------------------------------------------------------------
# Scope selection
# ----------------------------------------------------------------------
@dataclass(frozen=True)
class ScopeRule:
    """One scope; an empty criterion matches everything. ``category_ids`` includes the
    children of the chosen categories."""

    id: int
    level: str
    category_ids: frozenset[int] = frozenset()
    tag_ids: frozenset[int] = frozenset()
    warehouse_ids: frozenset[int] = frozenset()
    team_ids: frozenset[int] = frozenset()


@dataclass(frozen=True)
class DocLine:
    """One line of an order or invoice, with its document's customer, warehouse and team."""

    category_id: int | None
    tag_ids: frozenset[int] = frozenset()
    warehouse_id: int | None = None
    team_id: int | None = None
    label: str = ""


def scope_matches(scope: ScopeRule, line: DocLine) -> bool:
    return (
        (not scope.category_ids or line.category_id in scope.category_ids)
        and (not scope.tag_ids or bool(scope.tag_ids & line.tag_ids))
        and (not scope.warehouse_ids or line.warehouse_id in scope.warehouse_ids)
        and (not scope.team_ids or line.team_id in scope.team_ids)
    )


def first_match(scopes: Sequence[ScopeRule], line: DocLine) -> ScopeRule | None:
    """``scopes`` in sequence order: the first matching one wins."""
    return next((scope for scope in scopes if scope_matches(scope, line)), None)


@dataclass(frozen=True)
class ScopeChoice:
    scope: ScopeRule | None
    unmatched: tuple[DocLine, ...] = ()
    matched: tuple[ScopeRule, ...] = ()


def choose_scope(scopes: Sequence[ScopeRule], lines: Sequence[DocLine]) -> ScopeChoice:
    """The scope of a document: each line's first matching scope, then the most cautious.

    A line outside every scope leaves the document outside (nothing is processed).
    Among equally cautious scopes the first in sequence wins.
    """
    matched, unmatched = [], []
    for line in lines:
        scope = first_match(scopes, line)
        (matched.append(scope) if scope else unmatched.append(line))
    if unmatched or not matched:
        return ScopeChoice(None, tuple(unmatched), tuple(matched))
    order = {scope.id: index for index, scope in enumerate(scopes)}
    chosen = min(matched, key=lambda s: (level_rank(s.level), order[s.id]))
    return ScopeChoice(chosen, (), tuple(dict.fromkeys(matched)))


# ----------------------------------------------------------------------
# Accuracy, graduation, demotion
# ----------------------------------------------------------------------
@dataclass(frozen=True)
class Accuracy:
    sample: int  # measured drafts in the window
    good: int
    bad: int
    rate: float | None  # % approved unchanged in the window
    previous_rate: float | None = None  # the window before it
    counts: dict = field(default_factory=dict)  # every outcome, all time

    @property
    def error_rate(self) -> float | None:
        return None if self.rate is None else 100.0 - self.rate

    @property
    def trend(self) -> float | None:
        if self.rate is None or self.previous_rate is None:
            return None
        return self.rate - self.previous_rate


def _rate(outcomes: Sequence[str]) -> float | None:
    measured = [o for o in outcomes if o in GOOD_OUTCOMES or o in BAD_OUTCOMES]
    if not measured:
        return None
    return 100.0 * sum(1 for o in measured if o in GOOD_OUTCOMES) / len(measured)


def measure(outcomes_newest_first: Sequence[str], window: int, counts=None) -> Accuracy:
    """Accuracy over the last ``window`` measured outcomes (and the window before)."""
    window = max(window, 1)
    measured = [o for o in outcomes_newest_first if o in GOOD_OUTCOMES or o in BAD_OUTCOMES]
    last, previous = measured[:window], measured[window : 2 * window]
    good = sum(1 for o in last if o in GOOD_OUTCOMES)
    return Accuracy(
        sample=len(last),
        good=good,
        bad=len(last) - good,
        rate=_rate(last),
        previous_rate=_rate(previous),
        counts=dict(counts or {}),
    )


def graduation_due(level: str, accuracy: Accuracy, min_sample: int, min_rate: float) -> bool:
    return (
        next_level(level) is not None
        and accuracy.rate is not None
        and accuracy.sample >= max(min_sample, 1)
        and accuracy.rate >= min_rate
    )


def demotion_due(level: str, accuracy: Accuracy, min_sample: int, max_error_rate: float) -> bool:
    """A graduated scope (above pilot) whose error rate rose above the bound."""
    return (
        level_rank(level) > level_rank("pilot")
        and accuracy.error_rate is not None
        and accuracy.sample >= max(min_sample, 1)
        and accuracy.error_rate > max_error_rate
    )


# ----------------------------------------------------------------------
# Learned exceptions
# ----------------------------------------------------------------------
# What bounds an exception: the largest discount on the lines, or the invoice total
# (company currency); codes not listed are accepted whatever the value (no bound).
DISCOUNT_CODES = ("discount",)
AMOUNT_CODES = ("price_", "qty_", "unusual_amount", "credit_limit", "possible_duplicate")


def bound_kind(code: str) -> str | None:
    if code.startswith(DISCOUNT_CODES):
        return "discount"
    if code.startswith(AMOUNT_CODES):
        return "amount"
    return None


@dataclass(frozen=True)
class LearnedRule:
    id: int
    code: str
    product_id: int | None = None
    bound: float | None = None  # None: no bound for this kind of finding


def silencing_rule(
    code: str,
    severity: str,
    values: dict,
    product_ids: Iterable[int],
    rules: Sequence[LearnedRule],
) -> LearnedRule | None:
    """The first rule silencing a finding, or None. Errors (and infos) are never touched.

    ``values`` holds the invoice's observed figures (``{"discount": 40.0, "amount": 1200.0}``:
    the largest line discount, the total in company currency). A rule bound to a product
    applies only when that product is on the invoice; the bound is always compared with the
    whole invoice's figure, so no line escapes it.
    """
    if severity != "warning":
        return None
    kind = bound_kind(code)
    products = set(product_ids)
    for rule in rules:
        if rule.code != code:
            continue
        if rule.product_id is not None and rule.product_id not in products:
            continue
        if rule.bound is None or kind is None:
            return rule
        observed = values.get(kind)
        if observed is not None and observed <= rule.bound + 1e-6:
            return rule
    return None
