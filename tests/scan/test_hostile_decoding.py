"""``warden scan`` on damaged images, barred thumbnails, empty files and containers it cannot open: each
damage is an item error, each picture keeps its PDQ, and what was not examined is listed and counted."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest

from tests.evidence.archives import RawEntry, raw_zip, sevenzip_of, zip_of
from tests.hashing.damaged import damaged_stills, sound_stills
from tests.hashing.test_hostile_borders import _barred
from tests.scan.conftest import store_env
from warden.cli import main

pytestmark = pytest.mark.slow  # one scan of every damaged image for the module

SOUND = ("whole.jpg", "progressive.jpg", "rgb.png", "palette.png", "whole.gif", "lossy.webp", "lossless.webp")


@pytest.fixture(scope="module")
def scanned(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("hostile-decoding")
    evidence = root / "evidence"
    (evidence / "damaged").mkdir(parents=True)
    for name, data in damaged_stills().items():
        (evidence / "damaged" / name).write_bytes(data)
    sound = sound_stills()
    for name in SOUND:
        (evidence / name).write_bytes(sound[name])
    _barred(96, 48, "top").save(evidence / "thumbnail.jpg", quality=90)
    (evidence / "empty.jpg").write_bytes(b"")
    (evidence / "with-empty.zip").write_bytes(zip_of({"nothing.txt": b"", "photo.jpg": sound["whole.jpg"]}))
    (evidence / "encrypted.zip").write_bytes(raw_zip([RawEntry(b"secret.jpg", b"\x00" * 40, flags=1)]))
    inner = zip_of({"deep.jpg": sound["whole.jpg"]})
    (evidence / "nested.zip").write_bytes(zip_of({"inner.zip": inner}))
    (evidence / "locked.7z").write_bytes(
        sevenzip_of({"a.jpg": sound["whole.jpg"]}, password="x", encrypt_list=True)
    )
    listed = root / "set.csv"
    md5 = hashlib.md5(sound["whole.jpg"]).hexdigest()
    listed.write_text(f"md5,sha1,sha256,pdq,category,source_id\n{md5},,,,A,T1\n")
    with pytest.MonkeyPatch.context() as patch:
        store_env(patch, root)
        patch.setenv("WARDEN_MAX_NESTING", "1")
        code = main(
            ["scan", str(evidence), "--hashset", str(listed), "--case", str(root / "case"), "--quiet"]
        )
    assert code == 0
    report = json.loads((root / "case" / "report.json").read_text())
    return {
        "report": report,
        "items": {item["path"]: item for item in report["items"]},
        "html": (root / "case" / "report.html").read_text(),
    }


@pytest.mark.parametrize("name", sorted(damaged_stills()))
def test_every_damaged_image_is_a_decode_error_never_a_hash(scanned: dict[str, Any], name: str) -> None:
    item = scanned["items"][f"damaged/{name}"]
    assert item["error"] and item["error"].startswith("decode: "), item["error"]
    assert any(word in item["error"] for word in ("truncated", "damaged", "corrupt")), item["error"]
    assert item["pdq"] is None and item["category"] is None
    assert item["sha1"] and item["not_examined"] is None


def test_sound_images_and_the_barred_thumbnail_keep_their_pdq(scanned: dict[str, Any]) -> None:
    items = scanned["items"]
    for name in (*SOUND, "thumbnail.jpg"):
        assert items[name]["error"] is None and items[name]["pdq"] is not None, name
    assert items["whole.jpg"]["category"] == "A"
    assert items["with-empty.zip//photo.jpg"]["category"] == "A"


def test_zero_byte_files_are_counted_apart_not_as_errors(scanned: dict[str, Any]) -> None:
    items, summary = scanned["items"], scanned["report"]["summary"]
    for path in ("empty.jpg", "with-empty.zip//nothing.txt"):
        assert items[path]["size"] == 0 and items[path]["error"] is None, path
        assert items[path]["pdq"] is None and items[path]["md5"] == hashlib.md5(b"").hexdigest()
    assert summary["zero_byte_files"] == 2


def test_what_was_not_examined_is_listed_with_the_reason(scanned: dict[str, Any]) -> None:
    report = scanned["report"]
    listed = {entry["path"]: entry for entry in report["not_examined"]}
    assert set(listed) == {"encrypted.zip//secret.jpg", "nested.zip//inner.zip", "locked.7z"}
    assert "password" in listed["encrypted.zip//secret.jpg"]["reason"]
    assert "nested more than 1 deep" in listed["nested.zip//inner.zip"]["reason"]
    assert "encrypted file list" in listed["locked.7z"]["reason"]
    assert listed["locked.7z"]["format"] == "7z"
    items = scanned["items"]
    for path in (
        "encrypted.zip//secret.jpg",
        "nested.zip//inner.zip//(unreadable)",
        "locked.7z//(unreadable)",
    ):
        assert items[path]["error"] is None and items[path]["not_examined"], path
    summary = report["summary"]
    assert summary["not_examined"] == 3
    assert summary["errors"] == sum(1 for item in items.values() if item["error"])
    assert summary["errors"] == len(damaged_stills())


def test_the_court_report_shows_what_was_not_examined(scanned: dict[str, Any]) -> None:
    html = scanned["html"]
    section = html[html.index('id="not-examined"') :]
    section = section[: section.index("</section>")]
    for path in ("encrypted.zip//secret.jpg", "nested.zip//inner.zip", "locked.7z"):
        assert path in section, path
    assert "encrypted file list" in section
