"""The eight rotation and mirror hashes from one downscale equal ``pdqhash`` run on the turned pixels."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pdqhash
import pytest
from PIL import Image

from tests.media import media
from warden.hashing.borders import Borders, trim
from warden.hashing.decode import Pixels, decode_still
from warden.hashing.dihedral import luma, pdq_eight
from warden.hashing.pdq import DIHEDRAL_VARIANTS, FAST_MIN_SIDE, TRANSFORMS, bits_to_hex, pdq_dihedral
from warden.hashing.robust import robust_pdq

# A fixed sample of the shared photos (every 20th, 24 of them): all 465 were measured equal but one hash,
# 2 bits off at a tie with the median (see warden/hashing/dihedral.py), which is left out of the sample.
PHOTO_SAMPLE = slice(7, None, 20)


def _reference(pixels: Pixels) -> dict[str, tuple[str, int]]:
    """Each variant the reference way: the pixels really turned, then ``pdqhash`` on them."""
    found = {}
    for name in DIHEDRAL_VARIANTS:
        bits, quality = pdqhash.compute(np.ascontiguousarray(TRANSFORMS[name](pixels)))
        found[name] = (bits_to_hex(bits), int(quality))
    return found


def _assert_equal_to_turned_copies(pixels: Pixels, label: str) -> None:
    variants = pdq_eight(pixels)
    assert [variant.variant for variant in variants] == list(DIHEDRAL_VARIANTS)
    assert {variant.variant: (variant.pdq, variant.quality) for variant in variants} == _reference(pixels), (
        label
    )


def _full(path: str) -> Pixels:
    return np.asarray(Image.open(path).convert("RGB"))


def _fast(path: str) -> Pixels:
    with open(path, "rb") as stream:
        data = stream.read()
    return decode_still(data, "jpeg", max_pixels=10**9, reduce_to=FAST_MIN_SIDE).pixels


@pytest.mark.slow  # 64 reference hashes of 1600 x 1004 images
def test_each_variant_of_the_reference_rotations_equals_hashing_the_turned_image() -> None:
    for path in sorted(media("pdq-reference", "dih").glob("*.jpg")):
        _assert_equal_to_turned_copies(_full(str(path)), path.name)


def test_each_variant_of_sample_photos_equals_hashing_the_turned_photo() -> None:
    photos = sorted(media("photos").glob("*.jpg"))[PHOTO_SAMPLE]
    assert len(photos) >= 20
    for path in photos:
        _assert_equal_to_turned_copies(_full(str(path)), path.name)


def test_a_reduced_grey_decode_equals_the_reference(tmp_path: Path) -> None:
    # A large JPEG is decoded at reduced scale as one grey plane seen as three channels: luma by lookup.
    path = tmp_path / "large.jpg"
    photo = Image.open(media("photos", "n01530575_brambling.jpg")).convert("RGB")
    photo.resize((2048, 1536), Image.Resampling.BILINEAR).save(path, quality=90)
    pixels = _fast(str(path))
    assert pixels.shape == (768, 1024, 3) and pixels.strides[2] == 0  # half scale, sides of 128s
    _assert_equal_to_turned_copies(pixels, "reduced")


@pytest.mark.parametrize(
    "shape",
    [(64, 64), (5, 5), (5, 300), (256, 384), (128, 127), (63, 65), (1000, 700), (37, 1290), (6, 20000)],
    ids=lambda shape: f"{shape[0]}x{shape[1]}",
)
def test_awkward_sizes_equal_the_reference(shape: tuple[int, int]) -> None:
    # Sides that are multiples of 128 put the sampling grid off centre, even windows put the box filter off
    # centre, and 64 x 64 is sampled without a filter: each is where a derived mirror could go wrong.
    photo = Image.open(media("photos", "n01443537_goldfish.jpg")).convert("RGB")
    pixels = np.asarray(photo.resize((shape[1], shape[0]), Image.Resampling.BILINEAR))
    _assert_equal_to_turned_copies(pixels, f"{shape}")


def test_images_too_small_for_pdq_get_the_references_empty_hash() -> None:
    pixels = np.full((4, 90, 3), 200, dtype=np.uint8)
    assert {(variant.pdq, variant.quality) for variant in pdq_eight(pixels)} == {("0" * 64, 0)}
    assert set(_reference(pixels).values()) == {("0" * 64, 0)}


def test_no_pixels_is_an_error() -> None:
    with pytest.raises(ValueError, match="pixels"):
        pdq_eight(np.zeros((0, 5, 3), dtype=np.uint8))


def test_a_cut_of_the_luma_equals_hashing_the_cut_pixels() -> None:
    pixels = _full(str(media("photos", "n01530575_brambling.jpg")))
    cut = Borders(top=31, bottom=12, left=40, right=3)
    from_plane = pdq_eight(trim(luma(pixels), cut), "trimmed")
    assert [variant.variant for variant in from_plane][:2] == ["trimmed", "trimmed+rotate90"]
    reference = _reference(trim(pixels, cut))
    assert [(variant.pdq, variant.quality) for variant in from_plane] == [
        reference[name] for name in DIHEDRAL_VARIANTS
    ]


def test_the_references_shortcut_strays_where_these_do_not() -> None:
    # Why the reference's compute_dihedral is not used: on a 500 x 375 photo its mirrors miss the copy's hash.
    pixels = _full(str(media("photos", "n01530575_brambling.jpg")))
    reference = _reference(pixels)
    shortcut = {variant.variant: variant.pdq for variant in pdq_dihedral(pixels)}
    assert any(shortcut[name] != reference[name][0] for name in ("flip_x", "flip_y", "rotate90"))


def test_robust_pdq_gives_the_same_eight_first() -> None:
    pixels = _full(str(media("photos", "n01530575_brambling.jpg")))
    assert robust_pdq(pixels).variants[:8] == pdq_eight(pixels)


def test_rgb_its_luma_and_a_crop_of_either_give_the_same_hashes() -> None:
    # The C downscale turns RGB into luma as it reads; a crop (a view with strides) is read in place.
    pixels = _full(str(media("photos", "n01530575_brambling.jpg")))
    cut = Borders(top=5, bottom=9, left=17, right=2)
    assert pdq_eight(pixels) == pdq_eight(luma(pixels))
    assert pdq_eight(trim(pixels, cut)) == pdq_eight(trim(luma(pixels), cut))
    assert pdq_eight(np.ascontiguousarray(trim(pixels, cut))) == pdq_eight(trim(pixels, cut))


def test_a_side_longer_than_the_downscale_takes_falls_back_to_the_reference_hash() -> None:
    # A strip of 5 x 70,000 pixels: its downscale weights would grow with the long side; the reference's
    # hash of the image as it is still comes out, and the missing turns are an error of the item's own.
    strip = np.broadcast_to((np.arange(70_000) % 251).astype(np.uint8)[None, :, None], (5, 70_000, 3))
    with pytest.raises(ValueError, match="70000 pixels"):
        pdq_eight(strip)
    result = robust_pdq(strip)
    assert [variant.variant for variant in result.variants] == ["original"]
    assert [failure.prefix for failure in result.failures] == [""]
    assert "longer than the 65536" in result.failures[0].describe()
