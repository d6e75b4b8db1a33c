"""A takedown-notice draft (text and JSON) and an IWF-style URL list for the matched media of a crawl.

Pure: records of matched media and the hosting facts in; text out. Never an image, never a hash value (hash
lists are sensitive): only addresses, categories, times and what is known of the hosting. The wording is
neutral and factual, and says what is not known as plainly as what is.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from warden.crawl.hosting import HostingFacts
from warden.model.categories import Category, most_serious


@dataclass(frozen=True, slots=True)
class MatchedMedia:
    """One media file the crawl fetched whose hash matched a hash-set entry.

    Attributes:
        url: where it was served.
        category: the category the hash set gives it.
        match: how it matched (``exact``, ``pdq``...): a perceptual match is a lead, and the notice says so.
        first_seen, last_seen: when the crawl fetched it first and last (UTC).
        page_url: the page it appeared on, when the crawl reached it through one.
    """

    url: str
    category: Category
    match: str
    first_seen: datetime
    last_seen: datetime
    page_url: str | None = None


@dataclass(frozen=True, slots=True)
class TakedownNotice:
    """The draft, as data; :meth:`text` and :meth:`to_json` render it."""

    drafted_at: datetime
    media: tuple[MatchedMedia, ...]
    left_out: int
    hosting: tuple[HostingFacts, ...]

    def to_json(self) -> dict[str, Any]:
        """The draft as JSON-ready values."""
        return {
            "kind": "takedown notice draft",
            "drafted_at": self.drafted_at.isoformat(),
            "media": [
                {
                    "url": m.url,
                    "category": m.category.value,
                    "match": m.match,
                    "first_seen": m.first_seen.isoformat(),
                    "last_seen": m.last_seen.isoformat(),
                    "page_url": m.page_url,
                }
                for m in self.media
            ],
            "most_serious_category": _most_serious(self.media),
            "left_out_not_indecent": self.left_out,
            "hosting": [h.to_json() for h in self.hosting],
            "not_known": list(_not_known(self.media)),
            "contains_images": False,
        }

    def text(self) -> str:
        """The draft as plain text, to be checked and completed by a person before it is sent."""
        lines = [
            "DRAFT - takedown notice - to be checked before sending",
            f"Drafted: {self.drafted_at.isoformat()}",
            "",
            f"{len(self.media)} file(s) at the addresses below were fetched during a recorded crawl. Each",
            "file's hash matched an entry of a hash set of known child sexual abuse material, in the UK",
            "legal category given. No image is attached or reproduced in this notice.",
            "",
        ]
        for hosts, items in _by_host(self.media):
            lines.append(f"Host: {hosts}")
            for m in items:
                lines.append(f"  {m.url}")
                lines.append(f"    category {m.category.value}; {_match_words(m.match)}")
                lines.append(
                    f"    first fetched {m.first_seen.isoformat()}, last fetched {m.last_seen.isoformat()}"
                )
                if m.page_url:
                    lines.append(f"    linked from {m.page_url}")
            lines.append("")
        if self.left_out:
            lines += [
                f"{self.left_out} other matched file(s) are not listed: their category is not A, B or C.",
                "",
            ]
        lines.append("Hosting facts seen by the crawl:")
        facts = [f for h in self.hosting for f in h.facts]
        lines += [
            f"  {h.host}: {f.fact}: {f.value} (source: {f.source})" for h in self.hosting for f in h.facts
        ]
        if not facts:
            lines.append("  none recorded")
        lines += ["", "Not known:"]
        lines += [f"  - {item}" for item in _not_known(self.media)]
        return "\n".join(lines) + "\n"


def takedown_notice(
    media: Iterable[MatchedMedia], hosting: Sequence[HostingFacts], drafted_at: datetime
) -> TakedownNotice:
    """The draft for the media in A, B or C (in order of address), counting those left out."""
    every = list(media)
    listed = tuple(sorted((m for m in every if m.category.is_indecent), key=lambda m: m.url))
    return TakedownNotice(drafted_at, listed, len(every) - len(listed), tuple(hosting))


def url_list(media: Iterable[MatchedMedia]) -> str:
    """The IWF-style list: one ``URL<TAB>category`` line per address in A, B or C, sorted, each address once
    (with its most serious category)."""
    best: dict[str, Category] = {}
    for m in media:
        if m.category.is_indecent and (m.url not in best or m.category.severity > best[m.url].severity):
            best[m.url] = m.category
    return "".join(f"{url}\t{best[url].value}\n" for url in sorted(best))


def _most_serious(media: Sequence[MatchedMedia]) -> str | None:
    worst = most_serious([m.category for m in media])
    return worst.value if worst else None


def _by_host(media: Sequence[MatchedMedia]) -> list[tuple[str, list[MatchedMedia]]]:
    hosts: dict[str, list[MatchedMedia]] = {}
    for m in media:
        hosts.setdefault(urlsplit(m.url).hostname or "(no host)", []).append(m)
    return sorted(hosts.items())


def _match_words(match: str) -> str:
    if match == "exact":
        return "the file is an exact copy (cryptographic hash)"
    return f"a {match} perceptual match: a lead, not confirmed as the same image"


def _not_known(media: Sequence[MatchedMedia]) -> list[str]:
    unknown = [
        "whether the files are still served after the last fetch time",
        "who operates the site or uploaded the files",
        "whether the hosting facts (addresses, certificate, headers) name the party that stores the files: "
        "a CDN or proxy may sit in front of it",
    ]
    if any(m.match != "exact" for m in media):
        unknown.append("whether the perceptual matches show the listed images: a person must confirm them")
    return unknown
