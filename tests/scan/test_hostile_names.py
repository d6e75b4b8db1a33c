"""Name collisions (issue 8, point 1): names that once gave one item path are scanned as distinct items,
in a folder, inside an ext4 image and inside a zip, and every path reads back to the name's bytes."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.evidence.archives import RawEntry, raw_zip
from tests.media import media
from warden.cli import main
from warden.evidence.base import Limits
from warden.evidence.locate import open_item
from warden.evidence.names import escape, levels

PHOTO = "n02095570_Lakeland_terrier.jpg"
OTHER = "n01440764_tench.jpg"

# Byte names a Linux file system allows, each pair once the same path (the last holds the listed photo).
NAMES = [
    b"\xff",
    b"\\xff",
    b"a\\x2fb",
    b"\\",
    b"\\\\",
    b"caf\xe9",
    b"caf\\xe9",
    b"x\\e",
    b"\\#2",
    b"\xff.jpg",
]


def hostile_folder(root: Path) -> Path:
    root.mkdir(parents=True)
    for index, name in enumerate(NAMES):
        with open(os.fsencode(root) + b"/" + name, "wb") as handle:
            handle.write(f"benign file {index}".encode())
    shutil.copyfile(media("photos", PHOTO), os.fsencode(root) + b"/" + NAMES[-1])
    sub = os.fsencode(root) + b"/\xfe\\xfe"
    os.mkdir(sub)
    shutil.copyfile(media("photos", PHOTO), sub + b"/\xff")
    return root


def scan(evidence: Path, case: Path, hashset: Path) -> tuple[int, dict[str, Any]]:
    code = main(["scan", str(evidence), "--hashset", str(hashset), "--case", str(case), "--quiet"])
    report = json.loads((case / "report.json").read_text()) if (case / "report.json").exists() else {}
    return code, report


@pytest.fixture
def hashset(tmp_path: Path) -> Path:
    listed = tmp_path / "set.csv"
    md5 = hashlib.md5(media("photos", PHOTO).read_bytes()).hexdigest()
    listed.write_text(f"md5,sha1,sha256,pdq,category,source_id\n{md5},,,,A,T1\n")
    return listed


def byte_paths(report: dict[str, Any], inside: str | None = None) -> dict[bytes, dict[str, Any]]:
    """Each item by the bytes of its path (below container ``inside``, if given), decoded from the report."""
    found: dict[bytes, dict[str, Any]] = {}
    for item in report["items"]:
        decoded = levels(item["path"])
        if inside is not None:
            if decoded[0] != [inside.encode()] or len(decoded) < 2:
                continue
            decoded = decoded[1:]
        found[b"//".join(b"/".join(level) for level in decoded)] = item
    return found


def test_names_that_once_collided_are_scanned_apart_and_a_rerun_resumes(
    tmp_path: Path, hashset: Path
) -> None:
    evidence = hostile_folder(tmp_path / "evidence")
    code, report = scan(evidence, tmp_path / "case", hashset)
    assert code == 0
    paths = [item["path"] for item in report["items"]]
    assert len(paths) == len(set(paths)) == len(NAMES) + 1
    found = byte_paths(report)
    assert set(found) == {*NAMES, b"\xfe\\xfe/\xff"}
    assert found[b"\xff.jpg"]["category"] == "A"
    assert found[b"\xfe\\xfe/\xff"]["category"] == "A"
    assert report["summary"]["by_category"]["A"]["stills_files"] == 2
    # Ordinary names read as they always did; the bytes that are not UTF-8 as \xNN, as before.
    assert found[b"\xff"]["path"] == "\\xff"
    assert found[b"\\xff"]["path"] == "\\\\xff"
    # A rerun finds everything recorded and writes the same report.
    before = (tmp_path / "case" / "report.json").read_bytes()
    assert scan(evidence, tmp_path / "case", hashset)[0] == 0
    assert (
        json.loads((tmp_path / "case" / "report.json").read_bytes())["items"] == json.loads(before)["items"]
    )


def test_the_same_names_inside_an_ext4_image(tmp_path: Path, hashset: Path) -> None:
    from tests.evidence import images  # needs pytsk3: skips without it

    stage = hostile_folder(tmp_path / "stage")
    image = tmp_path / "names.img"
    images.run("mke2fs", "-q", "-F", "-t", "ext4", "-b", "1024", "-d", stage, image, "4M")
    code, report = scan(image, tmp_path / "case", hashset)
    assert code == 0
    found = byte_paths(report, inside="names.img")
    assert {*NAMES, b"\xfe\\xfe/\xff"} <= set(found)
    assert found[b"\xff.jpg"]["category"] == "A"
    assert found[b"\xfe\\xfe/\xff"]["category"] == "A"
    paths = [item["path"] for item in report["items"]]
    assert len(paths) == len(set(paths))


def test_zip_names_without_the_utf8_flag_keep_their_bytes(tmp_path: Path, hashset: Path) -> None:
    photo = media("photos", PHOTO).read_bytes()
    evidence = tmp_path / "evidence"
    evidence.mkdir()
    # Code page 437 reads 0xff as U+00A0: without the UTF-8 flag b"\xff.jpg" read as the flagged name.
    entries = [RawEntry(b"\xff.jpg", photo), RawEntry("\u00a0.jpg".encode(), b"other", flags=0x800)]
    (evidence / "names.zip").write_bytes(raw_zip(entries))
    code, report = scan(evidence, tmp_path / "case", hashset)
    assert code == 0
    found = byte_paths(report)
    assert found[b"names.zip//\xff.jpg"]["category"] == "A"
    assert b"names.zip//" + "\u00a0.jpg".encode() in found
    member = found[b"names.zip//\xff.jpg"]["provenance"][-1]
    assert member["detail"]["name_cp437"] == "\u00a0.jpg"


def test_a_name_a_corrupt_folder_lists_twice_gives_two_items(tmp_path: Path, hashset: Path) -> None:
    from tests.evidence import images  # needs pytsk3: skips without it

    stage = tmp_path / "stage"
    stage.mkdir()
    shutil.copyfile(media("photos", PHOTO), stage / "a.jpg")
    (stage / "b.txt").write_bytes(b"benign")
    image = tmp_path / "twice.img"
    images.run("mke2fs", "-q", "-F", "-t", "ext4", "-b", "1024", "-d", stage, image, "2M")
    # A second name for b.txt, then renamed in place to the first file's name: one folder, one name, twice.
    images.run("debugfs", "-w", "-R", "ln /b.txt /x.jpg", image)
    data = bytearray(image.read_bytes())
    assert data.count(b"x.jpg") == 1
    at = data.index(b"x.jpg")
    data[at : at + 5] = b"a.jpg"
    image.write_bytes(bytes(data))
    code, report = scan(image, tmp_path / "case", hashset)
    assert code == 0
    items = {item["path"]: item for item in report["items"]}
    assert items["twice.img//a.jpg"]["category"] == "A"
    assert items["twice.img//a.jpg\\#2"]["sha256"] == hashlib.sha256(b"benign").hexdigest()
    assert levels("twice.img//a.jpg\\#2") == [[b"twice.img"], [b"a.jpg"]]


def test_a_compressed_file_named_in_bytes_gives_its_member_that_name(tmp_path: Path, hashset: Path) -> None:
    import gzip

    evidence = tmp_path / "evidence"
    evidence.mkdir()
    with open(os.fsencode(evidence) + b"/caf\xe9.jpg.gz", "wb") as handle:
        handle.write(gzip.compress(media("photos", PHOTO).read_bytes()))  # no name in the gzip header
    code, report = scan(evidence, tmp_path / "case", hashset)
    assert code == 0
    found = byte_paths(report)
    # Named after the file without its suffix: its bytes, not the text of its escapes ("caf/xe9.jpg").
    member = found[b"caf\xe9.jpg.gz//caf\xe9.jpg"]
    assert member["category"] == "A"


def test_a_recorded_path_opens_the_file_of_those_bytes_again(tmp_path: Path) -> None:
    # The review app and the report's annex read an item back by its recorded path.
    evidence = hostile_folder(tmp_path / "evidence")
    for index, name in enumerate(NAMES[:-1]):
        text = escape(name)
        with open_item(evidence, text, Limits()) as stream:
            assert stream.read() == f"benign file {index}".encode(), text
    with open_item(evidence, "\\xfe\\\\xfe/\\xff", Limits()) as stream:
        assert stream.read() == media("photos", PHOTO).read_bytes()


def test_evidence_named_with_any_bytes_is_scanned_resumed_and_annexed(tmp_path: Path, hashset: Path) -> None:
    """The class of point 1 at the evidence root: a folder or file given on the command line whose own name
    is not UTF-8 is recorded under an escaped label and path, and read again from it."""
    folder = os.fsdecode(os.fsencode(tmp_path) + b"/ev\xff")
    os.mkdir(folder)
    shutil.copyfile(media("photos", PHOTO), os.path.join(folder, "a.jpg"))
    single = os.fsdecode(os.fsencode(tmp_path) + b"/\xfe.jpg")
    shutil.copyfile(media("photos", OTHER), single)
    case = tmp_path / "case"
    for _ in range(2):  # the rerun resumes: the same two exhibits, nothing counted twice
        code = main(["scan", folder, single, "--hashset", str(hashset), "--case", str(case), "--quiet"])
        assert code == 0
        report = json.loads((case / "report.json").read_text())
        assert sorted(e["label"] for e in report["case"]["evidence"]) == ["\\xfe.jpg", "ev\\xff"]
        assert report["summary"]["files_total"] == 2
    assert main(["report", str(case), "--annex"]) == 0
    annex = (case / "report-annex.html").read_text()  # the listed photo, read again inside ev\xff
    assert annex.count("<img") == 1 and "ev\\xff/a.jpg" in annex


def test_a_rerun_of_a_case_with_paths_from_before_format_4_warns_it_may_count_twice(
    tmp_path: Path, hashset: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A name with a backslash was recorded as it is before case format 4 and is written twice now: the rerun
    of such a case says it will count those items again, rather than do so without a word."""
    from sqlalchemy import insert, update

    from warden.case import schema
    from warden.case.folder import Case

    evidence = tmp_path / "evidence"
    evidence.mkdir()
    shutil.copyfile(media("photos", PHOTO), evidence / "a\\b.jpg")
    case = tmp_path / "case"
    assert scan(evidence, case, hashset)[0] == 0
    opened = Case.open(case)
    with opened.engine.begin() as connection:  # what the same scan by an older Warden left
        connection.execute(update(schema.items).values(path="a\\b.jpg"))
        connection.execute(insert(schema.case_meta).values(key="paths_before_format_4", value="1"))
    opened.engine.dispose()
    capsys.readouterr()

    code, report = scan(evidence, case, hashset)

    assert code == 0
    assert "1 items recorded by a Warden before case format 4" in capsys.readouterr().err
    assert report["summary"]["files_total"] == 2  # as warned
