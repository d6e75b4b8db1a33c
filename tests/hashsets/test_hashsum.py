"""md5sum/sha1sum/sha256sum lists: every line style, kind by length, the import's category, bad lines."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.hashsets.samples import md5, sha1, sha256, write
from warden.errors import HashSetFormatError
from warden.hashsets.formats import ReadOptions
from warden.hashsets.hashsum import HashsumFormat
from warden.hashsets.model import Entry
from warden.model.categories import Category

FORMAT = HashsumFormat()


def test_every_line_style_reads_with_its_kind_and_name(tmp_path: Path) -> None:
    path = write(
        tmp_path / "sums.txt",
        "# made by md5sum and friends\n"
        f"{md5('a')}  photos/a b.jpg\n"
        f"{sha1('b').upper()} *photos/b.jpg\n"
        f"\\{sha256('c')}  photos/c\\\\d.jpg\n"
        f"SHA256 (photos/e.jpg) = {sha256('e')}\n"
        f"MD5 (f.jpg) = {md5('f')}\n"
        "\n"
        f"{md5('g')}\n",
    )
    entries = FORMAT.read(path, ReadOptions())
    assert entries == [
        Entry(md5=md5("a"), source_id="photos/a b.jpg"),
        Entry(sha1=sha1("b"), source_id="photos/b.jpg"),
        Entry(sha256=sha256("c"), source_id="photos/c\\\\d.jpg"),
        Entry(sha256=sha256("e"), source_id="photos/e.jpg"),
        Entry(md5=md5("f"), source_id="f.jpg"),
        Entry(md5=md5("g")),
    ]


def test_the_import_gives_the_category(tmp_path: Path) -> None:
    path = write(tmp_path / "sums.txt", f"{md5('a')}  a.jpg\n{md5('a')}  a.jpg\n")
    entries = FORMAT.read(path, ReadOptions(default_category=Category.B))
    assert [e.category for e in entries] == [Category.B, Category.B]  # duplicates are kept


@pytest.mark.parametrize(
    ("line", "words"),
    [
        (f"{md5('x')[:31]}  a.jpg", "31 hex digits is none of MD5 (32), SHA-1 (40) or SHA-256 (64)"),
        (f"{md5('x')[:31]}z  a.jpg", "md5 must be hex digits only"),
        (f"SHA256 (a.jpg) = {md5('x')}", "sha256 must be 64 hex digits"),
        ("just some words", "not a hash line"),
    ],
)
def test_bad_line_is_named(tmp_path: Path, line: str, words: str) -> None:
    path = write(tmp_path / "sums.txt", f"{md5('a')}  a.jpg\n# comment\n{line}\n")
    with pytest.raises(HashSetFormatError) as caught:
        FORMAT.read(path, ReadOptions())
    assert caught.value.location == "line 3"
    assert words in caught.value.message


def test_not_utf8_is_named(tmp_path: Path) -> None:
    path = tmp_path / "sums.txt"
    path.write_bytes(f"{md5('a')}  a.jpg\n{md5('b')}  \xff.jpg\n".encode("latin-1"))
    with pytest.raises(HashSetFormatError) as caught:
        FORMAT.read(path, ReadOptions())
    assert caught.value.location == "line 2"


def test_sniff() -> None:
    assert FORMAT.sniff(f"{md5('a')}  a.jpg\n{sha1('b')} *b\n".encode())
    assert FORMAT.sniff(f"SHA1 (a.jpg) = {sha1('a')}\n".encode())
    assert FORMAT.sniff(f"{sha256('a')}\n".encode())  # bare 64 digits: also PDQ, so detection asks
    assert not FORMAT.sniff(f"pdq {sha256('a')}\n".encode())
    assert not FORMAT.sniff(b"md5,sha1,sha256,pdq,category,source_id\n")
