"""The "Sentencing guideline" section of ``report.html``: a fragment, all escaped, no link or script."""

from __future__ import annotations

from collections.abc import Mapping
from html import escape
from typing import Any

from warden.sentencing.text import ASSUMED_HEADING


def e(value: Any) -> str:
    """Escaped text; None is empty."""
    return escape("" if value is None else str(value))


SENTENCING_CSS = """
section.sentencing .notice{border:2px solid #a60;padding:.5rem;background:#fff8ee}
section.sentencing .assumed{border:2px solid #a00;padding:.5rem}
section.sentencing .unverified{color:#a00;font-size:.8rem;font-weight:bold}
section.sentencing li{margin:.15rem 0}
"""
"""Rules the report's stylesheet may add; the fragment reads correctly without them."""


def _line(line: Mapping[str, Any]) -> str:
    check = line.get("check")
    mark = ""
    if check is not None and not check["verified"]:
        mark = f' <span class="unverified" title="{e(check["reason"])}">[unverified]</span>'
    return f"<li>{e(line['text'])}{mark}</li>"


def _summary(assessment: Mapping[str, Any]) -> str:
    if not assessment["applicable"]:
        return f"<p>Not assessed: {e(assessment['reason'])}.</p>"
    rng = assessment["range"]
    rows = [
        ("Category", assessment["category"]),
        ("Starting point", assessment["starting_point"]["text"]),
        ("Category range", f"{rng['low']['text']} to {rng['high']['text']}"),
        ("Statutory maximum", assessment["maximum"]["text"]),
        ("Suspendable up to", assessment["suspension"]["limit"]),
    ]
    tested = assessment.get("tested_sentence")
    if tested:
        rows += [
            ("Sentence tested", tested["sentence"]["text"]),
            ("Within the range", "yes" if tested["within_range"] else "no"),
            ("Can be suspended", {True: "yes", False: "no", None: "not assessed"}[tested["suspendable"]]),
            ("Notification", tested["notification"]),
        ]
    body = "".join(f"<tr><th>{e(name)}</th><td>{e(value)}</td></tr>" for name, value in rows)
    return f"<table>{body}</table>"


def render_assessment_html(assessment: Mapping[str, Any]) -> str:
    """One offence's assessment: a summary table, then each step's findings in order."""
    parts = [f"<h3>{e(assessment['offence']['name'])}</h3>", _summary(assessment)]
    if "steps" in assessment:
        parts.append("<ol>")
        for step in assessment["steps"]:
            lines = "".join(_line(line) for line in step["lines"])
            parts.append(f"<li><strong>{e(step['title'])}</strong><ul>{lines}</ul></li>")
        parts.append("</ol>")
    return "".join(parts)


def render_section_html(section: Mapping[str, Any]) -> str:
    """The whole ``sentencing`` section of a report (from :func:`sentencing_section`) as an HTML fragment."""
    parts = [
        '<section class="sentencing" id="sentencing"><h2>Sentencing guideline</h2>',
        f'<p class="notice"><strong>{e(section["notice"])}</strong></p>',
    ]
    assumed = section.get("assumed_law") or []
    if assumed:
        parts.append(f'<div class="assumed"><p><strong>{e(ASSUMED_HEADING)}</strong></p><ul>')
        parts += [f"<li>{e(line)}</li>" for line in assumed]
        parts.append("</ul></div>")
    parts.append(f"<p>Counts used: {e(section['counts']['basis'])}.</p>")
    parts += [render_assessment_html(assessment) for assessment in section["assessments"]]
    parts.append("<h3>What this engine cannot know</h3><ul>")
    parts += [f"<li>{e(item)}</li>" for item in section["cannot_know"]]
    count = len(section["unverified"])
    parts.append(f"</ul><h3>Figures not verified against the guideline or statute ({count})</h3><ul>")
    parts += [f"<li>{e(item['figure'])}: {e(item['reason'])}</li>" for item in section["unverified"]]
    parts.append("</ul><h3>Sources</h3><ul>")
    for source in section["sources"]:
        kind = "primary" if source["primary"] else "commentary"
        read = f"read {source['read']}" if source["read"] else "not read"
        parts.append(
            f"<li>[{e(source['id'])}] {e(source['title'])}. <code>{e(source['url'])}</code> "
            f"({kind}; {e(read)})</li>"
        )
    parts.append("</ul></section>")
    return "".join(parts)
