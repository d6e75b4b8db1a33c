"""PDQ conformance with the reference hashes, the dihedral variant names, hex form and distance."""

from __future__ import annotations

import csv

import numpy as np
import pytest

from tests.media import media
from warden.hashing.item import HashOptions, hash_file
from warden.hashing.pdq import DIHEDRAL_VARIANTS, bits_to_hex, pdq_dihedral, pdq_distance, pdq_hash

REFERENCE_TOLERANCE = 16  # what the reference port's own test allows for hashes made with another decoder


def _expected_rows() -> list[dict[str, str]]:
    with media("pdq-reference", "expected.csv").open(newline="") as stream:
        return list(csv.DictReader(stream))


@pytest.mark.parametrize("exact", [False, True], ids=["fast", "exact"])
def test_conformance_with_the_reference_hashes(exact: bool) -> None:
    # Exact: every row as the reference gives it. Fast: a colour JPEG is read as its luma channel (another
    # decoder, within the same tolerance), and a hash too poor to ever match is not held to the reference.
    options = HashOptions(exact_pdq=exact, variants=False)
    for row in _expected_rows():
        hashes = hash_file(media("pdq-reference", row["file"]), options)
        assert hashes.errors == [], row["file"]
        assert hashes.pdq is not None and hashes.pdq_quality is not None
        assert hashes.pdq_method == ("exact" if exact or hashes.format != "jpeg" else "fast"), row["file"]
        if hashes.pdq_method == "fast" and hashes.pdq_quality < 50:
            continue
        if "test_pdq_hasher.py" in row["origin"] and hashes.pdq_method == "exact":
            assert hashes.pdq == row["pdq"], row["file"]
            if row["quality"]:
                assert hashes.pdq_quality == int(row["quality"]), row["file"]
        else:
            assert pdq_distance(hashes.pdq, row["pdq"]) <= REFERENCE_TOLERANCE, row["file"]


# Each test image, and the variant of it that turns it back into the original.
UNDOING_VARIANT = {
    "bridge-1-original.jpg": "original",
    "bridge-2-rotate-90.jpg": "rotate270",
    "bridge-3-rotate-180.jpg": "rotate180",
    "bridge-4-rotate-270.jpg": "rotate90",
    "bridge-5-flipx.jpg": "flip_x",
    "bridge-6-flipy.jpg": "flip_y",
    "bridge-7-flip-plus-1.jpg": "flip_plus1",
    "bridge-8-flip-minus-1.jpg": "flip_minus1",
}


def test_dihedral_variants_are_named_by_the_transform_that_undoes_the_edit() -> None:
    original = hash_file(media("pdq-reference", "dih", "bridge-1-original.jpg"))
    assert original.pdq is not None
    for name, undo in UNDOING_VARIANT.items():
        item = hash_file(media("pdq-reference", "dih", name))
        best = min(item.pdq_variants, key=lambda variant: pdq_distance(variant.pdq, original.pdq or ""))
        assert best.variant == undo, name
        assert pdq_distance(best.pdq, original.pdq) <= 10, name


def test_variants_of_the_original_predict_the_edited_files() -> None:
    original = hash_file(media("pdq-reference", "dih", "bridge-1-original.jpg"))
    by_name = {variant.variant: variant.pdq for variant in original.pdq_variants}
    edits = dict(zip(DIHEDRAL_VARIANTS, UNDOING_VARIANT, strict=True))
    for variant, name in edits.items():
        item = hash_file(media("pdq-reference", "dih", name))
        assert item.pdq is not None
        assert pdq_distance(by_name[variant], item.pdq) <= 10, (variant, name)


def test_dihedral_original_is_the_plain_hash() -> None:
    rng = np.random.default_rng(7)
    pixels = rng.integers(0, 256, size=(90, 120, 3), dtype=np.uint8)
    variants = pdq_dihedral(pixels)
    assert [variant.variant for variant in variants] == list(DIHEDRAL_VARIANTS)
    assert (variants[0].pdq, variants[0].quality) == pdq_hash(pixels)
    assert {variant.quality for variant in variants} == {variants[0].quality}
    prefixed = pdq_dihedral(pixels, prefix="trimmed")
    assert [variant.variant for variant in prefixed][:3] == [
        "trimmed",
        "trimmed+rotate90",
        "trimmed+rotate180",
    ]


def test_hex_is_most_significant_bit_first() -> None:
    bits = np.zeros(256, dtype=np.int64)
    bits[0] = 1
    bits[255] = 1
    assert bits_to_hex(bits) == "80" + "0" * 60 + "01"


def test_distance() -> None:
    zero = "0" * 64
    assert pdq_distance(zero, zero) == 0
    assert pdq_distance(zero, "f" * 64) == 256
    assert pdq_distance(zero, "0x" + "0" * 62 + "0F") == 4
    with pytest.raises(ValueError, match="64 hex digits"):
        pdq_distance(zero, "abc")


def test_empty_pixels_are_refused() -> None:
    with pytest.raises(ValueError, match="pixels"):
        pdq_hash(np.zeros((0, 5, 3), dtype=np.uint8))
