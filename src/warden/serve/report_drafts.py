"""Report drafts from one match record: a CyberTipline report (NCMEC) and a UK report to the NCA.

Both are drafts for a person to complete and send: Warden fills what the record knows (when, which
upload, its hashes, which list entry it matched and how closely, the entry's category) and names every
field the platform must fill itself under ``to_fill``. A draft never holds the image, a thumbnail or a
link to either: what is reported with a file is the platform's to attach through the reporting system.

CyberTipline: the field names and nesting of NCMEC's CyberTipline Reporting API (``report``:
``incidentSummary``, ``reporter``, ``internetDetails``...; then per file ``fileDetails`` with
``originalFileHash`` and ``details``), as documented at report.cybertip.org/ispws/documentation and mirrored
by open clients; ``cybertipline_xml`` gives the XML the API takes. Categories: NCMEC's
``industryClassification`` (A1/A2/B1/B2) is not the UK's A/B/C and is left for a reviewer; the UK category
goes in ``additionalInfo``. ``fileViewedByEsp`` is false: a hash match is not a person viewing the file.

UK: section 66 of the Online Safety Act 2023 requires providers to report detected CSEA content to the NCA;
section 67 lets the Secretary of State set by regulations what a report contains. The draft follows the
parts of Schedule 1 of the Online Safety (CSEA Content Reporting by Regulated User-to-User Service Providers)
Regulations (SI 2026/268, in force 7 April 2026, replacing SI 2025/368): the authorised person, the content
detected, the user, the declaration, with the priority assessment of regulation 14. Only the Schedule's
headings and the regulations' definitions were read (not every paragraph, nor the NCA's portal or API
fields), so the UK draft names its sections, not the NCA's field names; ``UNVERIFIED`` says so in each draft.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from warden.serve.match_records import UploadMatch

CYBERTIPLINE_INCIDENT_TYPE = "Child Pornography (possession, manufacture, and distribution)"
"""The API's own incident type for apparent child sexual abuse material (its name, not Warden's words)."""

_HASH_TYPES = {"md5": "MD5", "sha1": "SHA1", "sha256": "SHA256"}
"""Binary hashes go in ``originalFileHash``; perceptual ones (PDQ, vPDQ...) in ``details`` as HASH."""

UK_UNVERIFIED = (
    "Field names of the NCA's reporting portal and API were not available; sections follow Schedule 1 of "
    "SI 2026/268 by its headings only. Check each against the regulations and the NCA's guidance before "
    "sending."
)
CYBERTIPLINE_UNVERIFIED = (
    "Field names follow the CyberTipline Reporting API as documented by NCMEC and open clients; check them "
    "against the current API version before sending."
)


@dataclass(frozen=True, slots=True)
class Reporter:
    """Who reports: the platform, and the person who will complete and send the report (if known)."""

    organisation: str
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    phone: str | None = None
    job_title: str | None = None


def _match_text(record: UploadMatch) -> str:
    entry = f" entry {record.entry_content_id}" if record.entry_content_id else ""
    return (
        f"Matched by Warden: {record.hash_kind} hash, distance {record.distance:g}, "
        f"variant {record.variant}, bank {record.bank}{entry}, category {record.category} "
        "(UK Sentencing Council category as listed)."
    )


def _perceptual(record: UploadMatch) -> list[dict[str, str]]:
    return [
        {"name": kind.upper(), "value": value, "type": "HASH"}
        for kind, value in sorted(record.hashes.items())
        if kind not in _HASH_TYPES
    ]


def cybertipline_draft(record: UploadMatch, reporter: Reporter) -> dict[str, Any]:
    """A CyberTipline report and its one file's details, as the API's JSON-like structure."""
    missing = []
    if not reporter.email:
        missing.append("report.reporter.reportingPerson.email")
    missing += [
        "report.internetDetails (where the upload was: web page, chat, ... with its URL or service)",
        "report.personOrUserReported (the account that uploaded it)",
        "fileDetails.fileName and the file itself, attached through the API's upload",
        "fileDetails.industryClassification (after a person has reviewed the file, if policy allows)",
    ]
    return {
        "format": "cybertipline",
        "record_id": record.record_id,
        "report": {
            "incidentSummary": {
                "incidentType": CYBERTIPLINE_INCIDENT_TYPE,
                "incidentDateTime": record.matched_at,
                "incidentDateTimeDescription": "when the upload matched a listed hash",
            },
            "reporter": {
                "reportingPerson": {
                    "firstName": reporter.first_name,
                    "lastName": reporter.last_name,
                    "email": reporter.email,
                    "phone": reporter.phone,
                },
                "companyTemplate": reporter.organisation,
            },
            "additionalInfo": f"Platform content id {record.content_id}. {_match_text(record)}",
        },
        "fileDetails": {
            "originalFileName": None,
            "fileViewedByEsp": False,
            "exifViewedByEsp": False,
            "publiclyAvailable": None,
            "fileRelevance": "Reported",
            "originalFileHash": [
                {"hashType": name, "value": record.hashes[kind]}
                for kind, name in _HASH_TYPES.items()
                if kind in record.hashes
            ],
            "details": [
                {"name": "platformContentId", "value": record.content_id},
                {"name": "matchedBank", "value": record.bank},
                {"name": "matchedEntry", "value": record.entry_content_id or ""},
                *_perceptual(record),
            ],
            "additionalInfo": [_match_text(record)],
        },
        "to_fill": missing,
        "unverified": CYBERTIPLINE_UNVERIFIED,
    }


def _element(parent: ET.Element, name: str, value: Any) -> None:
    if value is None:
        return
    if isinstance(value, Mapping):
        child = ET.SubElement(parent, name)
        for key, item in value.items():
            _element(child, key, item)
    elif isinstance(value, list):
        for item in value:
            _element(parent, name, item)
    else:
        ET.SubElement(parent, name).text = str(value).lower() if isinstance(value, bool) else str(value)


def cybertipline_xml(draft: Mapping[str, Any]) -> tuple[str, str]:
    """The draft as the API's two XML documents: the ``<report>``, then the file's ``<fileDetails>``.

    Fields left empty are left out; ``reportId`` and ``fileId``, which the API assigns, are for the sender.
    """
    report = ET.Element("report")
    for key, value in draft["report"].items():
        _element(report, key, value)
    details = ET.Element("fileDetails")
    for key, value in draft["fileDetails"].items():
        _element(details, key, value)
    return ET.tostring(report, encoding="unicode"), ET.tostring(details, encoding="unicode")


def uk_nca_draft(record: UploadMatch, reporter: Reporter) -> dict[str, Any]:
    """A report to the NCA under section 66 of the Online Safety Act 2023, by the parts of Schedule 1."""
    return {
        "format": "uk-osa-nca",
        "record_id": record.record_id,
        "legal_basis": "Online Safety Act 2023, s.66; Online Safety (CSEA Content Reporting by Regulated "
        "User-to-User Service Providers) Regulations 2026 (SI 2026/268), Schedule 1",
        "authorised_person": {
            "organisation": reporter.organisation,
            "name": " ".join(part for part in (reporter.first_name, reporter.last_name) if part) or None,
            "job_title": reporter.job_title,
            "email": reporter.email,
            "phone": reporter.phone,
        },
        "content": {
            "detected_at": record.matched_at,
            "content_id": record.content_id,
            "hash_values": [
                {"algorithm": kind, "value": value} for kind, value in sorted(record.hashes.items())
            ],
            "how_detected": _match_text(record),
            "matched_list": {"bank": record.bank, "entry": record.entry_content_id},
            "category": record.category,
            "location": None,
        },
        "user": None,
        "priority": None,
        "declaration": False,
        "to_fill": [
            "authorised_person: the registered authorised person's details, if not given",
            "content.location: where the content was on the service (URL, channel, message)",
            "user: the account that uploaded it and what the provider holds on it (Schedule 1, paras 4-6)",
            "priority: the urgency assessment (regulation 14), e.g. a child at immediate risk",
            "declaration: that all information reasonably available has been included (Schedule 1, para 7)",
        ],
        "unverified": UK_UNVERIFIED,
    }


DRAFTS = {"cybertipline": cybertipline_draft, "uk-osa-nca": uk_nca_draft}
"""The draft shapes by name, each fed by one record and the reporter."""
