"""The fast PDQ (reduced decode) stays within 10 bits of the full-decode hash; timing is in the benchmark."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from tests.media import media
from warden.hashing.item import HashOptions, hash_file
from warden.hashing.pdq import pdq_distance

pytestmark = pytest.mark.slow

FAST = HashOptions(variants=False)
EXACT = HashOptions(exact_pdq=True, variants=False)


def _distance(path: Path) -> int:
    fast, exact = hash_file(path, FAST), hash_file(path, EXACT)
    assert fast.pdq is not None and exact.pdq is not None, path.name
    assert exact.pdq_method == "exact"
    return pdq_distance(fast.pdq, exact.pdq)


def test_at_least_99_percent_of_the_photos_within_10_bits() -> None:
    photos = sorted(media("photos").glob("*.jpg"))
    distances = [_distance(path) for path in photos]
    within = sum(distance <= 10 for distance in distances)
    assert within / len(photos) >= 0.99


def test_12_megapixel_jpegs_are_reduced_and_stay_within_10_bits(tmp_path: Path) -> None:
    for path in sorted(media("photos").glob("*.jpg"))[5::120]:
        big = tmp_path / f"12mp-{path.name}"
        Image.open(path).convert("RGB").resize((4000, 3000), Image.Resampling.LANCZOS).save(big, quality=90)
        assert hash_file(big, FAST).pdq_method == "fast"
        assert _distance(big) <= 10, path.name
