"""The grooming-indicator rules as shipped: every rule fires on each of its examples and on none of its near
misses, every pattern is linear by construction, every citation resolves, and a malformed file is refused
with a message naming the rule."""

from __future__ import annotations

import copy
import json
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest

from warden.conversations.indicator_rules import (
    FEWEST_EXAMPLES,
    RuleSetError,
    build_rules,
    bundled_rules,
    load_rules,
)
from warden.conversations.normalise import normalise
from warden.conversations.rule_patterns import first_words, linear_problem

RULES = bundled_rules()
SCHEMES = {"chatcoder-2009", "chatcoder-2", "oconnell-2003", "lorenzo-dus-2016", "black-2015"}
CATEGORIES = {
    "age_elicitation",
    "secrecy_isolation",
    "watched_checks",
    "platform_move",
    "gifts_money",
    "image_requests",
    "sexualisation",
    "arranging_meeting",
    "trust_compliments",
    "relationship_exclusivity",
}


def shipped() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(
        files("warden.conversations").joinpath("indicators.json").read_text("utf-8")
    )
    return data


def fired(text: str) -> set[str]:
    return {rule.id for rule, _, _ in RULES.find(normalise(text))}


@pytest.mark.parametrize("rule", RULES.rules, ids=[rule.id for rule in RULES.rules])
def test_every_rule_fires_on_its_examples_and_not_on_its_near_misses(rule: Any) -> None:
    assert len(rule.must_fire) >= FEWEST_EXAMPLES and len(rule.must_not_fire) >= FEWEST_EXAMPLES
    for example in rule.must_fire:
        assert rule.id in fired(example), f"{rule.id} should fire on {example!r} ({normalise(example)!r})"
    for example in rule.must_not_fire:
        # a near miss of one rule fires no rule at all: it is what benign adults, parents and shops write
        assert fired(example) == set(), f"{example!r} ({normalise(example)!r}) fired {fired(example)}"


def test_the_rule_set_is_versioned_and_covers_every_category_from_the_published_schemes() -> None:
    assert RULES.version and RULES.date
    assert set(RULES.sources) >= SCHEMES
    assert set(RULES.categories) >= CATEGORIES
    assert {rule.category for rule in RULES.rules} == set(RULES.categories)
    cited = {source for rule in RULES.rules for source in rule.sources}
    cited |= {source for category in RULES.categories.values() for source in category.sources}
    assert SCHEMES - {"chatcoder-2009"} <= cited
    for stage in RULES.stages.values():
        assert stage.sources and stage.coded_as, stage.id
    assert [stage.rank for stage in RULES.stages.values()] == sorted(s.rank for s in RULES.stages.values())
    # the stages that set grooming apart from adults' courtship are the ones the band table counts
    assert {s.id for s in RULES.stages.values() if s.concern} == {"risk", "isolation", "sexual"}
    assert {s.id for s in RULES.stages.values() if s.late} == {"sexual", "approach"}


@pytest.mark.parametrize("rule", RULES.rules, ids=[rule.id for rule in RULES.rules])
def test_every_pattern_is_linear_by_construction(rule: Any) -> None:
    assert linear_problem(rule.regex) is None
    assert first_words(rule.regex), f"{rule.id}: its first words cannot be read, so every message is searched"


@pytest.mark.parametrize(
    ("regex", "problem"),
    [
        ("(?:a+)+b", "unbounded"),
        ("secret.*tell", "unbounded"),
        ("a{0,50}", "bounded above"),
        ("(?:a|aa){0,40}b", "more than one character"),
        ("(?:x{0,2} )?y", "inside a repetition"),
        ("(a) tell", "capturing group"),
        ("(?P<x>a)(?P=x)", "capturing group"),
        ("how (old", "not a regular expression"),
    ],
)
def test_a_pattern_that_could_backtrack_without_bound_is_named_for_what_is_wrong(
    regex: str, problem: str
) -> None:
    found = linear_problem(regex)
    assert found is not None and problem in found


def test_near_rules_compile_to_a_bounded_gap_of_words() -> None:
    data = shipped()
    data["rules"].append(
        {
            "id": "test.near",
            "category": "secrecy_isolation",
            "sources": ["oconnell-2003"],
            "text": "a made-up proximity rule",
            "near": {"words": ["keep"], "then": ["quiet"], "within": 2},
            "must_fire": ["keep it quiet", "keep quiet", "keep this one quiet"],
            "must_not_fire": ["keep the noise down, quiet please", "quiet", "keep"],
        }
    )
    rules = build_rules(data)
    near = next(rule for rule in rules.rules if rule.id == "test.near")
    assert linear_problem(near.regex) is None
    for example in near.must_fire:
        assert "test.near" in {rule.id for rule, _, _ in rules.find(normalise(example))}
    for example in near.must_not_fire:
        assert "test.near" not in {rule.id for rule, _, _ in rules.find(normalise(example))}


def _broken(change: Any) -> dict[str, Any]:
    data = copy.deepcopy(shipped())
    change(data)
    return data


def _rule(data: dict[str, Any], rule_id: str) -> dict[str, Any]:
    rule: dict[str, Any] = next(item for item in data["rules"] if item["id"] == rule_id)
    return rule


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: _rule(d, "secrecy.delete").update(regex="delete.*chat"), "rule 'secrecy.delete'"),
        (
            lambda d: _rule(d, "secrecy.delete").update(must_fire=["delete this chat"]),
            "rule 'secrecy.delete'",
        ),
        (lambda d: _rule(d, "age.how-old").pop("must_not_fire"), "rule 'age.how-old'"),
        (lambda d: _rule(d, "age.how-old").update(category="astrology"), "rule 'age.how-old'"),
        (lambda d: _rule(d, "age.how-old").update(sources=["nobody-1999"]), "nobody-1999"),
        (
            lambda d: _rule(d, "age.how-old").update(near={"words": ["a"], "then": ["b"], "within": 1}),
            "exactly one",
        ),
        (lambda d: d["rules"].append(dict(_rule(d, "age.how-old"))), "repeat"),
        (lambda d: d.update(format=2), "format"),
        (lambda d: d["categories"][0].update(stage="nowhere"), "unknown stage"),
        (lambda d: d["rules"][0].pop("id"), "has no id"),
    ],
)
def test_a_malformed_rule_set_is_refused_naming_the_rule(change: Any, message: str) -> None:
    with pytest.raises(RuleSetError, match=message.replace("(", r"\(")):
        build_rules(_broken(change))


def test_a_rule_set_file_is_loaded_or_refused_with_its_path(tmp_path: Path) -> None:
    good = tmp_path / "indicators.json"
    good.write_text(json.dumps(shipped()), "utf-8")
    assert load_rules(good).version == RULES.version
    bad = tmp_path / "broken.json"
    bad.write_text("{not json", "utf-8")
    with pytest.raises(RuleSetError, match=r"broken\.json"):
        load_rules(bad)
