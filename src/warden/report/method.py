"""The report's ``method`` section: tool, thresholds, the tool's measured accuracy, and its known limits."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from warden import TOOL_NAME, __version__
from warden.validation.store import StoredValidation

THRESHOLD_KEYS = (
    "pdq_distance",
    "pdq_min_quality",
    "vpdq_percent",
    "vpdq_segment_seconds",
    "vpdq_segment_percent",
)
"""The matching thresholds a scan records in its options (``scan.matcher.Thresholds``)."""

HASHING_KEYS = ("exact_pdq", "vpdq_seconds_per_hash", "max_image_pixels", "max_image_bytes")
"""The hashing options a scan records that change what can match."""

NO_VALIDATION = (
    "No validation result is stored for this installation: run `warden validate` to measure the tool's "
    "accuracy on its benign reference media before relying on this report."
)


@dataclass(frozen=True, slots=True)
class ScanRun:
    """One run of ``warden scan`` as the case's ``scans`` table records it."""

    id: int
    started_at: str
    finished_at: str | None
    status: str
    operator: str
    options: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The contract's form (options limited to what changes matching)."""
        return {
            "id": self.id,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "status": self.status,
            "operator": self.operator,
            "thresholds": self.thresholds(),
            "hashing": {key: self.options[key] for key in HASHING_KEYS if key in self.options},
            "raised_limits": list(self.options.get("raised_limits") or []),
            "refused_before": list(self.options.get("refused_before") or []),
            "refused_before_count": int(self.options.get("refused_before_count") or 0),
        }

    def thresholds(self) -> dict[str, Any]:
        """The matching thresholds this run used."""
        return {key: self.options[key] for key in THRESHOLD_KEYS if key in self.options}


@cache
def known_limits() -> tuple[dict[str, str], ...]:
    """The known limits of matching, distilled from ``docs/limits.md``, as package data."""
    text = (resources.files("warden.report") / "data" / "known_limits.json").read_text(encoding="utf-8")
    return tuple(dict(limit) for limit in json.loads(text)["limits"])


def validation_json(stored: StoredValidation | None) -> dict[str, Any]:
    """What the report says of the tool's own validation: the stored result, or that there is none."""
    if stored is None:
        return {"stored": False, "note": NO_VALIDATION}
    result = stored.result
    version = str(result.get("tool", {}).get("version", ""))
    same = version == __version__
    note = (
        "measured by this version of the tool"
        if same
        else f"measured by version {version or 'unknown'}, not by {__version__} that wrote this report: "
        "run `warden validate` again"
    )
    return {
        "stored": True,
        "sha256": stored.sha256,
        "date": result.get("date"),
        "tool_version": version or None,
        "same_version": same,
        "passed": bool(result.get("passed")),
        "note": note,
        "result": result,
    }


def method_section(scans: Sequence[ScanRun], validation: StoredValidation | None) -> dict[str, Any]:
    """The ``method`` object: tool, the latest scan's thresholds (and whether every run agreed), the stored
    validation and the known limits. The hash sets and their checksums are in ``case.hashsets``."""
    latest = scans[-1] if scans else None
    settings = {
        (json.dumps(s.thresholds(), sort_keys=True), json.dumps(s.to_json()["hashing"])) for s in scans
    }
    return {
        "tool": {"name": TOOL_NAME, "version": __version__},
        "scans": [scan.to_json() for scan in scans],
        "thresholds": latest.thresholds() if latest else None,
        "hashing": latest.to_json()["hashing"] if latest else None,
        "scans_agree": len(settings) <= 1,
        "raised_limits": raised_limits(scans),
        "validation": validation_json(validation),
        "known_limits": [dict(limit) for limit in known_limits()],
    }


def raised_limits(scans: Sequence[ScanRun]) -> list[dict[str, Any]]:
    """Every container limit raised for one exhibit (``warden scan --raise-limit``), by scan run: the limit,
    its default and the value used, with how many recorded items the lower limit had refused before."""
    raised = []
    for scan in scans:
        refused = scan.to_json()
        for limit in refused["raised_limits"]:
            before = [r for r in refused["refused_before"] if r.get("evidence") == limit.get("exhibit")]
            raised.append({"scan": scan.id, **limit, "refused_before": before})
    return raised


def describe_thresholds(thresholds: Mapping[str, Any] | None) -> str:
    """The thresholds in words, for the HTML."""
    if not thresholds:
        return "no scan recorded"
    parts = []
    if "pdq_distance" in thresholds:
        parts.append(f"PDQ match at Hamming distance {thresholds['pdq_distance']} or less")
    if "pdq_min_quality" in thresholds:
        parts.append(f"PDQ hashes of quality under {thresholds['pdq_min_quality']} never match perceptually")
    if "vpdq_percent" in thresholds:
        parts.append(
            f"videos match when {thresholds['vpdq_percent']:g}% of distinct frames match in both directions"
        )
    if "vpdq_segment_seconds" in thresholds:
        share = thresholds.get("vpdq_segment_percent", 0)
        parts.append(
            f"a stretch of a video matches a stretch of a listed video when its frames match in order for "
            f"{thresholds['vpdq_segment_seconds']:g} s or more and {share:g}% or more of the shorter video"
        )
    return "; ".join(parts)
