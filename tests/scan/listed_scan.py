"""Scanning through the command line against a one-entry hash set (the listed bytes, category A), as the
raised-limit tests of the scan and of the review app's previews both need."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from warden.cli import main


def scan_listed(evidence: Path, listed: bytes, case: Path, *extra: str) -> int:
    """``warden scan`` of ``evidence`` into ``case`` with one worker; the exit code."""
    hashset = case.parent / "listed.csv"
    hashset.write_text(f"md5,sha1,sha256,pdq,category,source_id\n{hashlib.md5(listed).hexdigest()},,,,A,T1\n")
    arguments = ["scan", str(evidence), "--hashset", str(hashset), "--case", str(case), "--quiet"]
    return main([*arguments, "--workers", "1", *extra])


def read_report(case: Path) -> dict[str, Any]:
    """The case's report.json."""
    report: dict[str, Any] = json.loads((case / "report.json").read_text())
    return report
