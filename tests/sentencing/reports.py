"""A ``report.json`` dict of the contract's shape with made-up counts, as a case would write it."""

from __future__ import annotations

from typing import Any

from warden.report.contract import CaseHeader, build_report


def report_with(
    counts: dict[str, tuple[int, int, int, int]], created: str = "2025-09-01T10:00:00.000000Z"
) -> dict[str, Any]:
    """A report whose ``summary.by_category`` holds ``counts``.

    Each category's tuple is (stills files, stills distinct, movies files, movies distinct).
    """
    report = build_report(CaseHeader("case-1", created, [], []), [])
    for name, (stills, stills_unique, movies, movies_unique) in counts.items():
        report["summary"]["by_category"][name] = {
            "stills_files": stills,
            "stills_unique": stills_unique,
            "movies_files": movies,
            "movies_unique": movies_unique,
        }
    return report
