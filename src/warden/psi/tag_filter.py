"""The compact filter of a list's tags that the server publishes and a client checks its OPRF outputs against.

Each tag (a 64-byte OPRF output) keeps only a fingerprint: its first ``q + 32`` bits, ``q`` of them choosing a
bucket (``q = floor(log2(n))``, so one or two tags to a bucket) and the next 32 kept as its remainder. The
remainders are stored sorted, bucket after bucket, with each tag's category code beside it. Where each
bucket starts is kept in about a byte per bucket: the low byte of its start, and the full start of every
block of up to 64 buckets, from which the low byte gives the rest (the block is chosen so that no block
holds 256 tags or more). About 5.5 to 6.1 bytes per tag in all.

A random 64-byte value (the OPRF output of a hash that is not listed) matches a tag of its bucket with
probability ``2**-32`` each, so a lookup falsely matches with probability about ``(n / 2**q) * 2**-32``.

On disk, one file: a JSON header line, then the arrays, each aligned to 8 bytes, memory-mapped on open;
sizes, order and a SHA-256 of the arrays are checked, and a damaged or truncated file is refused.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from warden.errors import PsiListError
from warden.psi.suite import TAG_BYTES

FORMAT = "warden-psi-filter"
VERSION = 1
REMAINDER_BITS = 32
MAX_BLOCK_BITS = 6
MAX_CATEGORIES = 255
MAX_HEADER_BYTES = 1 << 16
_ALIGN = 8
_ARRAYS: tuple[tuple[str, type[np.unsignedinteger[Any]]], ...] = (
    ("remainders", np.uint32),
    ("categories", np.uint8),
    ("bucket_low", np.uint8),
    ("block_starts", np.uint32),
)

Tags = npt.NDArray[np.uint8] | Sequence[bytes]


def as_tag_array(tags: Tags) -> npt.NDArray[np.uint8]:
    """Tags as an ``(n, 64)`` array of bytes, however they were given."""
    if isinstance(tags, np.ndarray):
        array = np.ascontiguousarray(tags, dtype=np.uint8)
    else:
        if any(len(tag) != TAG_BYTES for tag in tags):
            raise ValueError(f"every tag must be {TAG_BYTES} bytes")
        array = np.frombuffer(b"".join(tags), dtype=np.uint8)
    return array.reshape(-1, TAG_BYTES)


def fingerprints(tags: Tags) -> npt.NDArray[np.uint64]:
    """Each tag's first 8 bytes as a big-endian number."""
    return as_tag_array(tags)[:, :8].copy().view(">u8").ravel().astype(np.uint64)


def bucket_bits(count: int) -> int:
    """``q``: the bucket bits for a list of ``count`` tags (at least 1, at most 32)."""
    return min(32, max(1, count.bit_length() - 1))


