"""Uniform borders, letterbox and pillarbox bars: found at the edges so the picture can be hashed alone."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar, cast

import numpy as np
import numpy.typing as npt

from warden.hashing.decode import Pixels

TOLERANCE = 10
"""Largest difference (0-255, any channel) from the bar's colour that still counts as bar: JPEG noise on a
flat bar stays inside it, while even a dark, plain picture next to a black bar mostly does not."""

MAX_NOISE = 1.5
"""Largest mean difference in luma from the bar's colour over the bar: a bar added by software is flat up to
JPEG noise, while sky, water or a dark corner of a photo varies more."""

LINE_FRACTION = 0.98
"""Share of a row's (column's) pixels that must be within tolerance: a small logo on a bar is allowed."""

EDGE_TOLERANCE = 30
"""Difference from the bar's colour that surely is picture, not the JPEG ringing next to a sharp edge."""

EDGE_SEGMENTS = 16
EDGE_FRACTION = 0.5
"""A bar ends along a straight edge: in one of the first rows past it, pixels unlike the bar appear in at
least this share of the row's :data:`EDGE_SEGMENTS` equal segments. A plain background (a white studio
backdrop) instead gives way to the subject in one place, which is not trimmed."""

EDGE_ROWS = 8
"""Rows past the uniform run searched for that edge, which becomes the cut: JPEG ringing spoils the last few
rows of a bar (up to one 8 x 8 block) without being the picture yet."""

Plane = TypeVar("Plane", bound=np.ndarray[Any, Any])
"""Pixels or a luma plane: whatever is cut, rows first."""

MIN_BAR_FRACTION = 0.01
"""A bar narrower than this share of the side (or 2 pixels) is ignored: PDQ barely notices it."""

MIN_PICTURE_FRACTION = 0.1
"""At least this share of each dimension must remain after any cut (and at least one pixel): an image nearly
all of one colour is not trimmed, and no cut, found or evened, removes the whole picture."""


@dataclass(frozen=True, slots=True)
class Borders:
    """Pixels of uniform bar at each edge (0 where there is none)."""

    top: int
    bottom: int
    left: int
    right: int

    def scaled(self, x: float, y: float) -> Borders:
        """The same bars in an image ``x`` times as wide and ``y`` times as tall (rounded)."""
        return Borders(
            round(self.top * y), round(self.bottom * y), round(self.left * x), round(self.right * x)
        )

    def to_json(self) -> dict[str, int]:
        """The four widths by edge name."""
        return {"top": self.top, "bottom": self.bottom, "left": self.left, "right": self.right}


def find_borders(pixels: Pixels) -> Borders | None:
    """Uniform bars at the edges of RGB pixels, each edge with its own colour; None when there are none.

    A bar is a run of rows (or columns) from the edge in which nearly every pixel is within
    :data:`TOLERANCE` of the colour of the outermost row, that is flat (:data:`MAX_NOISE`), and that ends
    along a straight edge within :data:`EDGE_ROWS` rows. The cut is made at that edge. Tuned to find bars
    added by software (any colour, each edge its own width, JPEG-compressed) and to leave plain parts of
    photos alone; ``docs/limits.md`` gives the measured rates.
    """
    height, width = pixels.shape[:2]
    keep_rows, keep_cols = _least_picture(height), _least_picture(width)
    columns = pixels.transpose(1, 0, 2)
    # Most photos have no plain edge at all: an edge whose outermost line is not plain is no bar (what _bar
    # itself finds on that line), found for the four edges at once.
    plain = _outermost_unlike(pixels)[:, 1] <= 1 - LINE_FRACTION
    top = _bar(pixels, height - keep_rows) if plain[0] else 0
    bottom = _bar(pixels[::-1], height - keep_rows - top) if plain[1] else 0
    left = _bar(columns, width - keep_cols) if plain[2] else 0
    right = _bar(columns[::-1], width - keep_cols - left) if plain[3] else 0
    borders = Borders(
        top=_significant(top, height),
        bottom=_significant(bottom, height),
        left=_significant(left, width),
        right=_significant(right, width),
    )
    return borders if any((borders.top, borders.bottom, borders.left, borders.right)) else None


def evened(borders: Borders, height: int, width: int) -> list[Borders]:
    """Other likely cuts when opposite bars came out unequal: added bars are nearly always equal.

    A bar beside picture of its own colour (a black bar next to a dark edge) is found short or not at all,
    so for each axis the bar found on one side is tried on both, and unequal pairs are tried at the smaller
    and at the larger width. Returns the distinct cuts other than ``borders`` itself (at most two) that leave
    a picture in a ``height`` x ``width`` image (see :func:`leaves_picture`): a thumbnail half bar, half
    picture is not cut on both sides.
    """

    def pair(first: int, second: int, pick: str) -> tuple[int, int]:
        if not first or not second:
            return (max(first, second),) * 2
        return (min(first, second),) * 2 if pick == "smaller" else (max(first, second),) * 2

    found = []
    for pick in ("smaller", "larger"):
        top, bottom = pair(borders.top, borders.bottom, pick)
        left, right = pair(borders.left, borders.right, pick)
        candidate = Borders(top, bottom, left, right)
        if candidate != borders and candidate not in found and leaves_picture(candidate, height, width):
            found.append(candidate)
    return found


