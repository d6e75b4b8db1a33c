"""Canonical CSV: what an examiner's own list reads as, what export writes, and how a bad row is named."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest

from tests.hashsets.samples import md5, pdq, sha1, sha256, write
from tests.media import media
from warden.errors import HashSetFormatError
from warden.hashsets.canonical_csv import CanonicalCsvFormat
from warden.hashsets.formats import ReadOptions
from warden.hashsets.model import Entry
from warden.model.categories import Category
from warden.model.hashes import VpdqFrame

FORMAT = CanonicalCsvFormat()
HEADER = "md5,sha1,sha256,pdq,category,source_id"


def read(path: Path) -> list[Entry]:
    return FORMAT.read(path, ReadOptions())


def test_rows_read_with_their_categories_and_empty_hashes_absent(tmp_path: Path) -> None:
    path = write(
        tmp_path / "list.csv",
        f"{HEADER}\n"
        f"{md5('a')},{sha1('a')},{sha256('a')},{pdq('a')},A,17\n"
        f"{md5('b').upper()},,,,b,\n"
        f",,,{pdq('c')},c,x-3\n"
        f"{md5('d')},,,,not_indecent,\n"
        f"{md5('e')},,,,known_good,\n"
        f"{md5('f')},,,,,\n",
    )
    entries = read(path)
    assert [e.category for e in entries] == [
        Category.A,
        Category.B,
        Category.C,
        Category.NOT_INDECENT,
        Category.KNOWN_GOOD,
        Category.UNCATEGORISED,
    ]
    assert entries[0] == Entry(
        md5("a"), sha1("a"), sha256("a"), pdq("a"), category=Category.A, source_id="17"
    )
    assert entries[1].md5 == md5("b")  # upper-case hex is normalised
    assert entries[2].md5 is None
    assert entries[2].source_id == "x-3"


def test_columns_in_any_order_with_bom_and_vpdq(tmp_path: Path) -> None:
    frames = f"{pdq('f1')}:90:0.000 {pdq('f2')}:80:1.000"
    path = write(
        tmp_path / "list.csv",
        f"category,source_id,vpdq,pdq,sha256,sha1,md5\r\nB,v1,{frames},,,,\r\n",
        bom=True,
    )
    (entry,) = read(path)
    assert entry.category is Category.B
    assert entry.vpdq == (VpdqFrame(pdq("f1"), 90, 0.0), VpdqFrame(pdq("f2"), 80, 1.0))


def test_duplicates_are_kept(tmp_path: Path) -> None:
    path = write(tmp_path / "list.csv", f"{HEADER}\n{md5('a')},,,,A,\n{md5('a')},,,,A,\n")
    assert len(read(path)) == 2


def test_round_trip_through_the_writer(tmp_path: Path) -> None:
    entries = [
        Entry(md5=md5("a"), sha1=sha1("a"), category=Category.A, source_id="1"),
        Entry(pdq=pdq("b"), category=Category.UNCATEGORISED),
        Entry(
            sha256=sha256("c"),
            photodna="AAEC/w==",
            category=Category.NOT_INDECENT,
            source_id="note, with comma",
        ),
        Entry(vpdq=(VpdqFrame(pdq("v"), 100, 0.0), VpdqFrame(pdq("w"), 60, 2.5)), category=Category.C),
        Entry(md5=md5("k"), category=Category.KNOWN_GOOD),
    ]
    buffer = io.StringIO()
    FORMAT.write(entries, buffer)
    text = buffer.getvalue()
    assert text.splitlines()[0] == HEADER + ",vpdq,photodna"
    assert read(write(tmp_path / "out.csv", text)) == entries


def test_writer_leaves_out_optional_columns_nobody_uses(tmp_path: Path) -> None:
    buffer = io.StringIO()
    FORMAT.write([Entry(md5=md5("a"), category=Category.C)], buffer)
    assert buffer.getvalue() == f"{HEADER}\n{md5('a')},,,,C,\n"


def test_hashes_of_the_benign_photos_round_trip(tmp_path: Path) -> None:
    photos = sorted(media("photos").glob("*.jpg"))[:5]
    digests = [hashlib.md5(photo.read_bytes()).hexdigest() for photo in photos]
    grades = "ABCAB"
    rows = [f"{digests[i]},,,,{grades[i]},{photo.name}" for i, photo in enumerate(photos)]
    entries = read(write(tmp_path / "photos.csv", "\n".join([HEADER, *rows]) + "\n"))
    assert [e.md5 for e in entries] == digests
    assert [e.category.value for e in entries] == ["A", "B", "C", "A", "B"]
    assert entries[0].source_id == photos[0].name


@pytest.mark.parametrize(
    ("body", "location", "words"),
    [
        (f"{HEADER}\n{md5('a')},,,,A,\n{md5('b')[:31]},,,,A,\n", "line 3", "md5 must be 32 hex digits"),
        (f"{HEADER}\n{md5('a')},,,,A,\n{'g' * 32},,,,A,\n", "line 3", "hex digits only"),
        (f"{HEADER}\n{md5('a')},,,,D,\n", "line 2", "unknown category 'D'"),
        (f"{HEADER}\n{md5('a')},,,,A\n", "line 2", "wrong column count"),
        (f"{HEADER}\n{md5('a')},,,,A,\n,,,,B,9\n", "line 3", "no hash"),
        (f"{HEADER}\n,,,,B,\n{md5('a')},,,,A,\n", "line 2", "no hash"),
        (f"{HEADER}\n,,,,A,,\n", "line 2", "wrong column count"),
        (f"{HEADER},vpdq\n,,,,A,,{pdq('x')}:101:0\n", "line 2", "vPDQ frame 1"),
        ("md5,sha1,sha256,category,source_id\n", "line 1", "no 'pdq' column"),
        (f"{HEADER},sha_256\n", "line 1", "unknown column 'sha_256'"),
        (f"{HEADER},md5\n", "line 1", "'md5' appears twice"),
        (f'{HEADER}\n"{md5("a")},,,,A,\n', "line 2", "not valid CSV"),
    ],
)
def test_malformed_file_is_rejected_naming_the_line(
    tmp_path: Path, body: str, location: str, words: str
) -> None:
    with pytest.raises(HashSetFormatError) as caught:
        read(write(tmp_path / "bad.csv", body))
    assert caught.value.location == location
    assert words in caught.value.message
    assert caught.value.source == "bad.csv"


def test_errors_show_only_a_prefix_of_a_hash(tmp_path: Path) -> None:
    bad = md5("secret")[:31]
    with pytest.raises(HashSetFormatError) as caught:
        read(write(tmp_path / "bad.csv", f"{HEADER}\n{bad},,,,A,\n"))
    assert bad not in caught.value.message
    assert bad[:6] in caught.value.message


def test_sniff_recognises_a_header_in_any_order() -> None:
    assert FORMAT.sniff(b"source_id,category,md5,sha1,sha256,pdq\n")
    assert FORMAT.sniff(b"\xef\xbb\xbfmd5,category\n")  # sniffed as CSV, so reading names the missing column
    assert not FORMAT.sniff(b"collab,signal_type,signal_str,category,tags\n")
    assert not FORMAT.sniff(md5("a").encode() + b"  a.jpg\n")
