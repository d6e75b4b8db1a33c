"""WARC files built in the tests with warcio's own writer, from benign photos; hostile ones edited by hand.

Nothing here is stored: every file is written in memory when a test asks for it.
"""

from __future__ import annotations

import gzip
import io
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field

import pytest

warcio = pytest.importorskip("warcio", reason="WARC files need pip install 'warden[crawl]'")

from warcio.statusandheaders import StatusAndHeaders  # noqa: E402
from warcio.warcwriter import WARCWriter  # noqa: E402

SITE = "http://forum.example.test"
DATE = "2026-05-01T12:00:00Z"


@dataclass
class Capture:
    """One record to write.

    Attributes:
        url: WARC-Target-URI.
        body: the body as sent (already encoded when ``headers`` say so).
        kind: the WARC-Type.
        headers: the HTTP response headers; None for a record without an HTTP message (a resource).
        status: the HTTP status line.
        warc_headers: more WARC headers.
    """

    url: str
    body: bytes
    kind: str = "response"
    headers: list[tuple[str, str]] | None = field(default_factory=lambda: [("Content-Type", "image/jpeg")])
    status: str = "200 OK"
    warc_headers: dict[str, str] = field(default_factory=dict)


def chunked(data: bytes, size: int = 1000) -> bytes:
    """``data`` in HTTP/1.1 chunked transfer coding."""
    parts = [
        b"%x\r\n%s\r\n" % (len(data[at : at + size]), data[at : at + size])
        for at in range(0, len(data), size)
    ]
    return b"".join(parts) + b"0\r\n\r\n"


def deflated(data: bytes, *, raw: bool = False) -> bytes:
    """``data`` as HTTP ``deflate``: the zlib format, or raw deflate as some servers send it."""
    compressor = zlib.compressobj(wbits=-15 if raw else 15)
    return compressor.compress(data) + compressor.flush()


def write_warc(captures: Iterable[Capture], *, compression: str = "none", version: str = "1.1") -> bytes:
    """A WARC file of a warcinfo record and ``captures``, each response preceded by its request.

    Args:
        captures: the records.
        compression: ``none``, ``record`` (a gzip member per record, as the standard asks) or ``whole``
            (one gzip stream, as ``gzip file.warc`` makes).
        version: ``1.0`` or ``1.1``.
    """
    buffer = io.BytesIO()
    writer = WARCWriter(buffer, gzip=compression == "record", warc_version=version)
    writer.write_record(writer.create_warcinfo_record("test.warc", {"software": "warden tests"}))
    for capture in captures:
        extra = {"WARC-Date": DATE, **capture.warc_headers}
        if capture.kind == "response":
            request = StatusAndHeaders(
                f"GET /{capture.url.split('/', 3)[-1]} HTTP/1.1",
                [("Host", "forum.example.test")],
                is_http_request=True,
            )
            writer.write_record(
                writer.create_warc_record(
                    capture.url, "request", http_headers=request, warc_headers_dict=extra
                )
            )
        http = None
        if capture.headers is not None:
            http = StatusAndHeaders(capture.status, capture.headers, protocol="HTTP/1.1")
        if capture.kind == "revisit":
            # The same payload fetched again: the record refers to the first capture and has no body.
            record = writer.create_revisit_record(
                capture.url, "sha1:" + "A" * 32, capture.url, DATE, http_headers=http, warc_headers_dict=extra
            )
        else:
            record = writer.create_warc_record(
                capture.url,
                capture.kind,
                payload=io.BytesIO(capture.body),
                length=len(capture.body),
                http_headers=http,
                warc_headers_dict=extra,
            )
        writer.write_record(record)
    data = buffer.getvalue()
    return gzip.compress(data, mtime=0) if compression == "whole" else data


def plain_records(data: bytes) -> list[tuple[int, int]]:
    """(offset, length) of each record of a plain WARC, as warcio's own iterator finds them."""
    from warcio.archiveiterator import ArchiveIterator

    found = []
    iterator = ArchiveIterator(io.BytesIO(data))
    for _record in iterator:
        found.append((iterator.get_record_offset(), iterator.get_record_length()))
    return found


def photo_site(photos: dict[str, bytes]) -> list[Capture]:
    """One plain image response per photo, at ``SITE/images/<name>``."""
    return [Capture(f"{SITE}/images/{name}", data) for name, data in photos.items()]


def http_response(
    body: bytes, headers: Iterable[tuple[str, str]] = (("Content-Type", "image/jpeg"),)
) -> bytes:
    """An HTTP/1.1 200 response as sent: head, blank line, body."""
    head = "".join(f"{name}: {value}\r\n" for name, value in headers)
    return f"HTTP/1.1 200 OK\r\n{head}\r\n".encode() + body


def raw_record(
    number: int, url: str, block: bytes, *, kind: str = "response", length: int | None = None
) -> bytes:
    """One WARC/1.1 record written by hand (so that it can lie): header block, block, two line ends.

    Args:
        number: makes the WARC-Record-ID.
        url: WARC-Target-URI.
        block: the record's block (an HTTP message for a response).
        kind: WARC-Type.
        length: the Content-Length to declare, when not the block's own.
    """
    content_type = "application/http; msgtype=response" if kind == "response" else "image/jpeg"
    lines = [
        "WARC/1.1",
        f"WARC-Type: {kind}",
        f"WARC-Target-URI: {url}",
        f"WARC-Date: {DATE}",
        f"WARC-Record-ID: <urn:uuid:00000000-0000-4000-8000-{number:012d}>",
        f"Content-Type: {content_type}",
        f"Content-Length: {len(block) if length is None else length}",
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + block + b"\r\n\r\n"


def per_record_gzip(records: Iterable[bytes]) -> bytes:
    """Records as a ``.warc.gz``: one gzip member each."""
    return b"".join(gzip.compress(record, mtime=0) for record in records)
