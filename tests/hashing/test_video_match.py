"""The reference vPDQ matching rule, on made-up frames and on the reference hashes of the sample clips."""

from __future__ import annotations

from functools import cache

from tests.media import media
from warden.hashing.video_match import distinct_good_frames, match_vpdq
from warden.model.hashes import VideoHash, VpdqFrame

# Hashes at least 64 bits from each other; a "near" copy of one is 20 bits away from it.
FAR = ["0" * 64] + ["0" * 16 * k + "f" * 16 + "0" * 16 * (3 - k) for k in range(4)]
NEAR = {hex_: f"{int(hex_, 16) ^ 0xFFFFF:064x}" for hex_ in FAR}


def _video(hashes: list[str], quality: int = 100) -> VideoHash:
    return tuple(VpdqFrame(pdq, quality, float(second)) for second, pdq in enumerate(hashes))


def test_same_frames_match_fully() -> None:
    result = match_vpdq(_video(FAR), _video(FAR))
    assert (result.query_percent, result.compared_percent, result.match) == (100.0, 100.0, True)


def test_frames_within_31_bits_match() -> None:
    result = match_vpdq(_video(FAR), _video([NEAR[h] for h in FAR]))
    assert result.match


def test_both_directions_must_reach_80_percent() -> None:
    short = _video(FAR[:4])  # 4 of the 5 frames
    assert match_vpdq(_video(FAR), short).query_percent == 80.0
    assert match_vpdq(_video(FAR), short).compared_percent == 100.0
    assert match_vpdq(_video(FAR), short).match
    shorter = _video(FAR[:3])
    assert not match_vpdq(_video(FAR), shorter).match
    # A short clip inside a long video is found when the listed video's share is not required.
    assert match_vpdq(shorter, _video(FAR), compared_percent=0).match


def test_repeated_frames_count_once() -> None:
    padded = _video(FAR[:3] + [FAR[0]] * 20)
    assert len(distinct_good_frames(padded)) == 3
    assert match_vpdq(padded, _video(FAR[:3])).query_percent == 100.0


def test_poor_frames_are_ignored_and_never_match() -> None:
    mixed = _video(FAR[:4]) + _video([FAR[4]], quality=49)
    assert [frame.pdq for frame in distinct_good_frames(mixed)] == FAR[:4]
    blank = _video(FAR, quality=10)
    result = match_vpdq(blank, blank)
    assert (result.query_percent, result.compared_percent, result.match) == (0.0, 0.0, False)


def test_a_repeated_hash_keeps_its_first_quality() -> None:
    # The reference drops repeats before dropping poor frames, so a poor first copy hides a good repeat.
    frames = (VpdqFrame(FAR[0], 10, 0.0), VpdqFrame(FAR[0], 90, 1.0), VpdqFrame(FAR[1], 90, 2.0))
    assert [frame.pdq for frame in distinct_good_frames(frames)] == [FAR[1]]


def test_large_videos_compare_in_blocks() -> None:
    many = _video([f"{i:064x}" for i in range(3000)])
    assert match_vpdq(many, many).match


@cache
def _reference(name: str) -> VideoHash:
    """A clip's reference hash (every frame) from ``videos/vpdq-expected``."""
    frames = []
    for line in media("videos", "vpdq-expected", f"{name}.txt").read_text().split():
        _, quality, pdq, timestamp = line.split(",")
        frames.append(VpdqFrame(pdq, int(quality), float(timestamp)))
    return tuple(frames)


CHAIR_FAMILY = ["chair-19-sd-bar", "chair-20-sd-bar", "chair-22-sd-grey-bar", "chair-22-sd-sepia-bar"]
CHAIR_FAMILY += ["chair-22-with-small-logo-bar"]
PATTERNS = ["pattern-hd-no-bar", "pattern-longer-no-bar", "pattern-sd-grey-bar"]
PATTERNS += ["pattern-sd-with-large-logo-bar", "pattern-sd-with-small-logo-bar"]
CHAIRS = [*CHAIR_FAMILY, "chair-22-with-large-logo-bar", "chair-orig-22-sd-bar", "chair-orig-22-hd-no-bar"]


def test_edited_chair_clips_match_the_original() -> None:
    original = _reference("chair-orig-22-sd-bar")
    for name in CHAIR_FAMILY:
        assert match_vpdq(_reference(name), original).match, name


def test_pattern_clips_never_match_chair_clips() -> None:
    for pattern in PATTERNS:
        for chair in CHAIRS:
            result = match_vpdq(_reference(pattern), _reference(chair))
            assert result.query_percent < 5 and result.compared_percent < 5, (pattern, chair)


def test_what_still_defeats_vpdq_in_the_samples() -> None:
    # Recorded in docs/limits.md: a large logo, and letterbox bars (vPDQ frames are not trimmed).
    original = _reference("chair-orig-22-sd-bar")
    assert not match_vpdq(_reference("chair-22-with-large-logo-bar"), original).match
    assert not match_vpdq(_reference("chair-orig-22-hd-no-bar"), original).match
