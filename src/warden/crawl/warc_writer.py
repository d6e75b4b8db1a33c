"""The crawl's WARC files (ISO 28500, written by ``warcio``): ``capture/crawl-NNNNN.warc.gz``, one warcinfo
record first (the software and the crawl's settings), then a response and a request record per fetch.

The response record holds the HTTP head and the body as received, still content-encoded, so its
``WARC-Payload-Digest`` and ``WARC-Block-Digest`` are digests of what the server sent and ``warcio check``
verifies them. Two things of the wire are not kept, and the warcinfo record says so: the chunked transfer
framing (the body is stored de-chunked, and its ``Transfer-Encoding`` header left out, so that readers do
not de-chunk it twice), and HTTP/2's binary framing (its head is written as text with the status line
``HTTP/1.1``, the protocol named in ``WARC-Protocol``). Records are written as fetches end and the file is
flushed and fsynced once per group of them (:meth:`WarcFile.sync`) before the case records the group, so
that after a kill the file can be cut back to the last record the case knows.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from warden.crawl.fetch import Fetched

PREFIX = "crawl-"
SUFFIX = ".warc.gz"
_NAME = re.compile(r"^crawl-(\d{5,})\.warc\.gz$")
NOT_KEPT = ("transfer-encoding",)
NOTE = (
    "Bodies are stored as received, content-encoded, without their chunked transfer framing (the "
    "Transfer-Encoding header is left out); HTTP/2 heads are written as HTTP/1.1 text, with "
    "WARC-Protocol: h2."
)


@dataclass(frozen=True, slots=True)
class Placed:
    """Where a fetch was written: the file, the offset of its response record, and the file's new end."""

    name: str
    offset: int
    end: int


def file_name(number: int) -> str:
    """The name of the crawl's ``number``-th WARC file."""
    return f"{PREFIX}{number:05d}{SUFFIX}"


def next_number(folder: Path, known: list[str]) -> int:
    """One more than the highest number among the files in ``folder`` and the case's ``known`` files."""
    names = list(known) + ([p.name for p in folder.iterdir()] if folder.is_dir() else [])
    numbers = [int(m.group(1)) for m in map(_NAME.match, names) if m]
    return max(numbers, default=0) + 1


def file_sha256(path: Path) -> tuple[int, str]:
    """(size, SHA-256) of a file."""
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as stream:
        while block := stream.read(1024 * 1024):
            digest.update(block)
            size += len(block)
    return size, digest.hexdigest()


def cut_back(path: Path, end: int) -> bool:
    """Cut a WARC file a killed crawl left back to ``end``, the end of its last committed record; returns
    whether anything was cut."""
    size = path.stat().st_size
    if size <= end:
        return False
    with path.open("r+b") as stream:
        stream.truncate(end)
        stream.flush()
        os.fsync(stream.fileno())
    return True


class WarcFile:
    """One WARC file being written.

    Args:
        path: the new file (must not exist).
        info: the warcinfo record's fields (software, the crawl's settings).
    """

    def __init__(self, path: Path, info: dict[str, str]) -> None:
        self.path = path
        self.name = path.name
        # Evidence (the site's media): readable by its owner only, like everything in the case folder.
        self._stream: IO[bytes] = os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb")
        self._writer = WARCWriter(self._stream, gzip=True)
        record = self._writer.create_warcinfo_record(self.name, {**info, "warden-note": NOTE})
        self._writer.write_record(record)
        self.end = self.sync()

    def sync(self) -> int:
        """Flush and fsync what was written; returns the file's end, all of it now on disk."""
        self._stream.flush()
        os.fsync(self._stream.fileno())
        self.end = self._stream.tell()
        return self.end

    def write(self, fetched: Fetched) -> Placed:
        """Write a fetch's response and request records (on disk only after :meth:`sync`)."""
        assert fetched.status is not None and fetched.body is not None
        http2 = fetched.http_version.upper().startswith("HTTP/2")
        protocol = "HTTP/1.1" if http2 else fetched.http_version
        kept = [(k, v) for k, v in fetched.headers if k.lower() not in NOT_KEPT]
        reason = fetched.reason_phrase or ""
        head = StatusAndHeaders(f"{fetched.status} {reason}".strip(), kept, protocol=protocol)
        extra: dict[str, Any] = {}
        if fetched.ip:
            extra["WARC-IP-Address"] = fetched.ip
        if fetched.truncated:
            extra["WARC-Truncated"] = fetched.truncated
        if http2:
            extra["WARC-Protocol"] = "h2"
        fetched.body.seek(0)
        response = self._writer.create_warc_record(
            fetched.url,
            "response",
            payload=fetched.body,
            length=fetched.size,
            http_headers=head,
            warc_headers_dict=extra,
        )
        request = self._writer.create_warc_record(
            fetched.url,
            "request",
            http_headers=StatusAndHeaders(
                fetched.request_line, fetched.request_headers, is_http_request=True
            ),
        )
        request.rec_headers.replace_header("WARC-Date", response.rec_headers.get_header("WARC-Date"))
        response_id = response.rec_headers.get_header("WARC-Record-ID")
        request.rec_headers.add_header("WARC-Concurrent-To", response_id)
        offset = self._stream.tell()
        self._writer.write_record(response)
        self._writer.write_record(request)
        self.end = self._stream.tell()
        return Placed(self.name, offset, self.end)

    def abandon(self) -> None:
        """Close the file without a last flush of its own (after a failure: the next run cuts it back to its
        last committed record)."""
        self._stream.close()

    def close(self) -> tuple[int, str]:
        """Close the file; returns its (size, SHA-256)."""
        self._stream.close()
        return file_sha256(self.path)
