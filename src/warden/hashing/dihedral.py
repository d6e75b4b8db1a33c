"""The eight rotation and mirror PDQ hashes of an image from one luma and one pass of PDQ's downscale.

PDQ (``pdqhash``, Meta's reference) turns the pixels into luma, blurs them with two passes of box filters
(Jarosz), samples a 64 x 64 grid, takes the 16 x 16 low corner of its DCT and sets each bit where a
coefficient is over their median. The reference's own ``compute_dihedral`` derives the turned and mirrored
hashes from the original's DCT by flipping signs and transposing. That holds for a 64 x 64 image, not for
the downscale before it: the box window is not centred when its width is even and the sampling grid is not
symmetric when a side is a multiple of 128, so the 64 x 64 grid of a mirrored image is not the mirrored grid,
and on photos of a few hundred pixels its hashes stray 10 bits on average (up to 40) from a real copy's.

Here the downscale is written out as what it is, one linear map per axis: each of the 64 samples is a
weighted sum of a band of rows (then of columns) of the luma. The same weights read backwards give the
samples of the mirrored image, so one gather over the luma yields the 64 x 64 grids of the image as it is,
mirrored top to bottom, left to right and both (a 128 x 128 block), and one small matrix product their four
DCTs. The filter treats rows and columns alike, so each transposed DCT is the hash of the transposed image:
the other four variants. Measured against ``pdqhash`` run on the turned pixels of every image in
``../shared/media`` (the 465 photos and the reference's ``dih``, ``bridge-mods``, ``misc-images`` and
``labelme-subset`` images: 3,960 hashes), every hash and quality is equal but one hash 2 bits away, where
two coefficients tie at the median to float precision (``pdqhash``'s own transposed variant differs from
the turned copy's by the same 2 bits there). ``tests/hashing/test_dihedral.py`` holds a sample to it.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
import numpy.typing as npt

from warden.hashing.decode import Pixels
from warden.hashing.pdq import DIHEDRAL_VARIANTS, TRANSFORMS, PdqVariant, variant_name

GRID = 64
"""Side of the image-domain grid PDQ samples."""

MIN_SIDE = 5
"""The reference gives an all-zero hash of quality 0 to an image with a side shorter than this."""

F64 = npt.NDArray[np.float64]
Luma = npt.NDArray[np.float32] | npt.NDArray[np.uint8]
"""A luma plane, height x width, as :func:`luma` gives it (or a view of one): float32, or for a grey image
its grey levels themselves."""

# The mirrorings of the 128 x 128 block: (rows read backwards, columns read backwards) per variant name.
_BLOCKS: dict[str, tuple[int, int]] = {
    "original": (0, 0),
    "flip_x": (1, 0),
    "flip_y": (0, 1),
    "rotate180": (1, 1),
}


def _transposed_names() -> dict[str, str]:
    """For each mirroring, the variant that is its transpose (the original's is ``flip_plus1``), found by
    turning a probe image with :data:`~warden.hashing.pdq.TRANSFORMS`, which say what each name means."""
    probe = np.arange(2 * 3 * 3, dtype=np.uint8).reshape(2, 3, 3)
    names = {}
    for mirroring in _BLOCKS:
        turned = TRANSFORMS[mirroring](probe).transpose(1, 0, 2)
        names[mirroring] = next(
            name
            for name, view in TRANSFORMS.items()
            if view(probe).shape == turned.shape and np.array_equal(view(probe), turned)
        )
    return names


_TRANSPOSED = _transposed_names()

_LUMA = (0.299, 0.587, 0.114)
"""The reference's weights for R, G and B."""
_LUMA32 = tuple(np.float32(weight) for weight in _LUMA)

# A grey pixel's luma as the reference's Python wrapper computes it for R = G = B (each product a uint8 times
# a float64, added in order, kept as float32) is the grey level itself: checked here, once.
_LEVELS = np.arange(256, dtype=np.float64)
_GREY_LUMA = ((_LEVELS * _LUMA[0] + _LEVELS * _LUMA[1]) + _LEVELS * _LUMA[2]).astype(np.float32)
_GREY_IS_LUMA = bool(np.array_equal(_GREY_LUMA, _LEVELS))


def luma(pixels: Pixels) -> Luma:
    """The luma PDQ hashes: ``0.299 R + 0.587 G + 0.114 B`` as float32 (``pdqhash`` adds in float64 and keeps
    float32; the two differ by at most a float32 rounding, which no test image's hash notices).

    A grey image given as one plane broadcast to three channels is its own luma, exactly as ``pdqhash``
    computes it: the plane itself is returned, not copied.

    Raises:
        ValueError: the image has no pixels.
    """
    pixels = _checked(pixels)
    if pixels.strides[2] == 0 and _GREY_IS_LUMA:  # R = G = B, a view of one grey plane (see decode.py)
        grey: Luma = pixels[:, :, 0]
        return grey
    # In float32 throughout: within a float32 rounding of the reference's float64 sum, at a sixth of its cost.
    total: Luma = pixels[:, :, 0] * _LUMA32[0]
    total += pixels[:, :, 1] * _LUMA32[1]
    total += pixels[:, :, 2] * _LUMA32[2]
    return total


CACHED_SIDE = 8192
"""Sides up to this long keep their downscale weights (at most about 0.3 MB each, 128 sides); a longer one,
rare and possibly hostile (a 10 x 100,000 pixel strip), has them worked out again each time."""


BLOCK_BAND = 64
"""Bands up to this wide (sides up to about 4,000 pixels) are gathered for the columns in one go (at most
4 MB); wider ones one offset at a time."""


def _band(length: int) -> tuple[npt.NDArray[np.intp], F64]:
    """PDQ's downscale along one side of ``length`` pixels, read from both ends: for each of the 64 samples
    of the side as it is, then of the side reversed, the band of pixels it sums and their weights
    (``(128, K)`` indices and weights), exactly as the reference's two box passes and its decimation
    combine them."""
    return _cached_band(length) if length <= CACHED_SIDE else _weighted_band(length)


@functools.lru_cache(maxsize=128)
def _cached_band(length: int) -> tuple[npt.NDArray[np.intp], F64]:
    both = _weighted_band(length)
    for array in both:
        array.flags.writeable = False  # shared by every image with a side this long
    return both


def _weighted_band(length: int) -> tuple[npt.NDArray[np.intp], F64]:
    window = (length + 2 * GRID - 1) // (2 * GRID)
    half = (window + 2) // 2
    outputs = np.arange(length)
    # One box pass: output o averages the pixels from o - (window - half) to o + half - 1, cut at the edges.
    low = np.maximum(0, outputs - (window - half))
    high = np.minimum(length - 1, outputs + half - 1)
    samples = ((np.arange(GRID) + 0.5) * length / GRID).astype(np.intp)
    starts = low[low[samples]]
    width = int((high[high[samples]] - starts).max()) + 1
    starts = np.minimum(starts, length - width)  # every band the same width, inside the side
    # The second pass averages first-pass outputs (up to ``window`` of them per sample), each an average of
    # its own pixels: a pixel's weight is the sum of its shares in them, added up from where each output's
    # pixels begin and end (a difference array over the band, so memory stays 64 x K).
    firsts = low[samples][:, None] + np.arange(window)[None, :]
    used = firsts <= high[samples][:, None]
    firsts = np.minimum(firsts, length - 1)
    share = used / (high[firsts] - low[firsts] + 1)
    steps = np.zeros((GRID, width + 1))
    rows = np.broadcast_to(np.arange(GRID)[:, None], firsts.shape)
    np.add.at(steps, (rows, low[firsts] - starts[:, None]), share)
    np.add.at(steps, (rows, high[firsts] + 1 - starts[:, None]), -share)
    weights = np.cumsum(steps[:, :width], axis=1) / (high[samples] - low[samples] + 1)[:, None]
    indices = starts[:, None] + np.arange(width)[None, :]
    return np.concatenate([indices, length - 1 - indices]), np.concatenate([weights, weights])


def _grids(plane: Luma) -> F64:
    """The 64 x 64 grids of the image and its three mirrorings, as one ``(128, 128)`` block: rows 64-127 are
    the top-bottom mirror's, columns 64-127 the left-right mirror's."""
    height, width = plane.shape
    if height == GRID and width == GRID:  # the reference samples a 64 x 64 image as it is
        grid = np.asarray(plane, dtype=np.float64)
        return np.block([[grid, grid[:, ::-1]], [grid[::-1], grid[::-1, ::-1]]])
    # Rows one band offset at a time, so memory stays one 128-row block whatever the image's height.
    row_indices, row_weights = _band(height)
    row_weights32 = row_weights.astype(np.float32)
    rows = np.zeros((2 * GRID, width), dtype=np.float32)
    for k in range(row_indices.shape[1]):
        rows += row_weights32[:, k, None] * plane[row_indices[:, k]]
    column_indices, column_weights = _band(width)
    if column_indices.shape[1] <= BLOCK_BAND:  # the usual case: one gather, 128 x 128 x K
        gathered: F64 = np.einsum("rck,ck->rc", rows[:, column_indices], column_weights)
        return gathered
    block = np.zeros((2 * GRID, 2 * GRID))
    for k in range(column_indices.shape[1]):
        block += column_weights[:, k] * rows[:, column_indices[:, k]]
    return block


@functools.cache
def _dct() -> F64:
    """The DCT rows PDQ keeps: frequencies 1-16 of 64, ``(16, 64)``."""
    frequencies = np.arange(1, 17)[:, None]
    positions = np.arange(GRID)[None, :]
    matrix: F64 = np.sqrt(2.0 / GRID) * np.cos(np.pi / 2 / GRID * frequencies * (2 * positions + 1))
    return matrix


def _dcts(block: F64) -> F64:
    """The 16 x 16 DCT of each grid of the block, ``(2, 16, 2, 16)`` by (rows mirrored, columns mirrored).

    Plain loops (``einsum``), not BLAS: products this small cost more in BLAS's threads than in arithmetic.
    """
    dct = _dct()
    grids = block.reshape(2, GRID, 2, GRID)
    down = np.einsum("fi,aibj->afbj", dct, grids)
    coefficients: F64 = np.einsum("afbj,gj->afbg", down, dct)
    return coefficients


def _qualities(block: F64) -> npt.NDArray[np.int64]:
    """The reference's quality of each grid of the block, ``(2, 2)``: gradients between neighbours of the
    64 x 64 grid, each truncated to an integer as the reference's float arithmetic does, summed, scaled."""
    grids = block.astype(np.float32).reshape(2, GRID, 2, GRID)
    total = np.zeros((2, 2), dtype=np.int64)
    for axis in (1, 3):
        step = np.diff(grids, axis=axis)
        total += np.abs(np.trunc(step * np.float32(100) / np.float32(255))).sum(axis=(1, 3)).astype(np.int64)
    qualities: npt.NDArray[np.int64] = np.minimum(100, total // 90)
    return qualities


def pdq_eight(pixels: Pixels, prefix: str = "") -> list[PdqVariant]:
    """The eight rotation/mirror PDQ hashes of RGB pixels, in :data:`DIHEDRAL_VARIANTS` order, each what
    ``pdqhash`` gives for the turned pixels, from one luma and one downscale.

    Args:
        pixels: the image, height x width x 3 (any strides).
        prefix: put before each variant name, e.g. ``"trimmed"`` gives ``trimmed`` and ``trimmed+rotate90``.

    Raises:
        ValueError: the image has no pixels.
    """
    return pdq_eight_of_luma(luma(pixels), prefix)


def pdq_eight_of_luma(plane: Luma, prefix: str = "") -> list[PdqVariant]:
    """:func:`pdq_eight` of a luma plane (as :func:`luma` gives; a crop of one is a view, not a copy)."""
    height, width = plane.shape
    if height < MIN_SIDE or width < MIN_SIDE:
        return [PdqVariant(variant_name(prefix, name), "0" * 64, 0) for name in DIHEDRAL_VARIANTS]
    block = _grids(plane)
    coefficients = _dcts(block).transpose(0, 2, 1, 3)  # (rows mirrored, columns mirrored, 16, 16)
    # The reference's median is Torben's, the lower of the two middle values.
    medians = np.partition(coefficients.reshape(2, 2, 256), 127, axis=2)[:, :, 127]
    qualities = _qualities(block)
    found: dict[str, tuple[Any, int]] = {}
    for name, (down, across) in _BLOCKS.items():
        above = coefficients[down, across] > medians[down, across]
        quality = int(qualities[down, across])
        found[name] = (above, quality)
        found[_TRANSPOSED[name]] = (above.T, quality)
    # The reference's bit k is coefficient (k // 16, k % 16), and its hex runs from bit 255 down.
    bits = np.stack([found[name][0].ravel()[::-1] for name in DIHEDRAL_VARIANTS])
    hexes = [row.tobytes().hex() for row in np.packbits(bits, axis=1)]
    return [
        PdqVariant(variant_name(prefix, name), text, found[name][1])
        for name, text in zip(DIHEDRAL_VARIANTS, hexes, strict=True)
    ]


def _checked(pixels: Pixels) -> Pixels:
    if pixels.ndim != 3 or pixels.shape[0] == 0 or pixels.shape[1] == 0 or pixels.shape[2] < 3:
        raise ValueError(f"PDQ needs height x width x 3 pixels, got shape {pixels.shape}")
    return pixels
