"""The two halves of a served bank as the hash types see them: the big mapped base, and the small delta.

Both are :class:`~warden.scan.matcher.MatchableSet`, so every registered hash type finds its matches in
them the way a scan does; a bank's :class:`BankView` puts them together with its tombstones and disabled ids.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from warden.hashing.hash_types import HASH_TYPES, IndexKind
from warden.hashsets.model import Entry
from warden.hashsets.store import OpenHashSet
from warden.model.hashes import VideoHash
from warden.serve.bank_rows import BankRows

_WORDS = np.dtype(">u8")


class BaseSet:
    """A bank's base: the store's memory-mapped index, rows named by :class:`BankRows` (nothing unsealed for
    exact and PDQ matching)."""

    def __init__(self, name: str, store_set: OpenHashSet, rows: BankRows) -> None:
        self.name = name
        self.store_name = store_set.name
        self._set = store_set
        self._rows = rows

    def __len__(self) -> int:
        return len(self._rows)

    def exact(self, kind: str, digest: str) -> list[int]:
        return self._set.exact(kind, digest)

    def pdq(self, pdq: str, threshold: int) -> list[tuple[int, int]]:
        return self._set.pdq(pdq, threshold)

    def pdq_many(self, pdqs: Sequence[str], threshold: int) -> list[list[tuple[int, int]]]:
        return self._set.pdq_many(pdqs, threshold)

    def videos(self) -> Sequence[tuple[int, VideoHash]]:
        return self._set.videos()

    def listed(self, kind: str) -> Sequence[tuple[int, str]]:
        return self._set.listed(kind)

    def entry(self, row: int) -> Entry:
        """The row's content id and category (its hash values are not needed to name a match)."""
        return Entry(category=self._rows.category(row), source_id=self._rows.content_id(row))


class DeltaSet:
    """What was added to a bank since its base, held in memory and searched directly (it stays small)."""

    def __init__(self, name: str, entries: Sequence[Entry]) -> None:
        self.name = name
        self.entries = list(entries)
        self._exact: dict[str, dict[str, list[int]]] = {}
        self._listed: dict[str, list[tuple[int, str]]] = {}
        for hash_type in HASH_TYPES:
            if hash_type.index is IndexKind.EXACT:
                table: dict[str, list[int]] = {}
                for row, entry in enumerate(self.entries):
                    if value := entry.value(hash_type.name):
                        table.setdefault(value, []).append(row)
                self._exact[hash_type.name] = table
        pdq = [(row, entry.pdq) for row, entry in enumerate(self.entries) if entry.pdq]
        self._pdq_rows = np.array([row for row, _ in pdq], dtype=np.int64)
        self._pdq = np.frombuffer(b"".join(bytes.fromhex(v) for _, v in pdq), dtype=_WORDS).reshape(-1, 4)
        self._videos = [(row, entry.vpdq) for row, entry in enumerate(self.entries) if entry.vpdq]

    def __len__(self) -> int:
        return len(self.entries)

    def exact(self, kind: str, digest: str) -> list[int]:
        return list(self._exact.get(kind, {}).get(digest, ()))

    def pdq(self, pdq: str, threshold: int) -> list[tuple[int, int]]:
        if not len(self._pdq):
            return []
        query = np.frombuffer(bytes.fromhex(pdq), dtype=_WORDS)
        distances: np.ndarray[Any, Any] = np.bitwise_count(self._pdq ^ query).sum(axis=1)
        near = np.flatnonzero(distances <= threshold)
        return sorted(zip(self._pdq_rows[near].tolist(), distances[near].tolist(), strict=True), key=_nearest)

    def pdq_many(self, pdqs: Sequence[str], threshold: int) -> list[list[tuple[int, int]]]:
        return [self.pdq(pdq, threshold) for pdq in pdqs]

    def videos(self) -> Sequence[tuple[int, VideoHash]]:
        return self._videos

    def listed(self, kind: str) -> Sequence[tuple[int, str]]:
        if kind not in self._listed:
            self._listed[kind] = [
                (row, value)
                for row, entry in enumerate(self.entries)
                if (value := entry.value(kind)) is not None
            ]
        return self._listed[kind]

    def entry(self, row: int) -> Entry:
        return self.entries[row]


def _nearest(hit: tuple[int, int]) -> tuple[int, int]:
    return hit[1], hit[0]


@dataclass(frozen=True, slots=True)
class BankView:
    """One bank as a worker matches it at one moment (never changed: a change makes a new view).

    Attributes:
        name: the bank's name.
        matching_enabled_ratio: HMA's ratio, 0-1.
        base: the big index, None while the bank has none.
        base_seq: the last change the base holds.
        applied: the last change this view holds.
        delta: content added since the base (by content id, the latest add).
        hidden: content ids whose base rows no longer count (removed, or replaced by the delta).
        disabled: content ids kept but not matched.
        added: ``delta`` as a searchable set.
    """

    name: str
    matching_enabled_ratio: float
    base: BaseSet | None
    base_seq: int
    applied: int
    delta: dict[str, Entry]
    hidden: frozenset[str]
    disabled: frozenset[str]
    added: DeltaSet

    def count(self) -> int:
        """Rows matched through this view (base rows hidden by a change are still counted: a bound)."""
        return (len(self.base) if self.base else 0) + len(self.added)
