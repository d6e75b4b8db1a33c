"""Robust PDQ: hash each rotation and mirror of an image, also without its bars, and say which matched.

Each group of variants is hashed on its own: one that fails (a cut that leaves too little) is recorded and the
others are kept; the original's hash is kept whenever the image can be hashed at all.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from warden import settings
from warden.hashing.borders import Borders, evened, find_borders, find_caption, trim
from warden.hashing.decode import Pixels
from warden.hashing.dihedral import pdq_eight
from warden.hashing.pdq import PdqVariant, pdq_distance, pdq_hash

TRIMMED = "trimmed"
"""Prefix of the variants of the image with its uniform bars cut off: ``trimmed``, ``trimmed+flip_y``, ..."""

CAPTIONED = "captioned"
"""Prefix of the variants of the image with a caption band above or below it cut off (see
:func:`~warden.hashing.borders.find_caption`): ``captioned``, ``captioned+flip_y``, ..."""

EVENED = "trimmed_even"
"""Prefix of the variants cut with opposite bars made equal (see :func:`~warden.hashing.borders.evened`):
``trimmed_even``, ``trimmed_even2``, each with ``+rotate90`` and so on."""


@dataclass(frozen=True, slots=True)
class VariantFailure:
    """A group of variants that could not be hashed: its prefix (``""`` for the original's rotations and
    mirrors, ``trimmed``...) and why."""

    prefix: str
    message: str

    def describe(self) -> str:
        """The failure in words, for the item's error record."""
        group = f"the {self.prefix} variants" if self.prefix else "the rotations and mirrors"
        return f"{group} not hashed: {self.message}"


@dataclass(frozen=True, slots=True)
class RobustPdq:
    """Every PDQ variant of one image, ``original`` first, the bars that were cut off for ``trimmed*``, and
    the groups of variants that failed (the others are all there)."""

    variants: list[PdqVariant]
    borders: Borders | None
    failures: tuple[VariantFailure, ...] = ()


@dataclass(frozen=True, slots=True)
class VariantMatch:
    """The closest variant of an item to a listed PDQ hash, within the match distance."""

    variant: str
    pdq: str
    distance: int
    quality: int


def robust_pdq(pixels: Pixels) -> RobustPdq:
    """The 8 rotations/mirrors of ``pixels`` and, when it has uniform bars or a caption band, the 8 of it
    without them.

    Every group is read from the one decoded image (a cut is a view of it), each group's eight from one
    downscale (see :mod:`warden.hashing.dihedral`).

    Raises:
        ValueError: the image itself cannot be hashed (it has no pixels).
    """
    failures: list[VariantFailure] = []
    try:
        variants = pdq_eight(pixels)
    except Exception as error:  # the original alone may still be hashable, the reference way
        variants = [PdqVariant("original", *pdq_hash(pixels))]
        failures.append(VariantFailure("", _why(error)))
    borders = find_borders(pixels)
    cuts: list[tuple[str, Borders]] = []
    if borders is not None:
        height, width = pixels.shape[:2]
        cuts = [(TRIMMED, borders)] + [
            (EVENED if number == 1 else f"{EVENED}{number}", other)
            for number, other in enumerate(evened(borders, height, width), start=1)
        ]
    caption = find_caption(pixels)
    if caption is not None and all(caption != cut for _, cut in cuts):
        cuts.append((CAPTIONED, caption))
    if cuts:
        for prefix, cut in cuts:
            try:
                variants += pdq_eight(trim(pixels, cut), prefix)
            except Exception as error:  # one cut failing costs its own variants, never the others
                failures.append(VariantFailure(prefix, _why(error)))
    return RobustPdq(variants, borders, tuple(failures))


def _why(error: Exception) -> str:
    return f"{type(error).__name__}: {error}"


def matchable(variants: Iterable[PdqVariant], min_quality: int | None = None) -> list[PdqVariant]:
    """The variants whose quality allows a perceptual match (``pdq_min_quality`` setting when None)."""
    min_quality = settings.get_int(settings.PDQ_MIN_QUALITY) if min_quality is None else min_quality
    return [variant for variant in variants if variant.quality >= min_quality]


def best_variant_match(
    variants: Sequence[PdqVariant],
    listed_pdq: str,
    *,
    threshold: int | None = None,
    min_quality: int | None = None,
) -> VariantMatch | None:
    """The variant closest to ``listed_pdq`` if it is within ``threshold``; None otherwise.

    Variants below ``min_quality`` are never considered. Ties go to the earlier variant, so an unedited copy
    reports ``original``. None takes the ``pdq_threshold`` and ``pdq_min_quality`` settings.
    """
    threshold = settings.get_int(settings.PDQ_THRESHOLD) if threshold is None else threshold
    best: VariantMatch | None = None
    for variant in matchable(variants, min_quality):
        distance = pdq_distance(variant.pdq, listed_pdq)
        if distance <= threshold and (best is None or distance < best.distance):
            best = VariantMatch(variant.variant, variant.pdq, distance, variant.quality)
    return best
