"""Excerpts and compilations: stretches of a video that are stretches of listed videos (a pure function).

A stretch matches when a continuous run of the item's sampled frames matches frames of one listed video
(frame distance within the PDQ threshold, both frames of good quality) at a near-constant offset between the
two videos' times, and is long enough: at least ``min_seconds`` and ``min_percent`` of the shorter video.
Candidate videos come from one lookup of every item frame among all the listed frames; each candidate is
then aligned on its own. ``docs/limits.md`` explains the rule and its defaults.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from warden.model.hashes import VideoHash
from warden.model.records import VideoSegment

ORIGINAL = "original"

_PAIRS_PER_BLOCK = 1 << 20
"""Frame pairs compared at once: about 32 MB of XORed words."""

MAX_PAIRS_PER_FRAME = 32
"""Of the listed frames near one item frame in one video, the nearest this many are aligned: a still scene
matches every frame of itself, and the alignment needs only enough of them to find the offset."""

MAX_PARTS = 32
"""Offsets tried per listed video and variant: each either gives a stretch or is set aside; a compilation
that shows one listed video more often than this is still found, with this many of its stretches."""

MAX_GAP_FRAMES = 3
"""A run of matching frames may skip this many sampled frames (too dark, too plain, or changed too much)
and still be one stretch."""

MIN_DENSITY = 0.5
"""At least this share of the sparser video's frames across a stretch must match: a few frames that happen
to line up far apart are not a stretch."""


@dataclass(frozen=True, slots=True)
class SegmentRule:
    """When a stretch counts.

    Attributes:
        distance: largest PDQ distance between two matching frames.
        min_quality: frames of lower quality are ignored.
        min_seconds: a stretch is at least this long (in the item)...
        min_percent: ...and at least this share (0-100) of the shorter of the two videos.
    """

    distance: int
    min_quality: int
    min_seconds: float
    min_percent: float


@dataclass(frozen=True, slots=True)
class SegmentSearch:
    """What one item's frames found among the listed videos.

    Attributes:
        parts: by listed video (its place in the sequence the table was made from), its stretches in the
            item's order.
        touched: listed videos with at least one frame near an original frame of the item (a video the
            whole-video rule can match is always among them).
    """

    parts: dict[int, tuple[VideoSegment, ...]]
    touched: frozenset[int]


class KnownFrames:
    """The good frames of listed videos, stacked for lookups: made once per hash set, then shared by items."""

    def __init__(self, videos: Sequence[VideoHash], min_quality: int) -> None:
        words, owners, times = [], [], []
        self.durations: list[float] = []
        self.steps: list[float] = []
        for number, frames in enumerate(videos):
            good = [frame for frame in frames if frame.quality >= min_quality]
            words.append(_as_words([frame.pdq for frame in good]))
            owners.append(np.full(len(good), number, dtype=np.int64))
            times.append(np.array([frame.timestamp for frame in good], dtype=np.float64))
            step = _step(frames)
            self.steps.append(step)
            self.durations.append((max(frame.timestamp for frame in frames) + step) if frames else 0.0)
        self.min_quality = min_quality
        self.words = np.concatenate(words) if words else np.zeros((0, 4), dtype=np.uint64)
        self.owners = np.concatenate(owners) if owners else np.zeros(0, dtype=np.int64)
        self.times = np.concatenate(times) if times else np.zeros(0, dtype=np.float64)

    def __len__(self) -> int:
        return len(self.durations)

    def near(self, words: npt.NDArray[np.uint64], distance: int) -> tuple[npt.NDArray[np.int64], ...]:
        """(item frame, listed frame, distance) of every pair within ``distance``, as three arrays."""
        found_q, found_k, found_d = [], [], []
        if len(words) and len(self.words):
            rows = max(1, _PAIRS_PER_BLOCK // len(self.words))
            for start in range(0, len(words), rows):
                block = words[start : start + rows]
                bits = np.bitwise_count(block[:, np.newaxis, :] ^ self.words[np.newaxis, :, :]).sum(axis=2)
                query, known = np.nonzero(bits <= distance)
                found_q.append(query + start)
                found_k.append(known)
                found_d.append(bits[query, known])
        if not found_q:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty, empty
        return tuple(np.concatenate(part).astype(np.int64) for part in (found_q, found_k, found_d))


def segment_matches(
    variants: Mapping[str, VideoHash], known: KnownFrames, rule: SegmentRule
) -> SegmentSearch:
    """Every listed video that a stretch of the item is a stretch of, with where it lies in both.

    Args:
        variants: the item's frames by variant, ``original`` (its vPDQ) first, then ``mirrored``,
            ``trimmed``...: each is searched, and where two variants find the same stretch the one with more
            matching frames is kept (the earlier on a tie).
        known: the listed videos' frames (made with ``rule.min_quality``).
        rule: when frames match and a stretch counts.
    """
    found: dict[int, list[VideoSegment]] = {}
    touched: set[int] = set()
    for variant, frames in variants.items():
        good = [frame for frame in frames if frame.quality >= rule.min_quality]
        if not good or not frames:
            continue
        step = _step(frames)
        duration = max(frame.timestamp for frame in frames) + step
        times = np.array([frame.timestamp for frame in good], dtype=np.float64)
        query, listed, distance = known.near(_as_words([frame.pdq for frame in good]), rule.distance)
        owners = known.owners[listed]
        if variant == ORIGINAL:
            touched.update(int(owner) for owner in np.unique(owners))
        for owner in np.unique(owners):
            mine = owners == owner
            number = int(owner)
            pairs = _nearest_per_frame(query[mine], listed[mine], distance[mine])
            shorter = min(duration, known.durations[number])
            for segment in _align(
                times[pairs[0]],
                known.times[pairs[1]],
                (step, known.steps[number]),
                (duration, known.durations[number]),
                variant,
            ):
                length = segment.item_end - segment.item_start
                if length >= rule.min_seconds and length >= rule.min_percent / 100 * shorter:
                    found.setdefault(number, []).append(segment)
    parts = {number: _kept(segments) for number, segments in sorted(found.items())}
    return SegmentSearch(parts, frozenset(touched))


def covered_percent(segments: Sequence[VideoSegment], item_seconds: float, known_seconds: float) -> float:
    """The share (0-100) of the shorter video the stretches cover, for a match's distance."""
    shorter = min(item_seconds, known_seconds)
    if shorter <= 0:
        return 0.0
    return min(100.0, 100.0 * sum(part.item_end - part.item_start for part in segments) / shorter)


