"""Plain numpy versions of the PDQ index's work: brute-force range search and table building.

They define what the C extension must return and build, byte for byte; tests hold the two together, and
the index falls back on them when the extension is not built (slower, same answers).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from warden.index.layout import PdqLayout

HASH_BYTES = 32
_BLOCK = 1 << 18

U8Array = np.ndarray[Any, np.dtype[np.uint8]]


def check_hashes(hashes: np.ndarray[Any, Any], what: str = "PDQ hashes") -> U8Array:
    """``hashes`` as a C-ordered ``(N, 32)`` uint8 array.

    Raises:
        ValueError: not ``(N, 32)`` bytes.
    """
    array = np.ascontiguousarray(hashes)
    if array.dtype != np.uint8 or array.ndim != 2 or array.shape[1] != HASH_BYTES:
        raise ValueError(f"{what} must be an (N, 32) uint8 array, got {array.dtype}{list(array.shape)}")
    return array


def distances(hashes: U8Array, query: U8Array) -> np.ndarray[Any, np.dtype[np.int64]]:
    """Hamming distance from ``query`` (32 bytes) to every row of ``hashes``."""
    words = hashes.view(np.uint64)
    mask = np.ascontiguousarray(query, dtype=np.uint8).view(np.uint64)
    out = np.empty(len(hashes), dtype=np.int64)
    for start in range(0, len(hashes), _BLOCK):
        block = words[start : start + _BLOCK] ^ mask
        out[start : start + _BLOCK] = np.bitwise_count(block).sum(axis=1, dtype=np.int64)
    return out


def range_search(
    hashes: U8Array, query: U8Array, threshold: int
) -> tuple[np.ndarray[Any, np.dtype[np.int64]], np.ndarray[Any, np.dtype[np.int64]]]:
    """Positions and distances of every hash within ``threshold`` bits of ``query``, by position."""
    all_distances = distances(hashes, query)
    positions = np.flatnonzero(all_distances <= threshold)
    return positions.astype(np.int64), all_distances[positions]


def chunk_values(hashes: U8Array, start: int, bits: int) -> np.ndarray[Any, np.dtype[np.uint32]]:
    """Bits ``[start, start + bits)`` of each hash as an integer, the first bit the most significant."""
    first, last = start // 8, (start + bits - 1) // 8
    value = np.zeros(len(hashes), dtype=np.uint64)
    for byte in range(first, last + 1):
        value = (value << np.uint64(8)) | hashes[:, byte].astype(np.uint64)
    value >>= np.uint64((last - first + 1) * 8 - start % 8 - bits)
    return (value & np.uint64((1 << bits) - 1)).astype(np.uint32)


def build_tables(
    hashes: U8Array, layout: PdqLayout
) -> tuple[np.ndarray[Any, np.dtype[np.uint32]], np.ndarray[Any, np.dtype[np.uint32]]]:
    """Offsets ``(chunks, 2**bits + 1)`` and positions ``(chunks, N)``: each table's positions by chunk value.

    Within a bucket positions ascend, so the result is fully determined by the hashes.
    """
    size = len(hashes)
    offsets = np.zeros((layout.chunks, layout.buckets + 1), dtype=np.uint32)
    positions = np.zeros((layout.chunks, size), dtype=np.uint32)
    for table in range(layout.chunks):
        values = chunk_values(hashes, table * layout.chunk_bits, layout.chunk_bits)
        counts = np.bincount(values, minlength=layout.buckets)
        offsets[table, 1:] = np.cumsum(counts, dtype=np.uint64).astype(np.uint32)
        positions[table] = np.argsort(values, kind="stable").astype(np.uint32)
    return offsets, positions
