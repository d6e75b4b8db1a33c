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
samples of the mirrored image, so one reading of the pixels yields the 64 x 64 grids of the image as it is,
mirrored top to bottom, left to right and both (a 128 x 128 block), and their four DCTs. The weights are
worked out here, once per side length; the reading, the DCTs and the qualities are C (``_dihedral.c``), which
turns RGB into luma on the way. The filter treats rows and columns alike, so each transposed DCT is the hash
of the transposed image: the other four variants. Measured against ``pdqhash`` run on the turned pixels of
every image in ``../shared/media`` (the 465 photos and the reference's ``dih``, ``bridge-mods``,
``misc-images`` and ``labelme-subset`` images: 3,960 hashes), every hash and quality is equal but one hash
2 bits away, where two coefficients tie at the median to float precision (``pdqhash``'s own transposed
variant differs from the turned copy's by the same 2 bits there). ``tests/hashing/test_dihedral.py`` holds
a sample to it.
"""

from __future__ import annotations

import functools
from typing import cast

import numpy as np
import numpy.typing as npt

from warden.hashing import _dihedral
from warden.hashing.decode import Pixels
from warden.hashing.pdq import DIHEDRAL_VARIANTS, TRANSFORMS, PdqVariant, variant_name

GRID = 64
"""Side of the image-domain grid PDQ samples."""

MIN_SIDE = 5
"""The reference gives an all-zero hash of quality 0 to an image with a side shorter than this."""

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
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


MAX_SIDE = 65536
"""Longest side the downscale takes (JPEG's own limit is 65,535): its weights grow with the side (32 bytes
a pixel of it), so a hostile strip (5 x 50,000,000 pixels, under ``max_image_pixels``) would cost gigabytes.
Such an image gets the reference's hash alone (:func:`warden.hashing.robust.robust_pdq` falls back to
``pdqhash``) and an item error naming the side."""

CACHED_SIDE = 8192
"""Sides up to this long keep their downscale weights (at most about 0.3 MB each, 128 sides); a longer one,
rare and possibly hostile (a 10 x 100,000 pixel strip), has them worked out again each time."""


def _band(length: int) -> tuple[I64, F64]:
    """PDQ's downscale along one side of ``length`` pixels, read from both ends: for each of the 64 samples
    of the side as it is, then of the side reversed, the band of pixels it sums and their weights
    (``(128, K)`` indices and weights), exactly as the reference's two box passes and its decimation
    combine them."""
    return _cached_band(length) if length <= CACHED_SIDE else _weighted_band(length)


@functools.lru_cache(maxsize=128)
def _cached_band(length: int) -> tuple[I64, F64]:
    both = _weighted_band(length)
    for array in both:
        array.flags.writeable = False  # shared by every image with a side this long
    return both


def _weighted_band(length: int) -> tuple[I64, F64]:
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
    both = np.concatenate([indices, length - 1 - indices]).astype(np.int64)
    return both, np.concatenate([weights, weights])


def pdq_eight(image: Pixels | Luma, prefix: str = "") -> list[PdqVariant]:
    """The eight rotation/mirror PDQ hashes of an image, in :data:`DIHEDRAL_VARIANTS` order, each what
    ``pdqhash`` gives for the turned pixels, from one reading of the pixels and one downscale.

    Args:
        image: RGB pixels, height x width x 3 (any strides; a grey image broadcast from one plane is read as
            that plane), or a luma plane (as :func:`luma` gives it); a crop of either is a view, not a copy.
        prefix: put before each variant name, e.g. ``"trimmed"`` gives ``trimmed`` and ``trimmed+rotate90``.

    Raises:
        ValueError: the image has no pixels, or a side longer than :data:`MAX_SIDE`.
    """
    plane = _plane(image)
    height, width = plane.shape[:2]
    if height < MIN_SIDE or width < MIN_SIDE:
        return [PdqVariant(variant_name(prefix, name), "0" * 64, 0) for name in DIHEDRAL_VARIANTS]
    if max(height, width) > MAX_SIDE:
        raise ValueError(
            f"a side of {max(height, width)} pixels is longer than the {MAX_SIDE} the downscale takes"
        )
    raw, qualities = _dihedral.dihedral(plane, *_band(height), *_band(width))
    found: dict[str, tuple[str, int]] = {}
    for name, (down, across) in _BLOCKS.items():
        grid = 2 * down + across
        quality = qualities[grid]
        found[name] = (raw[64 * grid : 64 * grid + 32].hex(), quality)
        found[_TRANSPOSED[name]] = (raw[64 * grid + 32 : 64 * grid + 64].hex(), quality)
    return [PdqVariant(variant_name(prefix, name), *found[name]) for name in DIHEDRAL_VARIANTS]


def _plane(image: Pixels | Luma) -> Pixels | Luma:
    """What the C downscale reads: a luma plane (uint8 or float32) or uint8 RGB pixels."""
    if image.ndim == 2:
        if image.shape[0] == 0 or image.shape[1] == 0:
            raise ValueError(f"PDQ needs an image with pixels, got shape {image.shape}")
        return image if image.dtype in (np.uint8, np.float32) else image.astype(np.float32)
    pixels = _checked(cast(Pixels, image))
    if pixels.strides[2] == 0 and _GREY_IS_LUMA:  # R = G = B, a view of one grey plane (see decode.py)
        return pixels[:, :, 0]
    return pixels if pixels.dtype == np.uint8 else luma(pixels)


def _checked(pixels: Pixels) -> Pixels:
    if pixels.ndim != 3 or pixels.shape[0] == 0 or pixels.shape[1] == 0 or pixels.shape[2] < 3:
        raise ValueError(f"PDQ needs height x width x 3 pixels, got shape {pixels.shape}")
    return pixels
