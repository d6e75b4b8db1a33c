"""Issue 8 end to end for archives: a compressed image of empty media is read, a refused container is read
again when its limit is raised for its exhibit (and the report says so), overlapping, nested, lying and
sparse archives end as facts and item errors in a completed scan, and no evidence byte is written outside
the spool."""

from __future__ import annotations

import hashlib
import io
import json
import os
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import pytest

from tests.evidence import images
from tests.evidence.archives import compress, sevenzip_of, tar_of
from tests.evidence.bombs import lying_zip, nested_zips, old_gnu_sparse_tar, overlapping_zip, sparse_content
from tests.scan.conftest import store_env
from warden.case.folder import Case
from warden.cli import main
from warden.report.annex import annex_entries


@pytest.fixture(autouse=True)
def _store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store_env(monkeypatch, tmp_path)
    monkeypatch.setenv("WARDEN_ITEM_TIMEOUT", "120")


def _md5(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


def _hashset(path: Path, listed: list[bytes]) -> Path:
    rows = "".join(f"{_md5(data)},,,,A,T{number}\n" for number, data in enumerate(listed))
    path.write_text("md5,sha1,sha256,pdq,category,source_id\n" + rows)
    return path


def _scan(evidence: Path, hashset: Path, case: Path, *extra: str) -> int:
    arguments = ["scan", str(evidence), "--hashset", str(hashset), "--case", str(case)]
    return main([*arguments, "--quiet", "--workers", "1", *extra])


def _report(case: Path) -> dict[str, Any]:
    report: dict[str, Any] = json.loads((case / "report.json").read_text())
    return report


def _items(case: Path) -> dict[str, dict[str, Any]]:
    return {item["path"]: item for item in _report(case)["items"]}


def _stills_a(case: Path) -> int:
    count: int = _report(case)["summary"]["by_category"]["A"]["stills_files"]
    return count


def _zip(files: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


# --- point 4 ---------------------------------------------------------------------------------------------


def test_a_gzipped_image_of_mostly_empty_media_is_read_and_its_photo_counted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    disk, photo = images.empty_disk_with_photo(tmp_path)
    evidence = tmp_path / "evidence"
    evidence.mkdir()
    packed = compress(disk, "gzip")
    (evidence / "disk.img.gz").write_bytes(packed)
    # The image expanded 1,021 times; this smaller one is judged against a limit scaled to match.
    monkeypatch.setenv("WARDEN_MAX_RATIO", "100")
    assert len(disk) > 100 * len(packed)

    assert _scan(evidence, _hashset(tmp_path / "set.csv", [photo]), tmp_path / "case") == 0

    assert _stills_a(tmp_path / "case") == 1
    assert not any("max_ratio" in (item["error"] or "") for item in _items(tmp_path / "case").values())


def _refused_zip(evidence: Path, photo: bytes) -> None:
    """``backup.zip`` holding ``inner.zip`` (the photo and 8 MiB of zeros), packed over 50 times."""
    inner = _zip({"photo.jpg": photo, "padding.bin": bytes(8 << 20)}, zipfile.ZIP_STORED)
    evidence.mkdir()
    (evidence / "backup.zip").write_bytes(_zip({"inner.zip": inner}))


def test_a_refused_container_is_read_again_with_a_raised_limit_and_the_report_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    photo = images.photo_bytes("tench")
    evidence, case = tmp_path / "seized", tmp_path / "case"
    _refused_zip(evidence, photo)
    listed = _hashset(tmp_path / "set.csv", [photo])
    monkeypatch.setenv("WARDEN_MAX_RATIO", "50")

    assert _scan(evidence, listed, case) == 0
    refused = _items(case)["backup.zip//inner.zip"]["error"]
    assert "possible zip bomb" in refused
    assert (
        "(limit max_ratio=50; raise it for this exhibit: --raise-limit 'seized:max_ratio=N', N > 50)"
        in refused
    )
    assert _stills_a(case) == 0

    assert _scan(evidence, listed, case, "--raise-limit", "seized:max_ratio=1000") == 0
    items = _items(case)
    assert items["backup.zip//inner.zip"]["error"] is None
    assert "backup.zip//inner.zip//photo.jpg" in items
    assert _stills_a(case) == 1
    method = _report(case)["method"]
    [raised] = method["raised_limits"]
    assert {key: raised[key] for key in ("exhibit", "limit", "default", "value")} == {
        "exhibit": "seized",
        "limit": "max_ratio",
        "default": 50,
        "value": 1000,
    }
    assert [entry["path"] for entry in raised["refused_before"]] == ["backup.zip//inner.zip"]
    assert refused.endswith(raised["refused_before"][0]["error"])
    html = (case / "report.html").read_text()
    assert "Limits raised for one exhibit" in html and "max_ratio" in html
    [redo] = [e for e in _report(case)["continuity"]["events"] if e["action"] == "scan.redo"]
    assert redo["summary"].startswith("scan 2 examined 1 item again, replacing what an earlier run recorded")
    assert redo["summary"].endswith("--raise-limit seized:max_ratio=1000): backup.zip//inner.zip")
    # The annex reaches the photo under the limit the scan used, not the default that refused it.
    [entry] = annex_entries(Case.open(case), _report(case))
    assert entry.problem is None and entry.thumbnail

    # Run again as before: nothing is redone, and the report still says what the default refused.
    assert _scan(evidence, listed, case) == 0
    assert _stills_a(case) == 1
    assert _report(case)["method"]["raised_limits"][0]["refused_before"][0]["path"] == "backup.zip//inner.zip"


@pytest.mark.parametrize(
    ("option", "says"),
    [
        ("elsewhere:max_ratio=1000", "not an exhibit of this scan"),
        ("seized:max_ratio=10", "give a higher value"),
        ("seized:max_speed=10", "no limit 'max_speed'"),
        ("seized=1000", "EXHIBIT:LIMIT=VALUE"),
    ],
)
def test_a_raised_limit_that_cannot_apply_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], option: str, says: str
) -> None:
    photo = images.photo_bytes("tench")
    _refused_zip(tmp_path / "seized", photo)
    listed = _hashset(tmp_path / "set.csv", [photo])
    assert _scan(tmp_path / "seized", listed, tmp_path / "case", "--raise-limit", option) == 2
    assert says in capsys.readouterr().err


