"""Bare PDQ lists such as ThreatExchange's needles.txt."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.hashsets.samples import pdq, write
from tests.media import media
from warden.errors import HashSetFormatError
from warden.hashsets.formats import ReadOptions
from warden.hashsets.pdq_text import PdqTextFormat
from warden.model.categories import Category

FORMAT = PdqTextFormat()


def test_reference_needles_read_as_pdq() -> None:
    path = media("pdq-reference", "needles.txt")
    entries = FORMAT.read(path, ReadOptions(default_category=Category.C))
    lines = [line.strip() for line in path.read_text().splitlines() if line.strip()]
    assert [e.pdq for e in entries] == [line.lower() for line in lines]
    assert {e.category for e in entries} == {Category.C}
    assert all(e.md5 is None and e.sha256 is None for e in entries)


@pytest.mark.parametrize(
    ("line", "words"), [(pdq("x")[:63], "64 hex digits"), (pdq("x") + " a.jpg", "one hash")]
)
def test_bad_line_is_named(tmp_path: Path, line: str, words: str) -> None:
    path = write(tmp_path / "pdq.txt", f"# PDQ\n{pdq('a')}\n{line}\n")
    with pytest.raises(HashSetFormatError) as caught:
        FORMAT.read(path, ReadOptions())
    assert caught.value.location == "line 3"
    assert words in caught.value.message


def test_sniff_accepts_only_bare_pdq_lines() -> None:
    assert FORMAT.sniff(f"{pdq('a')}\n{pdq('b')}\n".encode())
    assert not FORMAT.sniff(f"{pdq('a')}  a.jpg\n".encode())
    assert not FORMAT.sniff(f"{pdq('a')[:32]}\n".encode())
