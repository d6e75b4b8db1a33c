"""Damaged archives of every format end as item problems or a container error, never as a crash.

Each archive format gets the same damage, from the same seeds: copies cut short, copies with bits flipped,
copies with a run of bytes overwritten where the headers are (the first and last 600 bytes), and copies
with bytes changed here and there. A copy that is still recognised as its format is read to the end as the
walk reads it: every failure must be an item with a problem, an item whose bytes cannot be read, or a
:class:`ContainerError`, which the walk records against the container. Anything else would reach the user.
"""

from __future__ import annotations

import importlib
import io
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest

from tests.evidence.archives import (
    Drained,
    RarEntry,
    compress,
    drain,
    photos,
    rar4,
    root,
    sevenzip_of,
    sha256,
    tar_of,
    zip_of,
)
from warden.evidence.base import HEAD_BYTES, Container, Limits

COPIES = 50
"""Damaged copies of each kind, per format."""

MINIMUM = COPIES * 4 // 5
"""How many copies of each kind must still be recognised as their format (48 to 50 of the 50 are today)."""

HEADERS = 600
"""How far in from either end the headers are looked for: zip's central directory and 7z's header are at the
end, the local, tar, rar and gzip headers at the start."""


def _truncated(data: bytes, rng: random.Random) -> bytes:
    return data[: rng.randrange(1, len(data))]


def _spot(data: bytes | bytearray, rng: random.Random) -> int:
    """A position: two thirds of the time in the first or last :data:`HEADERS` bytes, else anywhere."""
    start, end = rng.choice([(0, HEADERS), (len(data) - HEADERS, len(data)), (0, len(data))])
    return rng.randrange(max(start, 0), min(end, len(data)))


def _bits_flipped(data: bytes, rng: random.Random) -> bytes:
    copy = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        copy[_spot(copy, rng)] ^= 1 << rng.randrange(8)
    return bytes(copy)


def _header_overwritten(data: bytes, rng: random.Random) -> bytes:
    copy = bytearray(data)
    length = rng.randint(1, 32)
    start = (
        rng.randrange(0, HEADERS - length) if rng.random() < 0.5 else len(copy) - rng.randint(length, HEADERS)
    )
    fill = rng.choice([b"\x00", b"\xff", None])
    copy[start : start + length] = fill * length if fill else rng.randbytes(length)
    return bytes(copy)


def _bytes_changed(data: bytes, rng: random.Random) -> bytes:
    copy = bytearray(data)
    for _ in range(rng.randint(1, 6)):
        copy[_spot(copy, rng)] = rng.randrange(256)
    return bytes(copy)


DAMAGE: dict[str, Callable[[bytes, random.Random], bytes]] = {
    "truncated": _truncated,
    "bits flipped": _bits_flipped,
    "header overwritten": _header_overwritten,
    "bytes changed": _bytes_changed,
}


def damaged_copies(data: bytes) -> Iterator[tuple[str, bytes]]:
    """(kind of damage, copy) for :data:`COPIES` copies of each kind, from the same seeds for every format."""
    for seed, (kind, damage) in enumerate(DAMAGE.items()):
        rng = random.Random(seed)
        for _ in range(COPIES):
            yield kind, damage(data, rng)


def _warc(compression: str) -> Callable[[dict[str, bytes]], bytes]:
    def archive(files: dict[str, bytes]) -> bytes:
        from tests.evidence.warcs import photo_site, write_warc  # needs warcio, which Format.load checks

        return write_warc(photo_site(files), compression=compression)

    return archive


def _warc_item_name(name: str) -> str:
    from tests.evidence.warcs import SITE
    from warden.evidence.warc import url_name

    return url_name(f"{SITE}/images/{name}")


@dataclass(frozen=True)
class Format:
    """An archive format under test: its container, how to write a valid archive, the library it needs."""

    container: str  # "module:Class"
    archive: Callable[[dict[str, bytes]], bytes]
    library: str | None = None
    item_name: Callable[[str], str] = str  # the item name of a file put in the archive

    def load(self) -> Container:
        if self.library:
            pytest.importorskip(self.library, reason=f"needs {self.library}: pip install 'warden[forensics]'")
        module, name = self.container.split(":")
        return getattr(importlib.import_module(module), name)()  # type: ignore[no-any-return]


FORMATS = {
    "zip": Format("warden.evidence.zip:ZipContainer", zip_of),
    "tar": Format("warden.evidence.tar:TarContainer", tar_of),
    "rar": Format(
        "warden.evidence.rar:RarContainer",
        lambda files: rar4([RarEntry(name, data) for name, data in files.items()]),
        "rarfile",
    ),
    # A plain (unencoded) header, so that damage reaches the file list rather than only its packed form.
    "7z": Format(
        "warden.evidence.sevenzip:SevenZipContainer", lambda f: sevenzip_of(f, plain_header=True), "py7zr"
    ),
    "tar.gz": Format("warden.evidence.compressed:CompressedContainer", lambda f: compress(tar_of(f), "gzip")),
    "tar.bz2": Format(
        "warden.evidence.compressed:CompressedContainer", lambda f: compress(tar_of(f), "bzip2")
    ),
    "tar.xz": Format("warden.evidence.compressed:CompressedContainer", lambda f: compress(tar_of(f), "xz")),
    **{
        name: Format("warden.evidence.warc:WarcContainer", _warc(compression), "warcio", _warc_item_name)
        # A WARC gzipped as one stream is left out: damage to its first deflate block leaves too few copies
        # recognisable for this test's minimum (as it would for any one-stream gzip of this size).
        for name, compression in (("warc", "none"), ("warc.gz", "record"))
    },
}


@pytest.mark.parametrize("format_", FORMATS.values(), ids=FORMATS.keys())
def test_damaged_archives_end_as_item_or_container_errors_never_as_crashes(format_: Format) -> None:
    container = format_.load()
    files = photos(3)
    archive = format_.archive(files)
    whole = drain(container.expand(io.BytesIO(archive), root(), Limits()))
    assert whole.error is None
    assert whole.digests == {format_.item_name(name): sha256(data) for name, data in files.items()}

    recognised: dict[str, list[Drained]] = {kind: [] for kind in DAMAGE}
    for number, (kind, damaged) in enumerate(damaged_copies(archive)):
        if not container.sniff(damaged[:HEAD_BYTES], len(damaged)):
            continue
        try:
            # drain() keeps a ContainerError and each item's read error, as the walk does.
            recognised[kind].append(drain(container.expand(io.BytesIO(damaged), root(), Limits())))
        except Exception as error:  # it would reach the user as a traceback
            pytest.fail(f"damaged copy {number} ({kind}) raised {error!r}")

    # The damage must reach the reader, or this test would pass by recognising nothing.
    counts = {kind: len(copies) for kind, copies in recognised.items()}
    assert min(counts.values()) >= MINIMUM, counts
    # And the reader must notice it: some copies end in a container error.
    assert any(copy.error for copies in recognised.values() for copy in copies)
