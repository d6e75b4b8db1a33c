"""Still-image and video hashing speed: Warden's full item beside the naive pipeline, PDQ alone, the way HMA
hashes, and the decode ceiling, in one run; vPDQ beside the ``vpdq`` package.

Rows, each one image at a time in this one process, three passes each (the fastest counts):

- naive: the file read once, MD5, SHA-1 and SHA-256 with ``hashlib``, Pillow's full decode, ``pdqhash``;
- HMA way: python-threatexchange's ``pdq_hasher`` as Meta's Hasher-Matcher-Actioner runs it (Pillow at full
  size, ``pdqhash``, the bits to hex through a string of 0s and 1s);
- PDQ alone: ``pdqhash`` on Pillow's reduced-scale decode (``draft``), no variants, no digests;
- Warden fast PDQ: Warden's strict reduced-scale decode and one ``pdqhash``;
- decode ceiling: what no hashing can beat: Warden's read with the three digests and its reduced-scale
  decode, no PDQ at all;
- Warden full item: ``hash_file`` as ``warden hash`` and a scan run it: three digests, PDQ with the eight
  rotations and mirrors, the border check and, where there are bars, the trimmed forms' eight.

on generated 12 MP JPEGs (4000 x 3000, quality 90, upscaled from the benign photos into a temporary folder)
and on the shared photos as they are (300 by default). Then start-up: ``warden --help`` and ``warden hash`` of
one photo, launch to exit, beside the bare interpreter and python-threatexchange's ``threatexchange hash
photo``. Then video: every sample clip through ``vpdq`` at
every frame and at one frame a second, beside Warden's movie item (vPDQ at one frame a second plus the dense,
mirrored and trimmed frames), as frames of the clip per second of work. Then the accuracy of the fast hash
against the full decode.

    python benchmarks/bench_hashing.py [--images N] [--photos N] [--passes N] [--no-video] [--robustness]

``--robustness`` also measures, over every photo, how often edited copies (mirrored, turned, bordered) still
match, and how many photos get trimmed variants; ``docs/limits.md`` quotes those numbers.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pdqhash
from PIL import Image, ImageOps

from warden.hashing.borders import find_borders
from warden.hashing.decode import decode_still
from warden.hashing.digests import open_evidence, read_and_digest
from warden.hashing.item import HashOptions, hash_file
from warden.hashing.pdq import FAST_MIN_SIDE, pdq_distance, pdq_hash

MEDIA = Path(__file__).resolve().parent.parent.parent / "shared" / "media"
BIG_SIZE = (4000, 3000)
MAX_PIXELS = 10**9


def hma_pdq(path: Path) -> tuple[str, int]:
    """PDQ the way python-threatexchange's ``pdq_hasher.pdq_from_file`` computes it for HMA."""
    image = Image.open(path)
    array = np.asarray(image.convert("RGB") if image.mode == "LA" else image)
    if array.ndim == 2:
        array = np.stack([array, array, array], axis=2)
    bits, quality = pdqhash.compute(array)
    binary = "".join(str(int(bit)) for bit in bits)
    return f"{int(binary, 2):064x}", int(quality)


def warden_pdq(path: Path, reduce_to: int | None) -> tuple[str, int]:
    """Warden's PDQ of a still: read, decode (reduced when ``reduce_to`` is set), hash."""
    decoded = decode_still(path.read_bytes(), "jpeg", max_pixels=MAX_PIXELS, reduce_to=reduce_to)
    return pdq_hash(decoded.pixels)


def warden_item(path: Path) -> tuple[str, int]:
    """Everything ``warden hash`` does for a still: digests, fast PDQ, 8 rotations/mirrors, border check."""
    hashes = hash_file(path, HashOptions())
    if hashes.pdq is None or hashes.pdq_quality is None:
        raise RuntimeError(f"{path}: {hashes.errors}")
    return hashes.pdq, hashes.pdq_quality


def naive(path: Path) -> tuple[str, int]:
    """The plain way: read, three ``hashlib`` digests, Pillow's full decode, ``pdqhash``."""
    data = path.read_bytes()
    for digest in (hashlib.md5, hashlib.sha1, hashlib.sha256):
        digest(data).hexdigest()
    bits, quality = pdqhash.compute(np.asarray(Image.open(io.BytesIO(data)).convert("RGB")))
    return np.packbits(np.asarray(bits, dtype=np.uint8)).tobytes().hex(), int(quality)


def pdq_alone(path: Path) -> tuple[str, int]:
    """``pdqhash`` on Pillow's reduced-scale JPEG decode, as small as Warden's fast mode reads it."""
    image = Image.open(path)
    image.draft("RGB", (FAST_MIN_SIDE, FAST_MIN_SIDE))
    bits, quality = pdqhash.compute(np.asarray(image.convert("RGB")))
    return np.packbits(np.asarray(bits, dtype=np.uint8)).tobytes().hex(), int(quality)


