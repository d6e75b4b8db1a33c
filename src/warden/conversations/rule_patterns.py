"""What a rule's pattern may be, read from its parse tree: linear in the text it scans, and which words a
match can start with.

A hostile sender controls the text, so a pattern must never backtrack without bound: :func:`linear_problem`
names what would let it. :func:`first_words` lets a scan pass over a message holding none of the words any
rule starts with, without running an expression.
"""

from __future__ import annotations

import importlib
import re
from typing import Any

LONGEST_REPEAT = 40
"""The largest bound a repetition in a rule may have (``{0,40}``)."""

# The parser of the standard library's ``re`` (what ``sre_parse`` was); reached by name, as it has no stubs.
_PARSER: Any = importlib.import_module("re._parser")
_CODES: Any = importlib.import_module("re._constants")


def linear_problem(regex: str) -> str | None:
    """Why ``regex`` could cost more than linear time, or None when it cannot.

    Every repetition must be bounded by at most :data:`LONGEST_REPEAT` and contain no other repetition; one
    bounded by more than 1 must repeat a single character (a literal or a class: ``[^ ]{1,30}``), so only
    ``?`` may hold a group or alternatives; there may be no back-reference and no capturing group. Then one
    match attempt reads at most a fixed number of characters along a fixed number of paths, and a scan is
    linear in the text.
    """
    parser, codes = _PARSER, _CODES
    repeats = {codes.MAX_REPEAT, codes.MIN_REPEAT, codes.POSSESSIVE_REPEAT}
    single = {codes.LITERAL, codes.NOT_LITERAL, codes.IN, codes.ANY, codes.CATEGORY}
    try:
        parsed = parser.parse(regex)
    except re.error as error:
        return f"not a regular expression: {error}"

    def walk(items: Any, inside: bool) -> str | None:
        for op, value in items:
            problem: str | None = None
            if op in repeats:
                _low, high, body = value
                if high == codes.MAXREPEAT or high > LONGEST_REPEAT:
                    return f"a repetition unbounded or bounded above {LONGEST_REPEAT} (never * or +)"
                if inside:
                    return "a repetition inside a repetition"
                if high > 1 and not (len(body) == 1 and body[0][0] in single):
                    return "a repetition of more than one character at a time (only ? may hold a group)"
                problem = walk(body, True)
            elif op == codes.SUBPATTERN:
                group, _add, _remove, body = value
                if group is not None:
                    return "a capturing group (write (?:...))"
                problem = walk(body, inside)
            elif op == codes.BRANCH:
                for branch in value[1]:
                    problem = problem or walk(branch, inside)
            elif op in (codes.ASSERT, codes.ASSERT_NOT):
                problem = walk(value[1], inside)
            elif op == codes.ATOMIC_GROUP:
                problem = walk(value, inside)
            elif op in (codes.GROUPREF, codes.GROUPREF_EXISTS):
                return "a back-reference"
            if problem:
                return problem
        return None

    return walk(parsed, False)


def first_words(regex: str, most: int = 2000) -> frozenset[str] | None:
    """The words a match of ``regex`` (over normalised text, as a whole word) can start with, read from its
    parse tree: literal letters up to the first space, through groups, alternatives and optional parts.

    None when they cannot be read (a character class or a repetition before the first space) or there are
    more than ``most``.
    """
    parser, codes = _PARSER, _CODES
    space = ord(" ")

    def heads(items: list[Any], prefix: str) -> set[str] | None:
        for index, (op, value) in enumerate(items):
            rest = items[index + 1 :]
            if op == codes.LITERAL:
                if value == space:
                    return {prefix}
                prefix += chr(value)
            elif op in (codes.AT, codes.ASSERT, codes.ASSERT_NOT):
                continue
            elif op == codes.SUBPATTERN:
                return heads(list(value[3]) + rest, prefix)
            elif op == codes.BRANCH:
                found: set[str] = set()
                for branch in value[1]:
                    more = heads(list(branch) + rest, prefix)
                    if more is None or len(found | more) > most:
                        return None
                    found |= more
                return found
            elif op == codes.MAX_REPEAT and value[0] == 0 and value[1] == 1:
                skipped = heads(rest, prefix)
                taken = heads(list(value[2]) + rest, prefix)
                if skipped is None or taken is None:
                    return None
                return skipped | taken
            else:
                return None
        return {prefix} if prefix else None

    try:
        words = heads(list(parser.parse(regex)), "")
    except (re.error, RecursionError):
        return None
    return frozenset(words) if words is not None and len(words) <= most else None
