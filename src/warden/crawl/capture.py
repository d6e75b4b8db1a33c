"""The crawl's capture as evidence: the ``capture/`` folder of WARC files, what was fetched into it (for the
report and the site-structure extraction), a record's body read back, and the scan that matches it.

Matching is the scan's, unchanged: the capture folder is scanned as evidence, and the WARC container
(:mod:`warden.evidence.warc`) gives each response record as an item named by its URL, so the hashing,
matching, counts and reports are those of seized media.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine
from warcio.archiveiterator import ArchiveIterator

from warden.case import crawl_state
from warden.case.crawl_state import DONE, ERROR
from warden.hashsets.store import HashSetStore
from warden.scan.progress import Progress
from warden.scan.run import ScanOptions, ScanResult, run_scan

CAPTURE = "capture"
"""The case's folder of WARC files."""


@dataclass(frozen=True, slots=True)
class FetchedPage:
    """A URL the crawl fetched and preserved: what the report and the structure extraction start from.

    Attributes:
        url: the URL, normalised.
        status: the HTTP status.
        content_type: the declared media type, without parameters.
        warc: the WARC file's name in ``capture/``.
        offset: the offset of its response record in that file.
        depth: links from a seed.
        via: the page it was found on (or the redirect that led to it); None for a seed.
        kind: how it was found: seed, link, embed, redirect, robots.
        fetched_at: when (UTC, ISO 8601).
        size: bytes received (content-encoded, as on the wire).
        payload_sha256: SHA-256 of those bytes.
        error: the reason, when the fetch was kept but failed (cut short, a bomb, a redirect loop).
    """

    url: str
    status: int
    content_type: str | None
    warc: str
    offset: int
    depth: int
    via: str | None
    kind: str
    fetched_at: str
    size: int
    payload_sha256: str | None
    error: str | None


def fetched_pages(engine: Engine) -> list[FetchedPage]:
    """Every URL the case's crawl preserved in WARC, in the order found."""
    pages = []
    for row in crawl_state.load_frontier(engine):
        if row.state not in (DONE, ERROR) or row.warc is None or row.warc_offset is None:
            continue
        pages.append(
            FetchedPage(
                url=row.url,
                status=row.status or 0,
                content_type=row.content_type,
                warc=row.warc,
                offset=row.warc_offset,
                depth=row.depth,
                via=row.via,
                kind=row.kind,
                fetched_at=row.fetched_at or "",
                size=row.size or 0,
                payload_sha256=row.payload_sha256,
                error=row.reason if row.state == ERROR else None,
            )
        )
    return pages


def read_body(path: Path, offset: int, limit: int) -> tuple[int | None, bytes | None]:
    """(HTTP status, at most ``limit`` bytes of the body with its content encoding undone) of the response
    record at ``offset`` of a WARC file; (None, None) when there is no response record there."""
    status, _, body = read_response(path, offset, limit)
    return status, body


def read_response(path: Path, offset: int, limit: int) -> tuple[int | None, str | None, bytes | None]:
    """As :func:`read_body`, with the response's ``Content-Type`` header as sent (its charset with it)."""
    with path.open("rb") as stream:
        stream.seek(offset)
        for record in ArchiveIterator(stream):
            if record.rec_type != "response" or record.http_headers is None:
                return None, None, None
            status = int(record.http_headers.get_statuscode())
            content_type = record.http_headers.get_header("Content-Type")
            body: bytes = record.content_stream().read(limit)
            return status, content_type, body
    return None, None, None


def page_text(case_dir: Path, page: FetchedPage, limit: int) -> str:
    """The decoded text of a fetched page (at most ``limit`` bytes of it), for the structure extraction."""
    _, body = read_body(case_dir / CAPTURE / page.warc, page.offset, limit)
    return (body or b"").decode("utf-8", "replace")


def scan_capture(
    case_dir: Path,
    hashsets: list[str],
    store: HashSetStore,
    progress: Progress | None = None,
    *,
    workers: int = 0,
    db_url: str | None = None,
) -> ScanResult:
    """Scan the case's ``capture/`` folder against ``hashsets``, as ``warden scan`` would (resumable the
    same way); the caller writes the reports.

    Raises:
        The errors of :func:`warden.scan.run.run_scan`.
    """
    options = ScanOptions(
        evidence=[case_dir / CAPTURE], hashsets=hashsets, case_dir=case_dir, workers=workers, db_url=db_url
    )
    return run_scan(options, store, progress)
