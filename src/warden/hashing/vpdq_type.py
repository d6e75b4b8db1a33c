"""vPDQ as a hash type: whole videos by the reference rule, and excerpts, compilations and edited copies by
stretches of frames that match in order (:mod:`warden.hashing.video_segments`)."""

from __future__ import annotations

import weakref
from collections.abc import Sequence

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
from warden.hashing.pdq_type import PdqHashType
from warden.hashing.video_match import match_vpdq
from warden.hashing.video_segments import (
    ORIGINAL,
    KnownFrames,
    SegmentRule,
    covered_percent,
    segment_matches,
    video_seconds,
)
from warden.model.hashes import HashKind, VideoHash, vpdq_from_text, vpdq_to_text
from warden.model.records import MatchKind

_TABLES_KEPT = 8
"""Listed frames stacked for lookups are kept for this many open hash sets (a scan opens a handful)."""


class VpdqHashType(HashType):
    """vPDQ: frames ``hex:quality:timestamp`` separated by spaces; the reference brute-force rule matches.

    Frames match by the PDQ settings (``pdq_threshold``, ``pdq_min_quality``); two videos match when the
    share of distinct good frames found reaches ``vpdq_match_percent`` in both directions (the reference's
    whole-video rule), or when a stretch of the item at least ``vpdq_segment_seconds`` long and
    ``vpdq_segment_percent`` of the shorter video is a stretch of the listed one (its frames, or their
    mirror, or the frames without black bars). A match carries those stretches; its variant is the one that
    found the most (``original`` for a whole-video match), its distance 100 minus the share of the shorter
    video that matched.

    Args:
        distance: the largest distance between matching frames; None reads the PDQ threshold setting.
        min_quality: frames of lower quality are ignored; None reads the PDQ minimum-quality setting.
        match_percent: the share that must match; None reads the ``vpdq_match_percent`` setting.
    """

    name = HashKind.VPDQ.value
    perceptual = True
    distance_unit = (
        "percent of distinct good frames without a match, in the worse direction (whole videos); percent of "
        "the shorter video outside the matching stretches (excerpts)"
    )
    index = IndexKind.LINEAR

    def __init__(
        self, distance: int | None = None, min_quality: int | None = None, match_percent: float | None = None
    ) -> None:
        self._frames = PdqHashType(distance, min_quality)
        self._match_percent = match_percent
        self._tables: weakref.WeakKeyDictionary[object, tuple[object, int, KnownFrames]] = (
            weakref.WeakKeyDictionary()
        )

    @property
    def distance(self) -> int:
        """The largest distance between two matching frames."""
        return self._frames.threshold

    @property
    def min_quality(self) -> int:
        """Frames of lower quality are ignored."""
        return self._frames.min_quality

    @property
    def match_percent(self) -> float:
        """The share of distinct good frames that must match, in both directions."""
        if self._match_percent is not None:
            return self._match_percent
        return float(settings.get_int(settings.VPDQ_MATCH_PERCENT))

    @property
    def match_kind(self) -> str:
        return MatchKind.VPDQ

    def thresholds(self) -> dict[str, float]:
        return {
            "vpdq_percent": self.match_percent,
            "vpdq_segment_seconds": float(settings.get_int(settings.VPDQ_SEGMENT_SECONDS)),
            "vpdq_segment_percent": float(settings.get_int(settings.VPDQ_SEGMENT_PERCENT)),
        }

    def validate(self, text: str) -> str:
        return vpdq_to_text(vpdq_from_text(text))

    def compare(self, a: str, b: str) -> Comparison:
        result = match_vpdq(
            vpdq_from_text(a),
            vpdq_from_text(b),
            distance=self.distance,
            min_quality=self.min_quality,
            query_percent=self.match_percent,
            compared_percent=self.match_percent,
        )
        worse = min(result.query_percent, result.compared_percent)
        return Comparison(match=result.match, distance=round(100 - worse))

    def examples(self) -> list[str]:
        pdq = PdqHashType().examples()
        return [
            " ".join(f"{pdq[0]}:100:{second}.000" for second in range(3)),
            f"{pdq[1]}:100:0.000 {pdq[1]}:100:1.000",
        ]

    def find(self, item: ItemHashes, index: HashSetIndex, thresholds: Thresholds) -> list[Found]:
        if not item.video:
            return []
        distance = int(thresholds.get("pdq_distance", self.distance))
        min_quality = int(thresholds.get("pdq_min_quality", self.min_quality))
        percent = float(thresholds.get("vpdq_percent", self.match_percent))
        rule = SegmentRule(
            distance,
            min_quality,
            float(thresholds.get("vpdq_segment_seconds", settings.get_int(settings.VPDQ_SEGMENT_SECONDS))),
            float(thresholds.get("vpdq_segment_percent", settings.get_int(settings.VPDQ_SEGMENT_PERCENT))),
        )
        videos = index.videos()
        if not videos:
            return []
        known = self._known(index, videos, min_quality)
        variants = {ORIGINAL: item.video, **item.video_variants}
        search = segment_matches(variants, known, rule)
        # A video the whole-video rule can match has a frame near one of the item's: only those are compared
        # (all of them when the rule asks for no share at all).
        whole = range(len(videos)) if percent <= 0 else sorted(search.touched)
        found: dict[int, Found] = {}
        for number in whole:
            row, frames = videos[number]
            worse = _worse_share(item.video, frames, distance, min_quality)
            if worse >= percent:
                found[row] = Found(row, round(100.0 - worse, 3), "original", search.parts.get(number, ()))
        item_seconds = video_seconds(variants[ORIGINAL])
        for number, segments in search.parts.items():
            row, frames = videos[number]
            if row in found:
                continue
            covered = covered_percent(segments, item_seconds, video_seconds(frames))
            best = max(segments, key=lambda part: part.frames)
            found[row] = Found(row, round(100.0 - covered, 3), best.variant, segments)
        return [found[row] for row in sorted(found)]

    def _known(
        self, index: HashSetIndex, videos: Sequence[tuple[int, VideoHash]], min_quality: int
    ) -> KnownFrames:
        """The set's listed frames stacked for lookups, made once per open set (and minimum quality)."""
        try:
            kept = self._tables.get(index)
        except TypeError:  # an index that cannot be weakly referenced is stacked each time
            return KnownFrames([frames for _, frames in videos], min_quality)
        if kept is not None and kept[0] is videos and kept[1] == min_quality:
            return kept[2]
        table = KnownFrames([frames for _, frames in videos], min_quality)
        if len(self._tables) >= _TABLES_KEPT:
            self._tables.clear()
        self._tables[index] = (videos, min_quality, table)
        return table


def _worse_share(query: VideoHash, listed: VideoHash, distance: int, min_quality: int) -> float:
    """The lower of the two shares of distinct good frames found in the other video."""
    result = match_vpdq(query, listed, distance=distance, min_quality=min_quality)
    return min(result.query_percent, result.compared_percent)
