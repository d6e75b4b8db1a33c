"""WARC files (ISO 28500, WARC/1.0 and 1.1) as containers: what a web capture holds, one item per payload.

A WARC file is what ``warden crawl`` (and wget, Heritrix, Browsertrix, webrecorder...) write: records of
requests, responses and metadata, plain (``.warc``) or gzipped (``.warc.gz``, per record or as one stream).
Recognised by its bytes: ``WARC/1.`` at the start, or as the first decompressed bytes of a gzip stream.

- Each ``response`` and ``resource`` record with a payload is an item, named by its ``WARC-Target-URI``:
  the URL's ``/``-separated parts escaped as :mod:`warden.evidence.names` escapes any name (so
  ``https://example.org/a.jpg`` is ``https:/\\e/example.org/a.jpg``, the ``\\e`` standing for the empty part
  between the two slashes, and reads back as the URL); a URL captured again gets ``\\#2``, ``\\#3``...
- The item's bytes are the HTTP entity body: the HTTP head is left out and ``Transfer-Encoding: chunked``
  and ``Content-Encoding`` gzip, deflate and br are undone (:mod:`warden.evidence.http_payload`), bounded by
  the container limits like an archive member's (``max_member_bytes``, and ``max_ratio`` for an encoded
  body), so a gzip bomb served by a site is an item error.
- Its step (kind ``record``) says where the record is, for a court report to point at it: ``offset`` (of
  the record, or in a ``.warc.gz`` of the gzip member it starts, as ``warcio index`` gives it, with
  ``decompressed_offset`` too when the file is gzipped as one stream), ``record_id``, ``date`` (WARC-Date,
  when it was captured), ``url``, ``type``, ``block_length``, and where present ``http_status``,
  ``content_type`` (the payload's declared type), ``content_encoding``, ``transfer_encoding``,
  ``payload_digest`` and ``ip_address``. The item's ``mtime`` is the response's ``Last-Modified``.
- ``request``, ``metadata``, ``warcinfo``, ``revisit`` and ``continuation`` records are not items, nor is a
  response without a body (a redirect, a 304).
- A record cut short, one whose ``Content-Length`` lies, garbage between records, a damaged gzip member:
  the record it hits is an item with the reason (when it is a response or resource), and the file a
  container error after the records before it. A response whose HTTP head cannot be read is an item error
  and the walk goes on.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Generator
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import IO, Any, BinaryIO

from warden.evidence.base import ContainerError, Item, JsonScalar, Limits, Opener, Step
from warden.evidence.bounded import Decoded, open_bounded, spooled_file
from warden.evidence.budget import Meter
from warden.evidence.http_payload import codings, entity_body, unsupported
from warden.evidence.limits import exceeded
from warden.evidence.members import RATIO_FLOOR, Members, iso_utc
from warden.evidence.names import EMPTY, escape_text, repeated
from warden.evidence.positional import PositionalReader
from warden.evidence.warc_records import LOADER, HeadLines, RecordHead, WarcReader, file_size, is_warc

ITEM_TYPES = frozenset({"response", "resource"})
"""The record types whose payload is an item."""


def url_name(url: str) -> str:
    """A URL as an item name: each ``/``-separated part escaped as any name is (empty parts as ``\\e``)."""
    return "/".join(escape_text(part, visible=True) for part in url.split("/"))


class WarcContainer:
    """A WARC file, plain or gzipped."""

    name = "warc"

    def sniff(self, head: bytes, size: int | None) -> bool:
        """``WARC/1.`` at the start, or at the start of the decompressed bytes of a gzip stream."""
        return is_warc(head)

    def expand(self, stream: BinaryIO, container: Item, limits: Limits) -> Generator[Item, None, None]:
        """Every response and resource payload, in file order.

        Raises:
            ContainerError: the file is damaged or cut short (after the records before the damage), or a
                ``.warc.gz`` decompresses past the limits.
        """
        records = _Records(Members(container, "warc", limits))
        try:
            size = file_size(stream)
            cap, field = min(
                (limits.total_bytes, "total_bytes"), (max(RATIO_FLOOR, limits.ratio * size), "ratio")
            )
            what = f"WARC gzip data goes past {cap} bytes: over the limit, possible bomb"
            reader = WarcReader(stream, (cap, exceeded(limits, field, what)))
            for record in reader:
                if records.members.full and records.is_item(record):
                    yield records.members.overflow(None)
                    return
                yield from records.read(reader, record)
        except OSError as exc:
            raise ContainerError(str(exc)) from exc
        finally:
            records.close()


class _Records:
    """Turns records into items: names, provenance, limits, and the block of the record being read."""

    def __init__(self, members: Members) -> None:
        self.members = members
        self._copies: dict[str, int] = {}
        self._block: IO[bytes] | None = None

    def close(self) -> None:
        if self._block is not None:
            self._block.close()
            self._block = None

    @staticmethod
    def is_item(record: RecordHead) -> bool:
        """Whether the record may hold an item (a response or resource with a block)."""
        return (record.get("WARC-Type") or "").lower() in ITEM_TYPES and record.block_length > 0

    def read(self, reader: WarcReader, record: RecordHead) -> Generator[Item, None, None]:
        """The record's item, if it has one, after its block is read; then past it.

        Raises:
            OSError: the file is damaged at or after this record (after its item, when it has one).
        """
        if not self.is_item(record):
            if reader.skip_block(record) < record.block_length:
                raise OSError(f"the WARC file is cut short in the record {record.where}")
            damage = reader.finish(record)
            if damage is not None:
                raise OSError(damage)
            return
        problem, damage = self._read_block(reader, record)
        item = self._item(record, (record.get("WARC-Type") or "").lower(), problem)
        if item is not None:
            yield item
        self.close()
        if damage is not None:
            raise OSError(damage)

    def _read_block(self, reader: WarcReader, record: RecordHead) -> tuple[str | None, str | None]:
        """Copy the block of an item's record to a spool (or read past it when the item is refused) and read
        the line ends after it: why the item is not read, and the damage that ends the file, if any."""
        problem = self.members.size_problem(record.block_length, None)
        if record.get("WARC-Segment-Number") is not None:
            problem = "a segment of a record split across several (WARC-Segment-Number): not joined, not read"
        self.close()
        try:
            if problem is None:
                self._block = spooled_file()
                got = reader.copy_block(record, self._block)
            else:
                got = reader.skip_block(record)
        except OSError as exc:
            # Damage inside the record (a bad gzip member): it is not read, and the file ends there.
            self.close()
            return f"cannot be read: {exc}", str(exc)
        if got < record.block_length:
            self.close()
            what = f"cut short: the file ends {got} bytes into its {record.block_length}-byte block; not read"
            return what, f"the WARC file is cut short in the record {record.where}"
        try:
            damage = reader.finish(record)
        except OSError as exc:
            return problem, str(exc)  # the record is whole: the damage is in what follows it
        if damage is not None:
            self.close()
            return f"{damage}; not read", damage
        return problem, None

    def _item(self, record: RecordHead, kind: str, problem: str | None) -> Item | None:
        url = record.get("WARC-Target-URI") or ""
        if url.startswith("<") and url.endswith(">"):
            url = url[1:-1]  # as wget 1.19 wrote it
        detail = _record_facts(record, kind, url, self.members.listed)
        content_type = record.get("Content-Type")
        body = _Body(0, record.block_length)
        if problem is None and self._block is not None:
            http, body.start, problem = self._http_head(record, kind, url)
            if http is not None:
                content_type = http.get_header("Content-Type")
                detail.update(_http_facts(http))
                body.mtime = _http_time(http.get_header("Last-Modified"))
                body.transfer = http.get_header("Transfer-Encoding")
                body.content = http.get_header("Content-Encoding")
                problem = problem or unsupported(body.transfer, body.content)
            if problem is None and body.start >= record.block_length:
                return None  # nothing but an HTTP head
        if content_type is not None:
            detail["content_type"] = content_type
        decode = self._decoder(self._block, body) if problem is None and self._block is not None else None
        name = url or record.get("WARC-Record-ID") or ""
        return self._make(name, detail, body, decode, problem)

    def _http_head(self, record: RecordHead, kind: str, url: str) -> tuple[Any, int, str | None]:
        """warcio's reading of the HTTP head at the start of the block, where the block is an HTTP
        message: the head, where the body starts, and why it cannot be read."""
        assert self._block is not None
        view = io.BufferedReader(_Slice(self._block, 0, record.block_length))
        lines = HeadLines(view, "the HTTP head")
        try:
            http = LOADER.load_http_headers(kind, url, lines, record.block_length)
        except Exception as exc:  # warcio's parser signals a malformed head in several ways
            return None, 0, f"its HTTP head cannot be read ({type(exc).__name__}: {exc}); not read"
        if http is None:
            return None, 0, None
        status = str(http.statusline or "").split(" ", 1)[0]
        if not str(http.protocol).upper().startswith("HTTP/") or len(status) != 3 or not status.isdigit():
            shown = f"{http.protocol} {http.statusline}"[:60]
            return None, 0, f"its HTTP head cannot be read (status line {shown!r}); not read"
        return http, lines.consumed, None

    @staticmethod
    def _decoder(block: IO[bytes], body: _Body) -> Callable[[], Decoded]:
        def decode() -> Decoded:
            raw = io.BufferedReader(_Slice(block, body.start, body.end))
            if not body.encoded:
                return raw
            return entity_body(raw, body.transfer, body.content)

        return decode

    def _make(
        self,
        name: str,
        detail: dict[str, JsonScalar],
        body: _Body,
        decode: Callable[[], Decoded] | None,
        problem: str | None,
    ) -> Item:
        members = self.members
        escaped = url_name(name) if name else EMPTY
        copy = self._copies.get(escaped, 0) + 1
        self._copies[escaped] = copy
        unique = escaped if copy == 1 else repeated(escaped, copy)
        members.listed += 1
        members.budget.take_item()
        size = None if body.encoded or problem is not None else body.end - body.start
        opener: Opener | None = None
        if problem is None and decode is not None:
            opener = self._opener(decode, body, unique)
            members.declared_total += size or 0
        step = Step("record", unique, detail)
        container = members.container
        return Item(
            steps=(*container.steps, step),
            state=container.state,
            size=size,
            mtime=body.mtime,
            problem=problem,
            opener=opener,
            budget=members.budget,
        )

    def _opener(self, decode: Callable[[], Decoded], body: _Body, name: str) -> Opener:
        """Opens the payload bounded like an archive member's: its size, and for an encoded body the ratio
        to its encoded length; one meter charges the archive's budget once however often it is opened."""
        members = self.members
        label = f"WARC record {name!r}"
        limit, over = members.read_limit(body.end - body.start if body.encoded else None, label)
        meter = Meter(members.budget)

        def opener() -> BinaryIO:
            spent = members.budget.spent()
            if spent is not None and meter.reached == 0:
                raise spent
            return open_bounded(decode, limit, label, cheap_seek=not body.encoded, over=over, meter=meter)

        return opener


