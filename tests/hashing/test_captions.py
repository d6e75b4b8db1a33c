"""A copy with a caption band added above or below still matches its photo, through the ``captioned``
variants; ``benchmarks/bench_captions.py`` gives the rates over the validation's sample."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont, ImageOps

from tests.media import media
from warden.hashing.borders import find_caption
from warden.hashing.item import HashOptions, hash_file
from warden.hashing.robust import CAPTIONED, best_variant_match

PHOTOS = ("n01530575_brambling.jpg", "n01443537_goldfish.jpg", "n01622779_great_grey_owl.jpg")


def _captioned(photo: Image.Image, share: float, above: bool, ink: str, paper: str) -> Image.Image:
    band = Image.new("RGB", (photo.width, int(photo.height * share)), paper)
    font = ImageFont.load_default(size=max(8, band.height * 2 // 5))
    ImageDraw.Draw(band).text((photo.width // 20, band.height // 4), "best day ever at the lake", ink, font)
    out = Image.new("RGB", (photo.width, photo.height + band.height))
    out.paste(band, (0, 0 if above else photo.height))
    out.paste(photo, (0, band.height if above else 0))
    return out


def _best(copy: Image.Image, photo_pdq: str, tmp_path: Path) -> tuple[str, int] | None:
    path = tmp_path / "copy.jpg"
    copy.save(path, quality=90)
    match = best_variant_match(hash_file(path, HashOptions()).pdq_variants, photo_pdq)
    return None if match is None else (match.variant, match.distance)


def test_caption_bands_above_or_below_are_cut_and_the_copy_matches(tmp_path: Path) -> None:
    for name in PHOTOS:
        path = media("photos", name)
        photo = Image.open(path).convert("RGB")
        listed = hash_file(path, HashOptions()).pdq
        assert listed is not None
        for share, above, ink, paper in ((0.15, False, "black", "white"), (0.2, True, "white", "black")):
            found = _best(_captioned(photo, share, above, ink, paper), listed, tmp_path)
            assert found is not None and found[0] == CAPTIONED, (name, share, found)


def test_a_mirrored_captioned_copy_matches_on_the_captioned_mirror(tmp_path: Path) -> None:
    path = media("photos", PHOTOS[0])
    listed = hash_file(path, HashOptions()).pdq
    assert listed is not None
    copy = ImageOps.mirror(_captioned(Image.open(path).convert("RGB"), 0.15, False, "black", "white"))
    found = _best(copy, listed, tmp_path)
    assert found is not None and found[0] == f"{CAPTIONED}+flip_y"


def test_photos_as_they_are_have_no_caption() -> None:
    for name in PHOTOS:
        pixels = np.asarray(Image.open(media("photos", name)).convert("RGB"))
        assert find_caption(pixels) is None, name


def test_a_plain_bar_is_left_to_the_border_finder_and_tiny_images_to_no_one() -> None:
    photo = np.asarray(Image.open(media("photos", PHOTOS[0])).convert("RGB"))
    barred = np.concatenate([np.zeros((60, photo.shape[1], 3), np.uint8), photo])
    assert find_caption(barred) is None
    for shape in ((1, 1, 3), (3, 200, 3), (12, 1, 3)):
        assert find_caption(np.full(shape, 255, np.uint8)) is None
