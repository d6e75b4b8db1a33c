"""The takedown-notice draft (text and JSON) and the IWF-style URL list, rendered from ``report.json``'s
``site`` section (:mod:`warden.crawl.takedown`): written beside the report when the case holds a crawl
with matches. Never an image, never a hash value: addresses, categories, times and hosting facts only."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from warden.crawl.hosting import Certificate, HostingFact, HostingFacts
from warden.crawl.takedown import MatchedMedia, TakedownNotice, takedown_notice, url_list
from warden.model.categories import Category

Report = dict[str, Any]


def has_takedown(report: Report) -> bool:
    """True when the report's crawl matched something (then the takedown files are written)."""
    site = report.get("site") or {}
    return bool(site.get("takedown")) and bool(site.get("matched_media"))


def _when(text: str | None) -> datetime:
    if not text:
        return datetime(1970, 1, 1, tzinfo=UTC)
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def _media(site: dict[str, Any]) -> list[MatchedMedia]:
    return [
        MatchedMedia(
            url=entry["url"],
            category=Category(entry["category"]),
            match=entry["kind"],
            first_seen=_when(entry["first_seen"]),
            last_seen=_when(entry["last_seen"]),
            page_url=entry["pages"][0] if entry["pages"] else None,
        )
        for entry in site["matched_media"]
    ]


def _hosting(site: dict[str, Any]) -> list[HostingFacts]:
    hosts = []
    for host in site.get("hosting", []):
        cert = host.get("certificate")
        hosts.append(
            HostingFacts(
                host=host["host"],
                facts=tuple(HostingFact(f["fact"], f["value"], f["source"]) for f in host.get("facts", [])),
                certificate=Certificate(**{**cert, "names": tuple(cert["names"])}) if cert else None,
                problems=tuple(host.get("problems", [])),
            )
        )
    return hosts


def notice(report: Report) -> TakedownNotice:
    """The draft for the report's crawl (drafted as of the end of its last run)."""
    site = report["site"]
    return takedown_notice(_media(site), _hosting(site), _when(site["takedown"]["drafted_at"]))


def render_notice(report: Report) -> bytes:
    """``report-takedown.txt``: the draft as plain text, to be checked by a person before it is sent."""
    return notice(report).text().encode("utf-8")


def render_notice_json(report: Report) -> bytes:
    """``report-takedown.json``: the same draft as JSON."""
    return (
        json.dumps(notice(report).to_json(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    ).encode()


def render_url_list(report: Report) -> bytes:
    """``report-urls.txt``: one ``URL<TAB>category`` line per matched address in A, B or C."""
    return url_list(_media(report["site"])).encode("utf-8")
