"""Black bars of a video (letterbox, pillarbox, windowbox), found on sampled frames: a bar is black in all."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from warden.hashing.borders import MIN_PICTURE_FRACTION
from warden.hashing.decode import Pixels

BLACK_LUMA = 32
"""A pixel is black at this luma (0-255) or less: FFmpeg's ``cropdetect`` uses 24 on the mean of a line;
compression noise and limited-range video (black at 16) stay under 32."""

LINE_SHARE = 0.98
"""A line (row or column) is black in a frame when this share of its pixels is black."""

MIN_BAR_SHARE = 0.02
"""Bars thinner than this share of the side are not bars worth cutting: PDQ barely notices them."""

EDGE_MARGIN = 0.005
"""A found bar is cut this share of the side deeper: its edge is blurred by scaling and compression."""


@dataclass(frozen=True, slots=True)
class VideoBars:
    """The black bars of a clip as shares (0-1) of the frame's height (top, bottom) and width (left, right),
    so that they apply to frames of any size."""

    top: float
    bottom: float
    left: float
    right: float

    def cut(self, frame: Pixels) -> Pixels:
        """The picture inside the bars (a view, no copy)."""
        height, width = frame.shape[:2]
        top, bottom = round(self.top * height), round(self.bottom * height)
        left, right = round(self.left * width), round(self.right * width)
        return frame[top : height - bottom, left : width - right]

    def letterbox(self) -> VideoBars | None:
        """Only the bars at the top and bottom, when there are bars on the sides too (else None)."""
        if (self.top or self.bottom) and (self.left or self.right):
            return VideoBars(self.top, self.bottom, 0.0, 0.0)
        return None

    def pillarbox(self) -> VideoBars | None:
        """Only the bars at the sides, when there are bars at the top or bottom too (else None)."""
        if (self.top or self.bottom) and (self.left or self.right):
            return VideoBars(0.0, 0.0, self.left, self.right)
        return None

    def to_json(self) -> dict[str, float]:
        """The four shares by edge name, rounded to 0.1%."""
        return {
            "top": round(self.top, 3),
            "bottom": round(self.bottom, 3),
            "left": round(self.left, 3),
            "right": round(self.right, 3),
        }


class BarFinder:
    """Finds the bars of a clip from its frames, fed one at a time (memory: one flag per row and column).

    A frame that is black all over (a fade) tells nothing and is skipped, as is a frame of another size than
    the first (a clip that changes size part-way).
    """

    def __init__(self) -> None:
        self._rows: npt.NDArray[np.bool_] | None = None
        self._columns: npt.NDArray[np.bool_] | None = None
        self.frames = 0
        """Frames that had a picture, and so counted."""

    def add(self, frame: Pixels) -> None:
        """Count one frame: a line stays a bar candidate only while it is black in every frame."""
        black = _luma(frame) <= BLACK_LUMA
        rows = black.mean(axis=1) >= LINE_SHARE
        columns = black.mean(axis=0) >= LINE_SHARE
        if rows.all() or columns.all():
            return  # black all over: no picture to find bars around
        if self._rows is None or self._columns is None:
            self._rows, self._columns = rows, columns
        elif self._rows.shape != rows.shape or self._columns.shape != columns.shape:
            return  # a clip that changes size part-way: its first size decides
        else:
            self._rows &= rows
            self._columns &= columns
        self.frames += 1

    def bars(self) -> VideoBars | None:
        """The bars found, or None when there are none (or no frame had a picture)."""
        if self._rows is None or self._columns is None:
            return None
        top, bottom = _edge_run(self._rows), _edge_run(self._rows[::-1])
        left, right = _edge_run(self._columns), _edge_run(self._columns[::-1])
        height, width = len(self._rows), len(self._columns)
        shares = [_share(top, height), _share(bottom, height), _share(left, width), _share(right, width)]
        if not any(shares):
            return None
        bars = VideoBars(*shares)
        if (
            1 - bars.top - bars.bottom < MIN_PICTURE_FRACTION
            or 1 - bars.left - bars.right < MIN_PICTURE_FRACTION
        ):
            return None
        return bars


def find_bars(frames: Iterable[Pixels]) -> VideoBars | None:
    """The black bars of a clip from sampled frames of one size (see :class:`BarFinder`)."""
    finder = BarFinder()
    for frame in frames:
        finder.add(frame)
    return finder.bars()


def _luma(frame: Pixels) -> npt.NDArray[np.float32]:
    weights = np.array([0.299, 0.587, 0.114], dtype=np.float32)
    luma: npt.NDArray[np.float32] = frame.astype(np.float32) @ weights
    return luma


def _edge_run(flags: npt.NDArray[np.bool_]) -> int:
    """How many leading flags are set."""
    unset = np.flatnonzero(~flags)
    return int(unset[0]) if unset.size else len(flags)


def _share(run: int, length: int) -> float:
    """A bar of ``run`` lines as a share of ``length``, cut a little deeper; 0 when too thin to count."""
    share = run / length
    return min(1.0, share + EDGE_MARGIN) if share >= MIN_BAR_SHARE else 0.0
