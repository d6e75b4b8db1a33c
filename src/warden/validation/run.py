"""One validation run: PDQ and vPDQ conformance, then accuracy on edited benign photos, as one result."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from warden import TOOL_NAME, __version__
from warden.clock import utc_now
from warden.errors import UsageError
from warden.validation.accuracy import accuracy_passed, choose, measure_accuracy
from warden.validation.conformance import media_files, pdq_conformance, vpdq_conformance

SCHEMA = "warden.validation/1"


@dataclass(frozen=True, slots=True)
class ValidationOptions:
    """What to run: the reference media, how many photos to list and to check as unrelated, and the seed.

    The defaults keep a run near a minute on two cores; ``--sample 10`` is what the tests run.
    """

    media: Path
    sample: int = 200
    unrelated: int = 200
    seed: int = 1
    video: bool = True


def media_checksum(media: Path, files: Sequence[Path]) -> str:
    """SHA-256 over ``<relative path> <SHA-256 of the file>`` lines, sorted: names exactly which reference
    files (and which versions of them) the run read."""
    lines = []
    for path in files:
        lines.append(
            f"{path.relative_to(media).as_posix()} {hashlib.sha256(path.read_bytes()).hexdigest()}\n"
        )
    return hashlib.sha256("".join(sorted(lines)).encode("utf-8")).hexdigest()


def check_media(media: Path) -> list[Path]:
    """The benign photos in ``media``.

    Raises:
        UsageError: the folder is not the reference media (no photos, or no ``pdq-reference/expected.csv``).
    """
    photos = sorted((media / "photos").glob("*.jpg"))
    if not photos or not (media / "pdq-reference" / "expected.csv").is_file():
        raise UsageError(
            f"{media} is not the benign reference media "
            "(it needs photos/*.jpg and pdq-reference/expected.csv)"
        )
    return photos


def run_validation(
    options: ValidationOptions, progress: Callable[[str], None] | None = None
) -> dict[str, Any]:
    """Run every check and return the result (see docs/validation.md for its fields).

    Raises:
        UsageError: the media folder is not the reference media, or the sample sizes are not positive.
    """
    say = progress or (lambda _text: None)
    if options.sample < 1 or options.unrelated < 0:
        raise UsageError("--sample must be at least 1 and --unrelated at least 0")
    started = time.monotonic()
    photos = check_media(options.media)
    say("PDQ conformance with the reference hashes ...")
    pdq = [pdq_conformance(options.media, exact=False), pdq_conformance(options.media, exact=True)]
    for row in pdq:
        say(f"  {row['mode']}: {row['passed']} of {row['rows']} files")
    vpdq: dict[str, Any] = {"available": False, "note": "not run (--no-video)"}
    if options.video:
        say("vPDQ conformance and matching ...")
        vpdq = vpdq_conformance(options.media)
    listed, unrelated = choose(photos, options.sample, options.unrelated, options.seed)
    say(f"accuracy: {len(listed)} photos listed, {len(unrelated)} unrelated ...")
    accuracy = measure_accuracy(listed, unrelated, progress=lambda text: say("  " + text))
    files = media_files(options.media) + listed + unrelated
    checks = {
        "pdq_conformance": all(row["passed"] == row["rows"] for row in pdq),
        "vpdq_conformance": not vpdq["available"]
        or all(check["passed"] for check in vpdq["clips"] + vpdq["matching"]),
        "accuracy": accuracy_passed(accuracy),
    }
    return {
        "schema": SCHEMA,
        "tool": {"name": TOOL_NAME, "version": __version__},
        "date": utc_now(),
        "duration_seconds": round(time.monotonic() - started, 1),
        "media": {
            "path": str(options.media),
            "sha256": media_checksum(options.media, files),
            "files": len(files),
        },
        "options": {"sample": options.sample, "unrelated": options.unrelated, "seed": options.seed},
        "pdq_conformance": pdq,
        "vpdq_conformance": vpdq,
        "accuracy": accuracy,
        "checks": checks,
        "passed": all(checks.values()),
    }
