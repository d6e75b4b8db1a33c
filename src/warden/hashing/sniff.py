"""Media type from a file's first bytes: a registry of magic-byte signatures, never the file name."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from warden.model.hashes import Media
from warden.registry import Registry

HEAD_BYTES = 4096
"""How many leading bytes :func:`sniff` needs to see; shorter files are sniffed from what there is."""


@dataclass(frozen=True, slots=True)
class Signature:
    """One file format recognised by its leading bytes.

    Attributes:
        format: short stable name, e.g. ``jpeg`` or ``mp4``; also its name in :data:`SIGNATURES`.
        media: whether the format is counted as a still, a movie or neither.
        test: true when the leading bytes (up to :data:`HEAD_BYTES`) are of this format.
    """

    format: str
    media: Media
    test: Callable[[bytes], bool]


@dataclass(frozen=True, slots=True)
class Sniffed:
    """The outcome of sniffing: the media kind and the format name (None when nothing matched)."""

    media: Media
    format: str | None


SIGNATURES: Registry[Signature] = Registry("media signature")
"""Every known signature, tried in registration order; the first that matches wins."""


def register(format_name: str, media: Media, test: Callable[[bytes], bool]) -> Signature:
    """Add a signature; a plug-in calls this the same way the built-in formats do.

    Raises:
        DuplicateNameError: a signature for ``format_name`` is already registered.
    """
    return SIGNATURES.register(format_name, Signature(format_name, media, test))


def sniff(head: bytes) -> Sniffed:
    """The media kind and format of a file whose first bytes are ``head``."""
    for signature in SIGNATURES:
        if signature.test(head):
            return Sniffed(signature.media, signature.format)
    return Sniffed(Media.OTHER, None)


def _magic(*prefixes: bytes, offset: int = 0) -> Callable[[bytes], bool]:
    def test(head: bytes) -> bool:
        return any(head[offset : offset + len(prefix)] == prefix for prefix in prefixes)

    return test


def _riff(kind: bytes) -> Callable[[bytes], bool]:
    def test(head: bytes) -> bool:
        return head[:4] == b"RIFF" and head[8:12] == kind

    return test


def _ftyp_brands(head: bytes) -> set[bytes]:
    """Major and compatible brands of an ISO base media file (MP4, MOV, HEIF, AVIF), or none."""
    if head[4:8] != b"ftyp":
        return set()
    size = int.from_bytes(head[:4], "big")
    end = min(size if size >= 16 else 16, len(head))
    brands = {head[8:12]}
    brands.update(head[offset : offset + 4] for offset in range(16, end - 3, 4))
    return brands


_HEIC_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs", b"mif1", b"msf1"}
_AVIF_BRANDS = {b"avif", b"avis"}
_AUDIO_BRANDS = {b"M4A ", b"M4B ", b"M4P ", b"F4A ", b"F4B "}
_QUICKTIME_ATOMS = (b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot")


def _is_avif(head: bytes) -> bool:
    return bool(_ftyp_brands(head) & _AVIF_BRANDS)


def _is_heic(head: bytes) -> bool:
    # AVIF files also list mif1, so AVIF is registered (and tried) first.
    return bool(_ftyp_brands(head) & _HEIC_BRANDS)


def _is_3gp(head: bytes) -> bool:
    return head[4:8] == b"ftyp" and head[8:11] in (b"3gp", b"3g2")


def _is_mov(head: bytes) -> bool:
    if head[4:8] == b"ftyp":
        return head[8:12] == b"qt  "
    # Old QuickTime files start straight with an atom and carry no ftyp box.
    return head[4:8] in _QUICKTIME_ATOMS and int.from_bytes(head[:4], "big") >= 8


def _is_mp4(head: bytes) -> bool:
    brands = _ftyp_brands(head)
    return bool(brands) and head[8:12] not in _AUDIO_BRANDS


def _ebml_doctype(head: bytes) -> bytes | None:
    if head[:4] != b"\x1a\x45\xdf\xa3":
        return None
    at = head.find(b"\x42\x82", 4, 64)  # the DocType element
    if at < 0:
        return b""
    length = head[at + 2] & 0x7F if at + 2 < len(head) else 0
    return head[at + 3 : at + 3 + length]


def _is_webm(head: bytes) -> bool:
    return _ebml_doctype(head) == b"webm"


def _is_mkv(head: bytes) -> bool:
    return _ebml_doctype(head) is not None


def _is_mpeg_ts(head: bytes) -> bool:
    # Transport-stream packets are 188 bytes, each starting with the sync byte 0x47.
    return len(head) >= 3 * 188 and all(head[i] == 0x47 for i in (0, 188, 376))


def _is_bmp(head: bytes) -> bool:
    # "BM" alone is too weak; also require a known DIB header size.
    return head[:2] == b"BM" and int.from_bytes(head[14:18], "little") in (12, 40, 52, 56, 64, 108, 124)


_ICO_DEPTHS = frozenset({0, 1, 2, 4, 8, 16, 24, 32})
_DIB_HEADERS = frozenset({12, 40, 52, 56, 108, 124})


def _is_ico(head: bytes) -> bool:
    """A Windows icon: a real directory, not just four bytes that start one.

    ``00 00 01 00`` also starts NTFS's ``$UpCase`` table (and many other tables of 16-bit counters), so
    every directory entry in ``head`` must be plausible (reserved byte 0 or 255, 0 or 1 colour planes, a
    known bit depth, a non-zero size, image data after the directory and within the file when ``head`` is
    all of it), and the first image, where ``head`` holds its start, must be a PNG or a bitmap header.
    """
    if head[:4] != b"\x00\x00\x01\x00":
        return False
    count = int.from_bytes(head[4:6], "little")
    directory = 6 + 16 * count
    if count == 0:
        return False
    whole = len(head) < HEAD_BYTES  # a shorter head is the whole file
    for at in range(6, min(directory, len(head) - 15), 16):
        reserved, planes, depth = head[at + 3], _le16(head, at + 4), _le16(head, at + 6)
        size, offset = _le32(head, at + 8), _le32(head, at + 12)
        if reserved not in (0, 255) or planes > 1 or depth not in _ICO_DEPTHS or size == 0:
            return False
        if offset < directory or (whole and offset + size > len(head)):
            return False
    first = _le32(head, 18)
    if first + 8 <= len(head):
        return head[first : first + 8] == b"\x89PNG\r\n\x1a\n" or _le32(head, first) in _DIB_HEADERS
    return not whole and directory <= len(head)


def _le16(data: bytes, at: int) -> int:
    return int.from_bytes(data[at : at + 2], "little")


def _le32(data: bytes, at: int) -> int:
    return int.from_bytes(data[at : at + 4], "little")


def _is_ogg_video(head: bytes) -> bool:
    return head[:4] == b"OggS" and (b"\x80theora" in head or b"\x80daala" in head)


# Stills first: HEIF and AVIF share the ftyp box with MP4, so they must be tried before it.
register("jpeg", Media.STILL, _magic(b"\xff\xd8\xff"))
register("png", Media.STILL, _magic(b"\x89PNG\r\n\x1a\n"))
register("gif", Media.STILL, _magic(b"GIF87a", b"GIF89a"))
register("webp", Media.STILL, _riff(b"WEBP"))
register("tiff", Media.STILL, _magic(b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"))
register("bmp", Media.STILL, _is_bmp)
register("avif", Media.STILL, _is_avif)
register("heic", Media.STILL, _is_heic)
register("jp2", Media.STILL, _magic(b"\x00\x00\x00\x0cjP  \r\n\x87\n", b"\xff\x4f\xff\x51"))
register("jxl", Media.STILL, _magic(b"\xff\x0a", b"\x00\x00\x00\x0cJXL \r\n\x87\n"))
register("ico", Media.STILL, _is_ico)
register("psd", Media.STILL, _magic(b"8BPS"))
register("3gp", Media.MOVIE, _is_3gp)
register("mov", Media.MOVIE, _is_mov)
register("mp4", Media.MOVIE, _is_mp4)
register("avi", Media.MOVIE, _riff(b"AVI "))
register("webm", Media.MOVIE, _is_webm)
register("mkv", Media.MOVIE, _is_mkv)
register("flv", Media.MOVIE, _magic(b"FLV\x01"))
register("wmv", Media.MOVIE, _magic(b"\x30\x26\xb2\x75\x8e\x66\xcf\x11"))
register("mpeg", Media.MOVIE, _magic(b"\x00\x00\x01\xba", b"\x00\x00\x01\xb3"))
register("mpeg-ts", Media.MOVIE, _is_mpeg_ts)
register("ogv", Media.MOVIE, _is_ogg_video)
# Neither still nor movie, but named, so that what reads such items after the scan finds them by their
# recorded format (app databases: warden.scan.conversations).
register("sqlite", Media.OTHER, _magic(b"SQLite format 3\x00"))
