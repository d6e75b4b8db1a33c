"""Accuracy on benign photos: edited copies of listed photos matched as a scan matches them, and unrelated
photos checked for false matches. Counts found, missed and false matches per edit."""

from __future__ import annotations

import hashlib
import math
import random
import shutil
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image, ImageOps

from warden.hashing import hash_types
from warden.hashing.item import FileHashes, HashOptions, hash_file
from warden.hashsets.model import Entry, HashSet
from warden.hashsets.store import HashSetStore, OpenHashSet
from warden.model.categories import Category
from warden.model.hashes import HashKind
from warden.scan.matcher import ItemHashes, Thresholds, match_item

MATCH = "match"
LIMITATION = "known limitation"


@dataclass(frozen=True, slots=True)
class Edit:
    """An edit made to a listed photo: its name, whether Warden is expected to find the copy, and how.

    Attributes:
        name: what the edit is, as the table prints it.
        expected: :data:`MATCH` or :data:`LIMITATION` (measured, not required).
        apply: writes the copy, given the photo's path and the copy's path.
        min_found: for an edit expected to match, the share of copies (percent) that must be found, set a
            little under what docs/limits.md measured on all 465 photos (see :func:`allowed_misses`).
    """

    name: str
    expected: str
    apply: Callable[[Path, Path], None]
    min_found: float = 95.0


def _saved(change: Callable[[Image.Image], Image.Image], quality: int = 90) -> Callable[[Path, Path], None]:
    def apply(photo: Path, copy: Path) -> None:
        with Image.open(photo) as image:
            change(image.convert("RGB")).save(copy, "JPEG", quality=quality)

    return apply


def _copy(photo: Path, copy: Path) -> None:
    shutil.copyfile(photo, copy)


