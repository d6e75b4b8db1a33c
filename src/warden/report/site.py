"""The ``site`` section of ``report.json``: what a crawl fetched, which of it matched and on which pages,
how the site is run as its pages show it, and its hosting facts. Pure: the crawl's records and the scan's
items of the capture in, a dict out (docs/report-schema.md).

Matching is the scan's: an item of the capture is a response record of one of the crawl's WARC files
(provenance ``crawl-NNNNN.warc.gz`` -> ``record`` with its URL); its category and match kind are the item's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from warden.case.crawl_state import DONE, ERROR, SKIPPED, UrlRow
from warden.case.site_facts import HostSeen, PageRead
from warden.crawl.hosting import hosting_facts
from warden.crawl.scope import REDIRECT, SEED
from warden.model.records import ItemRecord, MatchRecord
from warden.report.site_structure import site_structure

PAGE_TYPES = frozenset({"text/html", "application/xhtml+xml"})
"""What the crawl reads as a page (``warden.crawl.frontier.PAGE_TYPES``; not imported, so that a report
needs none of the crawl's dependencies)."""
MAX_ERRORS = 1_000
"""Per-URL errors listed at most; the rest are counted in ``errors_left``."""
MAX_HEADERS = 100
_MAX_VALUE = 500
TAKEDOWN_NOTICE = "report-takedown.txt"
TAKEDOWN_JSON = "report-takedown.json"
URL_LIST = "report-urls.txt"


@dataclass(frozen=True, slots=True)
class SiteData:
    """A case's crawl as recorded: its runs (``crawl_state.runs``), its frontier, the pages read, the
    hosts' facts and the names of its WARC files."""

    runs: tuple[dict[str, Any], ...]
    frontier: tuple[UrlRow, ...]
    pages: tuple[PageRead, ...]
    hosts: tuple[HostSeen, ...]
    warc_files: frozenset[str]


@dataclass(slots=True)
class _Matched:
    url: str
    best: MatchRecord
    category: str
    seen: list[str]


def site_section(data: SiteData, items: Sequence[ItemRecord]) -> dict[str, Any]:
    """The ``site`` object of ``report.json``."""
    rows = {row.url: row for row in data.frontier}
    fetched = [row for row in data.frontier if row.fetched_at is not None]
    times = sorted(str(row.fetched_at) for row in fetched if row.state in (DONE, ERROR))
    errors = [{"url": row.url, "reason": row.reason or ""} for row in data.frontier if row.state == ERROR]
    matched = _matched(data, items, rows)
    shown_on = _pages_showing(data, matched, rows)
    media = [
        {
            "url": m.url,
            "category": m.category,
            "kind": str(m.best.kind),
            "first_seen": min(m.seen),
            "last_seen": max(m.seen),
            "pages": sorted(shown_on.get(m.url, ())),
        }
        for m in sorted(matched.values(), key=lambda m: m.url)
    ]
    by_page: dict[str, list[dict[str, Any]]] = {}
    for entry in media:
        for page in entry["pages"]:
            by_page.setdefault(page, []).append(
                {key: entry[key] for key in ("url", "category", "kind", "first_seen", "last_seen")}
            )
    section: dict[str, Any] = {
        "seeds": [row.url for row in data.frontier if row.kind == SEED],
        "runs": [_run(run) for run in data.runs],
        "first_seen": times[0] if times else None,
        "last_seen": times[-1] if times else None,
        "fetched": _counts(data.frontier),
        "errors": errors[:MAX_ERRORS],
        "errors_left": max(len(errors) - MAX_ERRORS, 0),
        "matches_by_page": [{"page": page, "matches": by_page[page]} for page in sorted(by_page)],
        "matched_media": media,
        "structure": site_structure(data.pages),
        "hosting": [_host(host) for host in data.hosts],
        "takedown": None,
    }
    if media:
        section["takedown"] = {
            "notice": TAKEDOWN_NOTICE,
            "json": TAKEDOWN_JSON,
            "url_list": URL_LIST,
            "drafted_at": _drafted_at(data.runs, section["last_seen"]),
        }
    return section


def _run(run: dict[str, Any]) -> dict[str, Any]:
    options = run.get("options") or {}
    return {
        "started": run.get("started_at"),
        "finished": run.get("finished_at"),
        "status": run.get("status"),
        "ignore_robots": bool(options.get("ignore_robots")),
        "insecure": bool(options.get("insecure")),
        "proxy": options.get("proxy"),
    }


def _counts(frontier: Sequence[UrlRow]) -> dict[str, int]:
    counts = {"pages": 0, "media": 0, "other": 0, "errors": 0, "skipped": 0, "queued": 0, "bytes": 0}
    for row in frontier:
        if row.fetched_at is not None and row.state in (DONE, ERROR):
            counts["bytes"] += row.size or 0
        if row.state == DONE:
            kind = row.content_type or ""
            if kind in PAGE_TYPES:
                counts["pages"] += 1
            elif kind.startswith(("image/", "video/")):
                counts["media"] += 1
            else:
                counts["other"] += 1
        elif row.state == ERROR:
            counts["errors"] += 1
        elif row.state == SKIPPED:
            counts["skipped"] += 1
        else:
            counts["queued"] += 1
    return counts


def _record_url(item: ItemRecord, warc_files: frozenset[str]) -> tuple[str, str | None] | None:
    """(URL, WARC-Date) of the crawl's response record an item is, or came out of; None for other items."""
    steps = item.provenance
    if not steps or steps[0].get("name") not in warc_files:
        return None
    for step in steps[1:]:
        detail = step.get("detail") or {}
        if step.get("kind") == "record" and detail.get("url"):
            return str(detail["url"]), detail.get("date")
    return None


def _matched(data: SiteData, items: Sequence[ItemRecord], rows: dict[str, UrlRow]) -> dict[str, _Matched]:
    matched: dict[str, _Matched] = {}
    for item in items:
        best, category = item.best_match, item.category
        place = _record_url(item, data.warc_files) if best is not None else None
        if place is None or best is None or category is None:
            continue
        url, date = place
        row = rows.get(url)
        seen = (row.fetched_at if row is not None else None) or date or ""
        known = matched.get(url)
        if known is None:
            matched[url] = _Matched(url, best, category.value, [seen])
            continue
        known.seen.append(seen)
        if best.rank() < known.best.rank():
            known.best, known.category = best, category.value
    return matched


def _pages_showing(
    data: SiteData, matched: dict[str, _Matched], rows: dict[str, UrlRow]
) -> dict[str, set[str]]:
    """Each matched URL's pages: every page read that links or embeds it, and the page the crawl found it
    on (through the redirects that led to it)."""
    shown: dict[str, set[str]] = {url: set() for url in matched}
    for page in data.pages:
        for url in page.refers:
            if url in shown:
                shown[url].add(page.url)
    for url in matched:
        row = rows.get(url)
        for _ in range(50):
            if row is None or row.via is None:
                break
            via = rows.get(row.via)
            if row.kind != REDIRECT or via is None:
                shown[url].add(row.via)
                break
            row = via
    return shown


def _host(host: HostSeen) -> dict[str, Any]:
    seen_at = _when(host.seen_at)
    facts = hosting_facts(
        host.host,
        addresses=host.addresses or (),
        addresses_source=host.addresses_source or "",
        certificate_der=host.certificate,
        certificate_source=host.certificate_source or "",
        headers=host.headers or (),
        headers_source=host.headers_source or "",
        seen_at=seen_at,
    )
    headers: dict[str, str] = {}
    for name, value in (host.headers or ())[:MAX_HEADERS]:
        key = name.strip()[:100]
        text = "".join(c if c.isprintable() else "?" for c in value)[:_MAX_VALUE]
        headers[key] = f"{headers[key]}, {text}" if key in headers else text
    return {
        "host": host.host,
        "addresses": list(host.addresses or ()),
        "certificate": facts.certificate.to_json() if facts.certificate else None,
        "headers": headers,
        "sources": {
            "addresses": host.addresses_source,
            "certificate": host.certificate_source,
            "headers": host.headers_source,
        },
        "facts": [fact.to_json() for fact in facts.facts],
        "problems": list(facts.problems),
    }


def _when(text: str | None) -> datetime | None:
    try:
        return datetime.fromisoformat(str(text).replace("Z", "+00:00")).astimezone(UTC) if text else None
    except ValueError:
        return None


def _drafted_at(runs: Sequence[dict[str, Any]], last_seen: str | None) -> str | None:
    """When the draft speaks from: the end of the crawl's last run (so the same case drafts the same text)."""
    ends = [str(run["finished_at"]) for run in runs if run.get("finished_at")]
    return max(ends) if ends else last_seen
