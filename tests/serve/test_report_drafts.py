"""Report drafts: one match record feeds a CyberTipline draft and a UK NCA draft; neither holds the image."""

from __future__ import annotations

import base64
import hashlib
import json
import xml.etree.ElementTree as ET

from tests.media import media
from warden.serve.match_records import UploadMatch
from warden.serve.report_drafts import DRAFTS, Reporter, cybertipline_draft, cybertipline_xml, uk_nca_draft

REPORTER = Reporter(
    "Example Platform Ltd", "Ada", "Reviewer", "safety@platform.example", job_title="Trust & Safety"
)


def benign_record() -> tuple[UploadMatch, bytes]:
    """A record of a benign photo (made-up bank and category), and the photo's bytes."""
    photo = media("photos", "n01443537_goldfish.jpg").read_bytes()
    hashes = {
        "md5": hashlib.md5(photo).hexdigest(),
        "sha1": hashlib.sha1(photo).hexdigest(),
        "sha256": hashlib.sha256(photo).hexdigest(),
        "pdq": "a5" * 32,
    }
    record = UploadMatch(
        "0b6f6a8e-1111-4222-8333-944445555666", "2026-12-03T10:00:00.000000Z", "upload/77", hashes,
        "made-up-bank", "E-1", "pdq", 8.0, "rotate90", "B",
    )  # fmt: skip
    return record, photo


def test_the_cybertipline_draft_holds_the_record() -> None:
    record, _ = benign_record()
    draft = cybertipline_draft(record, REPORTER)
    summary = draft["report"]["incidentSummary"]
    assert summary["incidentDateTime"] == "2026-12-03T10:00:00.000000Z"
    assert summary["incidentType"].startswith("Child Pornography")
    assert draft["report"]["reporter"]["reportingPerson"]["email"] == "safety@platform.example"
    files = draft["fileDetails"]
    assert {(h["hashType"], h["value"]) for h in files["originalFileHash"]} == {
        ("MD5", record.hashes["md5"]), ("SHA1", record.hashes["sha1"]), ("SHA256", record.hashes["sha256"])
    }  # fmt: skip
    assert {"name": "PDQ", "value": "a5" * 32, "type": "HASH"} in files["details"]
    assert {"name": "platformContentId", "value": "upload/77"} in files["details"]
    assert files["fileViewedByEsp"] is False
    assert "made-up-bank" in files["additionalInfo"][0] and "category B" in files["additionalInfo"][0]
    assert draft["record_id"] == record.record_id and draft["to_fill"]


def test_the_cybertipline_draft_is_the_api_xml() -> None:
    record, _ = benign_record()
    report_xml, file_xml = cybertipline_xml(cybertipline_draft(record, REPORTER))
    report = ET.fromstring(report_xml)
    assert report.tag == "report"
    assert report.findtext("incidentSummary/incidentDateTime") == record.matched_at
    assert report.findtext("reporter/reportingPerson/email") == "safety@platform.example"
    files = ET.fromstring(file_xml)
    assert files.findtext("fileViewedByEsp") == "false"
    assert {(h.findtext("hashType"), h.findtext("value")) for h in files.findall("originalFileHash")} >= {
        ("MD5", record.hashes["md5"])
    }
    assert files.find("originalFileName") is None  # left empty for the platform, so left out


def test_the_uk_draft_holds_the_record_under_the_regulations_parts() -> None:
    record, _ = benign_record()
    draft = uk_nca_draft(record, REPORTER)
    assert "s.66" in draft["legal_basis"]
    assert draft["authorised_person"]["name"] == "Ada Reviewer"
    content = draft["content"]
    assert content["detected_at"] == record.matched_at and content["content_id"] == "upload/77"
    assert {"algorithm": "sha256", "value": record.hashes["sha256"]} in content["hash_values"]
    assert content["matched_list"] == {"bank": "made-up-bank", "entry": "E-1"} and content["category"] == "B"
    assert draft["declaration"] is False and draft["unverified"]


def test_no_draft_holds_the_image() -> None:
    record, photo = benign_record()
    for make in DRAFTS.values():
        text = json.dumps(make(record, REPORTER))
        assert base64.b64encode(photo[:48]).decode() not in text
        assert photo[:48].hex() not in text
        assert len(text) < 8000  # hashes and facts, no payload
    report_xml, file_xml = cybertipline_xml(cybertipline_draft(record, REPORTER))
    assert base64.b64encode(photo[:48]).decode() not in report_xml + file_xml
