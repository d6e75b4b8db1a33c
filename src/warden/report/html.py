"""``report.html``: the same counts and item table as ``report.json``, for a browser, with no image in it."""

from __future__ import annotations

from html import escape
from typing import Any

from warden.grading.categories import INDECENT
from warden.sentencing.html import SENTENCING_CSS, render_section_html

_STYLE = """
body{font-family:system-ui,sans-serif;margin:2rem;color:#111}
table{border-collapse:collapse;margin:1rem 0}
th,td{border:1px solid #bbb;padding:.25rem .5rem;text-align:left;font-size:.9rem}
th{background:#eee} td.n{text-align:right;font-variant-numeric:tabular-nums}
code{font-size:.8rem} .err{color:#a00}
"""
_STYLE += SENTENCING_CSS


def _cell(value: Any, numeric: bool = False) -> str:
    text = "" if value is None else str(value)
    return f'<td class="n">{escape(text)}</td>' if numeric else f"<td>{escape(text)}</td>"


def render_html(report: dict[str, Any]) -> str:
    """Render the report dict as one self-contained HTML page (no scripts, no images, no external links)."""
    case = report["case"]
    summary = report["summary"]
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>Warden report {escape(case['id'])}</title><style>{_STYLE}</style></head><body>",
        f"<h1>Warden report</h1><p>Case <code>{escape(case['id'])}</code>, "
        f"created {escape(case['created'])}; "
        f"{escape(case['tool']['name'])} {escape(case['tool']['version'])}. "
        f"Schema {escape(report['schema'])}.</p>",
        "<h2>Counts by category</h2>",
        "<table><tr><th>Category</th><th>Still images (files)</th><th>Still images (distinct)</th>"
        "<th>Moving images (files)</th><th>Moving images (distinct)</th></tr>",
    ]
    for category in INDECENT:
        counts = summary["by_category"][category.value]
        parts.append(
            f"<tr><th>{category.value}</th>"
            + _cell(counts["stills_files"], True)
            + _cell(counts["stills_unique"], True)
            + _cell(counts["movies_files"], True)
            + _cell(counts["movies_unique"], True)
            + "</tr>"
        )
    parts.append("</table><h2>Totals</h2><table>")
    for key in ("files_total", "media_total", "unmatched_media", "known_good", "low_quality_pdq", "errors"):
        parts.append(f"<tr><th>{escape(key.replace('_', ' '))}</th>{_cell(summary[key], True)}</tr>")
    parts.append("</table><h2>Evidence</h2><table><tr><th>Label</th><th>Path</th><th>SHA-256</th></tr>")
    for evidence in case["evidence"]:
        parts.append(
            "<tr>"
            + _cell(evidence["label"])
            + _cell(evidence["path"])
            + _cell(evidence.get("sha256"))
            + "</tr>"
        )
    parts.append("</table><h2>Hash sets</h2><table><tr><th>Name</th><th>Entries</th><th>SHA-256</th></tr>")
    for hashset in case["hashsets"]:
        parts.append(
            "<tr>"
            + _cell(hashset["name"])
            + _cell(hashset["entries"], True)
            + _cell(hashset["sha256"])
            + "</tr>"
        )
    parts.append(
        "</table><h2>Items</h2><table><tr><th>Evidence</th><th>Path</th><th>Media</th><th>Category</th>"
        "<th>Match</th><th>Hash set</th><th>Source id</th><th>Distance</th><th>Variant</th><th>SHA-1</th>"
        "<th>Error</th></tr>"
    )
    for item in report["items"]:
        match = item["match"] or {}
        error = item["error"]
        parts.append(
            "<tr>"
            + _cell(item["evidence"])
            + _cell(item["path"])
            + _cell(item["media"])
            + _cell(item["category"])
            + _cell(match.get("kind"))
            + _cell(match.get("hashset"))
            + _cell(match.get("source_id"))
            + _cell(match.get("distance"), True)
            + _cell(match.get("variant"))
            + _cell(item["sha1"])
            + (f'<td class="err">{escape(error)}</td>' if error else "<td></td>")
            + "</tr>"
        )
    parts.append("</table>")
    if "sentencing" in report:
        parts.append(render_section_html(report["sentencing"]))
    parts.append(
        "<p>A perceptual match (pdq, vpdq) is a lead to be confirmed; an exact match is a copy of "
        "the listed file. See the tool's docs/limits.md for what perceptual matching can miss.</p>"
        "</body></html>\n"
    )
    return "\n".join(parts)