def decode_ceiling(path: Path) -> tuple[str, int]:
    """Warden's read with its three digests and its reduced-scale decode, and no PDQ: the ceiling."""
    with open_evidence(path) as stream:
        read = read_and_digest(stream, lambda head: 1 << 30)
    assert read.data is not None
    decode_still(read.data, "jpeg", max_pixels=MAX_PIXELS, reduce_to=FAST_MIN_SIDE)
    return read.digests.sha256, 0


@dataclass
class Row:
    """One way of hashing: its label, images per second and the hashes it gave."""

    label: str
    per_second: float
    hashes: list[str]


def make_big_jpegs(photos: Sequence[Path], folder: Path) -> list[Path]:
    """Upscale photos to 12 MP JPEGs (quality 90) in ``folder``."""
    paths = []
    for photo in photos:
        path = folder / f"{photo.stem}-12mp.jpg"
        Image.open(photo).convert("RGB").resize(BIG_SIZE, Image.Resampling.LANCZOS).save(path, quality=90)
        paths.append(path)
    return paths


def distribution(name: str, distances: Sequence[int]) -> str:
    """One accuracy line: share within 10 bits, worst and mean distance."""
    values = np.asarray(distances)
    within = 100 * float((values <= 10).mean())
    return (
        f"{name}: {len(values)} images, {within:.1f}% within 10 bits, "
        f"max {int(values.max())}, mean {float(values.mean()):.2f}"
    )


def speed_table(rows: list[Row]) -> str:
    """The side-by-side table: each row's images per second, and how many times the naive pipeline's."""
    baseline = rows[0].per_second
    width = max(len(row.label) for row in rows)
    lines = [f"{'':{width}}  images/s  vs naive", f"{'-' * width}  --------  --------"]
    lines += [
        f"{row.label:{width}}  {row.per_second:8.1f}  {row.per_second / baseline:7.1f}x" for row in rows
    ]
    return "\n".join(lines)


def ratios(rows: dict[str, Row], naive_target: float) -> str:
    """What the targets of issue 13 compare: a full item's cost against PDQ alone, its speed against naive."""
    full, alone = rows["full"].per_second, rows["alone"].per_second
    cost = alone / full
    speed = full / rows["naive"].per_second
    ceiling = rows["ceiling"].per_second / full
    return "\n".join(
        [
            f"full item costs {cost:.2f}x PDQ alone (target <= 1.25: {'met' if cost <= 1.25 else 'NOT met'})",
            f"full item is {speed:.1f}x the naive pipeline "
            f"(target >= {naive_target:g}: {'met' if speed >= naive_target else 'NOT met'})",
            f"the decode ceiling is {ceiling:.2f}x the full item's rate",
        ]
    )


IMAGE_ROWS: dict[str, tuple[str, Callable[[Path], tuple[str, int]]]] = {
    "naive": ("naive (read, 3 digests, full decode, pdqhash)", naive),
    "hma": ("HMA way (full decode + pdqhash)", hma_pdq),
    "alone": ("PDQ alone (Pillow reduced decode + pdqhash)", pdq_alone),
    "fast": ("Warden fast PDQ (reduced decode + pdqhash)", lambda path: warden_pdq(path, FAST_MIN_SIDE)),
    "ceiling": ("decode ceiling (read, 3 digests, reduced decode)", decode_ceiling),
    "full": ("Warden full item (3 digests, PDQ x 8 variants, borders)", warden_item),
}


def image_rows(paths: Sequence[Path], passes: int = 3) -> dict[str, Row]:
    """Every still-image row over ``paths``, by key: each row hashes every path in turn, the rows one after
    the other, ``passes`` times over, and each row keeps its fastest pass (as ``timeit`` does), so that a
    burst of other work on a shared machine slows one pass, not the figure."""
    best = dict.fromkeys(IMAGE_ROWS, float("inf"))
    hashes: dict[str, list[str]] = {}
    for _ in range(passes):
        for key, (_, hasher) in IMAGE_ROWS.items():
            hasher(paths[0])  # warm-up: imports, caches
            start = time.perf_counter()
            hashes[key] = [hasher(path)[0] for path in paths]
            best[key] = min(best[key], time.perf_counter() - start)
    return {key: Row(label, len(paths) / best[key], hashes[key]) for key, (label, _) in IMAGE_ROWS.items()}


def _best_seconds(command: Sequence[str], runs: int) -> float:
    """The fastest wall time of ``runs`` runs of ``command`` (output discarded)."""
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        best = min(best, time.perf_counter() - start)
    return best


