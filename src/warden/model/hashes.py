"""The kinds of hash Warden stores and matches, and how each one's text form is normalised."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class HashKind(StrEnum):
    """A kind of hash value, by its stable name."""

    MD5 = "md5"
    SHA1 = "sha1"
    SHA256 = "sha256"
    PDQ = "pdq"
    VPDQ = "vpdq"
    PHOTODNA = "photodna"


HEX_LENGTH: dict[HashKind, int] = {
    HashKind.MD5: 32,
    HashKind.SHA1: 40,
    HashKind.SHA256: 64,
    HashKind.PDQ: 64,
}

EXACT_KINDS: tuple[HashKind, ...] = (HashKind.MD5, HashKind.SHA1, HashKind.SHA256)

_HEX = re.compile(r"[0-9a-f]+")


class Media(StrEnum):
    """What an item is for counting: a still image, a moving image (video), or anything else.

    Decided from the file's magic bytes, never from its name.
    """

    STILL = "still"
    MOVIE = "movie"
    OTHER = "other"


_HEX_OF_KIND = {kind: re.compile(f"[0-9a-fA-F]{{{length}}}") for kind, length in HEX_LENGTH.items()}


def preview(value: str) -> str:
    """The first few characters of a value, enough to find it in the file, not enough to reuse it."""
    value = value.strip()
    return repr(value) if len(value) <= 6 else repr(value[:6] + "…")


def hex_problem(kind: HashKind, text: str) -> str:
    """Why ``text`` is not a ``kind`` hash, without repeating more of it than a short prefix."""
    value = text.strip()
    expected = HEX_LENGTH[kind]
    if len(value) != expected:
        return f"{kind.value} must be {expected} hex digits, got {len(value)} characters ({preview(value)})"
    return f"{kind.value} must be hex digits only, got {preview(value)}"


def parse_hex(kind: HashKind, text: str) -> str:
    """Lower-case hex of the right length for ``kind``.

    Raises:
        ValueError: not hex or the wrong length; the message shows only a short prefix of the value.
    """
    pattern = _HEX_OF_KIND[kind]
    if pattern.fullmatch(text):  # the common case, checked first: lists are read a million lines at a time
        return text.lower()
    value = text.strip()
    if value[:2] in ("0x", "0X"):
        value = value[2:]
    if not pattern.fullmatch(value):
        raise ValueError(hex_problem(kind, text))
    return value.lower()


def normalize_hex(kind: HashKind, text: str) -> str:
    """Lower-case, stripped hex of the right length for ``kind``.

    Raises:
        ValueError: not hex, or the wrong length for ``kind``.
    """
    value = text.strip().lower()
    if value.startswith("0x"):
        value = value[2:]
    expected = HEX_LENGTH[kind]
    if len(value) != expected or not _HEX.fullmatch(value):
        raise ValueError(f"{kind.value} must be {expected} hex digits, got {text.strip()[:80]!r}")
    return value


@dataclass(frozen=True, slots=True)
class VpdqFrame:
    """One hashed frame of a video: PDQ hex, its quality (0-100) and its time in seconds."""

    pdq: str
    quality: int
    timestamp: float

    def to_text(self) -> str:
        """``hex:quality:timestamp``, the frame's form inside a canonical CSV ``vpdq`` cell."""
        return f"{self.pdq}:{self.quality}:{self.timestamp:.3f}"

    @classmethod
    def from_text(cls, text: str) -> VpdqFrame:
        """Parse ``hex:quality:timestamp`` (quality and timestamp optional).

        Raises:
            ValueError: the text is not a frame.
        """
        parts = text.strip().split(":")
        if not 1 <= len(parts) <= 3:
            raise ValueError(f"a vPDQ frame is hex:quality:timestamp, got {text[:80]!r}")
        pdq = normalize_hex(HashKind.PDQ, parts[0])
        quality = int(parts[1]) if len(parts) > 1 and parts[1] else 100
        if not 0 <= quality <= 100:
            raise ValueError(f"vPDQ frame quality must be 0-100, got {quality}")
        timestamp = float(parts[2]) if len(parts) > 2 and parts[2] else 0.0
        return cls(pdq=pdq, quality=quality, timestamp=timestamp)


VideoHash = tuple[VpdqFrame, ...]


def vpdq_to_text(frames: VideoHash) -> str:
    """Frames joined by spaces: the canonical CSV form of a vPDQ hash."""
    return " ".join(frame.to_text() for frame in frames)


def vpdq_from_text(text: str) -> VideoHash:
    """Parse the canonical CSV form of a vPDQ hash.

    Raises:
        ValueError: a frame is malformed, or there are none.
    """
    frames = tuple(VpdqFrame.from_text(part) for part in text.split())
    if not frames:
        raise ValueError("a vPDQ hash needs at least one frame")
    return frames
