"""Rollout rules: scope selection, levels, accuracy, graduation, demotion, learned rules."""

from ai_invoicing.services.rollout import (
    DocLine,
    LearnedRule,
    ScopeRule,
    choose_scope,
    demotion_due,
    graduation_due,
    level_from_company,
    measure,
    most_cautious,
    next_level,
    silencing_rule,
)

KEGS = ScopeRule(1, "post", category_ids=frozenset({10, 11}))
HORECA = ScopeRule(2, "pilot", tag_ids=frozenset({7}))
ALL = ScopeRule(3, "draft")


def test_levels():
    assert most_cautious(["post", "pilot", "post_send"]) == "pilot"
    assert most_cautious(["draft", "off"]) == "off"
    assert next_level("pilot") == "draft"
    assert next_level("post") == "post_send"
    assert next_level("post_send") is None and next_level("off") is None
    assert level_from_company(False, True) == "draft"
    assert level_from_company(True, False) == "post"
    assert level_from_company(True, True) == "post_send"


def test_first_matching_scope_wins():
    line = DocLine(category_id=10, tag_ids=frozenset({7}))
    assert choose_scope([KEGS, HORECA, ALL], [line]).scope == KEGS
    assert choose_scope([HORECA, KEGS, ALL], [line]).scope == HORECA
    assert choose_scope([KEGS, HORECA, ALL], [DocLine(category_id=99)]).scope == ALL


def test_document_across_scopes_takes_the_most_cautious():
    lines = [DocLine(category_id=10), DocLine(category_id=99)]
    assert choose_scope([KEGS, ALL], lines).scope == ALL  # draft is more cautious than post


def test_a_line_outside_every_scope_leaves_the_document_out():
    lines = [DocLine(category_id=10), DocLine(category_id=99, label="Crate")]
    choice = choose_scope([KEGS], lines)
    assert choice.scope is None
    assert [line.label for line in choice.unmatched] == ["Crate"]
    assert choose_scope([], [DocLine(category_id=1)]).scope is None


def test_every_criterion_must_match():
    scope = ScopeRule(
        4, "post", warehouse_ids=frozenset({1}), team_ids=frozenset({2}), tag_ids=frozenset({3})
    )
    ok = DocLine(category_id=None, tag_ids=frozenset({3, 8}), warehouse_id=1, team_id=2)
    assert choose_scope([scope], [ok]).scope == scope
    other_team = DocLine(category_id=None, tag_ids=frozenset({3}), warehouse_id=1, team_id=5)
    assert choose_scope([scope], [other_team]).scope is None


def test_accuracy_over_the_window_and_trend():
    outcomes = ["unchanged"] * 8 + ["changed", "rejected"] + ["unchanged"] * 5 + ["wrong"] * 5
    acc = measure(outcomes, window=10)
    assert (acc.sample, acc.good, acc.bad, acc.rate) == (10, 8, 2, 80.0)
    assert acc.previous_rate == 50.0 and acc.trend == 30.0
    assert measure(["posted", "reversed"], 10).rate == 50.0
    assert measure([], 10).rate is None


def test_graduation_needs_sample_and_rate():
    good = measure(["unchanged"] * 99 + ["changed"], 100)
    assert graduation_due("pilot", good, 100, 98.0)
    assert not graduation_due("pilot", good, 101, 98.0)
    assert not graduation_due("pilot", measure(["unchanged"] * 97 + ["changed"] * 3, 100), 100, 98)
    assert not graduation_due("post_send", good, 100, 98.0)
    assert not graduation_due("off", good, 100, 98.0)


def test_demotion_only_of_graduated_scopes_above_the_bound():
    bad = measure(["wrong"] * 2 + ["posted"] * 18, 100)  # 10 % errors
    assert demotion_due("post", bad, 20, 5.0)
    assert not demotion_due("pilot", bad, 20, 5.0)
    assert not demotion_due("post", bad, 21, 5.0)
    assert not demotion_due("post", bad, 20, 10.0)


def test_learned_rule_silences_warnings_within_the_bound():
    rules = [LearnedRule(1, "discount_too_high", bound=40.0)]
    assert silencing_rule("discount_too_high", "warning", {"discount": 40.0}, [], rules)
    assert not silencing_rule("discount_too_high", "warning", {"discount": 40.5}, [], rules)
    assert not silencing_rule("discount_too_high", "error", {"discount": 10.0}, [], rules)
    assert not silencing_rule("price_below_cost", "warning", {"amount": 1.0}, [], rules)


def test_learned_rule_bound_to_a_product():
    rules = [LearnedRule(1, "unusual_amount", product_id=5, bound=1000.0)]
    assert silencing_rule("unusual_amount", "warning", {"amount": 900.0}, [5, 6], rules)
    assert not silencing_rule("unusual_amount", "warning", {"amount": 900.0}, [6], rules)
    assert not silencing_rule("unusual_amount", "warning", {"amount": 1100.0}, [5], rules)


def test_unbounded_findings_are_accepted_whatever_the_figures():
    rules = [LearnedRule(1, "fiscal_position_forced", bound=0.0)]
    assert silencing_rule("fiscal_position_forced", "warning", {}, [], rules)
