"""What a crawl saw of a site, in the case database (every SQL statement of it): each host's facts, kept once
from the first answer that showed each, and each fetched page's structure as read after the fetches.

A host's facts are recorded in the transaction that commits the fetch which showed them
(:func:`warden.case.crawl_state.record_steps`), so a rerun after a kill finds them as committed. Pages are
read after the fetches; a page whose reading a kill cut short has no row, and the next run reads it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, and_, select, update

from warden.case import schema
from warden.clock import utc_now


@dataclass(frozen=True, slots=True)
class HostSeen:
    """What one answer showed of its host; None for what it did not show (a fact already known is not
    asked for again).

    Attributes:
        host: the host name (or address) as in the URL, lower case.
        seen_at: when (UTC, ISO 8601).
        addresses: the addresses its name resolved to (empty: resolved at a proxy, so not seen).
        addresses_source: where they come from, in words.
        certificate: the TLS peer certificate, DER.
        certificate_source: the handshake it came from, in words.
        headers: the response headers of the first answer, in order, as sent.
        headers_source: that answer, in words.
    """

    host: str
    seen_at: str
    addresses: tuple[str, ...] | None = None
    addresses_source: str | None = None
    certificate: bytes | None = None
    certificate_source: str | None = None
    headers: tuple[tuple[str, str], ...] | None = None
    headers_source: str | None = None

    def values(self) -> dict[str, Any]:
        """The columns this answer fills, as stored (only the facts it showed)."""
        values: dict[str, Any] = {}
        if self.addresses is not None:
            values["addresses"] = json.dumps(list(self.addresses))
            values["addresses_source"] = self.addresses_source
        if self.certificate is not None:
            values["certificate"] = self.certificate
            values["certificate_source"] = self.certificate_source
        if self.headers is not None:
            values["headers"] = json.dumps([list(pair) for pair in self.headers])
            values["headers_source"] = self.headers_source
        return values


@dataclass(frozen=True, slots=True)
class PageRead:
    """A fetched page as read: its URL, what it shows (``SiteStructure.to_json()``) and the URLs it refers
    to that are not pages."""

    url: str
    structure: dict[str, Any]
    refers: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class PageToRead:
    """A fetched page not read yet: its frontier row's id, its URL and its response record."""

    url_id: int
    url: str
    warc: str
    offset: int


_FACTS = ("addresses", "certificate", "headers")


def record_host(connection: Connection, seen: HostSeen) -> None:
    """Keep each fact ``seen`` shows that its host has none of yet (the first answer's stays)."""
    hosts = schema.crawl_hosts
    values = seen.values()
    row = connection.execute(select(hosts).where(hosts.c.host == seen.host)).mappings().first()
    if row is None:
        connection.execute(hosts.insert().values(host=seen.host, first_seen=seen.seen_at, **values))
        return
    missing = {key: value for key, value in values.items() if row[key.removesuffix("_source")] is None}
    if missing:
        connection.execute(update(hosts).where(hosts.c.id == row["id"]).values(**missing))


def known_hosts(engine: Engine) -> dict[str, set[str]]:
    """Each recorded host, with the facts (``addresses``, ``certificate``, ``headers``) it has already."""
    hosts = schema.crawl_hosts
    with engine.connect() as connection:
        return {
            str(row["host"]): {fact for fact in _FACTS if row[fact] is not None}
            for row in connection.execute(select(hosts)).mappings()
        }


def hosts(engine: Engine) -> list[HostSeen]:
    """Every host's facts as recorded, in the order first seen."""
    table = schema.crawl_hosts
    with engine.connect() as connection:
        rows = connection.execute(select(table).order_by(table.c.id)).mappings().all()
    return [
        HostSeen(
            host=str(row["host"]),
            seen_at=str(row["first_seen"]),
            addresses=tuple(json.loads(row["addresses"])) if row["addresses"] is not None else None,
            addresses_source=row["addresses_source"],
            certificate=bytes(row["certificate"]) if row["certificate"] is not None else None,
            certificate_source=row["certificate_source"],
            headers=(
                tuple((str(k), str(v)) for k, v in json.loads(row["headers"]))
                if row["headers"] is not None
                else None
            ),
            headers_source=row["headers_source"],
        )
        for row in rows
    ]


def unread_pages(engine: Engine, page_types: Iterable[str]) -> list[PageToRead]:
    """Fetched pages (a 2xx answer of one of ``page_types``, preserved in WARC) not read yet, in the order
    found."""
    urls, pages = schema.crawl_urls, schema.crawl_pages
    query = (
        select(urls.c.id, urls.c.url, urls.c.warc, urls.c.warc_offset)
        .outerjoin(pages, pages.c.url_id == urls.c.id)
        .where(
            and_(
                pages.c.url_id.is_(None),
                urls.c.warc.is_not(None),
                urls.c.warc_offset.is_not(None),
                urls.c.status >= 200,
                urls.c.status < 300,
                urls.c.content_type.in_(list(page_types)),
            )
        )
        .order_by(urls.c.id)
    )
    with engine.connect() as connection:
        return [
            PageToRead(int(key), str(url), str(warc), int(offset))
            for key, url, warc, offset in connection.execute(query)
        ]


def save_page(engine: Engine, url_id: int, structure: dict[str, Any], refers: Iterable[str]) -> None:
    """Record what a page shows and the URLs it refers to."""
    with engine.begin() as connection:
        connection.execute(
            schema.crawl_pages.insert().values(
                url_id=url_id,
                structure=json.dumps(structure, sort_keys=True, ensure_ascii=False),
                refers=json.dumps(list(refers), ensure_ascii=False),
                read_at=utc_now(),
            )
        )


def pages_read(engine: Engine) -> list[PageRead]:
    """Every page read, in the order its URL was found."""
    urls, pages = schema.crawl_urls, schema.crawl_pages
    query = (
        select(urls.c.url, pages.c.structure, pages.c.refers)
        .join(urls, urls.c.id == pages.c.url_id)
        .order_by(urls.c.id)
    )
    with engine.connect() as connection:
        return [
            PageRead(str(url), json.loads(structure), tuple(json.loads(refers)))
            for url, structure, refers in connection.execute(query)
        ]
