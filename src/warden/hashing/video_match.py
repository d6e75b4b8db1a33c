"""Whether two vPDQ hashes are the same video, by the reference brute-force rule (a pure function)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from warden import settings
from warden.model.hashes import VpdqFrame

_PAIRS_PER_BLOCK = 1 << 20  # frame pairs compared at once: about 32 MB of XORed words


@dataclass(frozen=True, slots=True)
class VideoMatch:
    """How much of each video is found in the other.

    Attributes:
        query_percent: share (0-100) of the query's distinct good frames that have a match in the other video.
        compared_percent: share of the other video's distinct good frames that have a match in the query.
        match: both shares reach the required percentage.
    """

    query_percent: float
    compared_percent: float
    match: bool


def distinct_good_frames(frames: Sequence[VpdqFrame], min_quality: int | None = None) -> list[VpdqFrame]:
    """Frames with a hash not seen before, then those of quality ``min_quality`` (the ``pdq_min_quality``
    setting when None) or more.

    The order (first drop repeated hashes, keeping the first; then drop poor frames) is the reference's.
    """
    min_quality = settings.get_int(settings.PDQ_MIN_QUALITY) if min_quality is None else min_quality
    seen: set[str] = set()
    distinct = []
    for frame in frames:
        if frame.pdq not in seen:
            seen.add(frame.pdq)
            distinct.append(frame)
    return [frame for frame in distinct if frame.quality >= min_quality]


def match_vpdq(
    query: Sequence[VpdqFrame],
    compared: Sequence[VpdqFrame],
    *,
    distance: int | None = None,
    min_quality: int | None = None,
    query_percent: float | None = None,
    compared_percent: float | None = None,
) -> VideoMatch:
    """Compare two videos frame by frame, as ThreatExchange's ``vpdq_brute_matcher`` does.

    A frame matches when some frame of the other video is within ``distance`` bits. Shares are counted over
    :func:`distinct_good_frames`; a video with none matches nothing. The reference's signal type accepts a
    match when either share reaches the threshold; Warden asks for both by default (set ``compared_percent``
    to 0 to accept a short clip found inside a long video).

    Args:
        query: the frames of the video being checked.
        compared: the frames of the listed video.
        distance: largest Hamming distance between two matching frames.
        min_quality: frames below this quality are ignored.
        query_percent: share of the query's frames that must match.
        compared_percent: share of the listed video's frames that must match.

    None takes the settings: ``pdq_threshold``, ``pdq_min_quality`` and ``vpdq_match_percent``.
    """
    distance = settings.get_int(settings.PDQ_THRESHOLD) if distance is None else distance
    percent = float(settings.get_int(settings.VPDQ_MATCH_PERCENT))
    query_percent = percent if query_percent is None else query_percent
    compared_percent = percent if compared_percent is None else compared_percent
    left = distinct_good_frames(query, min_quality)
    right = distinct_good_frames(compared, min_quality)
    if not left or not right:
        return VideoMatch(0.0, 0.0, False)
    left_found, right_found = _found_both_ways(_as_words(left), _as_words(right), distance)
    left_share = 100.0 * int(left_found.sum()) / len(left)
    right_share = 100.0 * int(right_found.sum()) / len(right)
    return VideoMatch(
        left_share, right_share, left_share >= query_percent and right_share >= compared_percent
    )


def _as_words(frames: list[VpdqFrame]) -> npt.NDArray[np.uint64]:
    """Each frame's 256 bits as four 64-bit words."""
    raw = b"".join(bytes.fromhex(frame.pdq) for frame in frames)
    return np.frombuffer(raw, dtype=">u8").astype(np.uint64).reshape(len(frames), 4)


def _found_both_ways(
    left: npt.NDArray[np.uint64], right: npt.NDArray[np.uint64], distance: int
) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
    left_found = np.zeros(len(left), dtype=bool)
    right_found = np.zeros(len(right), dtype=bool)
    rows = max(1, _PAIRS_PER_BLOCK // len(right))
    for start in range(0, len(left), rows):
        block = left[start : start + rows]
        bits = np.bitwise_count(block[:, np.newaxis, :] ^ right[np.newaxis, :, :]).sum(axis=2)
        near = bits <= distance
        left_found[start : start + len(block)] = near.any(axis=1)
        right_found |= near.any(axis=0)
    return left_found, right_found
