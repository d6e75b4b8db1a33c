"""No cut of the bars may remove the whole picture; one group of variants failing never loses the others."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.media import media
from warden.hashing import robust
from warden.hashing.borders import Borders, evened, find_borders, leaves_picture, trim
from warden.hashing.decode import Pixels
from warden.hashing.item import PDQ, hash_file
from warden.hashing.pdq import PdqVariant
from warden.hashing.robust import EVENED, TRIMMED, robust_pdq

EDGES = ("top", "bottom", "left", "right")


def _barred(side: int, bar: int, edge: str) -> Image.Image:
    """A ``side`` x ``side`` thumbnail: a black bar ``bar`` pixels wide on ``edge``, a photo in the rest."""
    tall = edge in ("top", "bottom")
    picture = (side, side - bar) if tall else (side - bar, side)
    photo = Image.open(media("photos", "n01530575_brambling.jpg")).convert("RGB").resize(picture)
    thumbnail = Image.new("RGB", (side, side), (0, 0, 0))
    thumbnail.paste(photo, {"top": (0, bar), "bottom": (0, 0), "left": (bar, 0), "right": (0, 0)}[edge])
    return thumbnail


@pytest.mark.parametrize("edge", EDGES)
def test_the_issues_thumbnail_keeps_every_pdq(edge: str, tmp_path: Path) -> None:
    # Issue 8, point 6: a 96 x 96 thumbcache entry with a 48-pixel bar lost every PDQ, its original's too:
    # the evened cut (48 on both sides) left no rows, and the error dropped all variants.
    path = tmp_path / "thumbnail.jpg"
    _barred(96, 48, edge).save(path, quality=90)
    hashes = hash_file(path)
    assert hashes.errors == []
    assert hashes.pdq is not None and hashes.pdq_variants[0].variant == "original"
    names = [variant.variant for variant in hashes.pdq_variants]
    assert TRIMMED in names and len(names) % 8 == 0
    assert hashes.borders is not None and getattr(hashes.borders, edge) >= 40


@pytest.mark.parametrize("edge", EDGES)
@pytest.mark.parametrize("share", [0.3, 0.5, 0.7, 0.85])
def test_no_bar_however_wide_costs_a_variant(edge: str, share: float) -> None:
    side = 96
    buffer = io.BytesIO()
    _barred(side, int(side * share), edge).save(buffer, "PNG")
    pixels = np.asarray(Image.open(buffer).convert("RGB"))
    result = robust_pdq(pixels)
    assert result.failures == ()
    assert result.variants[0].variant == "original"
    for variant in result.variants:
        assert len(variant.pdq) == 64


def test_evened_cuts_always_leave_a_picture() -> None:
    for height, width in ((96, 96), (10, 300), (7, 7), (1000, 40)):
        for top in range(0, height, max(1, height // 9)):
            for left in range(0, width, max(1, width // 9)):
                for borders in (Borders(top, 0, left, 0), Borders(0, top, 0, left), Borders(top, 1, 2, left)):
                    for cut in evened(borders, height, width):
                        assert leaves_picture(cut, height, width), (borders, cut, height, width)
                        assert trim(np.zeros((height, width, 3), np.uint8), cut).size > 0


def test_a_cut_that_would_leave_nothing_is_refused_not_made() -> None:
    with pytest.raises(ValueError, match="leaves too little"):
        trim(np.zeros((96, 96, 3), np.uint8), Borders(48, 48, 0, 0))


def _failing(prefixes: set[str]) -> object:
    real = robust.pdq_eight

    def eight(pixels: Pixels, prefix: str = "") -> list[PdqVariant]:
        if prefix in prefixes:
            raise ValueError(f"no {prefix or 'rotations'} today")
        return real(pixels, prefix)

    return eight


def _letterboxed() -> Pixels:
    photo = Image.open(media("photos", "n01530575_brambling.jpg")).convert("RGB").resize((300, 200))
    framed = Image.new("RGB", (300, 280), (0, 0, 0))
    framed.paste(photo, (0, 50))  # bars of 50 and 30: found as such, and evened to 30/30 and 50/50
    return np.asarray(framed)


def test_one_group_failing_keeps_the_others_and_is_recorded(monkeypatch: pytest.MonkeyPatch) -> None:
    pixels = _letterboxed()
    assert find_borders(pixels) is not None
    monkeypatch.setattr(robust, "pdq_eight", _failing({TRIMMED}))
    result = robust_pdq(pixels)
    names = [variant.variant for variant in result.variants]
    assert names[:8][0] == "original" and len(names) >= 16
    assert not any(name == TRIMMED or name.startswith(f"{TRIMMED}+") for name in names)
    assert any(name.startswith(EVENED) for name in names)
    assert [(failure.prefix, failure.message) for failure in result.failures] == [
        (TRIMMED, "ValueError: no trimmed today")
    ]


def test_the_original_is_kept_when_its_rotations_fail(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    path = tmp_path / "framed.png"
    Image.fromarray(_letterboxed()).save(path)
    monkeypatch.setattr(robust, "pdq_eight", _failing({"", TRIMMED}))
    hashes = hash_file(path)
    assert hashes.pdq is not None and hashes.pdq_variants[0].variant == "original"
    assert any(variant.variant.startswith(EVENED) for variant in hashes.pdq_variants)
    assert sorted(error.message for error in hashes.errors if error.stage == PDQ) == [
        "the rotations and mirrors not hashed: ValueError: no rotations today",
        "the trimmed variants not hashed: ValueError: no trimmed today",
    ]