def leaves_picture(borders: Borders, height: int, width: int) -> bool:
    """Whether cutting ``borders`` off a ``height`` x ``width`` image leaves :data:`MIN_PICTURE_FRACTION` of
    each side (and at least one pixel)."""
    rows = height - borders.top - borders.bottom
    columns = width - borders.left - borders.right
    return rows >= _least_picture(height) and columns >= _least_picture(width)


def trim(pixels: Plane, borders: Borders) -> Plane:
    """The picture inside the bars (a view, no copy) of pixels or of their luma plane.

    Raises:
        ValueError: the cut would not leave a picture (see :func:`leaves_picture`).
    """
    height, width = pixels.shape[:2]
    if not leaves_picture(borders, height, width):
        raise ValueError(f"cutting {borders.to_json()} off a {width}x{height} image leaves too little of it")
    inside = pixels[borders.top : height - borders.bottom, borders.left : width - borders.right]
    return cast(Plane, inside)


CAPTION_LIKE = 0.35
"""Least share of a caption band's rows in the band's colour (within :data:`EDGE_TOLERANCE`): text covers the
rest. A row with less is picture, and ends the band."""

CAPTION_SIZE = (0.04, 0.35)
"""A caption band is at least the first and at most the second share of the image's height."""


def find_caption(pixels: Pixels) -> Borders | None:
    """A caption band added above or below the picture: a plain edge row, then rows of one colour with text
    on it (too much to be a bar for :func:`find_borders`), cut after its last plain row where the picture
    starts along a straight edge. None when there is none at either end.

    Meme captions, subtitles burnt into a still and "caption below" layouts look so; a band laid over the
    picture (a translucent watermark strip) is not cut, and PDQ matches those copies as they are.
    """
    height = pixels.shape[0]
    # A band's outermost row is one flat colour (its paper): most photos' are not, at either end.
    flat = _outermost_unlike(pixels)[:2, 0] <= 1 - LINE_FRACTION
    top = _caption(pixels, height) if flat[0] else 0
    bottom = _caption(pixels[::-1], height) if flat[1] else 0
    if not top and not bottom:
        return None
    found = Borders(top=top, bottom=bottom, left=0, right=0)
    return found if leaves_picture(found, height, pixels.shape[1]) else None


def _caption(lines: Pixels, height: int) -> int:
    """Rows of caption band at the start of ``lines``; 0 when there is none."""
    least, most = (max(2, int(height * share)) for share in CAPTION_SIZE)
    if len(lines) < most + EDGE_ROWS:
        return 0
    colour = _colour(lines[0])
    # Most photos stop here: their outermost row is not one flat colour (a band's paper is).
    if _unlike(lines[:1], colour, TOLERANCE).mean() > 1 - LINE_FRACTION:
        return 0
    like, end = _caption_rows(lines[: most + EDGE_ROWS], colour)
    plain = np.flatnonzero(like[:end] >= LINE_FRACTION)
    cut = int(plain[-1]) + 1
    if not least <= cut <= most or like[:cut].min() >= LINE_FRACTION:
        return 0  # too small or too large for a caption, or no text in it (a plain bar: find_borders's)
    if _straight_edge(_unlike(lines[cut : cut + EDGE_ROWS], colour, EDGE_TOLERANCE)) is None:
        return 0  # plain background giving way to a subject in one place, not a band ending at the picture
    return cut


def _caption_rows(lines: Pixels, colour: npt.NDArray[np.int16]) -> tuple[npt.NDArray[np.float64], int]:
    """Each line's share of pixels like ``colour``, up to the first line with less than :data:`CAPTION_LIKE`
    (picture), and that line's index (the number of lines when there is none); read a few lines at a time."""
    shares = []
    depth, step = 0, 8
    while depth < len(lines):
        chunk = lines[depth : depth + step]
        like = 1 - _unlike(chunk, colour, EDGE_TOLERANCE).mean(axis=1)
        shares.append(like)
        picture = np.flatnonzero(like < CAPTION_LIKE)
        if picture.size:
            return np.concatenate(shares), depth + int(picture[0])
        depth += len(chunk)
        step *= 2
    return np.concatenate(shares), len(lines)


def _colour(line: Pixels) -> npt.NDArray[np.int16]:
    """The median colour of a line of pixels, per channel (``numpy.median``, truncated; without its
    overhead, which showed in the cost of every image)."""
    middle = len(line) // 2
    colour: npt.NDArray[np.int16]
    if len(line) % 2:
        colour = np.partition(line, middle, axis=0)[middle].astype(np.int16)
    else:
        halves = np.partition(line, (middle - 1, middle), axis=0)
        colour = ((halves[middle - 1].astype(np.float64) + halves[middle]) / 2).astype(np.int16)
    return colour


