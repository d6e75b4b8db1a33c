"""Report writers, one per format, in one registry: each renders the same ``report.json`` dict to a file."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from warden.csv_cells import neutralise_row
from warden.errors import UsageError
from warden.hashsets.profiles import load_profile
from warden.registry import Registry, instance_of
from warden.report.html import render_html
from warden.report.site import TAKEDOWN_JSON as TAKEDOWN_JSON_FILE
from warden.report.site import TAKEDOWN_NOTICE, URL_LIST
from warden.report.takedown_files import has_takedown, render_notice, render_notice_json, render_url_list

Report = dict[str, Any]


def write_whole(target: Path, data: bytes) -> Path:
    """Write ``data`` to ``target`` atomically (a reader never sees half a report); returns ``target``."""
    partial = target.with_name(target.name + ".partial")
    partial.write_bytes(data)
    partial.replace(target)
    return target


@dataclass(frozen=True, slots=True)
class ReportWriter:
    """A format: its name, the file it writes in the case folder, the function that renders it and, for a
    file only some cases have (the takedown draft of a crawl), when it is written."""

    name: str
    filename: str
    render: Callable[[Report], bytes]
    applies: Callable[[Report], bool] | None = None

    def applies_to(self, report: Report) -> bool:
        """Whether ``report`` has this file (every report has, unless the format says otherwise)."""
        return self.applies is None or self.applies(report)

    def write(self, report: Report, folder: Path) -> Path:
        """Render ``report`` into ``folder`` atomically (a reader never sees half a report)."""
        return write_whole(folder / self.filename, self.render(report))


WRITERS: Registry[ReportWriter] = Registry("report writer")


def render_json(report: Report) -> bytes:
    """Stable JSON: sorted keys, two-space indent, UTF-8, trailing newline."""
    return (json.dumps(report, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")


CSV_COLUMNS = (
    "evidence",
    "path",
    "media",
    "format",
    "size",
    "md5",
    "sha1",
    "sha256",
    "category",
    "match_kind",
    "match_hashset",
    "match_source_id",
    "match_distance",
    "match_variant",
    "error",
    "state",
    "established_by",
    "grade_by",
    "grade_status",
    "audit_anchor",
    "not_examined",
    "video_parts",
)
"""The CSV's columns; columns are only ever added at the end. ``audit_anchor`` repeats the report's audit
anchor (``ENTRY:HASH``) on every row, so that any copy of the rows names the case state they came from;
``not_examined`` says why Warden did not look inside an item, when it did not (a fact, not an error);
``video_parts`` where in the item each listed video lies (``00:12-00:41 of the item = 00:00-00:29 of
<entry> (category A)``, separated by ``; ``)."""


def render_csv(report: Report) -> bytes:
    """One row per item, the best match flattened into columns; every text cell neutralised for spreadsheets
    (:mod:`warden.csv_cells`: a file named ``=cmd|...`` is shown, never run)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    anchor = ((report.get("continuity") or {}).get("audit") or {}).get("anchor") or ""
    for item in report["items"]:
        match = item["match"] or {}
        writer.writerow(
            neutralise_row(
                [
                    item["evidence"],
                    item["path"],
                    item["media"],
                    item["format"] or "",
                    "" if item["size"] is None else item["size"],
                    item["md5"] or "",
                    item["sha1"] or "",
                    item["sha256"] or "",
                    item["category"] or "",
                    match.get("kind", ""),
                    match.get("hashset", ""),
                    match.get("source_id") or "",
                    match.get("distance", ""),
                    match.get("variant", ""),
                    item["error"] or "",
                    item.get("state") or "",
                    item.get("established_by") or "",
                    (item.get("grade") or {}).get("by") or "",
                    (item.get("grade") or {}).get("status") or "",
                    anchor,
                    item.get("not_examined") or "",
                    "; ".join(
                        f"{part['text']} (category {part['category']})"
                        for part in item.get("video_parts") or []
                    ),
                ]
            )
        )
    return buffer.getvalue().encode("utf-8")


def render_html_bytes(report: Report) -> bytes:
    """The HTML page as UTF-8."""
    return render_html(report).encode("utf-8")


def render_pdf(report: Report) -> bytes:
    """The court report as an A4 PDF (needs WeasyPrint: ``warden[report]``)."""
    from warden.report.pdf import html_to_pdf

    return html_to_pdf(render_html(report))


def render_vics(report: Report, profile: str | None = None) -> bytes:
    """The case as a VICS 2.0 case export, categories through ``profile`` (default ``uk``)."""
    from warden.report.vics_case import render_vics_case

    return render_vics_case(report, profile)


JSON = ReportWriter("json", "report.json", render_json)
HTML = ReportWriter("html", "report.html", render_html_bytes)
CSV = ReportWriter("csv", "report.csv", render_csv)
VICS = ReportWriter("vics", "report-vics.json", render_vics)
PDF = ReportWriter("pdf", "report.pdf", render_pdf)
# A crawl's takedown draft and URL list (warden.report.takedown_files): only for a case whose crawl matched.
TAKEDOWN = ReportWriter("takedown", TAKEDOWN_NOTICE, render_notice, has_takedown)
TAKEDOWN_JSON = ReportWriter("takedown-json", TAKEDOWN_JSON_FILE, render_notice_json, has_takedown)
URLS = ReportWriter("urls", URL_LIST, render_url_list, has_takedown)
BUILT_IN: tuple[str, ...] = ("json", "html", "csv", "vics", "pdf", "takedown", "takedown-json", "urls")
"""Warden's own writers, in the order its entry points declare them."""
WRITERS.load_entry_points("warden.report_writers", instance_of(ReportWriter), first=BUILT_IN)

DEFAULT_FORMATS: tuple[str, ...] = ("json", "html", "csv", "vics", "takedown", "takedown-json", "urls")
"""What a scan and ``warden report`` write unless told: every format but ``pdf``, which needs WeasyPrint and
takes a few seconds (the takedown files only for a crawl that matched)."""


def writer_for(name: str, *, profile: str | None = None) -> ReportWriter:
    """The writer registered as ``name``; for ``vics``, one that uses ``profile``.

    Raises:
        UsageError: no such format (the message lists them), or a profile for a format without categories.
    """
    try:
        writer = WRITERS.get(name)
    except KeyError:
        raise UsageError(f"unknown report format {name!r} (formats: {', '.join(WRITERS.names())})") from None
    if profile is not None and name == "vics":
        load_profile(profile)  # an unknown profile fails here, before anything is written
        return ReportWriter(name, writer.filename, lambda report: render_vics(report, profile))
    return writer
