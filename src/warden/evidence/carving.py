"""Signature carving: JPEG, PNG, GIF, WebP, MP4/MOV and HEIC files recovered from raw bytes, with offsets.

A carver finds headers by their signature and then walks the format's own structure (JPEG marker segments
and entropy data, PNG chunks, GIF blocks, the RIFF size of WebP, the top-level boxes of ISO base media) to
the file's true end. Nothing is guessed: a header whose structure breaks, or whose file would run past the
end of the area or past ``max_length``, gives no hit, and scanning goes on just after that header so a real
file behind a false one is still found. Hits never overlap: after a hit, scanning resumes at its end (a
thumbnail inside a carved JPEG is left to the EXIF thumbnail container). Fragments (a header without a
recoverable end) are not reported: their bytes cannot be hashed as a file, and listing every chance
``FF D8 FF`` in unallocated space would bury the examiner.
"""

from __future__ import annotations

import bisect
import io
import re
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from warden.evidence.base import Item, JsonScalar, Step
from warden.model.states import State

Reader = Callable[[int, int], bytes]
"""``read(offset, length)``: up to ``length`` bytes at ``offset`` of the source (fewer only at its end)."""

MAX_LENGTH = 64 << 20
"""Largest file the carver recovers by default; a longer one is skipped as if malformed."""

_CHUNK = 1 << 20
_OVERLAP = 16  # longest look at a header from its signature: "RIFF" size "WEBP" is 12 bytes.
_MEMORY = 1 << 16  # remembered steps of failed walks before those behind the current header are dropped
_INFINITY = 1 << 64


@dataclass(frozen=True, slots=True)
class Carved:
    """One file recovered by its signature.

    Attributes:
        offset: where the file starts, in the ``read`` address space.
        length: its length in bytes, as the format's structure gives it.
        format: ``jpeg``, ``png``, ``gif``, ``webp``, ``mp4`` (an ISO base media movie: MP4, MOV, 3GP) or
            ``heif`` (an ISO base media still without a movie: HEIC, AVIF).
    """

    offset: int
    length: int
    format: str


class _Window:
    """The source as parsers see it: a cached window, and what failed walks already learnt.

    Hostile data can nest headers inside the structure of other headers (a JPEG comment holding a JPEG
    header whose comment holds another...), so that each header walks on through the same structure. To keep
    carving linear, a walk that reaches a place (and parser state) an earlier, failed walk went through gives
    up at once, as it would fail the same way; and stretches of JPEG entropy data already searched are not
    searched again.
    """

    def __init__(self, read: Reader, end: int) -> None:
        self._read = read
        self._end = end
        self.base = 0
        self.data = b""
        self._failed: set[tuple[int, str, int]] = set()
        self._trail: list[tuple[int, str, int]] = []
        self._steps = 0
        # Per pattern, sorted (from, to) spans where no match starts.
        self._searched: dict[re.Pattern[bytes], list[tuple[int, int]]] = {}
        self._prune_at = _MEMORY

    def load(self, offset: int, length: int) -> bytes:
        """Read ``length`` bytes at ``offset`` (fewer at the end of the area) and keep them as the window."""
        length = max(0, min(length, self._end - offset))
        self.base = offset
        self.data = self._read(offset, length) if length else b""
        return self.data

    def get(self, offset: int, length: int) -> bytes:
        """Up to ``length`` bytes at ``offset``, fewer at the end of the area."""
        rel = offset - self.base
        if rel < 0 or rel + length > len(self.data):
            self.load(offset, max(length, _CHUNK))
            rel = 0
        return self.data[rel : rel + length]

    def begin(self, header: int) -> None:
        """Start the walk of the header at ``header``; what lies before it is never visited again."""
        self._trail.clear()
        self._steps = 0
        remembered = len(self._failed) + sum(map(len, self._searched.values()))
        if remembered > self._prune_at:
            self._failed = {key for key in self._failed if key[0] >= header}
            for pattern, spans in self._searched.items():
                self._searched[pattern] = [span for span in spans if span[1] > header]
            # Pruning again only once memory has doubled keeps its cost linear.
            self._prune_at = 2 * max(_MEMORY, len(self._failed) + sum(map(len, self._searched.values())))

    def visit(self, offset: int, kind: str, state: int = 0) -> bool:
        """Note a step of the current walk; False if an earlier failed walk took it (the walk must fail)."""
        key = (offset, kind, state)
        if key in self._failed:
            return False
        self._steps += 1
        # Walks that meet go on together, so remembering every 8th step is enough to notice the meeting.
        if not self._steps % 8:
            self._trail.append(key)
        return True

    def failed(self) -> None:
        """The current walk failed: later walks that join it give up."""
        self._failed.update(self._trail)

    def search(self, pattern: re.Pattern[bytes], offset: int, limit: int) -> int | None:
        """Where ``pattern`` (at most 2 bytes long) first matches in ``[offset, limit)``, or None."""
        spans = self._searched.setdefault(pattern, [])
        at = bisect.bisect_right(spans, (offset, _INFINITY)) - 1
        if at >= 0 and spans[at][1] > offset:
            offset = min(spans[at][1], limit)
        found = self._scan(pattern, offset, limit)
        # Without a match, one may still start on the last byte and end past ``limit``.
        bisect.insort(spans, (offset, limit - 1 if found is None else found))
        return found

    def _scan(self, pattern: re.Pattern[bytes], offset: int, limit: int) -> int | None:
        while offset < limit:
            rel = offset - self.base
            if rel < 0 or len(self.data) - rel < 2:
                if not self.load(offset, _CHUNK):
                    return None
                rel = 0
            stop = min(len(self.data), limit - self.base)
            found = pattern.search(self.data, rel, stop)
            if found is not None:
                return self.base + found.start()
            if self.base + len(self.data) >= min(limit, self._end):
                return None
            # A two-byte pattern may straddle the window's edge: start the next window on its last byte.
            offset = self.base + stop - 1
            self.data = b""
        return None


