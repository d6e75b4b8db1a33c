"""The steps in plain text for the terminal, rendered from the JSON form so that every output agrees."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from typing import Any

WIDTH = 100


def _wrap(text: str, indent: str, first: str | None = None) -> list[str]:
    start = first if first is not None else indent
    # Never break inside a URL or a hyphenated word: a reader copies them.
    lines = textwrap.wrap(
        text,
        WIDTH,
        initial_indent=start,
        subsequent_indent=indent,
        break_on_hyphens=False,
        break_long_words=False,
    )
    return lines or [start.rstrip()]


def _line(line: Mapping[str, Any]) -> str:
    check = line.get("check")
    return str(line["text"]) + (" [unverified]" if check is not None and not check["verified"] else "")


def _headline(assessment: Mapping[str, Any]) -> list[str]:
    out = [f"Offence: {assessment['offence']['name']}"]
    if not assessment["applicable"]:
        return [*out, f"Not assessed: {assessment['reason']}."]
    rng = assessment["range"]
    out.append(
        f"Category {assessment['category']}: starting point {assessment['starting_point']['text']}; "
        f"range {rng['low']['text']} to {rng['high']['text']}; maximum {assessment['maximum']['text']}."
    )
    tested = assessment.get("tested_sentence")
    if tested:
        facts = [
            "within the range" if tested["within_range"] else "outside the range",
            "above the maximum" if tested["above_maximum"] else None,
            {True: "can be suspended", False: "cannot be suspended", None: None}[tested["suspendable"]],
            "must be suspended unless exceptional circumstances" if tested["must_be_suspended"] else None,
            f"notification {tested['notification']}" if tested["notification"] else None,
        ]
        out.append(f"Tested {tested['sentence']['text']}: " + ", ".join(f for f in facts if f) + ".")
    return out


ASSUMED_HEADING = "ASSUMED: dates were not given, so this is the law the figures below assume:"


def render_assumed(value: Mapping[str, Any]) -> list[str]:
    """The law assumed for dates nobody gave (an assessment's or a section's ``assumed_law``), said plainly
    before any figure; nothing when every date that matters was given."""
    lines = value.get("assumed_law") or []
    if not lines:
        return []
    out = ["", ASSUMED_HEADING]
    for line in lines:
        out += _wrap(line, "     ", "   - ")
    return out


def render_steps(assessment: Mapping[str, Any]) -> list[str]:
    """The headline and every step of one assessment (its ``to_json()`` form), as lines of text."""
    out: list[str] = []
    for line in _headline(assessment):
        out += _wrap(line, "  ", "")
    for number, step in enumerate(assessment["steps"], 1):
        out += ["", f"{number}. {step['title']}"]
        for line in step["lines"]:
            out += _wrap(_line(line), "     ", "   - ")
    return out


def render_appendix(section: Mapping[str, Any]) -> list[str]:
    """What the engine cannot know, the unverified figures and the sources (of an assessment or a section)."""
    out = ["", "What this engine cannot know"]
    for item in section["cannot_know"]:
        out += _wrap(item, "     ", "   - ")
    unverified = section.get("unverified") or []
    out += ["", f"Figures not verified against the guideline or statute itself ({len(unverified)})"]
    for item in unverified:
        out += _wrap(f"{item['figure']}: {item['reason']}", "     ", "   - ")
    out += ["", "Sources"]
    for source in section["sources"]:
        kind = "primary" if source["primary"] else "commentary"
        read = f"read {source['read']}" if source["read"] else "not read"
        out += _wrap(
            f"[{source['id']}] {source['title']} <{source['url']}> ({kind}; {read})", "     ", "   - "
        )
    return out


def render_text(assessment: Mapping[str, Any]) -> str:
    """One assessment in full: notice, headline, steps, limits, unverified figures and sources."""
    out = ["Sentencing guideline: indecent photographs of children (England and Wales)", ""]
    out += _wrap(assessment["notice"], "")
    out += render_assumed(assessment)
    out.append("")
    out += render_steps(assessment)
    out += render_appendix(assessment)
    return "\n".join(out) + "\n"


def render_section_text(section: Mapping[str, Any]) -> str:
    """A case's ``sentencing`` section (one assessment per offence considered) in full."""
    out = ["Sentencing guideline: indecent photographs of children (England and Wales)", ""]
    out += _wrap(section["notice"], "")
    out += render_assumed(section)
    out += ["", *_wrap(f"Counts: {section['counts']['basis']}.", "")]
    for assessment in section["assessments"]:
        out += ["", "=" * 20 + f" {assessment['offence']['id']} " + "=" * 20]
        out += render_steps(assessment) if "steps" in assessment else _headline(assessment)
    out += render_appendix(section)
    return "\n".join(out) + "\n"