def video_seconds(frames: VideoHash) -> float:
    """How long a video is by its frames: the last frame's time plus the time between frames."""
    return max(frame.timestamp for frame in frames) + _step(frames) if frames else 0.0


def _align(
    item_times: npt.NDArray[np.float64],
    known_times: npt.NDArray[np.float64],
    steps: tuple[float, float],
    durations: tuple[float, float],
    variant: str,
) -> list[VideoSegment]:
    """The stretches of matching frame pairs that keep one offset between the two videos' times.

    The offsets of all pairs are binned one frame interval wide; the two neighbouring bins that hold the most
    distinct item frames give the offset; those item frames, in time order, split into runs wherever more
    than :data:`MAX_GAP_FRAMES` frames are missing. Their pairs are then set aside and the next offset tried.
    """
    tolerance = max(steps)
    coarse = max(steps)  # the sparser video decides how far apart matching frames can be
    gap = (MAX_GAP_FRAMES + 1) * coarse + 1e-6
    offsets = known_times - item_times
    remaining = np.ones(len(offsets), dtype=bool)
    segments = []
    for _ in range(MAX_PARTS):
        if remaining.sum() < 2:
            break
        bins = np.floor(offsets / tolerance).astype(np.int64)
        pairs = np.unique(np.stack([bins[remaining], item_times[remaining]], axis=1), axis=0)
        labels, counts = np.unique(pairs[:, 0], return_counts=True)
        following = np.minimum(np.searchsorted(labels, labels + 1), len(labels) - 1)
        score = counts + np.where(labels[following] == labels + 1, counts[following], 0)
        best = int(labels[int(np.argmax(score))])
        chosen = remaining & ((bins == best) | (bins == best + 1))
        remaining &= ~chosen
        offset = float(np.median(offsets[chosen]))
        moments = np.unique(item_times[chosen])
        for run in np.split(moments, np.flatnonzero(np.diff(moments) > gap) + 1):
            inside = chosen & (item_times >= run[0]) & (item_times <= run[-1])
            listed = len(np.unique(known_times[inside]))
            if listed < 2 or listed < MIN_DENSITY * ((run[-1] - run[0]) / coarse + 1):
                continue
            item_start = float(run[0])
            item_end = min(float(run[-1]) + coarse, durations[0])
            segments.append(
                VideoSegment(
                    item_start,
                    item_end,
                    max(0.0, item_start + offset),
                    max(0.0, min(durations[1], item_end + offset)),
                    variant,
                    listed,
                )
            )
    return segments


def _kept(segments: list[VideoSegment]) -> tuple[VideoSegment, ...]:
    """The stretches, most frames first, without one that mostly repeats a stretch already kept."""
    kept: list[VideoSegment] = []
    for segment in sorted(segments, key=lambda part: -part.frames):
        if all(_overlap(segment, other) < 0.5 for other in kept):
            kept.append(segment)
    return tuple(sorted(kept, key=lambda part: part.item_start))


def _overlap(one: VideoSegment, other: VideoSegment) -> float:
    """The share of the shorter of two stretches that the other covers, in the item's time."""
    common = min(one.item_end, other.item_end) - max(one.item_start, other.item_start)
    shorter = min(one.item_end - one.item_start, other.item_end - other.item_start)
    return max(0.0, common) / shorter if shorter > 0 else 1.0


def _nearest_per_frame(
    query: npt.NDArray[np.int64], listed: npt.NDArray[np.int64], distance: npt.NDArray[np.int64]
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """At most :data:`MAX_PAIRS_PER_FRAME` pairs per item frame, the nearest."""
    order = np.lexsort((distance, query))
    query, listed = query[order], listed[order]
    first = np.searchsorted(query, query, side="left")
    keep = np.arange(len(query)) - first < MAX_PAIRS_PER_FRAME
    return query[keep], listed[keep]


def _step(frames: VideoHash) -> float:
    """The time between sampled frames: the median gap, or 1 s for a single frame."""
    if len(frames) < 2:
        return 1.0
    gaps = np.diff(np.array([frame.timestamp for frame in frames], dtype=np.float64))
    positive = gaps[gaps > 0]
    return float(np.median(positive)) if positive.size else 1.0


def _as_words(hashes: Sequence[str]) -> npt.NDArray[np.uint64]:
    """Each 256-bit hash as four 64-bit words."""
    raw = b"".join(bytes.fromhex(pdq) for pdq in hashes)
    return np.frombuffer(raw, dtype=">u8").astype(np.uint64).reshape(len(hashes), 4)