class TagFilter:
    """A list's tags as a filter: which tags are listed, and under which category."""

    def __init__(self, header: dict[str, Any], arrays: dict[str, npt.NDArray[Any]]) -> None:
        self.count: int = header["count"]
        self.bucket_bits: int = header["bucket_bits"]
        self.block_bits: int = header["block_bits"]
        self.max_bucket: int = header["max_bucket"]
        self.categories: list[str] = list(header["categories"])
        self._remainders = arrays["remainders"]
        self._codes = arrays["categories"]
        self._bucket_low = arrays["bucket_low"]
        self._block_starts = arrays["block_starts"]

    @classmethod
    def build(
        cls, tags: Tags, category_codes: Sequence[int] | npt.NDArray[Any], categories: Sequence[str]
    ) -> TagFilter:
        """The filter of ``tags``, each listed under ``categories[category_codes[i]]``.

        Raises:
            ValueError: codes and tags differ in number, a code names no category, over 255 categories.
        """
        array = as_tag_array(tags)
        codes = np.asarray(category_codes, dtype=np.int64)
        if len(codes) != len(array):
            raise ValueError(f"{len(array)} tags but {len(codes)} category codes")
        if len(categories) > MAX_CATEGORIES or (
            len(codes) and (codes.min() < 0 or codes.max() >= len(categories))
        ):
            raise ValueError(f"category codes must name one of at most {MAX_CATEGORIES} categories")
        count = len(array)
        if count >= 1 << 32:
            raise ValueError("a filter holds fewer than 2**32 tags")
        q = bucket_bits(count)
        keys = fingerprints(array) >> np.uint64(64 - q - REMAINDER_BITS)
        order = np.argsort(keys, kind="stable")
        keys = keys[order]
        buckets = keys >> np.uint64(REMAINDER_BITS)
        starts = np.searchsorted(buckets, np.arange((1 << q) + 1, dtype=np.uint64)).astype(np.int64)
        block_bits = min(q, MAX_BLOCK_BITS)
        while block_bits > 0 and _widest_block(starts, block_bits) >= 256:
            block_bits -= 1  # a crowded block: smaller blocks, a little more space
        header = {
            "count": count,
            "bucket_bits": q,
            "block_bits": block_bits,
            "max_bucket": int(np.diff(starts).max()) if count else 0,
            "categories": list(categories),
        }
        arrays: dict[str, npt.NDArray[Any]] = {
            "remainders": (keys & np.uint64(0xFFFFFFFF)).astype(np.uint32),
            "categories": codes[order].astype(np.uint8),
            "bucket_low": (starts & 0xFF).astype(np.uint8),
            "block_starts": starts[:: 1 << block_bits].astype(np.uint32),
        }
        return cls(header, arrays)

    @property
    def expected_false_match_rate(self) -> float:
        """The chance that an unlisted hash's tag matches one of the filter's: ``(n / 2**q) * 2**-32``."""
        return self.count / (1 << self.bucket_bits) / (1 << REMAINDER_BITS)

    @property
    def size_bytes(self) -> int:
        """The size of the filter's file."""
        header, arrays = self._serialised()
        return len(header) + sum(len(data) for data in arrays)

    def lookup(self, tag: bytes) -> str | None:
        """The category a tag is listed under, None when it is not listed."""
        return self.lookup_many([tag])[0]

    def lookup_many(self, tags: Tags) -> list[str | None]:
        """:meth:`lookup` of each tag, in order, all at once."""
        array = as_tag_array(tags)
        if not len(array) or not self.count:
            return [None] * len(array)
        q = self.bucket_bits
        fps = fingerprints(array)
        buckets = (fps >> np.uint64(64 - q)).astype(np.int64)
        wanted = ((fps >> np.uint64(64 - q - REMAINDER_BITS)) & np.uint64(0xFFFFFFFF)).astype(np.uint32)
        start, end = self._start(buckets), self._start(buckets + 1)
        found = np.full(len(array), -1, dtype=np.int64)
        for step in range(self.max_bucket):  # buckets hold a few tags each: a short, bounded loop
            place = start + step
            inside = place < end
            if not inside.any():
                break
            place = np.minimum(place, self.count - 1)
            hit = inside & (found < 0) & (self._remainders[place] == wanted)
            found[hit] = place[hit]
        names = [None, *self.categories]
        codes = np.where(found >= 0, self._codes[np.maximum(found, 0)].astype(np.int64) + 1, 0)
        return [names[code] for code in codes.tolist()]

    def _start(self, buckets: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
        base = self._block_starts[buckets >> self.block_bits].astype(np.int64)
        start: npt.NDArray[np.int64] = base + ((self._bucket_low[buckets].astype(np.int64) - base) & 0xFF)
        return start

    def _serialised(self) -> tuple[bytes, list[bytes]]:
        data = [
            np.ascontiguousarray(array, dtype=np.dtype(kind).newbyteorder("<")).tobytes()
            for array, (_, kind) in zip(
                (self._remainders, self._codes, self._bucket_low, self._block_starts), _ARRAYS, strict=True
            )
        ]
        padded = [chunk + bytes(-len(chunk) % _ALIGN) for chunk in data]
        digest = hashlib.sha256()
        for chunk in padded:
            digest.update(chunk)
        header = {
            "format": FORMAT,
            "version": VERSION,
            "count": self.count,
            "bucket_bits": self.bucket_bits,
            "remainder_bits": REMAINDER_BITS,
            "block_bits": self.block_bits,
            "max_bucket": self.max_bucket,
            "categories": self.categories,
            "arrays_sha256": digest.hexdigest(),
        }
        line = json.dumps(header, separators=(",", ":")).encode("utf-8") + b"\n"
        return line + bytes(-len(line) % _ALIGN), padded

    def to_file(self, path: Path) -> None:
        """Write the filter to ``path``, through a temporary file renamed into place."""
        header, arrays = self._serialised()
        partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
        try:
            with partial.open("wb") as stream:
                stream.write(header)
                for chunk in arrays:
                    stream.write(chunk)
                stream.flush()
                os.fsync(stream.fileno())
            os.replace(partial, path)
        finally:
            partial.unlink(missing_ok=True)

    @classmethod
    def open(cls, path: Path, *, verify: bool = True) -> TagFilter:
        """The filter in ``path``, its arrays memory-mapped.

        Args:
            path: the file.
            verify: also check the arrays' SHA-256 and every bucket's bounds (reads the whole file once);
                leave it on unless the file's SHA-256 was just checked against its manifest.

        Raises:
            PsiListError: the file is missing, truncated, damaged, or not a filter of this version.
        """
        try:
            with path.open("rb") as stream:
                line = stream.readline(MAX_HEADER_BYTES)
            size = path.stat().st_size
        except OSError as exc:
            raise PsiListError(f"the PSI filter {path} cannot be read: {exc.strerror or exc}") from None
        header = _header(path, line)
        offset = len(line) + (-len(line) % _ALIGN)
        lengths = _lengths(header)
        expected = offset + sum(
            length * np.dtype(kind).itemsize + (-length * np.dtype(kind).itemsize % _ALIGN)
            for (_, kind), length in zip(_ARRAYS, lengths, strict=True)
        )
        if size != expected:
            raise PsiListError(
                f"the PSI filter {path} is {size} bytes where its header needs {expected}: "
                "truncated or damaged"
            )
        mapped = np.memmap(path, dtype=np.uint8, mode="r") if size else np.zeros(0, dtype=np.uint8)
        arrays: dict[str, npt.NDArray[Any]] = {}
        for (name, kind), length in zip(_ARRAYS, lengths, strict=True):
            width = length * np.dtype(kind).itemsize
            arrays[name] = mapped[offset : offset + width].view(np.dtype(kind).newbyteorder("<"))
            offset += width + (-width % _ALIGN)
        found = cls(header, arrays)
        found._check(path, header, mapped[len(line) + (-len(line) % _ALIGN) :] if verify else None)
        return found

    def _check(self, path: Path, header: dict[str, Any], body: npt.NDArray[np.uint8] | None) -> None:
        problem = None
        starts = self._block_starts
        if starts[0] != 0 or int(starts[-1]) != self.count or np.any(np.diff(starts.astype(np.int64)) < 0):
            problem = "its block offsets are out of order"
        elif self.count and int(self._codes.max()) >= len(self.categories):
            problem = "a category code names no category"
        elif body is not None:
            if hashlib.sha256(body.data).hexdigest() != header.get("arrays_sha256"):
                problem = "its arrays do not match their SHA-256"
            else:
                bounds = self._start(np.arange((1 << self.bucket_bits) + 1, dtype=np.int64))
                widths = np.diff(bounds)
                if (
                    bounds[-1] != self.count
                    or widths.min(initial=0) < 0
                    or widths.max(initial=0) > self.max_bucket
                ):
                    problem = "its bucket offsets are out of order"
        if problem:
            raise PsiListError(f"the PSI filter {path} is damaged: {problem}")


def _widest_block(starts: npt.NDArray[np.int64], block_bits: int) -> int:
    """How far into its block of ``2**block_bits`` buckets the furthest bucket starts."""
    base = np.repeat(starts[: -1 : 1 << block_bits], 1 << block_bits)
    return int((starts[:-1] - base).max(initial=0))


def _header(path: Path, line: bytes) -> dict[str, Any]:
    try:
        header = json.loads(line.decode("utf-8")) if line.endswith(b"\n") else None
    except (UnicodeDecodeError, ValueError):
        header = None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise PsiListError(f"{path} is not a PSI filter (no header line a filter starts with)")
    if header.get("version") != VERSION:
        raise PsiListError(
            f"the PSI filter {path} is of version {header.get('version')!r}; this Warden reads {VERSION}"
        )
    numbers = ("count", "bucket_bits", "block_bits", "max_bucket")
    categories = header.get("categories")
    if (
        not all(type(header.get(name)) is int and header[name] >= 0 for name in numbers)
        or header.get("remainder_bits") != REMAINDER_BITS
        or not 1 <= header["bucket_bits"] <= 32
        or header["block_bits"] > min(header["bucket_bits"], MAX_BLOCK_BITS)
        or header["count"] >= 1 << 32
        or not isinstance(categories, list)
        or len(categories) > MAX_CATEGORIES
        or not all(isinstance(name, str) for name in categories)
    ):
        raise PsiListError(f"the PSI filter {path} is damaged: its header does not describe a filter")
    return header


def _lengths(header: dict[str, Any]) -> list[int]:
    """Items in each array, in the file's order."""
    buckets = 1 << header["bucket_bits"]
    return [header["count"], header["count"], buckets + 1, (buckets >> header["block_bits"]) + 1]