def test_scan_help_documents_raising_a_limit(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scan", "--help"]) == 0
    text = capsys.readouterr().out
    assert "--raise-limit EXHIBIT:LIMIT=VALUE" in text and "max_container_bytes" in text


# --- points 8, 12, 13 --------------------------------------------------------------------------------------


@pytest.mark.slow
def test_overlapping_nested_lying_and_sparse_archives_end_as_items_and_the_scan_completes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    photo = images.photo_bytes("goldfish")
    evidence = tmp_path / "evidence"
    evidence.mkdir()
    (evidence / "overlap.zip").write_bytes(overlapping_zip(120, 1 << 20))
    (evidence / "42.zip").write_bytes(nested_zips(levels=3, fan_out=6, leaf_size=1 << 20))
    (evidence / "liar-bzip2.zip").write_bytes(lying_zip(zipfile.ZIP_BZIP2, 64 << 20))
    (evidence / "liar-lzma.zip").write_bytes(lying_zip(zipfile.ZIP_LZMA, 16 << 20))
    chunks = [(0, photo), (6 << 20, b"tail")]
    (evidence / "sparse.tar").write_bytes(old_gnu_sparse_tar("disk/sparse.img", 7 << 20, chunks))
    sparse = sparse_content(7 << 20, chunks)
    monkeypatch.setenv("WARDEN_MAX_CONTAINER_BYTES", str(48 << 20))
    monkeypatch.setenv("WARDEN_MAX_CONTAINER_ITEMS", "150")

    assert _scan(evidence, _hashset(tmp_path / "set.csv", [sparse]), tmp_path / "case") == 0

    items = _items(tmp_path / "case")
    # (The one entry read starts with the next entries' local headers, so it is walked as a zip itself.)
    overlap = [
        item for path, item in items.items() if path.startswith("overlap.zip//") and path.count("//") == 1
    ]
    assert len(overlap) == 120
    assert sum("overlap" in (item["error"] or "") for item in overlap) == 119
    nested = [item["error"] or "" for path, item in items.items() if path.startswith("42.zip//")]
    assert any("max_container_bytes" in error or "max_container_items" in error for error in nested)
    assert len(nested) < 150 + 10
    for name in ("liar-bzip2.zip//liar.bin", "liar-lzma.zip//liar.bin"):
        assert "CRC" in items[name]["error"]
    assert items["sparse.tar//disk/sparse.img"]["md5"] == _md5(sparse)
    assert items["sparse.tar//disk/sparse.img"]["category"] == "A"


# --- point 14 ----------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_no_evidence_byte_is_written_outside_the_spool(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    watched, spool = tmp_path / "system-tmp", tmp_path / "spool"
    watched.mkdir()
    spool.mkdir()
    monkeypatch.setenv("TMPDIR", str(watched))
    monkeypatch.setattr(tempfile, "tempdir", str(watched))
    monkeypatch.setenv("WARDEN_SPOOL", str(spool))
    created: list[str] = []
    real_open, parent = os.open, os.getpid()

    def watching_open(path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
        creates = flags & os.O_CREAT or flags & getattr(os, "O_TMPFILE", 0)
        if creates and os.getpid() == parent and os.fspath(path).startswith(str(watched)):
            created.append(os.fspath(path))
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", watching_open)
    big = os.urandom(1 << 20) * 20  # over the 16 MiB a spool keeps in memory
    evidence = tmp_path / "evidence"
    evidence.mkdir()
    inner = _zip({"big.bin": big}, zipfile.ZIP_STORED)
    (evidence / "big.tar.gz").write_bytes(compress(tar_of({"big.bin": big, "inner.zip": inner}), "gzip"))
    (evidence / "big.bin.xz").write_bytes(compress(big, "xz"))
    (evidence / "big.7z").write_bytes(sevenzip_of({"big.bin": big}))

    assert _scan(evidence, _hashset(tmp_path / "set.csv", [big]), tmp_path / "case") == 0

    report = _report(tmp_path / "case")
    assert report["summary"]["errors"] == 0
    found = [item["path"] for item in report["items"] if item["md5"] == _md5(big)]
    assert sorted(found) == [
        "big.7z//big.bin",
        "big.bin.xz//big.bin",
        "big.tar.gz//big.bin",
        "big.tar.gz//inner.zip//big.bin",
    ]
    assert created == []
    assert list(spool.iterdir()) == []  # the scan's spool is removed when it ends
