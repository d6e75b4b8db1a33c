"""``report.html``, the court report: the indictment, counts, distribution, exhibits, method, continuity and
sentencing sections rendered from ``report.json``, for a browser and (through WeasyPrint) for A4 paper. No
image, ever."""

from __future__ import annotations

import re
from typing import Any

from warden.report.court_conversations import conversations_html
from warden.report.court_counts import (
    counts_html,
    exhibits_html,
    grades_html,
    indictment_html,
    schedule_html,
    totals_html,
)
from warden.report.court_distribution import distribution_html
from warden.report.court_method import continuity_html, method_html
from warden.report.court_site import SITE_CSS, site_html
from warden.report.html_parts import e
from warden.report.not_examined import not_examined_html
from warden.sentencing.html import SENTENCING_CSS, render_section_html

NO_IMAGES = (
    "This report contains no image of the material. Blurred thumbnails, where they were made, are in a "
    "separate, separately marked annex."
)

STYLE = """
html{font-family:"DejaVu Sans",system-ui,sans-serif;color:#111}
body{margin:2rem;font-size:10pt}
h1{font-size:16pt;margin-bottom:.2rem} h2{font-size:13pt;border-bottom:1px solid #999;margin-top:1.4rem}
h3{font-size:11pt}
table{border-collapse:collapse;margin:.5rem 0;max-width:100%}
th,td{border:1px solid #bbb;padding:.15rem .4rem;text-align:left;font-size:8.5pt;vertical-align:top}
th{background:#eee} td.n{text-align:right;font-variant-numeric:tabular-nums}
td.path,td.hash,code{word-break:break-all;font-size:8pt}
table.indictment td,table.indictment th{font-size:10pt}
.notice{border:2px solid #444;padding:.4rem}
.warning{border:2px solid #a00;padding:.4rem;color:#700}
.verified{border:2px solid #070;padding:.4rem}
.disputed,td.how-grade-disputed{color:#a00;font-weight:bold}
.exhibit{margin-left:.5rem}
thead{display:table-header-group} tr{page-break-inside:avoid}
@media print{body{margin:0}}
"""
STYLE += SENTENCING_CSS
STYLE += SITE_CSS


def print_style(
    case_id: str,
    running_title: str = "Warden court report",
    footer: str = "Contains no image of the material",
) -> str:
    """Paged-media rules for the PDF: A4, the case id in the header, page numbers in the footer."""
    safe = re.sub(r"[^A-Za-z0-9._:-]", "", case_id)
    title, footer = (re.sub(r'["\\]', "", text) for text in (running_title, footer))
    return (
        "@page{size:A4;margin:20mm 15mm 18mm 15mm;"
        f'@top-left{{content:"{title}";font-size:8pt;color:#555}}'
        f'@top-right{{content:"Case {safe}";font-size:8pt;color:#555}}'
        f'@bottom-left{{content:"{footer}";font-size:8pt;color:#555}}'
        '@bottom-right{content:"Page " counter(page) " of " counter(pages);font-size:8pt}}'
    )


def page(title: str, case_id: str, body: str, style: str = "", *, annex: bool = False) -> str:
    """A whole self-contained page (no scripts, no links out) around ``body``; an annex is marked as one on
    every printed page."""
    marks = ("ANNEX: blurred thumbnails", "Annex: contains blurred thumbnails") if annex else ()
    rules = f"{STYLE}{style}{print_style(case_id, *marks)}"
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{e(title)}</title><style>{rules}</style></head><body>\n" + body + "\n</body></html>\n"
    )


def render_html(report: dict[str, Any]) -> str:
    """The court report as one HTML page (no scripts, no images, no external links)."""
    case = report["case"]
    summary = report["summary"]
    header = (
        f"<h1>Warden court report</h1><p>Case <code>{e(case['id'])}</code>, created {e(case['created'])}; "
        f"{e(case['tool']['name'])} {e(case['tool']['version'])}; report schema {e(report['schema'])}.</p>"
        f'<p class="notice">{e(NO_IMAGES)} Exact matches are copies of listed files; perceptual matches '
        "(pdq, vpdq) are leads that an examiner confirms; examiner grades name the examiner and any second "
        "reviewer. The sentencing section is guidance for the court, never a sentence.</p>"
    )
    sections = [header]
    if "indictment" in report:
        sections.append(indictment_html(report["indictment"]))
    sections.append(counts_html(summary))
    if report.get("distribution"):
        sections.append(distribution_html(report["distribution"]))
    if report.get("conversations"):
        sections.append(conversations_html(report["conversations"]))
    if "exhibits" in report:
        sections.append(exhibits_html(report["exhibits"]))
    if report.get("site"):
        sections.append(site_html(report["site"]))
    sections.append(grades_html(summary, report["items"]))
    if "not_examined" in report:
        sections.append(not_examined_html(report["not_examined"], summary))
    if "method" in report:
        sections.append(method_html(report["method"], case))
    if "continuity" in report:
        sections.append(continuity_html(report["continuity"]))
    if "sentencing" in report:
        sections.append(render_section_html(report["sentencing"]))
    sections.append(schedule_html(report["items"]))
    sections.append(totals_html(summary))
    return page(f"Warden report {case['id']}", case["id"], "\n".join(sections))
