"""Captions and overlays: what share of copies of listed photos with a caption band or a watermark strip still
match, and whether hashing crops of the item's top and bottom would find more without false matches.

The validation's own sample (``warden.validation.accuracy.choose``: 200 listed photos and 200 unrelated ones,
seed 1) is used. Each listed photo gets four edits, saved as JPEG (quality 90): a caption band added below
(15% of the height, black text on white), a meme-style band added above (20%, white text on black), bands
above and below (12% each), and a translucent watermark strip laid over the bottom 12% with white text. None
is uniform, so none is trimmed as a border. A copy *matches* when any of its matchable variants (as
``hash_file`` computes them) is within 31 bits of its photo's hash.

Then candidate crop variants: the item cut at the top, the bottom or both by 10, 15 or 20% of its height,
hashed upright only. For each, the share of edited copies that would match with it added, and how many of
the unrelated photos would then match one of the listed photos (any variant, crops included): a false match.

    python benchmarks/bench_captions.py [--sample N] [--unrelated N]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from warden.hashing.decode import decode_still
from warden.hashing.dihedral import luma, pdq_eight
from warden.hashing.item import HashOptions, hash_file
from warden.hashing.pdq import FAST_MIN_SIDE, pdq_distance
from warden.hashing.robust import matchable
from warden.validation.accuracy import choose

MEDIA = Path(__file__).resolve().parent.parent.parent / "shared" / "media"
THRESHOLD = 31
WORDS = "holiday 2019 best day ever with everyone at the lake lol"


def _text_band(width: int, height: int, ink: str, paper: str) -> Image.Image:
    band = Image.new("RGB", (width, height), paper)
    draw = ImageDraw.Draw(band)
    font = ImageFont.load_default(size=max(8, int(height * 0.45)))
    draw.text((width // 20, height // 4), WORDS, fill=ink, font=font)
    return band


def caption_below(photo: Image.Image) -> Image.Image:
    """A white band with black text added under the photo, 15% of its height."""
    band = _text_band(photo.width, max(8, photo.height * 15 // 100), "black", "white")
    out = Image.new("RGB", (photo.width, photo.height + band.height))
    out.paste(photo, (0, 0))
    out.paste(band, (0, photo.height))
    return out


def meme_above(photo: Image.Image) -> Image.Image:
    """A black band with white text added above the photo, 20% of its height."""
    band = _text_band(photo.width, max(8, photo.height * 20 // 100), "white", "black")
    out = Image.new("RGB", (photo.width, photo.height + band.height))
    out.paste(band, (0, 0))
    out.paste(photo, (0, band.height))
    return out


def bands_both(photo: Image.Image) -> Image.Image:
    """Text bands above and below, 12% of the height each."""
    top = _text_band(photo.width, max(8, photo.height * 12 // 100), "white", "black")
    bottom = _text_band(photo.width, top.height, "black", "white")
    out = Image.new("RGB", (photo.width, photo.height + 2 * top.height))
    out.paste(top, (0, 0))
    out.paste(photo, (0, top.height))
    out.paste(bottom, (0, top.height + photo.height))
    return out


def watermark_strip(photo: Image.Image) -> Image.Image:
    """A translucent dark strip with white text over the bottom 12% of the photo (the size is unchanged)."""
    out = photo.convert("RGBA")
    height = max(8, photo.height * 12 // 100)
    strip = Image.new("RGBA", (photo.width, height), (0, 0, 0, 140))
    draw = ImageDraw.Draw(strip)
    font = ImageFont.load_default(size=max(8, int(height * 0.45)))
    draw.text((photo.width // 20, height // 4), WORDS, fill=(255, 255, 255, 230), font=font)
    out.alpha_composite(strip, (0, photo.height - height))
    return out.convert("RGB")


EDITS: dict[str, Callable[[Image.Image], Image.Image]] = {
    "caption band below 15%": caption_below,
    "meme band above 20%": meme_above,
    "bands above and below 12%": bands_both,
    "watermark strip over bottom 12%": watermark_strip,
}

CROPS = [(where, share) for share in (10, 15, 20) for where in ("top", "bottom", "both")]


def crop_hashes(path: Path) -> dict[tuple[str, int], tuple[str, int]]:
    """(where, percent) -> (PDQ, quality) of the upright item with that much of its height cut off."""
    decoded = decode_still(path.read_bytes(), None, max_pixels=10**9, reduce_to=FAST_MIN_SIDE)
    plane = luma(decoded.pixels)
    height = plane.shape[0]
    found = {}
    for where, share in CROPS:
        cut = height * share // 100
        top = cut if where in ("top", "both") else 0
        bottom = height - (cut if where in ("bottom", "both") else 0)
        variant = pdq_eight(plane[top:bottom])[0]
        found[(where, share)] = (variant.pdq, variant.quality)
    return found


def _near(pdqs: Sequence[str], listed: Sequence[str]) -> bool:
    return any(pdq_distance(a, b) <= THRESHOLD for a in pdqs for b in listed)


def main(argv: Sequence[str] | None = None) -> int:
    """Print the table; returns the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sample", type=int, default=200, help="listed photos (default 200)")
    parser.add_argument("--unrelated", type=int, default=200, help="unrelated photos (default 200)")
    parser.add_argument("--media", type=Path, default=MEDIA, help="the benign shared media folder")
    args = parser.parse_args(argv)
    photos = sorted((args.media / "photos").glob("*.jpg"))
    if not photos:
        print(f"no photos under {args.media / 'photos'}", file=sys.stderr)
        return 1
    listed, unrelated = choose(photos, args.sample, args.unrelated, seed=1)
    options = HashOptions()
    hashes = {photo: hash_file(photo, options).pdq or "" for photo in listed}
    all_listed = [pdq for pdq in hashes.values() if pdq]
    min_quality = 50
    lines = [f"{len(listed)} listed photos, {len(unrelated)} unrelated; match = within {THRESHOLD} bits"]
    short = {"top": "top", "bottom": "bot", "both": "t+b"}
    header = f"{'edit':34}  today  " + "  ".join(f"{short[where]}{share:>3}%" for where, share in CROPS)
    lines += [header, "-" * len(header)]
    with tempfile.TemporaryDirectory(prefix="warden-captions-") as temp:
        copy = Path(temp) / "edited.jpg"
        for name, edit in EDITS.items():
            today = 0
            with_crop = dict.fromkeys(CROPS, 0)
            for photo, pdq in hashes.items():
                edit(Image.open(photo).convert("RGB")).save(copy, quality=90)
                item = hash_file(copy, options)
                now = [variant.pdq for variant in matchable(item.pdq_variants, min_quality)]
                found = _near(now, [pdq])
                today += found
                crops = crop_hashes(copy)
                for key, (crop_pdq, quality) in crops.items():
                    with_crop[key] += found or (quality >= min_quality and _near([crop_pdq], [pdq]))
            share = 100 / len(hashes)
            lines.append(
                f"{name:34}  {today * share:4.0f}%  "
                + "  ".join(f"{with_crop[key] * share:6.0f}%" for key in CROPS)
            )
        false_today = 0
        false_with = dict.fromkeys(CROPS, 0)
        for photo in unrelated:
            item = hash_file(photo, options)
            now = [variant.pdq for variant in matchable(item.pdq_variants, min_quality)]
            found = _near(now, all_listed)
            false_today += found
            for key, (crop_pdq, quality) in crop_hashes(photo).items():
                false_with[key] += found or (quality >= min_quality and _near([crop_pdq], all_listed))
        lines.append(
            f"{'unrelated photos matching (false)':34}  {false_today:5d}  "
            + "  ".join(f"{false_with[key]:7d}" for key in CROPS)
        )
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
