"""The helpers every reader shares: hex checks that never leak a hash, vPDQ cells, and sniffing input."""

from __future__ import annotations

import pytest

from tests.hashsets.samples import md5, pdq
from warden.hashsets.formats import HEAD_BYTES, complete_lines, decode_head, parse_hex, parse_vpdq
from warden.model.hashes import HashKind, VpdqFrame, preview


def test_parse_hex_normalises_and_refuses_without_repeating_the_value() -> None:
    assert parse_hex(HashKind.MD5, f" 0x{md5('a').upper()} ") == md5("a")
    with pytest.raises(ValueError, match="md5 must be 32 hex digits, got 31 characters") as caught:
        parse_hex(HashKind.MD5, md5("a")[:31])
    assert md5("a")[:31] not in str(caught.value)
    with pytest.raises(ValueError, match="hex digits only"):
        parse_hex(HashKind.PDQ, "x" * 64)


def test_preview_is_short() -> None:
    assert preview("abc") == "'abc'"
    assert preview(md5("a")) == repr(md5("a")[:6] + "…")


def test_parse_vpdq_names_the_bad_frame() -> None:
    assert parse_vpdq(f"{pdq('a')}:90:1.5") == (VpdqFrame(pdq("a"), 90, 1.5),)
    with pytest.raises(ValueError, match="vPDQ frame 2") as caught:
        parse_vpdq(f"{pdq('a')}:90:0 {pdq('b')[:10]}:90:1")
    assert pdq("b")[:10] not in str(caught.value)
    with pytest.raises(ValueError, match="at least one frame"):
        parse_vpdq("  ")


def test_sniffing_sees_whole_lines_only() -> None:
    head = (("#c\n\n" + "a" * 100 + "\n") * 200).encode()[:HEAD_BYTES]
    lines = complete_lines(head, limit=1000)
    assert lines
    assert all(line == "a" * 100 for line in lines)
    assert decode_head(b"\xef\xbb\xbfok") == "ok"
    assert decode_head("ok".encode("utf-16")) == "ok"
