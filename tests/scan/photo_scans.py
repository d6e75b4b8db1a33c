"""What the scans of disk images and volumes in these tests share: a made-up hash set listing named test
photos, and ``warden scan`` run into a fresh case with its report read back."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from tests.evidence import images
from tests.scan.conftest import store_env
from warden.cli import main


def listed_photos(folder: Path, listed: Mapping[str, str]) -> Path:
    """``folder/set.csv``: each named test photo (:func:`tests.evidence.images.photo_bytes`) by its MD5, with
    its made-up category."""
    rows = [
        f"{hashlib.md5(images.photo_bytes(name)).hexdigest()},,,,{category},{name}"
        for name, category in listed.items()
    ]
    path = folder / "set.csv"
    path.write_text("md5,sha1,sha256,pdq,category,source_id\n" + "\n".join(rows) + "\n")
    return path


def scan_report(
    evidence: Path, root: Path, hashset: Path, *options: str
) -> tuple[int, dict[str, Any] | None]:
    """``warden scan EVIDENCE --hashset HASHSET --case ROOT/c OPTIONS`` with its stores under ``root``, in
    UTC, one worker, quiet: the exit code and ``report.json`` (None when none was written)."""
    with pytest.MonkeyPatch.context() as patch:
        store_env(patch, root)
        patch.setenv("TZ", "UTC")
        args = ["scan", str(evidence), "--hashset", str(hashset), "--case", str(root / "c"), *options]
        code = main([*args, "--workers", "1", "--quiet"])
    report = root / "c" / "report.json"
    return code, json.loads(report.read_text()) if report.exists() else None


def scanned(evidence: Path, root: Path, hashset: Path, *options: str) -> dict[str, Any]:
    """:func:`scan_report` of a scan that must succeed: its report."""
    code, report = scan_report(evidence, root, hashset, *options)
    assert code == 0 and report is not None
    return report