def startup_table(photo: Path, runs: int = 10) -> str:
    """Seconds from launch to exit of ``warden --help`` and of ``warden hash`` of one photo, beside the bare
    interpreter and python-threatexchange's ``threatexchange hash photo`` (HMA's hasher), best of ``runs``."""
    bin_dir = Path(sys.executable).parent
    warden, threatexchange = str(bin_dir / "warden"), str(bin_dir / "threatexchange")
    rows = [
        ("python -c pass (the interpreter alone)", [sys.executable, "-c", "pass"]),
        ("warden --help", [warden, "--help"]),
        ("warden hash PHOTO (digests, PDQ x 8, borders; JSON)", [warden, "hash", str(photo)]),
        ("threatexchange hash photo PHOTO (PDQ alone)", [threatexchange, "hash", "photo", str(photo)]),
    ]
    width = max(len(label) for label, _ in rows)
    lines = [f"{'':{width}}  seconds (best of {runs})", f"{'-' * width}  ----------------"]
    timings = {}
    for label, command in rows:
        timings[label] = _best_seconds(command, runs)
        lines.append(f"{label:{width}}  {timings[label]:16.3f}")
    for label in (rows[1][0], rows[2][0]):
        verdict = "met" if timings[label] < 0.15 else "NOT met"
        lines.append(f"{label.split(' (')[0]} starts in {timings[label]:.3f} s (target < 0.15: {verdict})")
    return "\n".join(lines)


def video_table(videos: Sequence[Path]) -> str:
    """vPDQ speed: ``vpdq`` at every frame and at one a second, and Warden's movie item, in clip frames/s."""
    import vpdq

    totals = {"every": 0.0, "second": 0.0, "warden": 0.0}
    frames = 0
    for video in videos:
        start = time.perf_counter()
        frames += len(vpdq.computeHash(str(video), seconds_per_hash=0))
        totals["every"] += time.perf_counter() - start
        start = time.perf_counter()
        vpdq.computeHash(str(video), seconds_per_hash=1)
        totals["second"] += time.perf_counter() - start
        start = time.perf_counter()
        item = hash_file(video, HashOptions())
        totals["warden"] += time.perf_counter() - start
        if item.vpdq is None or item.errors:
            raise RuntimeError(f"{video}: {item.errors}")
    labels = {
        "every": "vpdq package, every frame",
        "second": "vpdq package, one frame a second",
        "warden": "Warden movie item (vPDQ 1/s + dense, mirrored, trimmed frames)",
    }
    width = max(map(len, labels.values()))
    lines = [
        f"{len(videos)} clips, {frames} frames in all",
        f"{'':{width}}  clip frames/s  vs vpdq every frame",
        f"{'-' * width}  -------------  ------------------",
    ]
    for key, label in labels.items():
        rate = frames / totals[key]
        lines.append(f"{label:{width}}  {rate:13.1f}  {totals['every'] / totals[key]:17.2f}x")
    return "\n".join(lines)


Colour = str | tuple[int, int, int]


def _framed(image: Image.Image, top: int, bottom: int, left: int, right: int, colour: Colour) -> Image.Image:
    framed = Image.new("RGB", (image.width + left + right, image.height + top + bottom), colour)
    framed.paste(image, (left, top))
    return framed


