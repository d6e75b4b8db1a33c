"""The extra frame hashes of a video, for excerpts and edited copies: frames sampled densely, each also
mirrored, and without the clip's black bars.

vPDQ itself (:mod:`warden.hashing.video`) is left as the reference computes it; these hashes are additional.
A listed video has one frame a second, and an excerpt cut anywhere has its frames between those: in a
moving scene two frames 1/30 s apart can be 30 bits apart, so the item's frames are sampled densely (every
frame, up to :data:`MAX_FRAMES` per clip) to hold a frame close in time to each listed one. They cost one
more decode of the clip by FFmpeg (about as long as vPDQ's own), scaled to :data:`FRAME_BOX`; a pass over
its key frames only, to find the bars; and per sampled frame one downscale and DCT of 256 pixels a side
giving its hash and its mirror's (see :mod:`warden.hashing.dihedral`), two with bars.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from pathlib import Path

from warden.hashing.decode import Pixels
from warden.hashing.dihedral import pdq_eight
from warden.hashing.pdq import DIHEDRAL_VARIANTS
from warden.hashing.video_bars import BarFinder, VideoBars
from warden.hashing.video_frames import FramesError, frame_rate, sampled_frames
from warden.model.hashes import VideoHash, VpdqFrame

MIRRORED = "mirrored"
"""Frames mirrored left to right: a mirrored copy of a listed clip matches on these."""
MIRROR_VARIANT = "flip_y"
"""The still-image variant (see :data:`~warden.hashing.pdq.DIHEDRAL_VARIANTS`) mirrored left to right."""
TRIMMED = "trimmed"
"""Frames with the clip's black bars cut off: a letterboxed (or pillarboxed, windowboxed) copy matches."""
TRIMMED_MIRRORED = "trimmed+mirrored"
"""Both: a mirrored copy with bars."""
LETTERBOX_TRIMMED = "trimmed-letterbox"
"""Only the bars at the top and bottom cut off, when the clip has bars at the sides too: a letterboxed copy
of a listed clip that had side bars of its own (as the pillarboxed sample clips do) matches here."""
PILLARBOX_TRIMMED = "trimmed-pillarbox"
"""Only the side bars cut off, when there are bars at the top or bottom too."""

ORIGINAL = "original"
"""The frames as they are (sampled densely; vPDQ's own frames are one a second)."""

VARIANTS = (ORIGINAL, MIRRORED, TRIMMED, TRIMMED_MIRRORED, LETTERBOX_TRIMMED, PILLARBOX_TRIMMED)
"""Every variant, in the order they are tried."""

FRAME_BOX = 256
"""Frames are scaled down (keeping their shape) to fit in this many pixels a side before they are hashed:
PDQ reduces every image to 64 x 64 anyway; measured on the sample clips, a frame's hash at 256 stays within
about 10 bits of the full frame's, at a seventh of the cost of hashing it at 512."""

MAX_FRAMES = 7200
"""Most frames sampled per clip and variant (four minutes of 30 fps video at every frame; a longer clip is
sampled at every n-th frame): bounds the time, and the size of the result a worker sends (about 0.5 MB per
variant)."""

BAR_BOX = 256
"""Key frames are looked at this small to find the bars: a bar is a share of the side, not pixels."""


@dataclass(frozen=True, slots=True)
class VideoVariants:
    """The extra frame hashes of one clip, by variant name, and the bars cut off for ``trimmed*``."""

    frames: dict[str, VideoHash] = field(default_factory=dict)
    bars: VideoBars | None = None


def video_variants(path: Path, *, declared: float | None = None, timeout: float = 300.0) -> VideoVariants:
    """The frames of ``path`` sampled densely, as they are and mirrored, and, when the clip has black bars
    in all its key frames, the same without them, mirrored and not.

    Args:
        path: the video.
        declared: its length as its container declares it (None: unknown, sampled one frame a second).
        timeout: seconds each FFmpeg pass may take.

    Raises:
        FramesError: FFmpeg is missing or cannot decode the clip (see
            :func:`~warden.hashing.video_frames.sampled_frames`).
    """
    rate = frame_rate(path)
    if rate is None:
        raise FramesError("FFmpeg's ffprobe found no frame rate")
    finder = BarFinder()
    for _, key_frame in sampled_frames(path, box=BAR_BOX, keyframes_only=True, timeout=timeout):
        finder.add(key_frame)
    bars = finder.bars()
    nth = max(1, math.ceil(declared * rate / MAX_FRAMES)) if declared else max(1, round(rate))
    cuts = _cuts(bars)
    found: dict[str, list[VpdqFrame]] = {name: [] for name in VARIANTS}
    frames = sampled_frames(path, nth=nth, box=FRAME_BOX, timeout=timeout)
    for number, frame in itertools.islice(frames, MAX_FRAMES):
        timestamp = number / rate
        as_is, mirrored = _frame_and_mirror(frame, timestamp)
        found[ORIGINAL].append(as_is)
        found[MIRRORED].append(mirrored)
        done: dict[int, tuple[VpdqFrame, VpdqFrame]] = {}
        for name, cut, mirror in cuts:
            key = id(cut)  # a cut's frame and its mirror come from one downscale
            if key not in done:
                done[key] = _frame_and_mirror(cut.cut(frame), timestamp)
            found[name].append(done[key][1 if mirror else 0])
    return VideoVariants({name: tuple(frames) for name, frames in found.items() if frames}, bars)


def _cuts(bars: VideoBars | None) -> list[tuple[str, VideoBars, bool]]:
    """(variant, bars to cut, mirrored) of each trimmed variant the clip's bars call for."""
    if bars is None:
        return []
    cuts = [(TRIMMED, bars, False), (TRIMMED_MIRRORED, bars, True)]
    letterbox, pillarbox = bars.letterbox(), bars.pillarbox()
    if letterbox is not None and pillarbox is not None:
        cuts += [(LETTERBOX_TRIMMED, letterbox, False), (PILLARBOX_TRIMMED, pillarbox, False)]
    return cuts


def _frame_and_mirror(pixels: Pixels, timestamp: float) -> tuple[VpdqFrame, VpdqFrame]:
    """The frame's hash and its left-to-right mirror's, from one downscale and DCT (see
    :mod:`warden.hashing.dihedral`), each equal to ``pdqhash`` on those pixels."""
    variants = {variant.variant: variant for variant in pdq_eight(pixels)}
    as_is, mirrored = variants[DIHEDRAL_VARIANTS[0]], variants[MIRROR_VARIANT]
    return (
        VpdqFrame(as_is.pdq, as_is.quality, timestamp),
        VpdqFrame(mirrored.pdq, mirrored.quality, timestamp),
    )
