"""The grooming indicators as versioned, sourced data (``indicators.json``): read, checked and compiled.

The file names the coding schemes it draws on (``sources``), Warden's stages in their order with what each
scheme calls them, the categories in each stage, and the rules: each a regular expression over normalised text
(:mod:`warden.conversations.normalise`), its sources, and at least three examples that must fire and three
that must not. A rule may also be written as words near other words (``near``), compiled to the same kind of
expression. Loading refuses a malformed file with a message naming the rule; every pattern must be linear
(bounded repetition only, nothing repeated inside a repetition, no back-references, no capturing groups), so a
scan of any text costs time linear in its length, whatever a hostile sender writes.

The rules are compiled into one expression for all of them (does anything fire in this message?) and one per
category with a named group per rule (which rules fired, and where).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any

from warden.conversations.rule_patterns import first_words, linear_problem

FORMAT = 1
"""The ``format`` of rule-set files this code reads."""

FEWEST_EXAMPLES = 3
"""How many examples a rule must give that fire, and that must not."""

_NEAR_WORD = r"[^ ]{1,30}"


class RuleSetError(ValueError):
    """A rule-set file is malformed: the message names the rule (or the field) and what is wrong.

    Internal: the shipped file is checked by the tests, so this is a packaging error, never raised through a
    scan of a conversation.
    """


@dataclass(frozen=True, slots=True)
class Source:
    """A published coding scheme or study a stage, category or rule is drawn from.

    Attributes:
        read: ISO date it was read (in a stored copy), None if it was not read; ``note`` says what was read.
    """

    id: str
    title: str
    authors: str
    year: int
    where: str
    url: str
    read: str | None
    note: str


@dataclass(frozen=True, slots=True)
class Stage:
    """A stage of grooming as Warden orders them, with what each source scheme calls it.

    Attributes:
        rank: its place in the order (1 first).
        concern: a stage that sets grooming apart from ordinary conversation (risk, isolation, sexual): the
            band table counts these.
        late: a stage the conversation escalates to (sexual, approach): escalation is measured up to it.
        coded_as: source id -> the stage's name in that source's scheme.
    """

    id: str
    rank: int
    name: str
    text: str
    concern: bool
    late: bool
    sources: tuple[str, ...]
    coded_as: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class Category:
    """A kind of indicator (age elicitation, secrecy and isolation...), in one stage."""

    id: str
    name: str
    stage: str
    text: str
    sources: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Rule:
    """One pattern of one category, with its sources and its examples.

    Attributes:
        regex: the expression over normalised text, matched as whole words.
        must_fire: examples (raw text, normalised before matching) it must fire on.
        must_not_fire: near misses it must not fire on (benign adults, parents, teachers, shops).
    """

    id: str
    category: str
    stage: str
    text: str
    sources: tuple[str, ...]
    regex: str
    must_fire: tuple[str, ...]
    must_not_fire: tuple[str, ...]


@dataclass(frozen=True)
class RuleSet:
    """A version of the rules, ready to match.

    Attributes:
        version: the rule set's version, recorded with every lead it produces.
        stages: by id, in rank order.
        any_rule: one expression matching where any rule fires.
        by_category: per category, an expression with a group ``r<n>`` per rule and the rules by group name.
    """

    version: str
    date: str
    about: str
    sources: Mapping[str, Source]
    stages: Mapping[str, Stage]
    categories: Mapping[str, Category]
    rules: tuple[Rule, ...]
    any_rule: re.Pattern[str]
    by_category: tuple[tuple[re.Pattern[str], Mapping[str, Rule]], ...]
    first_words: frozenset[str] | None = None
    """Every word some rule can start with, when every rule's can be read from its pattern: a message
    with none of them cannot match, and is passed over without running an expression."""

    def find(self, text: str, most: int | None = None) -> list[tuple[Rule, int, int]]:
        """Every rule that fires in normalised ``text``, with the span it matched, in text order: per
        category, the leftmost matches that do not overlap (as ``finditer`` gives them).

        The combined expression finds each place where some rule starts; only there is each category's
        expression tried, so long text is read once, not once per category. With ``most``, the search stops
        after ``most + 1`` matches (one more than asked shows the caller there were more), so text made of
        indicators costs bounded time and memory.
        """
        if self.first_words is not None and self.first_words.isdisjoint(text.split(" ")):
            return []
        found: list[tuple[Rule, int, int]] = []
        free_from = [0] * len(self.by_category)
        candidate = self.any_rule.search(text)
        while candidate is not None:
            start = candidate.start()
            for index, (pattern, rules) in enumerate(self.by_category):
                if start < free_from[index]:
                    continue
                match = pattern.match(text, start)
                if match is not None:
                    found.append((rules[match.lastgroup or ""], start, match.end()))
                    free_from[index] = max(match.end(), start + 1)
            if most is not None and len(found) > most:
                break
            candidate = self.any_rule.search(text, start + 1)
        return found


def _near(spec: Mapping[str, Any]) -> str:
    """``near``: any of ``words`` followed, within ``within`` words, by any of ``then``; unrolled into one
    alternative per gap so that no repetition sits inside another."""
    first = "|".join(re.escape(str(word)) for word in spec["words"])
    then = "|".join(re.escape(str(word)) for word in spec["then"])
    within = int(spec["within"])
    if not 0 <= within <= 8:
        raise ValueError("within must be 0 to 8 words")
    gaps = "|".join(" ".join([""] + [_NEAR_WORD] * count) for count in range(within + 1))
    return f"(?:{first})(?:{gaps}) (?:{then})"


def _strings(value: Any, what: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(item, str) and item for item in value):
        raise ValueError(f"{what} must be a list of non-empty strings")
    return tuple(value)


def _rule(data: Mapping[str, Any], categories: Mapping[str, Category], sources: Mapping[str, Source]) -> Rule:
    rule_id = data.get("id")
    if not isinstance(rule_id, str) or not rule_id:
        raise RuleSetError(f"a rule has no id: {json.dumps(data)[:120]}")
    try:
        category = categories[data["category"]]
        cited = _strings(data["sources"], "sources")
        for source in cited:
            if source not in sources:
                raise ValueError(f"cites source {source!r}, which the file does not list")
        if ("regex" in data) == ("near" in data):
            raise ValueError("needs exactly one of regex and near")
        regex = data["regex"] if "regex" in data else _near(data["near"])
        if not isinstance(regex, str) or not regex:
            raise ValueError("regex must be a non-empty string")
        problem = linear_problem(regex)
        if problem:
            raise ValueError(f"pattern is not linear: {problem}")
        must_fire = _strings(data["must_fire"], "must_fire")
        must_not_fire = _strings(data["must_not_fire"], "must_not_fire")
        if min(len(must_fire), len(must_not_fire)) < FEWEST_EXAMPLES:
            raise ValueError(f"needs at least {FEWEST_EXAMPLES} examples that fire and that must not")
        return Rule(
            rule_id, category.id, category.stage, str(data["text"]), cited, regex, must_fire, must_not_fire
        )
    except KeyError as error:
        raise RuleSetError(f"rule {rule_id!r}: missing or unknown {error}") from None
    except (ValueError, TypeError) as error:
        raise RuleSetError(f"rule {rule_id!r}: {error}") from None


def _stage(data: Mapping[str, Any]) -> Stage:
    coded = data.get("coded_as", {})
    return Stage(
        id=str(data["id"]),
        rank=int(data["rank"]),
        name=str(data["name"]),
        text=str(data["text"]),
        concern=bool(data["concern"]),
        late=bool(data["late"]),
        sources=_strings(data["sources"], f"stage {data['id']} sources"),
        coded_as=tuple((str(key), str(value)) for key, value in coded.items()),
    )


def _word(regex: str) -> str:
    return rf"\b(?:{regex})\b"


def build_rules(data: Mapping[str, Any]) -> RuleSet:
    """A rule set from a rule-set file's parsed JSON.

    Raises:
        RuleSetError: the file is malformed; the message names the rule or field.
    """
    if data.get("format") != FORMAT:
        raise RuleSetError(f"format must be {FORMAT}, not {data.get('format')!r}")
    try:
        sources = {item["id"]: Source(**item) for item in data["sources"]}
        stages_list = sorted((_stage(item) for item in data["stages"]), key=lambda stage: stage.rank)
        stages = {stage.id: stage for stage in stages_list}
        categories = {
            item["id"]: Category(
                item["id"], item["name"], item["stage"], item["text"], _strings(item["sources"], "sources")
            )
            for item in data["categories"]
        }
        version, date, about = str(data["version"]), str(data["date"]), str(data["about"])
        raw_rules = data["rules"]
    except (KeyError, TypeError, ValueError) as error:
        raise RuleSetError(f"malformed rule set: missing or wrong {error}") from None
    if len(stages) != len(stages_list) or len({s.rank for s in stages_list}) != len(stages_list):
        raise RuleSetError("stage ids and ranks must be unique")
    for category in categories.values():
        if category.stage not in stages:
            raise RuleSetError(f"category {category.id!r}: unknown stage {category.stage!r}")
        for source in category.sources:
            if source not in sources:
                raise RuleSetError(f"category {category.id!r} cites source {source!r}, which is not listed")
    for stage in stages_list:
        for source in stage.sources + tuple(key for key, _ in stage.coded_as):
            if source not in sources:
                raise RuleSetError(f"stage {stage.id!r} cites source {source!r}, which is not listed")
    rules = tuple(_rule(item, categories, sources) for item in raw_rules)
    ids = [rule.id for rule in rules]
    if len(set(ids)) != len(ids):
        raise RuleSetError(f"rule ids repeat: {sorted({i for i in ids if ids.count(i) > 1})}")
    if not rules:
        raise RuleSetError("the rule set has no rules")
    by_category: list[tuple[re.Pattern[str], Mapping[str, Rule]]] = []
    for category in categories:
        named = {f"r{index}": rule for index, rule in enumerate(rules) if rule.category == category}
        if named:
            alternatives = "|".join(f"(?P<{name}>{rule.regex})" for name, rule in named.items())
            by_category.append((re.compile(_word(alternatives)), named))
    any_rule = re.compile(_word("|".join(f"(?:{rule.regex})" for rule in rules)))
    starts = [first_words(rule.regex) for rule in rules]
    first = None if any(words is None for words in starts) else frozenset().union(*(w or () for w in starts))
    return RuleSet(
        version, date, about, sources, stages, categories, rules, any_rule, tuple(by_category), first
    )


def load_rules(path: Path) -> RuleSet:
    """A rule set from a file (a lab's own, edited copy).

    Raises:
        RuleSetError: the file cannot be read as JSON, or is malformed.
    """
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise RuleSetError(f"{path}: cannot be read as a rule set: {error}") from None
    if not isinstance(data, dict):
        raise RuleSetError(f"{path}: a rule set is a JSON object")
    return build_rules(data)


@cache
def bundled_rules() -> RuleSet:
    """The rules shipped with Warden (``conversations/indicators.json``), read and checked once."""
    return build_rules(
        json.loads(files("warden.conversations").joinpath("indicators.json").read_text("utf-8"))
    )
