"""Random PDQ-shaped hashes with neighbours planted at chosen Hamming distances, for the index tests."""

from __future__ import annotations

from typing import Any

import numpy as np


def random_hashes(rng: np.random.Generator, count: int) -> np.ndarray[Any, np.dtype[np.uint8]]:
    """``count`` uniform random 256-bit hashes as ``(count, 32)`` uint8."""
    return rng.integers(0, 256, size=(count, 32), dtype=np.uint8)


def flip(rng: np.random.Generator, hash_bytes: np.ndarray[Any, Any], distance: int) -> np.ndarray[Any, Any]:
    """A copy of ``hash_bytes`` with exactly ``distance`` distinct bits flipped."""
    bits = np.unpackbits(hash_bytes)
    bits[rng.choice(256, size=distance, replace=False)] ^= 1
    return np.packbits(bits)


def distance(a: np.ndarray[Any, Any] | bytes, b: np.ndarray[Any, Any] | bytes) -> int:
    """Hamming distance by plain Python integers, independent of the code under test."""
    return (int.from_bytes(bytes(a), "big") ^ int.from_bytes(bytes(b), "big")).bit_count()


def plant(
    rng: np.random.Generator, hashes: np.ndarray[Any, Any], query: np.ndarray[Any, Any], distances: range
) -> dict[int, int]:
    """Overwrite random rows of ``hashes`` with neighbours of ``query``; returns {row: distance}."""
    rows = rng.choice(len(hashes), size=len(distances), replace=False)
    for row, wanted in zip(rows.tolist(), distances, strict=True):
        hashes[row] = flip(rng, query, wanted)
    return dict(zip(rows.tolist(), distances, strict=True))
