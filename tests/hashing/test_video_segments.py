"""Excerpts, compilations, mirrored and letterboxed copies of a listed video are found, with where each
stretch lies in both videos; different scenes shot in the same place never match each other."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from tests.hashing.video_clips import CHAIR_SECONDS, EXCERPT_CUT, PATTERN_SECONDS, Clips, build_clips
from warden.hashing.hash_type import Found, ItemHashes
from warden.hashing.item import FileHashes, HashOptions, hash_file
from warden.hashing.video import vpdq_available
from warden.hashing.video_bars import find_bars
from warden.hashing.video_segments import KnownFrames, SegmentRule, segment_matches
from warden.hashing.vpdq_type import VpdqHashType
from warden.model.hashes import VideoHash, VpdqFrame

RULE = SegmentRule(distance=31, min_quality=50, min_seconds=4, min_percent=5)
TOLERANCE = 1.5
"""Seconds a range may be off: the listed video has one frame a second."""


def _hashes(count: int, seed: int) -> list[str]:
    rng = np.random.default_rng(seed)
    return [rng.integers(0, 256, 32, dtype=np.uint8).tobytes().hex() for _ in range(count)]


def _video(hashes: Sequence[str], start: float = 0.0, step: float = 1.0) -> VideoHash:
    return tuple(VpdqFrame(pdq, 100, start + number * step) for number, pdq in enumerate(hashes))


def _dense(hashes: Sequence[str], cut: float, step: float = 0.25) -> VideoHash:
    """A copy sampled every ``step`` s that starts ``cut`` s into a video of one hash a second."""
    length = len(hashes) - cut
    times = np.arange(0.0, length, step)
    return tuple(VpdqFrame(hashes[int(t + cut)], 100, float(t)) for t in times)


def test_an_excerpt_of_made_up_frames_is_found_with_its_ranges() -> None:
    listed = _hashes(30, 1)
    search = segment_matches({"original": _dense(listed, 6.5)}, KnownFrames([_video(listed)], 50), RULE)
    (part,) = search.parts[0]
    assert part.item_start == pytest.approx(0, abs=TOLERANCE)
    assert part.item_end == pytest.approx(23.5, abs=TOLERANCE)
    assert part.known_start == pytest.approx(6.5, abs=TOLERANCE)
    assert part.known_end == pytest.approx(30, abs=TOLERANCE)
    assert part.describe("K1").startswith("00:00-00:23 of the item = 00:06-00:")
    assert part.describe("K1").endswith(" of K1")


def test_a_compilation_of_made_up_frames_names_every_part() -> None:
    first, second, other = _hashes(12, 2), _hashes(20, 3), _hashes(40, 4)
    compilation = _video(second[5:] + first)  # 15 s of the second, then all of the first
    known = KnownFrames([_video(other), _video(first), _video(second)], 50)
    parts = segment_matches({"original": compilation}, known, RULE).parts
    assert sorted(parts) == [1, 2]
    (of_first,), (of_second,) = parts[1], parts[2]
    assert (of_first.item_start, of_first.known_start) == (15, 0)
    assert (of_second.item_start, of_second.known_start, of_second.item_end) == (0, 5, 15)


def test_a_stretch_must_be_long_enough_in_seconds_and_in_share() -> None:
    listed = _hashes(100, 5)
    short = _video(listed[40:43] + _hashes(60, 6))  # 3 s of the listed video inside 63 s of others
    known = KnownFrames([_video(listed)], 50)
    assert segment_matches({"original": short}, known, RULE).parts == {}
    loose = SegmentRule(31, 50, min_seconds=2, min_percent=1)
    assert list(segment_matches({"original": short}, known, loose).parts) == [0]
    strict = SegmentRule(31, 50, min_seconds=2, min_percent=50)
    assert segment_matches({"original": short}, known, strict).parts == {}


def test_unrelated_reversed_and_scattered_frames_make_no_stretch() -> None:
    listed = _hashes(40, 7)
    known = KnownFrames([_video(listed)], 50)
    assert segment_matches({"original": _video(_hashes(40, 8))}, known, RULE).parts == {}
    assert segment_matches({"original": _video(listed[::-1])}, known, RULE).parts == {}
    # Every fourth frame of the listed video in place, the rest unrelated: too sparse to be a stretch.
    scattered = [
        pdq if number % 4 == 0 else other
        for number, (pdq, other) in enumerate(zip(listed, _hashes(40, 9), strict=True))
    ]
    assert segment_matches({"original": _video(scattered)}, known, RULE).parts == {}


def test_poor_frames_never_match() -> None:
    listed = _hashes(20, 10)
    poor = tuple(VpdqFrame(frame.pdq, 20, frame.timestamp) for frame in _video(listed))
    search = segment_matches({"original": poor}, KnownFrames([_video(listed)], 50), RULE)
    assert search.parts == {} and search.touched == frozenset()


def test_bars_are_what_is_black_in_every_sampled_frame() -> None:
    rng = np.random.default_rng(11)
    frames = []
    for _ in range(4):
        frame = rng.integers(60, 255, (100, 80, 3), dtype=np.uint8)
        frame[:10], frame[-10:] = 0, 0  # letterbox
        frames.append(frame)
    frames[0][10:30] = 0  # a dark scene at the top of one frame is not a bar
    bars = find_bars(frames)
    assert bars is not None
    assert (bars.top, bars.bottom, bars.left, bars.right) == pytest.approx((0.105, 0.105, 0, 0))
    assert find_bars([np.zeros((50, 50, 3), dtype=np.uint8)]) is None  # black all over: nothing to tell
    assert find_bars(frame[10:-10] for frame in frames) is None


# Real clips, built with FFmpeg once for the module.


class _Listed:
    """A made-up hash set of videos, in memory: what the vPDQ hash type asks of an open set."""

    name = "made-up"

    def __init__(self, videos: list[VideoHash]) -> None:
        self._videos = [(row, frames) for row, frames in enumerate(videos)]

    def exact(self, kind: str, digest: str) -> list[int]:
        return []

    def pdq(self, pdq: str, threshold: int) -> list[tuple[int, int]]:
        return []

    def videos(self) -> Sequence[tuple[int, VideoHash]]:
        return self._videos

    def listed(self, kind: str) -> Sequence[tuple[int, str]]:
        return []


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> Clips:
    if not vpdq_available():
        pytest.skip("vpdq is not installed")
    return build_clips(tmp_path_factory.mktemp("clips"))


@pytest.fixture(scope="module")
def hashed(clips: Clips) -> dict[str, FileHashes]:
    return {name: hash_file(path) for name, path in {**clips.originals, **clips.copies}.items()}


NAMES = ["chair", "pattern", "doorknob"]


def _find(item: FileHashes, listed: list[str], hashed: dict[str, FileHashes]) -> dict[str, Found]:
    assert item.vpdq is not None and not item.errors
    videos = [hashed[name].vpdq for name in listed]
    index = _Listed([video for video in videos if video is not None])
    found = VpdqHashType().find(ItemHashes({}, (), item.vpdq, video_variants=item.video_variants), index, {})
    return {listed[match.row]: match for match in found}


@pytest.mark.slow
def test_an_excerpt_matches_with_where_it_lies_in_both(hashed: dict[str, FileHashes]) -> None:
    found = _find(hashed["excerpt"], NAMES, hashed)
    assert list(found) == ["chair"]
    (part,) = found["chair"].segments
    assert part.item_start == pytest.approx(0, abs=TOLERANCE)
    assert part.item_end == pytest.approx(CHAIR_SECONDS - EXCERPT_CUT, abs=TOLERANCE)
    assert part.known_start == pytest.approx(EXCERPT_CUT, abs=TOLERANCE)
    assert part.known_end == pytest.approx(CHAIR_SECONDS, abs=TOLERANCE)


@pytest.mark.slow
def test_a_compilation_names_both_clips_with_their_ranges(hashed: dict[str, FileHashes]) -> None:
    found = _find(hashed["compilation"], NAMES, hashed)
    assert sorted(found) == ["chair", "pattern"]
    (pattern,), (chair,) = found["pattern"].segments, found["chair"].segments
    assert (pattern.item_start, pattern.known_start) == pytest.approx((0, 0), abs=TOLERANCE)
    assert pattern.item_end == pytest.approx(PATTERN_SECONDS, abs=TOLERANCE)
    assert (chair.item_start, chair.known_start) == pytest.approx((PATTERN_SECONDS, 0), abs=TOLERANCE)
    assert chair.item_end == pytest.approx(PATTERN_SECONDS + CHAIR_SECONDS, abs=TOLERANCE)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("copy", "listed", "variant"),
    [
        ("mirrored", "chair", "mirrored"),
        ("windowboxed", "pattern", "trimmed"),
        ("letterboxed", "chair", "trimmed-letterbox"),
        ("reencoded", "chair", "original"),
    ],
)
def test_an_edited_copy_matches_naming_how(
    hashed: dict[str, FileHashes], copy: str, listed: str, variant: str
) -> None:
    found = _find(hashed[copy], NAMES, hashed)
    assert list(found) == [listed]
    assert found[listed].variant == variant
    (part,) = found[listed].segments
    assert part.item_end - part.item_start == pytest.approx(part.known_end - part.known_start, abs=TOLERANCE)
    assert part.known_start == pytest.approx(0, abs=TOLERANCE)


@pytest.mark.slow
def test_the_mirror_and_the_bars_are_hashed_beside_the_unchanged_vpdq(
    hashed: dict[str, FileHashes], clips: Clips
) -> None:
    letterboxed = hashed["letterboxed"]
    assert letterboxed.video_bars is not None and letterboxed.video_bars.top > 0.1
    assert letterboxed.vpdq == hash_file(clips.copies["letterboxed"], HashOptions(video_variants=False)).vpdq
    assert set(hashed["pattern"].video_variants) == {"original", "mirrored"}  # no bars, nothing to trim


@pytest.mark.slow
@pytest.mark.parametrize("query", NAMES)
def test_different_scenes_from_one_camera_never_match(hashed: dict[str, FileHashes], query: str) -> None:
    # The hard negatives: the chair and doorknob clips were shot in one place with one camera; the pattern
    # clip is another scene. None matches another by the whole-video rule or by any stretch or variant.
    others = [name for name in NAMES if name != query]
    assert _find(hashed[query], others, hashed) == {}
    assert list(_find(hashed[query], NAMES, hashed)) == [query]


def test_a_clip_ffmpeg_cannot_read_is_an_error_beside_nothing(tmp_path: Path) -> None:
    from warden.hashing.video_frames import FramesError
    from warden.hashing.video_variants import video_variants

    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 40)
    with pytest.raises(FramesError):
        video_variants(broken, declared=None)