def _bordered(image: Image.Image) -> Image.Image:
    return ImageOps.expand(image, border=(image.width // 10, image.height // 10), fill=(0, 0, 0))


EDITS: tuple[Edit, ...] = (
    Edit("exact copy", MATCH, _copy, min_found=100.0),
    Edit("recompressed (JPEG quality 50)", MATCH, _saved(lambda im: im, quality=50)),
    Edit(
        "resized to 50%",
        MATCH,
        _saved(lambda im: im.resize((max(32, im.width // 2), max(32, im.height // 2)))),
    ),
    Edit("greyscale", MATCH, _saved(lambda im: im.convert("L"))),
    Edit("mirrored", MATCH, _saved(ImageOps.mirror)),
    Edit("turned 90 degrees", MATCH, _saved(lambda im: im.transpose(Image.Transpose.ROTATE_90))),
    Edit("black border, 10% each side", MATCH, _saved(_bordered), min_found=90.0),
    Edit(
        "cropped 5% on one side",
        LIMITATION,
        _saved(lambda im: im.crop((0, 0, im.width * 95 // 100, im.height))),
        min_found=0.0,
    ),
)
"""The edits measured, in order; a crop is measured as the known limitation it is (docs/limits.md)."""


def choose(photos: Sequence[Path], sample: int, unrelated: int, seed: int) -> tuple[list[Path], list[Path]]:
    """(listed, unrelated): two disjoint random samples of the photos, the same for the same seed."""
    ordered = sorted(photos)
    rng = random.Random(seed)
    listed = sorted(rng.sample(ordered, min(sample, len(ordered))))
    taken = set(listed)
    rest = [photo for photo in ordered if photo not in taken]
    return listed, sorted(rng.sample(rest, min(unrelated, len(rest))))


def _item_hashes(hashes: FileHashes) -> ItemHashes:
    digests = {
        kind: value
        for kind, value in (
            (HashKind.MD5, hashes.md5),
            (HashKind.SHA1, hashes.sha1),
            (HashKind.SHA256, hashes.sha256),
        )
        if value
    }
    variants = [(variant.variant, variant.pdq, variant.quality) for variant in hashes.pdq_variants]
    return ItemHashes(digests=digests, pdq_variants=variants, video=hashes.vpdq)


def _listed_set(listed: Sequence[Path]) -> HashSet:
    # Listed the way a hash list is usually made: the reference PDQ of the original (full decode).
    options = HashOptions(exact_pdq=True, variants=False, video=False)
    entries = []
    for photo in listed:
        hashes = hash_file(photo, options)
        entries.append(
            Entry(
                md5=hashes.md5,
                sha1=hashes.sha1,
                sha256=hashes.sha256,
                pdq=hashes.pdq,
                category=Category.C,
                source_id=photo.name,
            )
        )
    digest = hashlib.sha256("".join(f"{e.source_id} {e.sha256}\n" for e in entries).encode()).hexdigest()
    return HashSet("validation", "validation", entries, "benign reference photos", digest)


def _matches(path: Path, listed: OpenHashSet, thresholds: Thresholds) -> set[str]:
    """Source ids of every entry the file matches, as a scan would match it."""
    hashes = hash_file(path)
    return {match.source_id or "" for match in match_item(_item_hashes(hashes), [listed], thresholds)}


def measure_accuracy(
    listed: Sequence[Path],
    unrelated: Sequence[Path],
    *,
    edits: Sequence[Edit] = EDITS,
    thresholds: Thresholds | None = None,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Match every edit of every listed photo, and every unrelated photo, against a list of the originals.

    The list lives in a throwaway store (its own key) in a temporary folder, and is matched through the same
    index and matcher a scan uses. A copy is *found* when it matches its own original, *missed* when it does
    not, and a *false match* when it matches another photo; an unrelated photo's every match is false.
    """
    thresholds = thresholds or hash_types.thresholds()
    say = progress or (lambda _text: None)
    with tempfile.TemporaryDirectory(prefix="warden-validate-") as temp:
        folder = Path(temp)
        store = HashSetStore(folder / "store", folder / "key")
        store.add(_listed_set(listed))
        open_set = store.open("validation")
        rows = []
        for edit in edits:
            found = missed = false = 0
            for photo in listed:
                copy = folder / "edited-copy"  # the name says nothing: media is known by its bytes
                edit.apply(photo, copy)
                matched = _matches(copy, open_set, thresholds)
                if photo.name in matched:
                    found += 1
                else:
                    missed += 1
                false += bool(matched - {photo.name})
            rows.append(
                {
                    "edit": edit.name,
                    "expected": edit.expected,
                    "copies": len(listed),
                    "found": found,
                    "missed": missed,
                    "false_matches": false,
                    "found_percent": round(100.0 * found / len(listed), 1) if listed else 0.0,
                    "min_found_percent": edit.min_found if edit.expected == MATCH else None,
                }
            )
            say(f"{edit.name}: {found} of {len(listed)} found, {false} false matches")
        false_unrelated = sum(1 for photo in unrelated if _matches(photo, open_set, thresholds))
        say(f"unrelated photos: {false_unrelated} of {len(unrelated)} matched something (false matches)")
    return {
        "listed": len(listed),
        "thresholds": {
            "pdq_distance": thresholds["pdq_distance"],
            "pdq_min_quality": thresholds["pdq_min_quality"],
        },
        "edits": rows,
        "unrelated": {"photos": len(unrelated), "false_matches": false_unrelated},
    }


def allowed_misses(copies: int, min_found: float) -> int:
    """Misses an edit may have and still pass: ``100 - min_found`` percent of its copies, rounded up, so that
    a small sample (the tests run ten) is not failed by a single unlucky photo."""
    return math.ceil(copies * (100.0 - min_found) / 100.0 - 1e-9)


def accuracy_passed(accuracy: dict[str, Any]) -> bool:
    """No false match anywhere, and every edit expected to match found often enough."""
    for row in accuracy["edits"]:
        if row["false_matches"]:
            return False
        if row["expected"] == MATCH and row["missed"] > allowed_misses(
            row["copies"], row["min_found_percent"]
        ):
            return False
    return int(accuracy["unrelated"]["false_matches"]) == 0
