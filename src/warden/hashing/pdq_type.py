"""PDQ as a hash type: Hamming distance up to the ``pdq_threshold`` setting, through the PDQ range index, for
every variant (rotations, mirrors, borders trimmed) of quality ``pdq_min_quality`` or more."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from warden import settings
from warden.hashing.hash_type import (
    Comparison,
    Found,
    HashSetIndex,
    HashType,
    IndexKind,
    ItemHashes,
    Thresholds,
)
from warden.hashing.pdq import pdq_distance
from warden.model.hashes import HashKind, parse_hex
from warden.model.records import MatchKind


class PdqHashType(HashType):
    """PDQ: match at Hamming distance ``threshold`` or less (Meta recommends 31).

    A value carries no quality; hashes of quality under ``min_quality`` are dropped before they are compared
    (in :meth:`find`, and by callers of :meth:`compare` such as :func:`~warden.hashing.robust.matchable`).

    Args:
        threshold: the largest matching distance; None reads the ``pdq_threshold`` setting at each use.
        min_quality: the lowest quality that matches; None reads the ``pdq_min_quality`` setting.
    """

    name = HashKind.PDQ.value
    perceptual = True
    distance_unit = "bits (Hamming distance, 0-256)"
    index = IndexKind.PDQ

    def __init__(self, threshold: int | None = None, min_quality: int | None = None) -> None:
        self._threshold = threshold
        self._min_quality = min_quality

    @property
    def threshold(self) -> int:
        """The largest Hamming distance that matches."""
        if self._threshold is not None:
            return self._threshold
        return settings.get_int(settings.PDQ_THRESHOLD)

    @property
    def min_quality(self) -> int:
        """The lowest PDQ quality that matches perceptually."""
        if self._min_quality is not None:
            return self._min_quality
        return settings.get_int(settings.PDQ_MIN_QUALITY)

    @property
    def match_kind(self) -> str:
        return MatchKind.PDQ

    def thresholds(self) -> dict[str, float]:
        return {"pdq_distance": self.threshold, "pdq_min_quality": self.min_quality}

    def validate(self, text: str) -> str:
        return parse_hex(HashKind.PDQ, text)

    def compare(self, a: str, b: str) -> Comparison:
        distance = pdq_distance(a, b)
        return self.rule(distance)

    def rule(self, distance: int) -> Comparison:
        """Whether two hashes ``distance`` bits apart match."""
        return Comparison(match=distance <= self.threshold, distance=distance)

    def distances(self, left: npt.NDArray[np.uint64], right: npt.NDArray[np.uint64]) -> npt.NDArray[np.int64]:
        """Every pairwise distance between two blocks of hashes, each row a hash as four 64-bit words: the
        comparison of many hashes at once (the review queue's clustering)."""
        return np.asarray(np.bitwise_count(left[:, None, :] ^ right[None, :, :]).sum(axis=2), dtype=np.int64)

    def examples(self) -> list[str]:
        # PDQ hashes of generated 256 x 256 test patterns: a checkerboard of 32-pixel squares, concentric
        # rings 32 pixels wide, and a diagonal gradient (quality 0: it has too little detail to match).
        return [
            "aafd00d5aad500d5a8d500d5a0d500d5ff2aff2a80d5ff2a80d5ff2a80d5ff2a",
            "ebe59485aaa85596ab615594a8a89dd7f7618996aaa6055e2217d57a117fc98a",
            "aaaa5555aaaa5555aaaa5555aaaa5555aaaa5555aaaa5555aaaa5555aaaa5555",
        ]

    def find(self, item: ItemHashes, index: HashSetIndex, thresholds: Thresholds) -> list[Found]:
        threshold = int(thresholds.get("pdq_distance", self.threshold))
        min_quality = int(thresholds.get("pdq_min_quality", self.min_quality))
        nearest: dict[int, tuple[int, int, str]] = {}
        asked = [
            (order, variant, pdq)
            for order, (variant, pdq, quality) in enumerate(item.pdq_variants)
            if quality >= min_quality
        ]
        if not asked:
            return []
        # Every variant (up to 32 with the trimmed ones) in one search of the index.
        answers = index.pdq_many([pdq for _, _, pdq in asked], threshold)
        for (order, variant, _), hits in zip(asked, answers, strict=True):
            for row, distance in hits:
                candidate = (distance, order, variant)
                if row not in nearest or candidate < nearest[row]:
                    nearest[row] = candidate
        return [Found(row, distance, variant) for row, (distance, _, variant) in sorted(nearest.items())]