# --- JPEG -------------------------------------------------------------------------------------------------

# Markers that carry a length: SOFn (C0-CF, including DHT C4, JPG C8 and DAC CC), SOS DA (then entropy-coded
# data), DQT DB, DNL DC, DRI DD, DHP DE, EXP DF, APPn E0-EF, JPGn F0-FD, COM FE.
_JPEG_SEGMENT = frozenset([*range(0xC0, 0xD0), *range(0xDA, 0xFF)])
_JPEG_FRAME = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
# In entropy-coded data, FF is followed by 00 (a stuffed FF) or a restart marker; anything else ends it.
# Fill bytes (FF FF) are passed over: the marker is the byte after the last FF.
_JPEG_SCAN_END = re.compile(rb"\xff[^\x00\xd0-\xd7\xff]")
_FILL = 1 << 16


def _jpeg(src: _Window, offset: int, limit: int) -> Carved | None:
    pos = offset + 2
    frame = scan = False
    while pos < limit:
        if not src.visit(pos, "jpeg", frame + 2 * scan):
            return None
        head = src.get(pos, 4)
        if len(head) < 2 or head[0] != 0xFF:
            return None
        marker = head[1]
        if marker == 0xFF:  # fill bytes before a marker; a run longer than _FILL is taken for noise
            run = src.get(pos, _FILL)
            fill = len(run) - len(run.lstrip(b"\xff"))
            if fill == len(run):
                return None
            pos += fill - 1
            continue
        if marker == 0xD9:
            return Carved(offset, pos + 2 - offset, "jpeg") if scan else None
        if marker not in _JPEG_SEGMENT or len(head) < 4:
            return None  # SOI again, a restart outside a scan, TEM or a reserved byte: not a JPEG
        size = int.from_bytes(head[2:4], "big")
        if size < 2:
            return None
        pos += 2 + size
        if marker in _JPEG_FRAME:
            frame = True
        elif marker == 0xDA:
            if not frame:
                return None
            scan = True
            end = src.search(_JPEG_SCAN_END, pos, limit)
            if end is None:
                return None
            pos = end
    return None


# --- PNG --------------------------------------------------------------------------------------------------


def _chunk_type(kind: bytes) -> bool:
    return len(kind) == 4 and kind.isalpha() and kind.isascii()


def _png(src: _Window, offset: int, limit: int) -> Carved | None:
    ihdr = src.get(offset + 8, 25)
    if len(ihdr) < 25 or ihdr[:8] != b"\x00\x00\x00\x0dIHDR":
        return None
    if zlib.crc32(ihdr[4:21]) != int.from_bytes(ihdr[21:25], "big"):
        return None
    pos = offset + 8 + 25
    while pos + 12 <= limit:
        if not src.visit(pos, "png"):
            return None
        head = src.get(pos, 8)
        if len(head) < 8 or not _chunk_type(head[4:]):
            return None
        size = int.from_bytes(head[:4], "big")
        if size > 0x7FFFFFFF:
            return None
        pos += 12 + size
        if head[4:] == b"IEND":
            return Carved(offset, pos - offset, "png") if pos <= limit else None
    return None


