"""Write a case's reports from what its database holds (and the tool's stored validation result)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from warden.case import conversation_messages, conversations, crawl_state, lead_decisions, site_facts
from warden.case.audit_verify import check_chain
from warden.case.folder import Case
from warden.case.items import load_items
from warden.case.report_data import items_per_scan, log_rows, scan_rows
from warden.report.continuity import AuditEntry, without_idle_runs
from warden.report.contract import CaseHeader, ReportContext, build_report
from warden.report.conversations import IncludedConversation
from warden.report.distribution import DistributionData
from warden.report.method import ScanRun
from warden.report.site import SiteData
from warden.report.writers import DEFAULT_FORMATS, ReportWriter, writer_for
from warden.validation.store import load_latest


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


def _options(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def site_data(case: Case) -> SiteData | None:
    """The case's crawl as recorded, for the report's ``site`` section; None when it holds no crawl."""
    runs = crawl_state.runs(case.engine)
    if not runs:
        return None
    return SiteData(
        runs=tuple(runs),
        frontier=tuple(crawl_state.load_frontier(case.engine)),
        pages=tuple(site_facts.pages_read(case.engine)),
        hosts=tuple(site_facts.hosts(case.engine)),
        warc_files=frozenset(row.name for row in crawl_state.warc_files(case.engine)),
    )


def distribution_data(case: Case) -> DistributionData | None:
    """The messages that carried matched images, for the report's ``distribution`` section; None when no
    app database of the case was read for conversations."""
    counts = conversations.source_counts(case.engine)
    if not counts["sources"]:
        return None
    with case.engine.connect() as connection:
        linked = conversations.linked_messages(connection)
    return DistributionData(tuple(linked), counts)


def included_conversations(case: Case) -> tuple[IncludedConversation, ...]:
    """The conversations an examiner included in the report (decision in force "include"), with their
    messages; nothing of their leads."""
    found = []
    with case.engine.connect() as connection:
        for decision in lead_decisions.included(connection):
            stored = conversation_messages.conversation(connection, decision.ref)
            if stored is not None:
                found.append(IncludedConversation(stored[0], tuple(stored[1]), decision.by, decision.at))
    return tuple(found)


def report_context(case: Case) -> ReportContext:
    """Scan runs, the audit log with its chain's state, and the stored validation result.

    Scan runs that recorded no item (a finished scan run again) are left out with their log entries, so that
    they change no report (:func:`~warden.report.continuity.without_idle_runs`); the chain is checked whole.
    """
    with case.engine.connect() as connection:
        scans = [
            ScanRun(r.id, r.started_at, r.finished_at, r.status, r.operator, _options(r.options))
            for r in scan_rows(connection)
        ]
        entries = [
            AuditEntry(r.id, r.at, r.actor, r.action, AuditEntry.parse_detail(r.detail), r.hash)
            for r in log_rows(connection)
        ]
        recorded = items_per_scan(connection)
        chain = check_chain(connection)
    kept_scans, kept_entries = without_idle_runs(scans, entries, recorded)
    return ReportContext(
        scans=tuple(kept_scans),
        audit=tuple(kept_entries),
        chain=chain,
        validation=load_latest(),
        site=site_data(case),
        distribution=distribution_data(case),
        conversations=included_conversations(case),
    )


def build_case_report(case: Case) -> dict[str, Any]:
    """The case's ``report.json`` dict."""
    return build_report(case_header(case), load_items(case.engine), report_context(case))


def write_reports(
    case: Case,
    formats: list[str] | None = None,
    *,
    out: Path | None = None,
    annex: bool = False,
    profile: str | None = None,
) -> tuple[dict[str, Any], dict[str, Path]]:
    """Build the report and write it in the named formats (default: every format but ``pdf``).

    Args:
        case: the open case.
        formats: writer names (``json``, ``html``, ``csv``, ``vics``, ``pdf``).
        out: folder to write into; the case folder by default.
        annex: also write the separately marked annex of blurred thumbnails (``report-annex.html``, and
            ``report-annex.pdf`` when ``pdf`` is among the formats).
        profile: category profile of the VICS export (default ``uk``).

    Returns:
        The report dict and the written paths by format (the annex as ``annex-html``/``annex-pdf``).

    Raises:
        UsageError: an unknown format or profile.
        DependencyMissingError: ``pdf`` without WeasyPrint.
        KeyFileError: the case's audit log is keyed with another key than this machine's (nothing written).
    """
    names = list(dict.fromkeys(formats or DEFAULT_FORMATS))
    writers: list[ReportWriter] = [writer_for(name, profile=profile) for name in names]
    # Writing is logged at the end; a case keyed with another audit key than this machine's is refused first,
    # so that no report is written that the log could not record.
    case.check_audit_key()
    folder = out or case.path
    folder.mkdir(parents=True, exist_ok=True)
    report = build_case_report(case)
    written = {writer.name: writer.write(report, folder) for writer in writers if writer.applies_to(report)}
    if annex:
        from warden.report.annex import write_annex

        written.update(write_annex(case, report, folder, pdf="pdf" in names))
    # Logged after the report is built, and left out of its continuity section: writing a report never
    # changes the next one.
    case.audit(
        "report.write",
        {
            "formats": sorted(written),
            "files": [path.name for path in written.values()],
            "folder": str(folder),
            "annex": annex,
        },
    )
    case.log(f"reports written to {folder}: {', '.join(sorted(p.name for p in written.values()))}")
    return report, written
