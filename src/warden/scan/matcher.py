"""Matching one item against the open hash sets, through every registered hash type (pure)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from warden.hashing.hash_types import HASH_TYPES, Found, HashSetIndex, HashType, ItemHashes, Thresholds
from warden.hashsets.model import Entry
from warden.model.records import MatchRecord

__all__ = ["ItemHashes", "MatchableSet", "Thresholds", "match_item"]


class MatchableSet(HashSetIndex, Protocol):
    """What the matcher needs of an open hash set (the store provides it): the indexes, and the entries."""

    def entry(self, row: int) -> Entry:
        """The entry at ``row``."""


def match_item(
    hashes: ItemHashes,
    sets: Sequence[MatchableSet],
    thresholds: Thresholds,
    types: Sequence[HashType] | None = None,
) -> list[MatchRecord]:
    """Every entry the item matches, one match per (set, entry), most serious first.

    Each hash type (the registered ones unless ``types`` is given) finds the entries its values match. An
    entry matched by several types that are not perceptual is matched once, by the one of highest
    precedence; a perceptual type does not match an entry one of those matched.

    Args:
        hashes: the item's values.
        sets: the open hash sets.
        thresholds: the thresholds by name, as recorded with the scan (see ``hash_types.thresholds``).
        types: the hash types to match with; None for every registered one.
    """
    types = list(HASH_TYPES) if types is None else list(types)
    exact = [hash_type for hash_type in types if not hash_type.perceptual]
    perceptual = [hash_type for hash_type in types if hash_type.perceptual]
    found: list[MatchRecord] = []
    for hashset in sets:
        claimed: dict[int, tuple[HashType, Found]] = {}
        for hash_type in exact:
            for match in hash_type.find(hashes, hashset, thresholds):
                held = claimed.get(match.row)
                if held is None or hash_type.precedence > held[0].precedence:
                    claimed[match.row] = (hash_type, match)
        for _row, (hash_type, match) in sorted(claimed.items(), key=lambda pair: pair[0]):
            found.append(_record(hashset, hash_type, match))
        for hash_type in perceptual:
            for match in hash_type.find(hashes, hashset, thresholds):
                if match.row not in claimed:
                    found.append(_record(hashset, hash_type, match))
    found.sort(key=MatchRecord.rank)
    return found


def _record(hashset: MatchableSet, hash_type: HashType, match: Found) -> MatchRecord:
    """The match of the entry at ``match.row``, carrying its id and category."""
    entry = hashset.entry(match.row)
    return MatchRecord(
        hashset.name,
        hash_type.match_kind,
        hash_type.name,
        match.distance,
        match.variant,
        entry.source_id,
        entry.category,
        match.segments,
    )
