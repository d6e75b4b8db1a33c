"""After the fetches: every fetched HTML page read back from its WARC record (bounded) and run through the
pure readers, what it shows of the site (:mod:`warden.crawl.structure`) and the media it refers to, stored
in the case. A page is read once; a run a kill cut short leaves the rest for the next run.
"""

from __future__ import annotations

import codecs
from collections.abc import Collection
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from warcio.exceptions import ArchiveLoadFailed

from warden.case import crawl_state, site_facts
from warden.crawl.capture import read_response
from warden.crawl.links import page_links
from warden.crawl.scope import normalise
from warden.crawl.structure import SiteStructure, extract_structure


def read_pages(
    engine: Engine, folder: Path, page_types: Collection[str], *, limit: int, max_links: int
) -> int:
    """Read every fetched page of ``page_types`` not read yet from the WARC files in ``folder``, at most
    ``limit`` bytes of each and ``max_links`` of its links; returns how many were read."""
    pending = site_facts.unread_pages(engine, page_types)
    if not pending:
        return 0
    fetched_types = {row.url: row.content_type for row in crawl_state.load_frontier(engine)}
    for page in pending:
        structure, refers = read_page(
            folder / page.warc, page.offset, page.url, fetched_types, page_types, limit, max_links
        )
        site_facts.save_page(engine, page.url_id, structure, refers)
    return len(pending)


def read_page(
    path: Path,
    offset: int,
    url: str,
    fetched_types: dict[str, str | None],
    page_types: Collection[str],
    limit: int,
    max_links: int,
) -> tuple[dict[str, Any], list[str]]:
    """What the page at ``offset`` of ``path`` shows (the structure's JSON) and the URLs of the frontier it
    links or embeds that are not pages (``fetched_types``: each URL's declared type, None if not fetched).
    A record that cannot be read back is a problem of the page, never an exception."""
    try:
        _, content_type, body = read_response(path, offset, limit)
    except (OSError, ArchiveLoadFailed, ValueError, EOFError) as error:
        return _unread(url, f"its WARC record could not be read back ({error})"), []
    if body is None:
        return _unread(url, "no response record at its place in the WARC file"), []
    charset = _charset(content_type)
    structure = extract_structure(body, url, charset).to_json()
    base, pairs = page_links(body.decode(charset or "utf-8", "replace"), limit=max_links)
    base_url = normalise(base, url) if base else None
    refers: dict[str, None] = {}
    for written, _ in pairs:
        target = normalise(written, base_url or url)
        if target is not None and target in fetched_types and fetched_types[target] not in page_types:
            refers[target] = None
    return structure, list(refers)


def _unread(url: str, problem: str) -> dict[str, Any]:
    return SiteStructure(url, "unknown", (), problems=(problem,)).to_json()


def _charset(content_type: str | None) -> str | None:
    for part in (content_type or "").split(";")[1:]:
        name, _, value = part.strip().partition("=")
        if name.lower() == "charset" and value.strip("\"' "):
            try:
                return codecs.lookup(value.strip("\"' ")).name
            except LookupError:
                return None
    return None