def _outermost_unlike(pixels: Pixels) -> npt.NDArray[np.float64]:
    """For the outermost row at the top, at the bottom, and column at the left, at the right (in that order):
    the share of its pixels unlike its median colour (:func:`_colour`) by more than :data:`TOLERANCE`, and by
    more than :data:`EDGE_TOLERANCE`; ``(4, 2)``. The same shares :func:`_unlike` gives line by line, in a few
    array operations for the four lines."""
    if pixels.strides[2] == 0:  # a grey image seen as three equal channels: one will do
        pixels = pixels[:, :, :1]
    shares = []
    for lines in (pixels[[0, -1]], pixels[:, [0, -1]].transpose(1, 0, 2)):
        length = lines.shape[1]
        middle = length // 2
        if length % 2:
            colour = np.partition(lines, middle, axis=1)[:, middle].astype(np.int16)
        else:
            halves = np.partition(lines, (middle - 1, middle), axis=1)
            colour = ((halves[:, middle - 1].astype(np.float64) + halves[:, middle]) / 2).astype(np.int16)
        unlike = np.abs(lines.astype(np.int16) - colour[:, np.newaxis, :]).max(axis=2)
        shares.append(
            np.stack([(unlike > TOLERANCE).mean(axis=1), (unlike > EDGE_TOLERANCE).mean(axis=1)], 1)
        )
    found: npt.NDArray[np.float64] = np.concatenate(shares)
    return found


def _least_picture(length: int) -> int:
    return max(1, int(length * MIN_PICTURE_FRACTION))


def _bar(lines: Pixels, limit: int) -> int:
    """How many leading ``lines`` (rows of pixels) are bar, up to ``limit``; 0 when there is no bar."""
    if limit <= 0 or len(lines) == 0:
        return 0
    colour = _colour(lines[0])
    flat = _flat_run(lines, colour, limit)
    if flat is None:
        return 0  # all one colour up to the limit: there is no picture to trim down to
    window = lines[flat : flat + EDGE_ROWS]
    if flat == 0:
        # A bar only a few pixels wide can be all JPEG ringing; accept it only before a sharp edge. Most
        # photos end here, at their first line, so the edge is looked for only past a plain one.
        outermost_plain = _unlike(lines[:1], colour, EDGE_TOLERANCE).mean() <= 1 - LINE_FRACTION
        sure = _straight_edge(_unlike(window, colour, EDGE_TOLERANCE)) if outermost_plain else None
        return sure if sure is not None else 0
    sure = _straight_edge(_unlike(window, colour, EDGE_TOLERANCE))
    if _luma_noise(lines[:flat], colour) > MAX_NOISE:
        return 0  # a plain part of the picture (sky, water, shadow), not a bar
    # Cut where the picture surely starts; a dark picture next to a black bar never differs that much, so
    # fall back on where it starts to differ at all.
    edge = sure if sure is not None else _straight_edge(_unlike(window, colour, TOLERANCE))
    return min(flat + edge, limit) if edge is not None else 0


def _flat_run(lines: Pixels, colour: npt.NDArray[np.int16], limit: int) -> int | None:
    """How many leading lines are within :data:`TOLERANCE` of ``colour``; None if all up to ``limit`` are."""
    depth = 0
    step = 1
    # Examine a few lines at a time, doubling: most images fail on the first line, so the usual cost is one.
    while depth < limit:
        chunk = lines[depth : min(depth + step, limit)]
        failed = np.flatnonzero(_unlike(chunk, colour, TOLERANCE).mean(axis=1) > 1 - LINE_FRACTION)
        if failed.size:
            return depth + int(failed[0])
        depth += len(chunk)
        step *= 2
    return None


def _luma_noise(lines: Pixels, colour: npt.NDArray[np.int16]) -> float:
    """Mean difference in luma from ``colour``: JPEG's colour noise on a saturated bar does not count."""
    weights = np.array([0.299, 0.587, 0.114])
    return float(np.abs(lines @ weights - float(colour @ weights)).mean())


def _unlike(chunk: Pixels, colour: npt.NDArray[np.int16], tolerance: int) -> npt.NDArray[np.bool_]:
    """Which pixels of the lines differ from ``colour`` by more than ``tolerance`` in some channel."""
    if chunk.strides[2] == 0:  # a grey image seen as three equal channels (and so is its colour): one will do
        grey: npt.NDArray[np.bool_] = np.abs(chunk[:, :, 0].astype(np.int16) - colour[0]) > tolerance
        return grey
    unlike: npt.NDArray[np.bool_] = np.abs(chunk.astype(np.int16) - colour).max(axis=2) > tolerance
    return unlike


def _straight_edge(unlike: npt.NDArray[np.bool_]) -> int | None:
    """The first line with pixels unlike the bar spread across most of its width, if there is one."""
    segments = np.array_split(unlike, EDGE_SEGMENTS, axis=1)
    touched = np.stack([segment.any(axis=1) for segment in segments], axis=1)
    edges = np.flatnonzero(touched.mean(axis=1) >= EDGE_FRACTION)
    return int(edges[0]) if edges.size else None


def _significant(bar: int, length: int) -> int:
    return bar if bar >= max(2, int(length * MIN_BAR_FRACTION)) else 0
