"""Write a case's reports into its folder from what its database holds."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from warden.case.folder import Case
from warden.case.items import load_items
from warden.report.contract import CaseHeader, build_report
from warden.report.writers import WRITERS


def case_header(case: Case) -> CaseHeader:
    """The report's ``case`` section from the case database."""
    return CaseHeader(
        id=case.id,
        created=case.created,
        evidence=[
            {
                "label": e.label,
                "path": e.path,
                "kind": e.kind,
                "size": e.size,
                "sha256": e.sha256,
                "details": e.details,
            }
            for e in case.evidence()
        ],
        hashsets=[
            {
                "name": h.name,
                "entries": h.entries,
                "sha256": h.sha256,
                "format": h.format,
                "profile": h.profile,
                "source": h.source,
            }
            for h in case.hashsets()
        ],
    )


def write_reports(case: Case, formats: list[str] | None = None) -> tuple[dict[str, Any], dict[str, Path]]:
    """Build the report and write it in every (or the named) registered format; returns it and the paths."""
    report = build_report(case_header(case), load_items(case.engine))
    written = {}
    for name in formats or WRITERS.names():
        written[name] = WRITERS.get(name).write(report, case.path)
    case.audit("report.write", {"formats": sorted(written), "files": [p.name for p in written.values()]})
    return report, written
