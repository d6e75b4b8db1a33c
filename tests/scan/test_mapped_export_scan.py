"""``warden scan --conversation-mapping``: a chat export Warden has no reader of its own for (a made-up tool's
CSV, in a folder or a zip) read through the examiner's mapping file, its photos linked to the matches in the
report's distribution, the mapping named in the case's log; ``--device-zone`` gives UTC to a WhatsApp
``.txt`` export's local times; a bad mapping, an unknown zone or a mapping with ``--no-conversations`` is
refused before the case is made."""

from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path

import pytest

from tests.scan.conversation_phone import RECEIVED_PHOTO, SENT_PHOTO, photo
from tests.scan.photo_scans import scan_report, scanned
from tests.scan.test_conversation_scan import checksums, zipped
from tests.scan.test_export_scan import SHARED_PHOTO, WHATSAPP, whatsapp_export

EXPORT = "Users/alice/Documents/ChatSaver"
OWNER = "+447700900001"
MAPPING = {
    "format": "csv",
    "chat": "thread",
    "sender": "from",
    "sender_name": "from_name",
    "time": "sent",
    "time_format": "%d/%m/%Y %H:%M",
    "zone": "Europe/London",
    "text": "body",
    "attachment": "file",
    "owner": OWNER,
}


def chat_export(folder: Path) -> None:
    """A made-up tool's export: Alice (the owner) sends a photo, Bob sends one back, then a line of text."""
    (folder / "media").mkdir(parents=True)
    rows = [
        ["thread", "from", "from_name", "sent", "body", "file"],
        ["t1", OWNER, "Alice", "01/07/2026 18:30", "", "media/one.jpg"],
        ["t1", "+447700900002", "Bob", "01/07/2026 18:31", "", "media/two.jpg"],
        ["t1", OWNER, "Alice", "01/07/2026 18:32", "Lovely!", ""],
    ]
    with (folder / "chats.csv").open("w", newline="", encoding="utf-8") as file:
        csv.writer(file).writerows(rows)
    (folder / "media/one.jpg").write_bytes(photo(SENT_PHOTO))
    (folder / "media/two.jpg").write_bytes(photo(RECEIVED_PHOTO))


def hashset(folder: Path) -> Path:
    rows = [
        f"{hashlib.md5(photo(name)).hexdigest()},,,,{category},T-{category}"
        for name, category in ((SENT_PHOTO, "A"), (RECEIVED_PHOTO, "B"))
    ]
    path = folder / "set.csv"
    path.write_text("md5,sha1,sha256,pdq,category,source_id\n" + "\n".join(rows) + "\n")
    return path


def mapping_file(folder: Path, **changes: object) -> Path:
    path = folder / "mapping.json"
    path.write_text(json.dumps(MAPPING | changes))
    return path


@pytest.mark.slow
@pytest.mark.parametrize("packed", [False, True], ids=["folder", "zip"])
def test_a_mapped_export_gives_who_sent_which_photo_when(tmp_path: Path, packed: bool) -> None:
    laptop = tmp_path / "laptop"
    chat_export(laptop / EXPORT)
    evidence = zipped(laptop) if packed else laptop
    before = checksums(evidence)
    mapping = mapping_file(tmp_path)

    report = scanned(
        evidence, tmp_path, hashset(tmp_path), "--conversation-mapping", f"*/chats.csv={mapping}"
    )

    item = "laptop.zip//" if packed else ""
    source = f"{'laptop.zip//' if packed else 'laptop/'}{EXPORT}/chats.csv"
    seen = [
        (m["app"], m["direction"], m["category"], m["item"]["path"], m["utc"], m["provenance"])
        for m in report["distribution"]["messages"]
    ]
    assert seen == [
        ("mapped-export", "sent", "A", f"{item}{EXPORT}/media/one.jpg", "2026-07-01T17:30:00+00:00",
         f"{source}:2"),
        ("mapped-export", "received", "B", f"{item}{EXPORT}/media/two.jpg", "2026-07-01T17:31:00+00:00",
         f"{source}:3"),
    ]  # fmt: skip
    assert report["distribution"]["sources"] == {"sources": 1, "read": 1, "failed": 0, "messages": 3}
    log = (tmp_path / "c" / "warden.log").read_text()
    digest = hashlib.sha256(mapping.read_bytes()).hexdigest()
    assert f"items matching '*/chats.csv' read as mapped exports with {mapping} (SHA-256 {digest})" in log
    assert checksums(evidence) == before


@pytest.mark.slow
def test_without_a_mapping_the_export_is_not_read(tmp_path: Path) -> None:
    laptop = tmp_path / "laptop"
    chat_export(laptop / EXPORT)

    report = scanned(laptop, tmp_path, hashset(tmp_path))

    assert "distribution" not in report  # no source of conversations was read
    counts = {name: row["stills_files"] for name, row in report["summary"]["by_category"].items()}
    assert counts == {"A": 1, "B": 1, "C": 0}  # the photos are matched all the same


@pytest.mark.slow
def test_the_device_zone_gives_utc_to_a_whatsapp_text_export(tmp_path: Path) -> None:
    laptop = tmp_path / "laptop"
    whatsapp_export(laptop / WHATSAPP)
    sets = tmp_path / "set.csv"
    listed = hashlib.md5(photo(SHARED_PHOTO)).hexdigest()
    sets.write_text(f"md5,sha1,sha256,pdq,category,source_id\n{listed},,,,C,T\n")

    report = scanned(laptop, tmp_path, sets, "--device-zone", "Europe/Madrid")

    (message,) = report["distribution"]["messages"]
    assert (message["raw_time"], message["utc"]) == (
        "13/12/2026, 18:40 (day first: 2026-12-13 18:40:00 local time in Europe/Madrid)",
        "2026-12-13T17:40:00+00:00",
    )
    log = (tmp_path / "c" / "warden.log").read_text()
    assert "local times without a zone read in Europe/Madrid (--device-zone)" in log


@pytest.mark.parametrize(
    ("given", "said"),
    [
        (["--conversation-mapping", "chats.csv"], "give PATTERN=MAPPING.json"),
        (["--conversation-mapping", "*.csv={bad}"], "unknown keys colour"),
        (["--conversation-mapping", "*.csv={missing}"], "not a regular file"),
        (["--device-zone", "Mars/Olympus_Mons"], "not a known time zone"),
        (["--conversation-mapping", "*.csv={good}", "--no-conversations"], "--no-conversations reads none"),
    ],
    ids=["no-equals", "unknown-key", "missing-file", "unknown-zone", "turned-off"],
)
def test_bad_conversation_options_are_refused_before_the_case_is_made(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], given: list[str], said: str
) -> None:
    laptop = tmp_path / "laptop"
    chat_export(laptop / EXPORT)
    files = {
        "bad": mapping_file(tmp_path / "bad", colour="red") if (tmp_path / "bad").mkdir() is None else None,
        "good": mapping_file(tmp_path),
        "missing": tmp_path / "nowhere.json",
    }
    options = [option.format(**files) for option in given]

    code, report = scan_report(laptop, tmp_path, hashset(tmp_path), *options)

    assert (code, report) == (2, None)
    assert said in capsys.readouterr().err
    assert not (tmp_path / "c").exists()