# --- GIF --------------------------------------------------------------------------------------------------


def _gif_sub_blocks(src: _Window, pos: int, limit: int, state: int) -> int | None:
    """The position after a chain of data sub-blocks (each a length byte and data) ended by a 0 length."""
    while pos < limit:
        if not src.visit(pos, "gif-data", state):
            return None
        size = src.get(pos, 1)
        if not size:
            return None
        pos += 1 + size[0]
        if size[0] == 0:
            return pos
    return None


def _gif(src: _Window, offset: int, limit: int) -> Carved | None:
    if src.get(offset + 4, 2) not in (b"7a", b"9a"):
        return None
    screen = src.get(offset + 6, 7)
    if len(screen) < 7:
        return None
    pos = offset + 13
    if screen[4] & 0x80:
        pos += 3 << ((screen[4] & 7) + 1)
    images = 0
    while pos < limit:
        if not src.visit(pos, "gif", images > 0):
            return None
        block = src.get(pos, 10)
        if not block:
            return None
        if block[0] == 0x3B:  # trailer
            return Carved(offset, pos + 1 - offset, "gif") if images else None
        if block[0] == 0x21:  # extension: label, then sub-blocks
            end = _gif_sub_blocks(src, pos + 2, limit, images > 0)
        elif block[0] == 0x2C:  # image descriptor, optional local colour table, LZW code size, sub-blocks
            if len(block) < 10:
                return None
            pos += 10
            if block[9] & 0x80:
                pos += 3 << ((block[9] & 7) + 1)
            code_size = src.get(pos, 1)
            if not code_size or not 1 <= code_size[0] <= 12:
                return None
            end = _gif_sub_blocks(src, pos + 1, limit, images > 0)
            images += 1
        else:
            return None
        if end is None:
            return None
        pos = end
    return None


# --- WebP -------------------------------------------------------------------------------------------------


def _webp(src: _Window, offset: int, limit: int) -> Carved | None:
    head = src.get(offset, 16)
    if len(head) < 16 or head[8:12] != b"WEBP" or head[12:16] not in (b"VP8 ", b"VP8L", b"VP8X"):
        return None
    length = 8 + int.from_bytes(head[4:8], "little")
    if length < 20 or offset + length > limit:
        return None
    # The RIFF size must be made up exactly of whole chunks (fourcc, size, data padded to even).
    pos, end = offset + 12, offset + length
    while pos + 8 <= end:
        if not src.visit(pos, "webp", end):
            return None
        chunk = src.get(pos, 8)
        if len(chunk) < 8 or not chunk[:4].isascii():
            return None
        size = int.from_bytes(chunk[4:8], "little")
        pos += 8 + size + (size & 1)
    return Carved(offset, length, "webp") if pos == end else None


# --- ISO base media (MP4, MOV, 3GP; HEIF/HEIC/AVIF stills) ------------------------------------------------

# Top-level box types of ISO/IEC 14496-12 and QuickTime; the file ends at the first thing that is not one.
_TOP_LEVEL_BOXES = frozenset(
    (
        *(b"ftyp", b"moov", b"mdat", b"free", b"skip", b"wide", b"uuid", b"pdin", b"meta", b"moof"),
        *(b"mfra", b"styp", b"sidx", b"ssix", b"prft", b"emsg", b"pnot", b"PICT", b"junk"),
    )
)
_BRAND = re.compile(rb"[A-Za-z0-9 ._-]{4}")
# Brands of HEIF still images (ISO/IEC 23008-12) and AVIF: a file of one with a "meta" box and no movie.
_STILL_BRANDS = frozenset((b"mif1", b"msf1", b"heic", b"heix", b"heim", b"heis", b"avif", b"avis"))


def _box(src: _Window, pos: int) -> tuple[bytes, int] | None:
    """The type and size of the box at ``pos``, or None where there is none."""
    head = src.get(pos, 16)
    if len(head) < 8:
        return None
    size = int.from_bytes(head[:4], "big")
    if size == 1:
        if len(head) < 16:
            return None
        size = int.from_bytes(head[8:16], "big")
        if size < 16:
            return None
    elif size < 8:
        # Size 0 ("to the end of the file") cannot be bounded in raw bytes: the file is not carved.
        return None
    return head[4:8], size