@dataclass(slots=True)
class _Body:
    """Where a record's payload is in its block, and how it is encoded."""

    start: int
    end: int
    transfer: str | None = None
    content: str | None = None
    mtime: str | None = None

    @property
    def encoded(self) -> bool:
        return bool(codings(self.transfer) or codings(self.content))


def _record_facts(record: RecordHead, kind: str, url: str, index: int) -> dict[str, JsonScalar]:
    detail: dict[str, JsonScalar] = {"archive": "warc", "index": index, "type": kind, "url": url}
    for key, header in (
        ("record_id", "WARC-Record-ID"),
        ("date", "WARC-Date"),
        ("payload_digest", "WARC-Payload-Digest"),
        ("ip_address", "WARC-IP-Address"),
    ):
        value = record.get(header)
        if value is not None:
            detail[key] = value
    detail["offset"] = record.offset
    if record.decompressed_offset is not None:
        detail["decompressed_offset"] = record.decompressed_offset
    detail["block_length"] = record.block_length
    return detail


def _http_facts(http: Any) -> dict[str, JsonScalar]:
    get = http.get_header
    facts: dict[str, JsonScalar] = {}
    status = str(http.statusline or "").split(" ", 1)[0]
    if status.isdigit():
        facts["http_status"] = int(status)
    for key, header in (("content_encoding", "Content-Encoding"), ("transfer_encoding", "Transfer-Encoding")):
        value = get(header)
        if value:
            facts[key] = str(value)
    return facts


def _http_time(value: str | None) -> str | None:
    if not value:
        return None
    try:
        return iso_utc(parsedate_to_datetime(value))
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


class _Slice(PositionalReader):
    """Bytes ``start`` to ``end`` of a spooled record block, read without disturbing other readers."""

    def __init__(self, base: IO[bytes], start: int, end: int) -> None:
        super().__init__()
        self._base = base
        self._start = start
        self._end = end

    def read_at(self, position: int, count: int) -> bytes:
        count = min(count, self._end - self._start - position)
        if count <= 0:
            return b""
        self._base.seek(self._start + position)
        return self._base.read(count)

    def end(self) -> int:
        return self._end - self._start
