"""PDQ hashes of decoded pixels through ``pdqhash`` (Meta's reference C++), their hex form and distance."""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np
import numpy.typing as npt
import pdqhash

from warden.hashing.decode import Pixels
from warden.model.hashes import HashKind, normalize_hex

FAST_MIN_SIDE = 512
"""Fast mode decodes at the smallest 1/2, 1/4 or 1/8 scale that keeps both sides at least this long.

Chosen by measurement over the 465 benign photos upscaled to 12 MP JPEGs (4000 x 3000, quality 90), fast
hash against the full-decode hash: keeping 256 pixels (1/8 scale) left 95.5% within 10 bits (worst 18);
keeping 512 (1/4 scale) left 100% within 10 bits (worst 10, mean 4.1) and is still about 20 times faster
than full decode plus ``pdqhash`` (see ``benchmarks/bench_hashing.py``).
"""

DIHEDRAL_VARIANTS: tuple[str, ...] = (
    "original",
    "rotate90",
    "rotate180",
    "rotate270",
    "flip_x",
    "flip_y",
    "flip_plus1",
    "flip_minus1",
)
"""Names of the eight hashes ``pdqhash.compute_dihedral`` returns, in its order.

Each names the transform of the item whose hash it is, so a copy matches on the variant that undoes the
edit: ``rotate90``/``rotate270`` turn the item 90 degrees anticlockwise/clockwise (so an item that was
turned clockwise matches on ``rotate90``), ``rotate180`` turns it half way, ``flip_x`` mirrors it top to
bottom (about the horizontal axis), ``flip_y`` mirrors it left to right (about the vertical axis: an ordinary
mirrored copy matches here), ``flip_plus1`` mirrors it about the main diagonal (a transpose) and
``flip_minus1`` about the other diagonal. The names follow ThreatExchange's ``pdq/data/dih`` test images.
"""


TRANSFORMS: dict[str, Callable[[Pixels], Pixels]] = {
    "original": lambda pixels: pixels,
    "rotate90": lambda pixels: np.rot90(pixels, 1),
    "rotate180": lambda pixels: pixels[::-1, ::-1],
    "rotate270": lambda pixels: np.rot90(pixels, -1),
    "flip_x": lambda pixels: pixels[::-1],
    "flip_y": lambda pixels: pixels[:, ::-1],
    "flip_plus1": lambda pixels: pixels.transpose(1, 0, 2),
    "flip_minus1": lambda pixels: pixels[::-1, ::-1].transpose(1, 0, 2),
}
"""What each variant name means, as a view of the pixels: the tests turn images by it, and
:mod:`warden.hashing.dihedral` pairs the variants up by it."""


class PdqVariant(NamedTuple):
    """One PDQ hash of an item: which variant of the item it is, the hash in hex, and its quality (0-100)."""

    variant: str
    pdq: str
    quality: int


def bits_to_hex(bits: npt.NDArray[np.integer]) -> str:
    """The 64-digit hex of a 256-bit vector, most significant bit first (``numpy.packbits``)."""
    return np.packbits(np.asarray(bits, dtype=np.uint8)).tobytes().hex()


def pdq_hash(pixels: Pixels) -> tuple[str, int]:
    """PDQ hash (hex) and quality of RGB pixels.

    Raises:
        ValueError: the image has no pixels.
    """
    bits, quality = pdqhash.compute(_row_major(pixels))
    return bits_to_hex(bits), int(quality)


def pdq_dihedral(pixels: Pixels, prefix: str = "") -> list[PdqVariant]:
    """The eight rotation/mirror hashes of RGB pixels as the reference's ``compute_dihedral`` derives them
    from the original's DCT, original first.

    Only the original and ``flip_plus1`` are what hashing the turned pixels gives; the others stray a few
    bits (10 on average on 500 x 375 photos), so Warden's items use
    :func:`warden.hashing.dihedral.pdq_eight`, which is exact and cheaper.

    Args:
        pixels: the image.
        prefix: put before each variant name, e.g. ``"trimmed"`` gives ``trimmed`` and ``trimmed+rotate90``.

    Raises:
        ValueError: the image has no pixels.
    """
    vectors, quality = pdqhash.compute_dihedral(_row_major(pixels))
    return [
        PdqVariant(variant_name(prefix, name), bits_to_hex(bits), int(quality))
        for name, bits in zip(DIHEDRAL_VARIANTS, vectors, strict=True)
    ]


def variant_name(prefix: str, name: str) -> str:
    """``name`` qualified by ``prefix``: ``original`` alone is just the prefix."""
    if not prefix:
        return name
    return prefix if name == "original" else f"{prefix}+{name}"


def pdq_distance(a: str, b: str) -> int:
    """Hamming distance between two PDQ hashes in hex (case and a ``0x`` prefix are ignored).

    Raises:
        ValueError: either is not 64 hex digits.
    """
    return (_as_int(a) ^ _as_int(b)).bit_count()


def _as_int(text: str) -> int:
    return int(normalize_hex(HashKind.PDQ, text), 16)


def _row_major(pixels: Pixels) -> Pixels:
    """The pixels in a layout ``pdqhash`` reads correctly.

    ``pdqhash`` honours flipped, cropped and broadcast views but misreads transposed ones (rows not the
    outermost axis), so those are copied.
    """
    if pixels.ndim != 3 or pixels.shape[0] == 0 or pixels.shape[1] == 0 or pixels.shape[2] < 3:
        raise ValueError(f"PDQ needs height x width x 3 pixels, got shape {pixels.shape}")
    if abs(pixels.strides[0]) < abs(pixels.strides[1]):
        return np.ascontiguousarray(pixels)
    return pixels
