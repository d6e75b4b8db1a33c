"""Near-duplicate clusters of unmatched stills, so that one decision grades every copy at once.

Pure: takes (item, PDQ, quality) and gives groups. Two stills belong together when the PDQ hash type matches
their hashes (within the threshold); groups are closed under that (single linkage), largest first. Items an
examiner split off, videos and stills whose PDQ quality is under the ``pdq_min_quality`` setting stand alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from warden.hashing.pdq_type import PdqHashType

_BLOCK = 1024


@dataclass(frozen=True, slots=True)
class Candidate:
    """An item waiting for review: its id, and its PDQ hash and quality if it is a still that has one."""

    item_id: int
    pdq: str | None = None
    quality: int | None = None


def cluster(
    candidates: Sequence[Candidate],
    *,
    threshold: int | None = None,
    min_quality: int | None = None,
    alone: Iterable[int] = (),
) -> list[list[int]]:
    """Group ``candidates`` into clusters of item ids, largest first (ties by smallest id).

    Args:
        candidates: the items to group.
        threshold: largest PDQ distance between two members that links them (None: the ``pdq_threshold``
            setting).
        min_quality: hashes of lower quality link nothing (None: the ``pdq_min_quality`` setting).
        alone: items split off by an examiner: each stays a cluster of its own.
    """
    pdq = PdqHashType(threshold, min_quality)
    apart = set(alone)
    linkable = [
        c for c in candidates if c.pdq and (c.quality or 0) >= pdq.min_quality and c.item_id not in apart
    ]
    parent = {c.item_id: c.item_id for c in candidates}

    def root(item: int) -> int:
        while parent[item] != item:
            parent[item] = parent[parent[item]]
            item = parent[item]
        return item

    if len(linkable) > 1:
        ids = [c.item_id for c in linkable]
        words = np.array(
            [np.frombuffer(bytes.fromhex(c.pdq or ""), dtype=">u8") for c in linkable], dtype=np.uint64
        )
        for start in range(0, len(words), _BLOCK):
            block = words[start : start + _BLOCK]
            for other in range(start, len(words), _BLOCK):
                # Blocks against later blocks only: each pair is compared once, in bounded memory.
                distance = pdq.distances(block, words[other : other + _BLOCK])
                rows, columns = np.nonzero(distance <= pdq.threshold)
                for row, column in zip(rows.tolist(), columns.tolist(), strict=True):
                    first, second = start + row, other + column
                    if second > first:
                        a, b = root(ids[first]), root(ids[second])
                        if a != b:
                            parent[max(a, b)] = min(a, b)
    groups: dict[int, list[int]] = {}
    for candidate in candidates:
        groups.setdefault(root(candidate.item_id), []).append(candidate.item_id)
    clusters = [sorted(members) for members in groups.values()]
    clusters.sort(key=lambda members: (-len(members), members[0]))
    return clusters