def _iso_media(src: _Window, offset: int, limit: int) -> Carved | None:
    ftyp = _box(src, offset)
    if ftyp is None or not 16 <= ftyp[1] <= 4096 or ftyp[1] % 4:
        return None
    brands = src.get(offset + 8, ftyp[1] - 8)
    if len(brands) < 8 or not _BRAND.fullmatch(brands[:4]):
        return None
    still = any(brands[at : at + 4] in _STILL_BRANDS for at in (0, *range(8, len(brands), 4)))
    pos = offset + ftyp[1]
    seen: set[bytes] = set()
    while pos < limit:
        if not src.visit(pos, "iso", still + 2 * (b"moov" in seen) + 4 * (b"meta" in seen)):
            return None
        box = _box(src, pos)
        if box is None or box[0] not in _TOP_LEVEL_BOXES or box[0] == b"ftyp":
            break
        if pos + box[1] > limit:
            return None  # a box of the file runs past the area: truncated
        seen.add(box[0])
        pos += box[1]
    if b"moov" in seen:
        return Carved(offset, pos - offset, "mp4")
    if still and b"meta" in seen:
        return Carved(offset, pos - offset, "heif")
    return None


# --- scanning ---------------------------------------------------------------------------------------------

_Parser = Callable[[_Window, int, int], Carved | None]
# (signature, how far the header starts before it, parser)
_SIGNATURES: tuple[tuple[bytes, int, _Parser], ...] = (
    (b"\xff\xd8\xff", 0, _jpeg),
    (b"\x89PNG\r\n\x1a\n", 0, _png),
    (b"GIF8", 0, _gif),  # 87a or 89a, checked by the parser
    (b"RIFF", 0, _webp),
    (b"ftyp", 4, _iso_media),
)


def _headers(chunk: bytes, base: int, lo: int, hi: int) -> list[tuple[int, int]]:
    """Header offsets in ``[lo, hi)`` of every signature found in ``chunk`` (read at ``base``), sorted."""
    found: list[tuple[int, int]] = []
    for index, (signature, back, _) in enumerate(_SIGNATURES):
        at = chunk.find(signature)
        while at >= 0:
            header = base + at - back
            if lo <= header < hi:
                found.append((header, index))
            at = chunk.find(signature, at + 1)
    found.sort()
    return found


def carve(read: Reader, start: int, end: int, *, max_length: int = MAX_LENGTH) -> Iterator[Carved]:
    """Every file the carver recognises in ``[start, end)``, in order of offset, none overlapping.

    Args:
        read: ``read(offset, length)`` returns up to ``length`` bytes of the source at ``offset``.
        start: first byte of the area to carve.
        end: end of the area (exclusive); a file running past it is not carved.
        max_length: longest file to recover; a longer one is skipped.
    """
    src = _Window(read, end)
    pos = start
    resume = start  # hits never overlap: headers before this lie inside the last hit
    while pos < end:
        chunk = src.load(pos, _CHUNK + _OVERLAP)
        if not chunk:
            return
        hi = min(pos + _CHUNK, end)
        for header, index in _headers(chunk, pos, max(pos, resume), hi):
            if header < resume:
                continue
            src.begin(header)
            hit = _SIGNATURES[index][2](src, header, min(end, header + max_length))
            if hit is None:
                src.failed()
            else:
                yield hit
                resume = header + hit.length
        pos = max(hi, resume)


def carved_items(
    parent_steps: tuple[Step, ...],
    read: Reader,
    ranges: Iterable[tuple[int, int, str]],
    *,
    state: State = State.CARVED,
    max_length: int = MAX_LENGTH,
) -> Iterator[Item]:
    """Items for the files carved from each ``(start, end, area_name)`` range, with their offsets.

    Each item's last step is ``carved`` named ``<area>@<offset in hex>.<format>``; its opener reads the
    carved bytes into memory (at most ``max_length``).
    """
    for start, end, area in ranges:
        for hit in carve(read, start, end, max_length=max_length):
            detail: dict[str, JsonScalar] = {
                "offset": hit.offset,
                "length": hit.length,
                "area": area,
                "format": hit.format,
            }
            step = Step("carved", f"{area}@{hit.offset:#x}.{hit.format}", detail)
            yield Item((*parent_steps, step), state=state, size=hit.length, opener=_opener(read, hit))


def _opener(read: Reader, hit: Carved) -> Callable[[], io.BytesIO]:
    return lambda: io.BytesIO(read(hit.offset, hit.length))