EDITS: dict[str, Callable[[Image.Image], Image.Image]] = {
    "mirrored": ImageOps.mirror,
    "turned 90": lambda im: im.transpose(Image.Transpose.ROTATE_90),
    "turned 180": lambda im: im.transpose(Image.Transpose.ROTATE_180),
    "black border 10%": lambda im: _framed(
        im, im.height // 10, im.height // 10, im.width // 10, im.width // 10, "black"
    ),
    "white border 20 px": lambda im: _framed(im, 20, 20, 20, 20, "white"),
    "red border": lambda im: _framed(im, 25, 25, 40, 40, (200, 30, 40)),
    "letterbox 20%": lambda im: _framed(im, im.height // 5, im.height // 5, 0, 0, "black"),
    "pillarbox 25%": lambda im: _framed(im, 0, 0, im.width // 4, im.width // 4, "black"),
    "uneven blue bars": lambda im: _framed(im, 6, im.height // 7, im.width // 3, 12, (20, 90, 160)),
    "border + mirror": lambda im: ImageOps.mirror(_framed(im, 30, 30, 30, 30, "white")),
    "border + turn 90": lambda im: _framed(im, 40, 40, 10, 10, "black").transpose(Image.Transpose.ROTATE_90),
    "scaled to 50%": lambda im: im.resize((im.width // 2, im.height // 2), Image.Resampling.LANCZOS),
    "no edit (control)": lambda im: im,
    "cropped 5% one side": lambda im: im.crop((0, 0, im.width * 95 // 100, im.height)),
    "cropped 5% all round": lambda im: im.crop(
        (im.width // 20, im.height // 20, im.width - im.width // 20, im.height - im.height // 20)
    ),
    "turned 2 degrees": lambda im: im.rotate(2, resample=Image.Resampling.BICUBIC),
    "turned 5 degrees": lambda im: im.rotate(5, resample=Image.Resampling.BICUBIC),
    "gradient border": lambda im: _gradient_framed(im, im.width // 10),
}


def _gradient_framed(image: Image.Image, margin: int) -> Image.Image:
    """The image on a grey-to-white gradient background: a border that is not one colour."""
    size = (image.width + 2 * margin, image.height + 2 * margin)
    framed = Image.linear_gradient("L").resize(size).convert("RGB")
    framed.paste(image, (margin, margin))
    return framed


def robustness(photos: Sequence[Path], folder: Path) -> str:
    """How often each edit of each photo (saved as JPEG quality 90) still matches the photo's exact hash."""
    lines = [f"{'edit':20}  matched  mean best  worst   (best variant within 31 bits of the photo's hash)"]
    listed: dict[Path, str] = {}
    trimmed = 0
    for photo in photos:
        exact = hash_file(photo, HashOptions(exact_pdq=True, variants=False))
        if exact.pdq is not None and exact.pdq_matchable:
            listed[photo] = exact.pdq
        pixels = decode_still(
            photo.read_bytes(), "jpeg", max_pixels=MAX_PIXELS, reduce_to=FAST_MIN_SIDE
        ).pixels
        trimmed += find_borders(pixels) is not None
    copy = folder / "edited.jpg"
    for name, edit in EDITS.items():
        best = []
        for photo, pdq in listed.items():
            edit(Image.open(photo).convert("RGB")).save(copy, quality=90)
            variants = hash_file(copy).pdq_variants
            best.append(min(pdq_distance(variant.pdq, pdq) for variant in variants))
        values = np.asarray(best)
        matched = 100 * float((values <= 31).mean())
        lines.append(f"{name:20}  {matched:6.1f}%  {float(values.mean()):9.1f}  {int(values.max()):5d}")
    lines.append(f"photos of quality >= 50 (the others never match): {len(listed)} of {len(photos)}")
    lines.append(f"photos given trimmed variants (false trims or real frames): {trimmed} of {len(photos)}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and print the tables; returns the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--images", type=int, default=24, help="12 MP JPEGs to generate and time (default 24)"
    )
    parser.add_argument(
        "--photos", type=int, default=300, help="shared photos to time as they are (default 300)"
    )
    parser.add_argument("--media", type=Path, default=MEDIA, help="the benign shared media folder")
    parser.add_argument("--passes", type=int, default=3, help="passes per image row; the fastest counts")
    parser.add_argument("--no-video", action="store_true", help="leave out the video rows")
    parser.add_argument("--robustness", action="store_true", help="also measure edited copies (slow)")
    args = parser.parse_args(argv)
    photos = sorted((args.media / "photos").glob("*.jpg"))
    if not photos:
        print(f"no photos under {args.media / 'photos'}", file=sys.stderr)
        return 1
    step = max(1, len(photos) // max(1, args.images))
    with tempfile.TemporaryDirectory(prefix="warden-bench-") as temp:
        folder = Path(temp)
        print(f"generating {args.images} JPEGs of {BIG_SIZE[0]}x{BIG_SIZE[1]} (quality 90) ...", flush=True)
        big = make_big_jpegs(photos[::step][: args.images], folder)
        rows = image_rows(big, args.passes)
        print()
        print(f"12 MP JPEGs ({len(big)}):")
        print(speed_table(list(rows.values())))
        print(ratios(rows, 25))
        print()
        shared = photos[: args.photos]
        photo_rows = image_rows(shared, args.passes)
        print(f"shared photos as they are ({len(shared)}, 75x56 to 2400x1600):")
        print(speed_table(list(photo_rows.values())))
        print(ratios(photo_rows, 2))
        print()
        print("start-up, one process per command:")
        print(startup_table(shared[0]))
        videos = sorted((args.media / "videos").glob("*.mp4"))
        if not args.no_video and videos:
            print()
            print(video_table(videos))
        print()
        hma, exact = rows["hma"].hashes, [warden_pdq(path, None)[0] for path in big]
        same = sum(a == b for a, b in zip(hma, exact, strict=True))
        print(f"exact PDQ equals the HMA hash on {same} of {len(hma)} generated JPEGs")
        print(
            distribution(
                "fast vs full decode, generated 12 MP JPEGs",
                [pdq_distance(a, b) for a, b in zip(rows["fast"].hashes, hma, strict=True)],
            )
        )
        native = [
            pdq_distance(warden_pdq(photo, FAST_MIN_SIDE)[0], warden_pdq(photo, None)[0]) for photo in photos
        ]
        print(distribution("fast vs full decode, every photo as it is", native))
        if args.robustness:
            print()
            print(robustness(photos, folder))
    return 0


if __name__ == "__main__":
    sys.exit(main())
