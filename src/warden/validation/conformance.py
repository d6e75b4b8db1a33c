"""Conformance with Meta's reference hashes: PDQ on the reference images, vPDQ frame by frame on clips."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from warden import settings
from warden.hashing.item import HashOptions, hash_file
from warden.hashing.pdq import pdq_distance
from warden.hashing.video import VideoHashError, hash_video, vpdq_available
from warden.hashing.video_match import match_vpdq
from warden.model.hashes import VpdqFrame

PDQ_TOLERANCE = 16
"""Bits allowed for rows hashed by another decoder (what the reference port's own test allows)."""
VPDQ_TOLERANCE = 10
"""Bits allowed per frame (ThreatExchange's vPDQ regression test: below 10 where both are of quality 50+)."""

VPDQ_CLIPS = ("pattern-sd-grey-bar", "test-padded-dimensions")
"""Clips hashed frame by frame and compared with the reference output."""

VPDQ_PAIRS = (
    ("chair-22-sd-grey-bar", "chair-orig-22-sd-bar", True),
    ("pattern-sd-grey-bar", "chair-orig-22-sd-bar", False),
)
"""(query, listed, should match): a greyscale copy matches its original; an unrelated clip does not."""


def pdq_reference_rows(media: Path) -> list[dict[str, str]]:
    """The rows of ``pdq-reference/expected.csv``."""
    with (media / "pdq-reference" / "expected.csv").open(newline="", encoding="utf-8") as stream:
        return list(csv.DictReader(stream))


def pdq_conformance(media: Path, *, exact: bool) -> dict[str, Any]:
    """Hash every reference image as a scan would (fast or ``--exact-pdq``) and compare with the reference.

    Rows computed by ``pdqhash`` on Pillow-decoded pixels must match exactly (quality too, where given);
    rows from another decoder within :data:`PDQ_TOLERANCE` bits. In the fast mode, an image that was not
    decoded the reference way (reduced, or a colour JPEG read as its luma channel: ``pdq_method`` ``fast``)
    is another decoder too, and a hash below the matching floor (``pdq_min_quality``), which is never
    matched, is not compared, as vPDQ's check compares only frames of that quality.
    """
    options = HashOptions(exact_pdq=exact, variants=False, video=False)
    min_quality = settings.get_int(settings.PDQ_MIN_QUALITY)
    rows = pdq_reference_rows(media)
    failures = []
    worst = 0
    exact_rows = not_compared = 0
    for row in rows:
        hashes = hash_file(media / "pdq-reference" / row["file"], options)
        must_equal = "test_pdq_hasher.py" in row["origin"] and hashes.pdq_method != "fast"
        exact_rows += must_equal
        if hashes.pdq is None:
            failures.append(
                {"file": row["file"], "problem": "; ".join(e.message for e in hashes.errors) or "no hash"}
            )
            continue
        if hashes.pdq_method == "fast" and (hashes.pdq_quality or 0) < min_quality:
            not_compared += 1
            continue
        distance = pdq_distance(hashes.pdq, row["pdq"])
        worst = max(worst, distance)
        if must_equal and (distance or (row["quality"] and hashes.pdq_quality != int(row["quality"]))):
            failures.append(
                {"file": row["file"], "problem": f"differs from the reference by {distance} bits"}
            )
        elif not must_equal and distance > PDQ_TOLERANCE:
            failures.append(
                {"file": row["file"], "problem": f"{distance} bits from the reference (> {PDQ_TOLERANCE})"}
            )
    return {
        "mode": "exact" if exact else "fast",
        "rows": len(rows),
        "passed": len(rows) - len(failures),
        "exact_rows": exact_rows,
        "not_compared": not_compared,
        "max_distance": worst,
        "failures": failures,
    }


def _reference_frames(path: Path) -> list[VpdqFrame]:
    frames = []
    for line in path.read_text(encoding="utf-8").split():
        _, quality, pdq, timestamp = line.split(",")
        frames.append(VpdqFrame(pdq, int(quality), float(timestamp)))
    return frames


def _clip(media: Path, clip: str) -> dict[str, Any]:
    videos = media / "videos"
    try:
        frames = hash_video(videos / f"{clip}.mp4", seconds_per_hash=0)
    except VideoHashError as error:
        return {"clip": clip, "passed": False, "problem": str(error)}
    reference = _reference_frames(videos / "vpdq-expected" / f"{clip}.txt")
    min_quality = settings.get_int(settings.PDQ_MIN_QUALITY)
    distances = [
        pdq_distance(ours.pdq, theirs.pdq)
        for ours, theirs in zip(frames, reference, strict=False)
        if ours.quality >= min_quality and theirs.quality >= min_quality
    ]
    worst = max(distances, default=0)
    same_count = len(frames) == len(reference)
    return {
        "clip": clip,
        "frames": len(frames),
        "reference_frames": len(reference),
        "compared": len(distances),
        "max_distance": worst,
        "tolerance": VPDQ_TOLERANCE,
        "passed": same_count and bool(distances) and worst < VPDQ_TOLERANCE,
    }


def _pair(media: Path, query: str, listed: str, expected: bool) -> dict[str, Any]:
    videos = media / "videos"
    try:
        result = match_vpdq(hash_video(videos / f"{query}.mp4"), hash_video(videos / f"{listed}.mp4"))
    except VideoHashError as error:
        return {
            "query": query,
            "listed": listed,
            "expected": expected,
            "passed": False,
            "problem": str(error),
        }
    return {
        "query": query,
        "listed": listed,
        "expected": expected,
        "matched": result.match,
        "query_percent": round(result.query_percent, 1),
        "listed_percent": round(result.compared_percent, 1),
        "passed": result.match is expected,
    }


def vpdq_conformance(
    media: Path, clips: Sequence[str] = VPDQ_CLIPS, pairs: Sequence[tuple[str, str, bool]] = VPDQ_PAIRS
) -> dict[str, Any]:
    """vPDQ of reference clips, every frame, against the reference output; and two matching decisions."""
    if not vpdq_available():
        return {
            "available": False,
            "note": "vpdq is not installed (pip install 'warden[video]'): not checked",
        }
    return {
        "available": True,
        "clips": [_clip(media, clip) for clip in clips],
        "matching": [_pair(media, query, listed, expected) for query, listed, expected in pairs],
    }


def media_files(
    media: Path, clips: Sequence[str] = VPDQ_CLIPS, pairs: Sequence[tuple[str, str, bool]] = VPDQ_PAIRS
) -> list[Path]:
    """Every reference file the conformance checks read (for the media checksum)."""
    files = [media / "pdq-reference" / "expected.csv"]
    files += [media / "pdq-reference" / row["file"] for row in pdq_reference_rows(media)]
    names = set(clips) | {name for query, listed, _ in pairs for name in (query, listed)}
    files += [media / "videos" / f"{name}.mp4" for name in sorted(names)]
    files += [media / "videos" / "vpdq-expected" / f"{clip}.txt" for clip in clips]
    return files
