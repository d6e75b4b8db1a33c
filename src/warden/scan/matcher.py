"""Matching one item's hashes against the open hash sets: exact digests, PDQ variants and vPDQ."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from warden.case.records import MatchKind, MatchRecord
from warden.hashing.kinds import EXACT_KINDS, PDQ_MATCH_DISTANCE, PDQ_MIN_QUALITY, HashKind, VideoHash
from warden.hashing.video_match import VPDQ_MATCH_PERCENT
from warden.hashsets.model import Entry


class MatchableSet(Protocol):
    """What the matcher needs of an open hash set (the store provides it)."""

    name: str

    def exact(self, kind: HashKind, digest: str) -> list[int]:
        """Rows whose ``kind`` digest equals ``digest`` (lower-case hex)."""

    def pdq(self, pdq: str, threshold: int) -> list[tuple[int, int]]:
        """(row, distance) of every PDQ entry within ``threshold`` of ``pdq``."""

    def videos(self) -> Sequence[tuple[int, VideoHash]]:
        """(row, frames) of every entry with a vPDQ hash."""

    def entry(self, row: int) -> Entry:
        """The entry at ``row``."""


class VideoComparer(Protocol):
    """The reference vPDQ rule: returns (query %, compared %) of matching distinct frames."""

    def __call__(self, query: VideoHash, listed: VideoHash) -> tuple[float, float]: ...


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Matching thresholds (defaults are the reference ones)."""

    pdq_distance: int = PDQ_MATCH_DISTANCE
    pdq_min_quality: int = PDQ_MIN_QUALITY
    vpdq_percent: float = VPDQ_MATCH_PERCENT


@dataclass(frozen=True, slots=True)
class ItemHashes:
    """The hashes of one item that matching uses: digests, PDQ (variant, hex, quality), vPDQ frames."""

    digests: dict[HashKind, str]
    pdq_variants: Sequence[tuple[str, str, int]]
    video: VideoHash | None


# When one entry matches by several digests, one match is kept: the strongest digest.
_DIGEST_STRENGTH = {HashKind.SHA256: 3, HashKind.SHA1: 2, HashKind.MD5: 1}


def match_item(
    hashes: ItemHashes,
    sets: Sequence[MatchableSet],
    thresholds: Thresholds,
    compare_videos: VideoComparer,
) -> list[MatchRecord]:
    """Every entry the item matches, one match per (set, entry), exact before perceptual."""
    found: list[MatchRecord] = []
    for hashset in sets:
        exact_rows: dict[int, HashKind] = {}
        for kind in EXACT_KINDS:
            digest = hashes.digests.get(kind)
            if not digest:
                continue
            for row in hashset.exact(kind, digest):
                held = exact_rows.get(row)
                if held is None or _DIGEST_STRENGTH[kind] > _DIGEST_STRENGTH[held]:
                    exact_rows[row] = kind
        for row, kind in sorted(exact_rows.items()):
            found.append(_record(hashset, row, MatchKind.EXACT, kind.value, 0, "original"))
        if hashes.pdq_variants:
            nearest: dict[int, tuple[int, int, str]] = {}
            for order, (variant, pdq, quality) in enumerate(hashes.pdq_variants):
                if quality < thresholds.pdq_min_quality:
                    continue
                for row, distance in hashset.pdq(pdq, thresholds.pdq_distance):
                    if row in exact_rows:
                        continue
                    candidate = (distance, order, variant)
                    if row not in nearest or candidate < nearest[row]:
                        nearest[row] = candidate
            for row, (distance, _order, variant) in sorted(nearest.items()):
                found.append(_record(hashset, row, MatchKind.PDQ, "pdq", distance, variant))
        if hashes.video:
            for row, frames in hashset.videos():
                if row in exact_rows:
                    continue
                query_percent, compared_percent = compare_videos(hashes.video, frames)
                worse = min(query_percent, compared_percent)
                if worse >= thresholds.vpdq_percent:
                    found.append(
                        _record(hashset, row, MatchKind.VPDQ, "vpdq", round(100.0 - worse, 3), "original")
                    )
    found.sort(key=MatchRecord.rank)
    return found


def _record(
    hashset: MatchableSet, row: int, kind: MatchKind, hash_kind: str, distance: float, variant: str
) -> MatchRecord:
    """The match of the entry at ``row``, carrying its id and category."""
    entry = hashset.entry(row)
    return MatchRecord(hashset.name, kind, hash_kind, distance, variant, entry.source_id, entry.category)
