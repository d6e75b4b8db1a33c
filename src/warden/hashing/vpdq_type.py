"""vPDQ as a hash type: videos compared frame by frame by the reference rule, each listed video in turn."""

from __future__ import annotations

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
from warden.model.hashes import HashKind, VideoHash, vpdq_from_text, vpdq_to_text
from warden.model.records import MatchKind


class VpdqHashType(HashType):
    """vPDQ: frames ``hex:quality:timestamp`` separated by spaces; the reference brute-force rule matches.

    Frames match by the PDQ settings (``pdq_threshold``, ``pdq_min_quality``); two videos match when the
    share of distinct good frames found reaches ``vpdq_match_percent`` in both directions.

    Args:
        distance: the largest distance between matching frames; None reads the PDQ threshold setting.
        min_quality: frames of lower quality are ignored; None reads the PDQ minimum-quality setting.
        match_percent: the share that must match; None reads the ``vpdq_match_percent`` setting.
    """

    name = HashKind.VPDQ.value
    perceptual = True
    distance_unit = "percent of distinct good frames without a match, in the worse direction"
    index = IndexKind.LINEAR

    def __init__(
        self, distance: int | None = None, min_quality: int | None = None, match_percent: float | None = None
    ) -> None:
        self._frames = PdqHashType(distance, min_quality)
        self._match_percent = match_percent

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
        return {"vpdq_percent": self.match_percent}

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
        found = []
        for row, frames in index.videos():
            worse = _worse_share(item.video, frames, distance, min_quality)
            if worse >= percent:
                found.append(Found(row, round(100.0 - worse, 3), "original"))
        return found


def _worse_share(query: VideoHash, listed: VideoHash, distance: int, min_quality: int) -> float:
    """The lower of the two shares of distinct good frames found in the other video."""
    result = match_vpdq(query, listed, distance=distance, min_quality=min_quality)
    return min(result.query_percent, result.compared_percent)
