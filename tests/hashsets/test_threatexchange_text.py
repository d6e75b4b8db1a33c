"""ThreatExchange signal text: one '<signal_type> <signal>' per line, bad lines named."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.hashsets.samples import md5, pdq, sha256, write
from warden.errors import HashSetFormatError
from warden.hashsets.formats import ReadOptions
from warden.hashsets.model import Entry
from warden.hashsets.profiles import load_profile
from warden.hashsets.threatexchange_csv import ThreatExchangeCsvFormat
from warden.hashsets.threatexchange_text import ThreatExchangeTextFormat
from warden.model.categories import Category
from warden.model.hashes import VpdqFrame

TEXT = ThreatExchangeTextFormat()
CSV_HEADER = "collab,signal_type,signal_str,category,tags"


def vpdq_signal() -> str:
    return json.dumps([f"{pdq('f1')},100,0.000", f"{pdq('f2')},55,1.000"])


def test_text_lines_read_as_uncategorised_entries(tmp_path: Path) -> None:
    path = write(
        tmp_path / "signals.txt",
        "# exported with threatexchange dataset -P -S\n"
        f"pdq {pdq('a')}\n"
        "\n"
        f"video_md5 {md5('b').upper()}\n"
        f"video_sha256 {sha256('c')}\n"
        f"video_vpdq {vpdq_signal()}\n",
    )
    assert TEXT.resolve_profile(path, b"", ReadOptions()) == load_profile("threatexchange")
    entries = TEXT.read(path, ReadOptions())
    assert entries == [
        Entry(pdq=pdq("a")),
        Entry(md5=md5("b")),
        Entry(sha256=sha256("c")),
        Entry(vpdq=(VpdqFrame(pdq("f1"), 100, 0.0), VpdqFrame(pdq("f2"), 55, 1.0))),
    ]
    assert {e.category for e in entries} == {Category.UNCATEGORISED}


@pytest.mark.parametrize(
    ("line", "words"),
    [
        ("url https://example.invalid/x", "not an image or video hash"),
        ("tmk_hash abc", "unknown signal type"),
        (f"pdq {pdq('x')[:60]}", "pdq must be 64 hex digits"),
        (f"pdq {pdq('x')} WORTH_INVESTIGATING", "text after the signal"),
        ("pdq", "'<signal_type> <signal>'"),
        ('video_vpdq ["abc,100,0.0"]', "vPDQ frame 1"),
        ("video_vpdq {}", "non-empty JSON list"),
    ],
)
def test_text_bad_line_is_named(tmp_path: Path, line: str, words: str) -> None:
    path = write(tmp_path / "signals.txt", f"pdq {pdq('a')}\n{line}\n")
    with pytest.raises(HashSetFormatError) as caught:
        TEXT.read(path, ReadOptions())
    assert caught.value.location == "line 2"
    assert words in caught.value.message


def test_sniffing_tells_the_two_apart() -> None:
    text = f"pdq {pdq('a')}\n".encode()
    csv = f"{CSV_HEADER}\nc,pdq,{pdq('a')},POSITIVE_CLASS,\n".encode()
    assert TEXT.sniff(text)
    assert not TEXT.sniff(csv)
    assert ThreatExchangeCsvFormat().sniff(csv)
    assert not ThreatExchangeCsvFormat().sniff(text)
