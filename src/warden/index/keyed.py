"""Keyed forms of hashes, so a stored index does not list the hash set's digests or PDQ hashes in the clear.

Exact digests become ``HMAC-SHA256(key, kind || 0x00 || digest)`` cut to 16 bytes: irreversible without the
key, and a lookup transforms its query the same way. PDQ hashes go through a secret permutation of their
256 bits followed by an XOR with a secret mask; both keep Hamming distances exactly, so the range index
answers on the keyed form as it would on the clear one.

The limit: a distance-preserving transform is linear. Someone holding the keyed index and enough pairs of
(image, keyed entry) can solve for the permutation and the mask. The key keeps a copied index from being a
ready-made list of hashes; it does not protect against an attacker who can also query with chosen images.

Everything is derived from the key with HMAC-SHA256 alone (never a library's random stream, which may
change between versions), so a key gives the same transform on every machine and release; a test pins it.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

import numpy as np

from warden.index.exact import check_kind
from warden.index.reference import HASH_BYTES, U8Array, check_hashes

DIGEST_BYTES = 16
MIN_KEY_BYTES = 16
_BLOCK = 1 << 16
_BYTE_POSITIONS = np.arange(HASH_BYTES)


def _prf(key: bytes, label: bytes) -> bytes:
    return hmac.digest(key, label, "sha256")


def _permutation(key: bytes) -> list[int]:
    """A permutation of 0..255 by Fisher-Yates, drawing bytes from HMAC-SHA256 in counter mode."""
    stream = b""
    counter = 0
    cursor = 0
    order = list(range(256))
    for top in range(255, 0, -1):
        span = top + 1
        limit = 256 - 256 % span
        while True:
            if cursor == len(stream):
                stream = _prf(key, b"permutation" + counter.to_bytes(4, "big"))
                counter += 1
                cursor = 0
            draw = stream[cursor]
            cursor += 1
            # Rejecting the top of the range keeps every choice equally likely.
            if draw < limit:
                break
        pick = draw % span
        order[top], order[pick] = order[pick], order[top]
    return order


class KeyedTransform:
    """The keyed forms of digests and PDQ hashes for one key.

    Args:
        key: the hash-set key, at least 16 bytes.

    Raises:
        ValueError: the key is too short.
    """

    def __init__(self, key: bytes) -> None:
        if len(key) < MIN_KEY_BYTES:
            raise ValueError(f"an index key is at least {MIN_KEY_BYTES} bytes, got {len(key)}")
        # Separate subkeys so that neither use of the key tells anything about the other.
        self._digest_mac = hmac.new(_prf(key, b"warden index digest v1"), digestmod=hashlib.sha256)
        pdq_key = _prf(key, b"warden index pdq v1")
        source = _permutation(pdq_key)
        self._mask = np.frombuffer(_prf(pdq_key, b"mask"), dtype=np.uint8).copy()
        self._tables = self._bit_tables(source)

    @staticmethod
    def _bit_tables(source: list[int]) -> np.ndarray[Any, np.dtype[np.uint64]]:
        """Per input byte, per byte value, the output bits it sets, as 4 uint64 words (32 bytes) to OR.

        Output bit ``k`` (MSB first) is input bit ``source[k]``.
        """
        destination = np.empty(256, dtype=np.int64)
        destination[np.array(source)] = np.arange(256)
        value_bits = np.unpackbits(np.arange(256, dtype=np.uint8).reshape(-1, 1), axis=1)  # (256 values, 8)
        tables = np.empty((32, 256, 32), dtype=np.uint8)
        for byte in range(32):
            placement = np.zeros((8, 256), dtype=np.uint8)
            placement[np.arange(8), destination[byte * 8 : byte * 8 + 8]] = 1
            tables[byte] = np.packbits(value_bits @ placement, axis=1)
        return tables.view(np.uint64)

    def digest(self, kind: str, value: bytes) -> bytes:
        """The keyed form (16 bytes) of one digest of ``kind`` (``md5``, ``sha1``, ...)."""
        mac = self._digest_mac.copy()
        mac.update(check_kind(kind).encode("ascii") + b"\x00" + value)
        return mac.digest()[:DIGEST_BYTES]

    def digests(self, kind: str, values: np.ndarray[Any, Any]) -> U8Array:
        """The keyed forms of ``values`` (``(M, L)`` uint8), as ``(M, 16)`` uint8.

        Raises:
            ValueError: ``values`` is not ``(M, L)`` uint8.
        """
        array = np.ascontiguousarray(values)
        if array.dtype != np.uint8 or array.ndim != 2:
            raise ValueError(f"{kind} digests must be an (M, L) uint8 array")
        prefix = check_kind(kind).encode("ascii") + b"\x00"
        base = self._digest_mac.copy()
        base.update(prefix)
        raw = array.tobytes()
        width = array.shape[1]
        out = bytearray(len(array) * DIGEST_BYTES)
        for row in range(len(array)):
            mac = base.copy()
            mac.update(raw[row * width : (row + 1) * width])
            out[row * DIGEST_BYTES : (row + 1) * DIGEST_BYTES] = mac.digest()[:DIGEST_BYTES]
        return np.frombuffer(bytes(out), dtype=np.uint8).reshape(len(array), DIGEST_BYTES)

    def pdq(self, hashes: np.ndarray[Any, Any]) -> U8Array:
        """The keyed forms of ``hashes`` (``(N, 32)`` uint8); Hamming distances between rows are unchanged.

        Raises:
            ValueError: ``hashes`` is not ``(N, 32)`` uint8.
        """
        array = check_hashes(hashes)
        out = np.empty((len(array), 4), dtype=np.uint64)
        # Blocks small enough for the partial results to stay in cache.
        for start in range(0, len(array), _BLOCK):
            block = array[start : start + _BLOCK]
            target = out[start : start + _BLOCK]
            np.take(self._tables[0], block[:, 0], axis=0, out=target)
            for byte in range(1, HASH_BYTES):
                target |= self._tables[byte][block[:, byte]]
        result = out.view(np.uint8).reshape(len(array), HASH_BYTES)
        result ^= self._mask
        return result

    def pdq_hash(self, value: bytes) -> bytes:
        """The keyed form of one 32-byte PDQ hash, as :meth:`pdq` gives it.

        Raises:
            ValueError: ``value`` is not 32 bytes.
        """
        array = check_hashes(np.frombuffer(value, dtype=np.uint8).reshape(1, -1))
        # A scan asks for one hash at a time: one look-up of all 32 bytes' bits, not 32 array operations.
        words: np.ndarray[Any, np.dtype[np.uint64]] = np.bitwise_or.reduce(
            self._tables[_BYTE_POSITIONS, array[0]], axis=0
        )
        return (words.view(np.uint8) ^ self._mask).tobytes()
