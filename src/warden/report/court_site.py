"""The court HTML's site section, from ``report.json``'s ``site``: what ``warden crawl`` fetched and how, the
matches by category and by page, the errors, and where the takedown draft and URL list are.

Every address of the site is text, never a link, and no image of it is shown. The site's structure and its
hosting are in :mod:`warden.report.court_site_structure`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from warden.model.categories import Category
from warden.report.court_site_structure import hosting_html, structure_html
from warden.report.html_parts import (
    ESTABLISHED,
    cell,
    e,
    established_label,
    table,
    url_cell,
    url_lines,
    url_text,
)

SITE_CSS = """
.url{word-break:break-all;overflow-wrap:anywhere;font-size:8pt}
section#site td.url,section#site td.urls{min-width:9em}
section#site td.wrap,section#site li{overflow-wrap:anywhere}
section#site h3,section#site h4{break-after:avoid}
@media print{section#site{break-before:page}}
"""
"""Rules the report's stylesheet adds: a site's addresses wrap anywhere, and so does any other text of the
section too long for its line (a source naming an address), so nothing runs off the page; the section
starts on a new printed page."""

FIRST_URLS = 3
"""Addresses shown per error reason; the rest are in ``report.json``."""

_KINDS = {"exact": "hashset-exact", "pdq": "hashset-pdq", "vpdq": "hashset-vpdq"}


def match_words(kind: Any) -> str:
    """How a match was made, in the court report's words (a perceptual match is a lead)."""
    text = str(kind or "unknown")
    return established_label(_KINDS.get(text, text)) if _KINDS.get(text, text) in ESTABLISHED else text


def _category_order(name: Any) -> tuple[int, str]:
    try:
        return (-Category.parse(str(name)).severity, str(name))
    except ValueError:
        return (0, str(name))


def _category_words(name: Any) -> str:
    words = {"not_indecent": "not indecent", "uncategorised": "uncategorised", "known_good": "known good"}
    return words.get(str(name), str(name or "uncategorised"))


def _proxy_text(proxy: Any) -> str:
    """The proxy as recorded, with any password in it hidden."""
    if not proxy:
        return "none (direct)"
    text = str(proxy)
    try:
        parts = urlsplit(text)
        if parts.password is not None:
            host = parts.netloc.rsplit("@", 1)[-1]
            user = parts.username or ""
            return urlunsplit(parts._replace(netloc=f"{user}:(password hidden)@{host}"))
    except ValueError:
        pass
    return text


def _size(count: Any) -> str:
    if not isinstance(count, int):
        return "not recorded"
    value, unit = float(count), "bytes"
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB"):
        if value < 1024 or unit == "TiB":
            break
        value /= 1024
    return f"{count} bytes" if unit == "bytes" else f"{value:.1f} {unit} ({count} bytes)"


def crawl_html(site: Mapping[str, Any]) -> str:
    """Seeds, runs (with the robots.txt, TLS and proxy choices each made), dates and counts."""
    runs = [
        [
            cell(run.get("started")),
            cell(run.get("finished") or "not finished"),
            cell(run.get("status")),
            cell("IGNORED (--ignore-robots)" if run.get("ignore_robots") else "honoured"),
            cell(
                "NOT verified (--insecure)"
                if run.get("insecure")
                else "verified (one that did not verify was an error)"
            ),
            cell(_proxy_text(run.get("proxy")), css="url"),
        ]
        for run in site.get("runs") or []
    ]
    fetched = site.get("fetched") or {}
    counts = [
        [cell("Pages (HTML)"), cell(fetched.get("pages", 0), numeric=True)],
        [cell("Media (images and videos)"), cell(fetched.get("media", 0), numeric=True)],
        [
            cell("Other responses (style sheets, scripts, robots.txt...)"),
            cell(fetched.get("other", 0), numeric=True),
        ],
        [cell("Addresses that gave an error (below)"), cell(fetched.get("errors", 0), numeric=True)],
        [
            cell("Addresses found but not fetched (out of scope, robots.txt, limits)"),
            cell(fetched.get("skipped", 0), numeric=True),
        ],
        [cell("Bytes received"), cell(_size(fetched.get("bytes")), numeric=True)],
    ]
    return (
        "<h3>What was crawled</h3><p>Starting addresses (seeds):<br>"
        + url_lines(site.get("seeds") or [])
        + "</p>"
        + (
            table(
                ("Started (UTC)", "Finished (UTC)", "Status", "robots.txt", "TLS certificates", "Proxy"), runs
            )
            if runs
            else "<p>No crawl run is recorded.</p>"
        )
        + f"<p>First fetch: {e(site.get('first_seen') or 'none')}; last fetch: "
        f"{e(site.get('last_seen') or 'none')} (UTC). Everything fetched, errors included, is preserved in "
        "the WARC files in the case folder's <code>capture/</code>. Media matched by scanning the capture "
        "as evidence are counted with the exhibits above, as a seized file would be.</p>"
        + table(("Fetched", "Count"), counts)
    )


def matches_by_category_html(media: Sequence[Mapping[str, Any]]) -> str:
    """Per category: how many media addresses matched, on how many pages they were seen, and when."""
    by_category: dict[str, list[Mapping[str, Any]]] = {}
    for entry in media:
        by_category.setdefault(str(entry.get("category") or "uncategorised"), []).append(entry)
    rows = []
    for name in sorted(by_category, key=_category_order):
        entries = by_category[name]
        pages = {page for entry in entries for page in entry.get("pages") or []}
        first = min((str(x["first_seen"]) for x in entries if x.get("first_seen")), default="")
        last = max((str(x["last_seen"]) for x in entries if x.get("last_seen")), default="")
        rows.append(
            [
                f"<th>{e(_category_words(name))}</th>",
                cell(len(entries), numeric=True),
                cell(len(pages), numeric=True),
                cell(first),
                cell(last),
            ]
        )
    if not rows:
        return "<h3>Matches by category</h3><p>No media fetched from the site matched a hash-set entry.</p>"
    return "<h3>Matches by category</h3>" + table(
        (
            "Category",
            "Media addresses matched",
            "Pages showing them",
            "First fetched (UTC)",
            "Last fetched (UTC)",
        ),
        rows,
    )


def matched_media_html(media: Sequence[Mapping[str, Any]]) -> str:
    """Every matched media address, most serious category first, with the pages that showed it."""
    if not media:
        return ""
    rows = [
        [
            cell(entry.get("url"), css="url"),
            cell(_category_words(entry.get("category"))),
            cell(f"{entry.get('first_seen') or '-'} to {entry.get('last_seen') or '-'}"),
            url_cell(entry.get("pages") or []) if entry.get("pages") else cell("not seen on a page fetched"),
        ]
        for entry in sorted(media, key=lambda m: (_category_order(m.get("category")), str(m.get("url"))))
    ]
    return "<h3>Matched media</h3>" + table(("Media address", "Category", "Fetched (UTC)", "Shown on"), rows)


def matches_by_page_html(pages: Sequence[Mapping[str, Any]]) -> str:
    """Each page that showed matched media, with each match, its category and how it was made."""
    if not pages:
        return ""
    parts = ["<h3>Matches by page</h3>"]
    for page in pages:
        matches = page.get("matches") or []
        rows = [
            [
                cell(match.get("url"), css="url"),
                cell(_category_words(match.get("category"))),
                cell(match_words(match.get("kind"))),
                cell(f"{match.get('first_seen') or '-'} to {match.get('last_seen') or '-'}"),
            ]
            for match in matches
        ]
        parts.append(
            f"<h4>Page {url_text(page.get('page'))}: {e(len(matches))} matched media</h4>"
            + table(("Media address", "Category", "How it matched", "Fetched (UTC)"), rows)
        )
    return "".join(parts)


def errors_html(site: Mapping[str, Any]) -> str:
    """Errors counted by reason, with the first few addresses of each."""
    listed = site.get("errors") or []
    total = (site.get("fetched") or {}).get("errors", len(listed))
    left = site.get("errors_left") or 0
    by_reason: dict[str, list[Any]] = {}
    for error in listed:
        by_reason.setdefault(str(error.get("reason") or "no reason recorded"), []).append(error.get("url"))
    counts = Counter({reason: len(urls) for reason, urls in by_reason.items()})
    rows = [
        [
            cell(reason, css="wrap"),
            cell(count, numeric=True),
            url_cell(by_reason[reason], limit=FIRST_URLS, more_in="site.errors"),
        ]
        for reason, count in sorted(counts.items(), key=lambda pair: (-pair[1], pair[0]))
    ]
    intro = (
        f"<p>Addresses that gave an error: {e(total)}. An error is a fact about one address (the server "
        "refused, answered too slowly or too much, or sent what could not be read); the crawl went on. "
        "What was received before the error is preserved in the WARC files.</p>"
    )
    if left:
        intro += (
            f"<p>report.json lists {e(len(listed))} of them; {e(left)} more are counted but not listed. "
            "The counts by reason below are over those listed.</p>"
        )
    return (
        "<h3>Errors</h3>" + intro + (table(("Reason", "Addresses", "First addresses"), rows) if rows else "")
    )


def takedown_html(takedown: Mapping[str, Any] | None) -> str:
    """Where the takedown-notice draft and the URL list of matched media are."""
    if not takedown:
        return "<h3>Takedown</h3><p>No takedown-notice draft or URL list was written.</p>"
    notice, urls = takedown.get("notice"), takedown.get("url_list")
    return (
        "<h3>Takedown</h3><p>"
        + (f"A draft takedown notice: <code>{e(notice)}</code>. " if notice else "")
        + (f"The addresses of the matched media, one per line: <code>{e(urls)}</code>. " if urls else "")
        + "They are written with this report and hold addresses, categories and dates, never an image "
        "or a hash value. The draft is for a person to check and send; nothing was sent.</p>"
    )


def site_html(site: Mapping[str, Any]) -> str:
    """The site section of the court report."""
    return (
        '<section id="site"><h2>Website investigated</h2>'
        '<p class="notice">The site was fetched and preserved by <code>warden crawl</code>. Its '
        "addresses are given here as text, never as links, and no image from it is shown. Some PDF "
        "viewers turn text that looks like an address into a link: do not click one; the exact addresses "
        "are in <code>report.json</code> and the URL list. Exact matches are copies of listed files; "
        "perceptual matches (PDQ, vPDQ) are leads that an examiner confirms. Users, roles and pages are "
        "reported as the site's own pages show them; the report does not say who is behind a name.</p>"
        + crawl_html(site)
        + matches_by_category_html(site.get("matched_media") or [])
        + matched_media_html(site.get("matched_media") or [])
        + matches_by_page_html(site.get("matches_by_page") or [])
        + structure_html(site.get("structure") or {})
        + hosting_html(site.get("hosting") or [])
        + errors_html(site)
        + takedown_html(site.get("takedown"))
        + "</section>"
    )
