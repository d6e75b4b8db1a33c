"""Mirrored, rotated and bordered copies of a photo match it, and say which variant matched."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image, ImageOps

from tests.media import media
from warden.hashing.item import HashOptions, hash_file
from warden.hashing.pdq import PdqVariant
from warden.hashing.robust import best_variant_match, matchable

# A fixed sample: every 50th photo. docs/limits.md gives the rates over all photos, failures included.
SAMPLE = slice(3, None, 50)


def _framed(
    photo: Image.Image, top: int, bottom: int, left: int, right: int, colour: str | tuple[int, int, int]
) -> Image.Image:
    framed = Image.new("RGB", (photo.width + left + right, photo.height + top + bottom), colour)
    framed.paste(photo, (left, top))
    return framed


def _share(photo: Image.Image, share: float) -> tuple[int, int]:
    return int(photo.height * share), int(photo.width * share)


Edit = Callable[[Image.Image], Image.Image]

EDITS: dict[str, tuple[Edit, str]] = {
    "mirrored": (ImageOps.mirror, "flip_y"),
    "flipped": (ImageOps.flip, "flip_x"),
    "turned anticlockwise": (lambda im: im.transpose(Image.Transpose.ROTATE_90), "rotate270"),
    "turned half way": (lambda im: im.transpose(Image.Transpose.ROTATE_180), "rotate180"),
    "turned clockwise": (lambda im: im.transpose(Image.Transpose.ROTATE_270), "rotate90"),
    "black border": (lambda im: _framed(im, *_share(im, 0.1) * 1, *_share(im, 0.1), "black"), "trimmed"),
    "white border": (lambda im: _framed(im, 20, 20, 20, 20, "white"), "trimmed"),
    "coloured border": (lambda im: _framed(im, 25, 25, 40, 40, (200, 30, 40)), "trimmed"),
    "letterbox": (lambda im: _framed(im, 80, 80, 0, 0, "black"), "trimmed"),
    "pillarbox": (lambda im: _framed(im, 0, 0, 120, 120, "black"), "trimmed"),
    "uneven border": (lambda im: _framed(im, 6, 50, 140, 12, (20, 90, 160)), "trimmed"),
    "border and mirror": (lambda im: ImageOps.mirror(_framed(im, 30, 30, 30, 30, "white")), "trimmed+flip_y"),
    "border and turn": (
        lambda im: _framed(im, 40, 40, 10, 10, "black").transpose(Image.Transpose.ROTATE_90),
        "trimmed+rotate270",
    ),
}


def _sample() -> list[Path]:
    return sorted(media("photos").glob("*.jpg"))[SAMPLE]


@pytest.mark.parametrize("edit", list(EDITS))
def test_edited_copies_match_on_the_variant_that_undoes_the_edit(edit: str, tmp_path: Path) -> None:
    change, undo = EDITS[edit]
    for path in _sample():
        listed = hash_file(path, HashOptions(exact_pdq=True, variants=False))
        assert listed.pdq is not None and listed.pdq_matchable, path.name
        copy = tmp_path / f"copy-of-{path.name}"
        change(Image.open(path).convert("RGB")).save(copy, quality=90)
        variants = hash_file(copy).pdq_variants
        match = best_variant_match(variants, listed.pdq)
        assert match is not None, (edit, path.name)
        # The turn or mirror that undoes the edit is the closest (a near-symmetric photo may tie);
        # for a bordered copy, any of the cuts (as found, or with opposite bars evened) may be the closest.
        undoing = [v for v in variants if _without_cut(v.variant) == _without_cut(undo)]
        best = best_variant_match(undoing, listed.pdq)
        assert best is not None, (edit, path.name)
        assert best.distance == match.distance, (edit, path.name)


def _without_cut(variant: str) -> str:
    """The variant's turn or mirror, with ``trimmed`` standing for every cut (``trimmed_even``, ...)."""
    cut, _, turn = variant.partition("+")
    if cut.startswith("trimmed"):
        return "trimmed+" + (turn or "original")
    return variant


def test_the_reference_letterboxed_photo_matches_when_trimmed() -> None:
    listed = hash_file(media("pdq-reference", "formats", "sample-b.jpg"))
    item = hash_file(media("pdq-reference", "formats", "letterboxed_sample-b.jpg"))
    assert listed.pdq is not None and item.borders is not None
    assert best_variant_match(item.pdq_variants[:8], listed.pdq) is None  # untrimmed: no match
    match = best_variant_match(item.pdq_variants, listed.pdq)
    assert match is not None
    assert match.variant == "trimmed"
    assert match.distance <= 8


def test_low_quality_variants_never_match() -> None:
    poor = [PdqVariant("original", "0" * 64, 49)]
    assert best_variant_match(poor, "0" * 64) is None
    assert matchable(poor) == []
    assert best_variant_match(poor, "0" * 64, min_quality=40) is not None


def test_closest_variant_wins_and_ties_go_to_the_first() -> None:
    listed = "0" * 64
    variants = [
        PdqVariant("original", "f" + "0" * 63, 100),
        PdqVariant("rotate90", "0" * 64, 100),
        PdqVariant("flip_y", "0" * 64, 100),
    ]
    match = best_variant_match(variants, listed)
    assert match is not None
    assert (match.variant, match.distance) == ("rotate90", 0)
    assert best_variant_match(variants[:1], listed, threshold=3) is None
