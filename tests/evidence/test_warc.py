"""WARC files as evidence: each captured response is an item named by its URL, holding what the server meant.

The WARCs are written here by warcio's own writer (plain, gzipped per record, gzipped as one stream) from
benign photos; hostile ones are written by hand. Each hostile file must end as item errors or a container
error after the records before the damage, never as a traceback, and the walk goes on.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.evidence.archives import Drained, compress, drain, gzip_bomb, photos, root, sha256, tar_of
from tests.evidence.warcs import (
    DATE,
    SITE,
    Capture,
    chunked,
    deflated,
    http_response,
    per_record_gzip,
    photo_site,
    plain_records,
    raw_record,
    write_warc,
)
from warden.evidence.base import CONTAINERS, HEAD_BYTES, Item, Limits
from warden.evidence.containers import register_built_in
from warden.evidence.names import levels
from warden.evidence.walk import recognise
from warden.evidence.warc import WarcContainer, url_name

COMPRESSIONS = ["none", "record", "whole"]

PHOTOS = photos(3)
FIRST, SECOND, THIRD = PHOTOS
JPEG = [("Content-Type", "image/jpeg")]


def _expand(data: bytes, limits: Limits | None = None, name: str = "capture.warc.gz") -> Drained:
    return drain(WarcContainer().expand(io.BytesIO(data), root(name), limits or Limits()))


def _name(url: str) -> str:
    return url_name(url)


def _site() -> tuple[list[Capture], dict[str, str]]:
    """A capture of every kind of record, and the sha256 each item must have, by item name."""
    tench = PHOTOS[FIRST]
    captures = [
        *photo_site(PHOTOS),
        Capture(f"{SITE}/gz/a.jpg", gzip.compress(tench), headers=[*JPEG, ("Content-Encoding", "gzip")]),
        Capture(
            f"{SITE}/chunked/a.jpg",
            chunked(gzip.compress(tench)),
            headers=[*JPEG, ("Content-Encoding", "gzip"), ("Transfer-Encoding", "chunked")],
        ),
        Capture(f"{SITE}/zlib/a.jpg", deflated(tench), headers=[*JPEG, ("Content-Encoding", "deflate")]),
        Capture(
            f"{SITE}/deflate/a.jpg",
            deflated(tench, raw=True),
            headers=[*JPEG, ("Content-Encoding", "deflate")],
        ),
        Capture(f"{SITE}/board/1", b"<html><p>rules</p></html>", headers=[("Content-Type", "text/html")]),
        Capture(f"{SITE}/moved", b"", status="301 Moved Permanently", headers=[("Location", "/board/1")]),
        Capture(f"{SITE}/images/{FIRST}", b"", kind="revisit", headers=JPEG),
        Capture(f"{SITE}/notes", b"outlinks: 3\r\n", kind="metadata", headers=None),
        Capture(
            f"file:///upload/{SECOND}",
            PHOTOS[SECOND],
            kind="resource",
            headers=None,
            warc_headers={"Content-Type": "image/jpeg"},
        ),
    ]
    expected = {_name(f"{SITE}/images/{name}"): sha256(data) for name, data in PHOTOS.items()}
    for path in ("gz", "chunked", "zlib", "deflate"):
        expected[_name(f"{SITE}/{path}/a.jpg")] = sha256(tench)
    expected[_name(f"{SITE}/board/1")] = sha256(b"<html><p>rules</p></html>")
    expected[_name(f"file:///upload/{SECOND}")] = sha256(PHOTOS[SECOND])
    return captures, expected


# --- what a capture gives -----------------------------------------------------------------------------------


@pytest.mark.parametrize("compression", COMPRESSIONS)
def test_each_response_and_resource_is_an_item_named_by_its_url_holding_the_entity_body(
    compression: str,
) -> None:
    captures, expected = _site()
    drained = _expand(write_warc(captures, compression=compression))

    assert drained.error is None
    assert drained.read_errors == {}
    # Photos sent gzipped, chunked, deflated read as the photo itself; requests, the redirect without a body,
    # the revisit, the metadata and the warcinfo record are no items.
    assert drained.digests == expected
    assert len(drained.items) == len(expected)


@pytest.mark.parametrize("version", ["1.0", "1.1"])
def test_both_warc_versions_are_read(version: str) -> None:
    drained = _expand(write_warc(photo_site(PHOTOS), version=version))
    assert sorted(drained.digests.values()) == sorted(sha256(data) for data in PHOTOS.values())


@pytest.mark.parametrize("compression", ["none", "record"])
def test_each_item_points_at_its_record_where_warcio_finds_it(compression: str) -> None:
    from warcio.archiveiterator import ArchiveIterator

    data = write_warc(photo_site(PHOTOS), compression=compression)
    iterator = ArchiveIterator(io.BytesIO(data))
    where = {
        record.rec_headers.get_header("WARC-Record-ID"): iterator.get_record_offset() for record in iterator
    }

    items = _expand(data).items
    assert len(items) == 3
    for item, (name, photo) in zip(items, PHOTOS.items(), strict=True):
        step = item.steps[-1]
        assert step.kind == "record"
        detail = dict(step.detail)
        assert detail["offset"] == where[detail["record_id"]]
        assert "decompressed_offset" not in detail
        assert detail["url"] == f"{SITE}/images/{name}"
        assert (detail["type"], detail["http_status"], detail["content_type"]) == (
            "response",
            200,
            "image/jpeg",
        )
        assert detail["date"] == DATE
        assert str(detail["payload_digest"]).startswith("sha1:")
        assert item.size == len(photo)


def test_a_warc_gzipped_as_one_stream_gives_offsets_in_the_decompressed_stream() -> None:
    plain = write_warc(photo_site(PHOTOS))
    offsets = {offset for offset, _ in plain_records(plain)}
    for item in _expand(gzip.compress(plain, mtime=0)).items:
        detail = dict(item.steps[-1].detail)
        assert detail["offset"] == 0
        assert detail["decompressed_offset"] in offsets


def test_url_names_read_back_as_the_url_and_a_url_captured_twice_is_told_apart() -> None:
    urls = [
        f"{SITE}/a b/c\\d.jpg?size=big&x=%2F",
        f"{SITE}/ünï/",
        f"{SITE}/images/{FIRST}",
        f"{SITE}/images/{FIRST}",
    ]
    body = http_response(PHOTOS[FIRST])
    items = _expand(b"".join(raw_record(number, url, body) for number, url in enumerate(urls))).items

    assert [b"/".join(levels(item.path)[1]).decode() for item in items] == urls
    assert items[3].path == items[2].path + "\\#2"
    assert "//" not in items[0].path.split("//", 1)[1]


def test_warc_files_are_recognised_by_their_bytes_before_gzip() -> None:
    register_built_in()
    plain = write_warc(photo_site(PHOTOS))
    for data in (plain, write_warc(photo_site(PHOTOS), compression="record"), gzip.compress(plain)):
        container = recognise(data[:HEAD_BYTES], len(data), CONTAINERS)
        assert container is not None and container.name == "warc"
    tar_gz = compress(tar_of(PHOTOS), "gzip")
    container = recognise(tar_gz[:HEAD_BYTES], len(tar_gz), CONTAINERS)
    assert container is not None and container.name == "compressed"
    assert not WarcContainer().sniff(gzip.compress(b"WARC/0.9 is not 1.x"), None)


def test_a_warc_written_by_warcio_passes_warcio_check(tmp_path: Path) -> None:
    warcio = shutil.which("warcio", path=str(Path(sys.executable).parent))
    if warcio is None:
        pytest.skip("the warcio command is not installed beside this Python")
    captures, _ = _site()
    path = tmp_path / "site.warc.gz"
    path.write_bytes(write_warc(captures, compression="record"))
    result = subprocess.run([warcio, "check", "-v", str(path)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_brotli_body_is_decoded() -> None:
    brotli = pytest.importorskip("brotli")
    body = brotli.compress(PHOTOS[FIRST])
    drained = _expand(
        write_warc([Capture(f"{SITE}/br.jpg", body, headers=[*JPEG, ("Content-Encoding", "br")])])
    )
    assert drained.digests == {_name(f"{SITE}/br.jpg"): sha256(PHOTOS[FIRST])}


def test_a_body_in_a_coding_warden_cannot_undo_is_an_item_error() -> None:
    capture = Capture(f"{SITE}/z.jpg", b"zzzz", headers=[*JPEG, ("Content-Encoding", "zstd")])
    (item,) = _expand(write_warc([capture])).items
    assert item.problem is not None and "'zstd'" in item.problem


# --- hostile files ------------------------------------------------------------------------------------------


def _records(*blocks: bytes) -> list[bytes]:
    return [raw_record(number, f"{SITE}/{number}.jpg", block) for number, block in enumerate(blocks)]


def _photo_records() -> list[bytes]:
    return _records(*(http_response(data) for data in PHOTOS.values()))


def _first_is_read(drained: Drained) -> None:
    assert drained.digests[_name(f"{SITE}/0.jpg")] == sha256(PHOTOS[FIRST])


def test_a_warc_cut_mid_record_gives_the_records_before_then_a_container_error() -> None:
    records = _photo_records()
    data = b"".join(records)
    cut = data[: len(records[0]) + len(records[1]) // 2]

    drained = _expand(cut)

    _first_is_read(drained)
    cut_item = drained.items[1]
    assert cut_item.problem is not None and "cut short" in cut_item.problem
    assert drained.error is not None and "cut short" in str(drained.error)


def test_a_warc_gz_cut_mid_member_gives_the_records_before_then_a_container_error() -> None:
    members = [gzip.compress(record, mtime=0) for record in _photo_records()]
    cut = members[0] + members[1][: len(members[1]) // 2]

    drained = _expand(cut)

    _first_is_read(drained)
    assert drained.items[1].problem is not None and "cut short" in drained.items[1].problem
    assert drained.error is not None and f"gzip member at offset {len(members[0])} is cut short" in str(
        drained.error
    )


def test_a_damaged_gzip_member_gives_the_records_before_then_a_container_error() -> None:
    members = [gzip.compress(record, mtime=0) for record in _photo_records()]
    damaged = bytearray(members[1])
    damaged[len(damaged) // 2 : len(damaged) // 2 + 16] = b"\xff" * 16

    drained = _expand(members[0] + bytes(damaged) + members[2])

    _first_is_read(drained)
    assert drained.error is not None and f"gzip member at offset {len(members[0])}" in str(drained.error)
    assert _name(f"{SITE}/2.jpg") not in drained.digests


@pytest.mark.parametrize("lie", [-100, +100])
def test_a_lying_content_length_is_an_item_error_then_a_container_error(lie: int) -> None:
    first, _, third = _photo_records()
    block = http_response(PHOTOS[SECOND])
    lying = raw_record(1, f"{SITE}/1.jpg", block, length=len(block) + lie)

    drained = _expand(first + lying + third)

    _first_is_read(drained)
    problem = drained.items[1].problem
    assert problem is not None and "does not end where its Content-Length" in problem
    assert drained.error is not None and "Content-Length" in str(drained.error)


def test_garbage_between_records_ends_the_file_after_the_records_before_it() -> None:
    first, second, third = _photo_records()

    drained = _expand(first + b"\x00garbage\x00\r\n" + second + third)

    _first_is_read(drained)
    assert len(drained.items) == 1
    assert drained.error is not None and "no WARC record at offset" in str(drained.error)


def test_a_malformed_http_head_is_an_item_error_and_the_records_after_it_are_read() -> None:
    bad = (
        b"HTTP/1.1 200 OK\r\nContent-Type: image/jpeg\r\n" + b"X" * (70 * 1024) + b"\r\n\r\n" + PHOTOS[SECOND]
    )
    records = _records(http_response(PHOTOS[FIRST]), b"SPDY/9 two hundred\r\n\r\n" + PHOTOS[SECOND], bad)
    # An HTTP/2 status line, as some tools write it, is no damage.
    records.append(
        raw_record(3, f"{SITE}/3.jpg", b"HTTP/2 200\r\nContent-Type: image/jpeg\r\n\r\n" + PHOTOS[THIRD])
    )

    drained = _expand(b"".join(records))

    assert drained.error is None
    _first_is_read(drained)
    for item in drained.items[1:3]:
        assert item.problem is not None and "HTTP head cannot be read" in item.problem
    assert drained.digests[_name(f"{SITE}/3.jpg")] == sha256(PHOTOS[THIRD])


def test_an_endless_header_line_is_a_container_error() -> None:
    first = _photo_records()[0]
    endless = b"WARC/1.1\r\nWARC-Type: response\r\nX-Long: " + b"a" * (8 << 20)

    drained = _expand(first + endless)

    _first_is_read(drained)
    assert drained.error is not None and "line longer than" in str(drained.error)


def test_a_gzip_bomb_served_by_the_site_is_an_item_error_and_the_next_record_is_read() -> None:
    bomb = http_response(gzip_bomb(256 << 20), [*JPEG, ("Content-Encoding", "gzip")])
    data = per_record_gzip(_records(bomb, http_response(PHOTOS[FIRST])))

    drained = _expand(data, Limits(ratio=100), name="site.warc.gz")

    assert drained.error is None
    bombed = drained.read_errors[_name(f"{SITE}/0.jpg")]
    assert "possible decompression bomb" in bombed and "max_ratio=100" in bombed
    assert drained.digests[_name(f"{SITE}/1.jpg")] == sha256(PHOTOS[FIRST])


def test_a_warc_gzip_stream_past_the_ratio_is_a_container_error() -> None:
    zeros = Capture(f"{SITE}/zeros", bytes(16 << 20), kind="resource", headers=None)
    drained = _expand(write_warc([zeros], compression="whole"), Limits(ratio=10))
    assert drained.error is not None and "max_ratio=10" in str(drained.error)


def test_the_container_limits_apply_to_records() -> None:
    data = write_warc(photo_site(PHOTOS))

    refused = _expand(data, Limits(member_bytes=1000)).items
    assert all(item.problem and "max_member_bytes=1000" in item.problem for item in refused)

    listed = _expand(data, Limits(members=2)).items
    assert len(listed) == 3
    assert listed[2].problem is not None and "max_members=2" in listed[2].problem


def test_a_segmented_record_is_named_not_joined() -> None:
    capture = Capture(f"{SITE}/big.jpg", PHOTOS[FIRST], warc_headers={"WARC-Segment-Number": "1"})
    (item,) = _expand(write_warc([capture])).items
    assert not item.readable and item.problem is not None and "WARC-Segment-Number" in item.problem


def test_the_items_bytes_are_those_of_the_file_read_once(tmp_path: Path) -> None:
    """Reading an item twice (the walk's head, then the scan's copy) gives the same bytes each time."""
    data = write_warc(_site()[0], compression="record")
    for item in WarcContainer().expand(io.BytesIO(data), root(), Limits()):
        if item.readable:
            assert _read(item)[:100] == _read(item)[:100]
            assert hashlib.sha256(_read(item)).hexdigest() == hashlib.sha256(_read(item)).hexdigest()


def _read(item: Item) -> bytes:
    with item.open() as stream:
        return stream.read()


# --- a scan of captures -------------------------------------------------------------------------------------


@pytest.mark.slow
def test_a_scan_finds_the_listed_photo_in_a_warc_by_its_url_and_goes_on_past_hostile_ones(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.scan.conftest import store_env
    from warden.cli import main

    store_env(monkeypatch, tmp_path)
    monkeypatch.setenv("WARDEN_ITEM_TIMEOUT", "120")
    monkeypatch.setenv("WARDEN_MAX_RATIO", "100")
    listed = PHOTOS[FIRST]
    captures = [
        *photo_site(PHOTOS),
        Capture(f"{SITE}/gz/copy.jpg", gzip.compress(listed), headers=[*JPEG, ("Content-Encoding", "gzip")]),
        Capture(f"{SITE}/board/1", b"<html>rules</html>", headers=[("Content-Type", "text/html")]),
    ]
    evidence = tmp_path / "captures"
    evidence.mkdir()
    (evidence / "site.warc.gz").write_bytes(write_warc(captures, compression="record"))
    records = _photo_records()
    (evidence / "cut.warc").write_bytes(records[0] + records[1][: len(records[1]) // 2])
    bomb = http_response(gzip_bomb(64 << 20), [*JPEG, ("Content-Encoding", "gzip")])
    (evidence / "bomb.warc.gz").write_bytes(per_record_gzip(_records(bomb, http_response(PHOTOS[THIRD]))))
    hashset = tmp_path / "set.csv"
    md5 = hashlib.md5(listed).hexdigest()
    hashset.write_text(f"md5,sha1,sha256,pdq,category,source_id\n{md5},,,,A,T1\n")
    case = tmp_path / "case"

    arguments = [
        "scan",
        str(evidence),
        "--hashset",
        str(hashset),
        "--case",
        str(case),
        "--quiet",
        "--workers",
        "1",
    ]
    assert main(arguments) == 0

    report = json.loads((case / "report.json").read_text())
    items = {item["path"]: item for item in report["items"]}
    found = f"site.warc.gz//{_name(f'{SITE}/images/{FIRST}')}"
    assert items[found]["category"] == "A"
    assert items[found]["provenance"][-1]["detail"]["url"] == f"{SITE}/images/{FIRST}"
    assert items[f"site.warc.gz//{_name(f'{SITE}/gz/copy.jpg')}"]["category"] == "A"
    # Three copies (plain and gzip-encoded captures, and the record before the cut in cut.warc), one image.
    counts = report["summary"]["by_category"]["A"]
    assert (counts["stills_files"], counts["stills_unique"]) == (3, 1)
    assert items[f"cut.warc//{_name(f'{SITE}/0.jpg')}"]["category"] == "A"
    assert "cut short" in items[f"cut.warc//{_name(f'{SITE}/1.jpg')}"]["error"]
    assert "possible decompression bomb" in items[f"bomb.warc.gz//{_name(f'{SITE}/0.jpg')}"]["error"]
    assert items[f"bomb.warc.gz//{_name(f'{SITE}/1.jpg')}"]["error"] is None
