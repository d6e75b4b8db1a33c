"""The site's structure for ``report.json``: what every fetched page showed (the crawl's per-page readings,
:mod:`warden.crawl.structure`), merged over the pages and de-duplicated. Pure.

A user shown on several pages keeps the strongest evidence of their role (a role word in a rank or a group
beats an engine's mark beats a bare rank); a field is "not found" only when no page showed it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from warden.case.site_facts import PageRead

MAX_LISTED = 10_000
"""Entries kept at most per merged list; the rest are counted in ``problems``."""
ROLES = ("administrator", "moderator", "member")
"""The roles a page can show (as :data:`warden.crawl.engines.ROLES`)."""
PAGE_KINDS = {
    "rules": "rules_pages",
    "registration": "registration_pages",
    "invitation": "invitation_pages",
    "payment": "payment_pages",
}


def site_structure(pages: Sequence[PageRead]) -> dict[str, Any]:
    """The ``structure`` object of the report's ``site`` section (docs/report-schema.md)."""
    shapes = [page.structure for page in pages]
    boards = _unique((b for s in shapes for b in s.get("boards", [])), "url")
    threads: dict[str, dict[str, Any]] = {}
    for page in pages:
        board = _board_of(page.url, boards)
        for thread in page.structure.get("threads", []):
            known = threads.setdefault(thread["url"], {"title": thread.get("title"), "url": thread["url"]})
            known["title"] = known["title"] or thread.get("title")
            known.setdefault("board", board)
            known["board"] = known["board"] or board
    lists: dict[str, list[Any]] = {
        "boards": list(boards.values()),
        "threads": list(threads.values()),
        "users": _users(pages),
        **{field: [] for field in PAGE_KINDS.values()},
        "payments": _payments(pages),
        "payment_hints": _hints(pages),
    }
    for shape in shapes:
        for link in shape.get("pages", []):
            field = PAGE_KINDS.get(link.get("kind"))
            if field is not None and link["url"] not in lists[field]:
                lists[field].append(link["url"])
    problems = list(
        dict.fromkeys(
            f"{page.url}: {problem}" for page in pages for problem in page.structure.get("problems", [])
        )
    )
    for name, values in lists.items():
        if len(values) > MAX_LISTED:
            problems.append(f"{len(values) - MAX_LISTED} more {name.replace('_', ' ')} not listed")
            lists[name] = values[:MAX_LISTED]
    return {
        "engine": _engine(shapes),
        **lists,
        "not_found": _not_found(shapes),
        "problems": problems[:MAX_LISTED],
    }


def _unique(entries: Any, key: str) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for entry in entries:
        known = found.setdefault(entry[key], {"title": entry.get("title"), "url": entry[key]})
        known["title"] = known["title"] or entry.get("title")
    return found


def _board_of(page_url: str, boards: dict[str, dict[str, Any]]) -> str | None:
    """The board a listing page is (one of) the pages of: its own address, or the board's address with
    more query parameters (a board's second page)."""
    if page_url in boards:
        return page_url
    page = urlsplit(page_url)
    query = set(parse_qsl(page.query))
    for url in boards:
        board = urlsplit(url)
        wanted = set(parse_qsl(board.query))
        same = (board.scheme, board.netloc, board.path) == (page.scheme, page.netloc, page.path)
        if same and wanted and wanted <= query:
            return url
    return None


def _engine(shapes: Sequence[dict[str, Any]]) -> str | None:
    """The engine most pages were recognised as (``generic`` only when no other was)."""
    counts = Counter(str(s["engine"]) for s in shapes if s.get("engine") not in (None, "unknown"))
    if not counts:
        return None
    return min(counts, key=lambda name: (name == "generic", -counts[name], name))


def _weight(user: dict[str, Any]) -> int:
    shown_by = user.get("shown_by") or ""
    if user.get("role") in ROLES:
        return 2 if shown_by.startswith("mark") else 3
    return 1 if user.get("role") else 0


def _users(pages: Sequence[PageRead]) -> list[dict[str, Any]]:
    users: dict[str, dict[str, Any]] = {}
    shown_on: dict[str, set[str]] = {}
    for page in pages:
        for user in page.structure.get("users", []):
            name = user["name"]
            shown_on.setdefault(name, set()).add(page.url)
            known = users.get(name)
            entry = {
                "name": name,
                "role": user.get("role"),
                "shown_by": f"{user['shown_by']} on {page.url}" if user.get("shown_by") else None,
                "profile_url": user.get("url") or (known or {}).get("profile_url"),
            }
            if known is None or _weight(user) > known["_weight"]:
                users[name] = {**entry, "_weight": _weight(user)}
            elif known["profile_url"] is None:
                known["profile_url"] = user.get("url")
    return [
        {**{k: v for k, v in user.items() if k != "_weight"}, "pages": len(shown_on[name])}
        for name, user in users.items()
    ]


def _payments(pages: Sequence[PageRead]) -> list[dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for page in pages:
        for address in page.structure.get("payments", {}).get("addresses", []):
            entry = found.setdefault(
                address["address"],
                {
                    "kind": address["kind"],
                    "network": address.get("network"),
                    "address": address["address"],
                    "checksum": address["checksum"],
                    "pages": [],
                },
            )
            if page.url not in entry["pages"]:
                entry["pages"].append(page.url)
    return list(found.values())


def _hints(pages: Sequence[PageRead]) -> list[dict[str, Any]]:
    found: dict[str, list[str]] = {}
    for page in pages:
        for hint in page.structure.get("payments", {}).get("hints", []):
            shown = found.setdefault(hint["word"], [])
            if page.url not in shown:
                shown.append(page.url)
    return [{"word": word, "pages": shown} for word, shown in sorted(found.items())]


def _not_found(shapes: Sequence[dict[str, Any]]) -> list[str]:
    """What every page read lacked (a field some page showed was found)."""
    read = [s for s in shapes if s.get("engine") not in (None, "unknown")]
    if not read:
        return ["no page could be read" if shapes else "no page was fetched"]
    common = set(read[0].get("not_found", []))
    for shape in read[1:]:
        common &= set(shape.get("not_found", []))
    return sorted(common)
