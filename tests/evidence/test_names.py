"""Names as item paths: ordinary names unchanged, any bytes unique and reversible (issue 8, point 1)."""

from __future__ import annotations

import random

import pytest

from warden.evidence.names import escape, escape_text, levels, name_bytes, repeated, unescape, zip_name

ORDINARY = ["holiday.jpg", "Ünïcødé 写真.png", "a b (1).jpeg", "100%.gif", "#2.jpg", "x:y", "🙂.jpg"]

# Pairs that once gave one path: the byte and the four characters that showed it, a "/" inside a name and
# the text that showed it, an empty name and a name of its marker...
COLLIDING = [
    (b"\xff", b"\\xff"),
    (b"a/b", b"a\\x2fb"),
    (b"", b"\\e"),
    (b"\\", b"\\\\"),
    (b"caf\xe9.jpg", "café.jpg".encode()),
    (b"x\x01", b"x\\x01"),
    ("\u202e".encode(), b"\\u202e"),
]


@pytest.mark.parametrize("name", ORDINARY)
def test_ordinary_names_read_as_they_always_did(name: str) -> None:
    assert escape(name.encode()) == name
    assert escape_text(name) == name


@pytest.mark.parametrize(("one", "other"), COLLIDING)
@pytest.mark.parametrize("visible", [False, True])
def test_names_that_once_collided_now_differ_and_read_back(one: bytes, other: bytes, visible: bool) -> None:
    assert escape(one, visible=visible) != escape(other, visible=visible)
    assert unescape(escape(one, visible=visible)) == one
    assert unescape(escape(other, visible=visible)) == other


def test_any_bytes_round_trip_and_stay_unique() -> None:
    # Property test without hypothesis: random names biased towards the bytes that matter.
    rng = random.Random(8)
    alphabet = [
        *b"\\/x:eu#0123456789abcdefU",
        0x00,
        0x01,
        0x7F,
        0x80,
        0xC3,
        0xA9,
        0xE2,
        0x80,
        0xAE,
        0xED,
        0xFF,
    ]
    seen: dict[tuple[str, bool, str], bytes] = {}
    for _ in range(20_000):
        raw = bytes(
            rng.choice(alphabet) if rng.random() < 0.8 else rng.randrange(256)
            for _ in range(rng.randrange(8))
        )
        for visible in (False, True):
            for reserved in ("/", "/:"):
                text = escape(raw, reserved=reserved, visible=visible)
                assert unescape(text) == raw
                assert "/" not in text  # one name never reads as two
                key = (text, visible, reserved)
                assert seen.setdefault(key, raw) == raw, f"{raw!r} and {seen[key]!r} both give {text!r}"


def test_text_from_os_and_archives_keeps_its_bytes() -> None:
    # os.scandir and tarfile give undecodable bytes as surrogates; UTF-16 sources may hold lone surrogates.
    assert name_bytes("caf\udce9") == b"caf\xe9"
    assert escape_text("caf\udce9") == "caf\\xe9"
    assert name_bytes("a\ud800b") == b"a\xed\xa0\x80b"
    assert unescape(escape_text("a\ud800b")) == "a\ud800b".encode("utf-8", "surrogatepass")


def test_only_a_name_escapes_can_be_read_back() -> None:
    for text in ["a\\b", "\\x4", "\\xZZ", "trailing\\", "\\u12"]:
        with pytest.raises(ValueError, match="stray backslash"):
            unescape(text)


def test_a_repeated_name_is_told_apart_and_reads_back_as_the_name() -> None:
    assert repeated("a.jpg", 2) == "a.jpg\\#2"
    assert repeated("a.jpg", 2) != escape(b"a.jpg#2")
    assert unescape(repeated("a\\xff", 3)) == b"a\xff"


def test_an_item_path_reads_back_level_by_level() -> None:
    path = "disk.E01//p2//Users/caf\\xe9/a\\x2fb.jpg//inner/\\\\xff"
    assert levels(path) == [[b"disk.E01"], [b"p2"], [b"Users", b"caf\xe9", b"a/b.jpg"], [b"inner", b"\\xff"]]


def test_zip_names_without_the_utf8_flag_are_their_bytes() -> None:
    # zipfile reads such names as code page 437: 0xff is U+00A0, so b"\xff.jpg" and a flagged "\u00a0.jpg"
    # were one name.
    dos = b"\xff.jpg".decode("cp437")
    assert zip_name(dos, 0) == ("\udcff.jpg", {"name_cp437": dos})
    assert escape_text(zip_name(dos, 0)[0]) == "\\xff.jpg"
    assert zip_name("\u00a0.jpg", 0x800) == ("\u00a0.jpg", {})
    # UTF-8 written without the flag (as many tools do) reads as UTF-8; ASCII is unchanged.
    assert zip_name("café.jpg".encode().decode("cp437"), 0) == ("café.jpg", {})
    assert zip_name("plain.jpg", 0) == ("plain.jpg", {})


def test_path_text_turns_back_into_the_name_to_escape_again() -> None:
    from warden.evidence.names import name_text

    assert escape_text(name_text("caf\\xe9.jpg")) == "caf\\xe9.jpg"
    assert name_text("caf\\xe9.jpg") == "caf\udce9.jpg"
    assert name_text("stray\\q") == "stray\\q"  # not an escaped name: kept
