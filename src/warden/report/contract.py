"""``report.json``, the contract: built from the case's items by a pure function, field by field as documented
in ``docs/report-schema.md``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from warden import TOOL_NAME, __version__
from warden.case.audit_verify import ChainStatus
from warden.model.records import GradeRecord, ItemRecord, MatchRecord, VideoSegment, item_place
from warden.report.continuity import AuditEntry, continuity_section
from warden.report.conversations import IncludedConversation, conversations_section
from warden.report.distribution import DistributionData, distribution_section
from warden.report.exhibits import exhibit_sections, indictment_section
from warden.report.method import ScanRun, method_section
from warden.report.not_examined import not_examined_section
from warden.report.site import SiteData, site_section
from warden.report.summary import summarize
from warden.sentencing.section import sentencing_section
from warden.validation.store import StoredValidation

SCHEMA = "warden.report/1"


@dataclass(frozen=True, slots=True)
class CaseHeader:
    """What the report says about the case itself."""

    id: str
    created: str
    evidence: list[dict[str, Any]]
    hashsets: list[dict[str, Any]]


@dataclass(frozen=True, slots=True)
class ReportContext:
    """What the report needs of the case beyond its items: scan runs, the audit log and its chain's state,
    and the tool's stored validation result, and the case's crawl when it holds one (``site``), and the
    messages that carried matched images when the case holds conversations (``distribution``), and the
    conversations an examiner included (``conversations``). Empty by default (a report built from items
    alone)."""

    scans: tuple[ScanRun, ...] = ()
    audit: tuple[AuditEntry, ...] = ()
    chain: ChainStatus | None = None
    validation: StoredValidation | None = None
    site: SiteData | None = None
    distribution: DistributionData | None = None
    conversations: tuple[IncludedConversation, ...] = ()


def match_json(match: MatchRecord) -> dict[str, Any]:
    """One match in the contract's form; a video match with stretches also has ``segments``."""
    found: dict[str, Any] = {
        "kind": str(match.kind),
        "hashset": match.hashset,
        "source_id": match.source_id,
        "distance": int(match.distance) if float(match.distance).is_integer() else match.distance,
        "variant": match.variant,
        "hash_kind": match.hash_kind,
        "category": match.category.value,
    }
    if match.segments:
        found["segments"] = [segment_json(match, segment) for segment in match.segments]
    return found


def segment_json(match: MatchRecord, segment: VideoSegment) -> dict[str, Any]:
    """One stretch of a video match: where it lies in the item and in the listed video, in seconds and in
    words (``00:12-00:41 of the item = 00:00-00:29 of <entry>``)."""
    known = match.source_id if match.source_id else f"an entry of {match.hashset}"
    return {**segment.to_json(), "text": segment.describe(known)}


def video_parts(item: ItemRecord) -> list[dict[str, Any]]:
    """Every listed video a stretch of the item is part of (a compilation names each), in the item's order:
    the entry, its category, and each stretch (see :func:`segment_json`)."""
    parts = []
    for match in item.matches:
        for segment in match.segments:
            parts.append(
                {
                    "hashset": match.hashset,
                    "source_id": match.source_id,
                    "category": match.category.value,
                    **segment_json(match, segment),
                }
            )
    parts.sort(key=lambda part: (part["item_start"], part["hashset"], part["source_id"] or ""))
    return parts


def grade_json(grade: GradeRecord | None) -> dict[str, Any] | None:
    """An examiner's current grade and its second reviews, in the contract's form."""
    if grade is None:
        return None
    return {
        "category": grade.category.value,
        "by": grade.user,
        "at": grade.at,
        "note": grade.note,
        "status": grade.status,
        "reviews": [
            {"by": review.user, "verdict": review.verdict, "at": review.at, "note": review.note}
            for review in grade.reviews
        ],
    }


def item_json(item: ItemRecord) -> dict[str, Any]:
    """One item in the contract's form."""
    best = item.best_match
    category = item.category
    return {
        "evidence": item.evidence,
        "path": item.path,
        "size": item.size,
        "md5": item.md5,
        "sha1": item.sha1,
        "sha256": item.sha256,
        "pdq": item.pdq,
        "pdq_quality": item.pdq_quality,
        "media": item.media.value,
        "format": item.format,
        "category": category.value if category is not None and category.is_indecent else None,
        "match": match_json(best) if best is not None else None,
        "matches": len(item.matches),
        "video_parts": video_parts(item),
        "error": "; ".join(f"{e.stage}: {e.message}" for e in item.errors) or None,
        "not_examined": item.not_examined,
        "notes": list(item.notes),
        "state": item.state.value,
        "established_by": item.established_by,
        "grade": grade_json(item.grade),
        "parent": item.parent,
        "provenance": list(item.provenance),
        "mtime": item.mtime,
        "atime": item.atime,
        "ctime": item.ctime,
        "crtime": item.crtime,
    }


def build_report(
    header: CaseHeader, items: Sequence[ItemRecord], context: ReportContext | None = None
) -> dict[str, Any]:
    """The whole report: same items and context in, same dict out (items are ordered by evidence and path)."""
    context = context or ReportContext()
    ordered = sorted(items, key=lambda item: (item.evidence, item.path))
    report: dict[str, Any] = {
        "schema": SCHEMA,
        "case": {
            "id": header.id,
            "created": header.created,
            "evidence": header.evidence,
            "hashsets": header.hashsets,
            "tool": {"name": TOOL_NAME, "version": __version__},
        },
        "summary": summarize(ordered).to_json(),
        "items": [item_json(item) for item in ordered],
    }
    report["not_examined"] = not_examined_section(ordered)
    report["exhibits"] = exhibit_sections(header.evidence, ordered)
    report["indictment"] = indictment_section(report["summary"])
    report["method"] = method_section(context.scans, context.validation)
    names = {
        item.item_id: item_place(item.evidence, item.path) for item in ordered if item.item_id is not None
    }
    report["continuity"] = continuity_section(header.evidence, context.audit, context.chain, names)
    # Where the counts fall in the sentencing guideline: computed from the report itself, so the same case
    # gives the same section, and marked throughout as guidance for the court, not a sentence.
    report["sentencing"] = sentencing_section(report)
    if context.site is not None:
        report["site"] = site_section(context.site, ordered)
    if context.distribution is not None:
        report["distribution"] = distribution_section(context.distribution, ordered)
    if context.conversations:
        report["conversations"] = conversations_section(context.conversations)
    return report
