"""The one body decoder: a body pulled from a WARC record (the scan) and the same body pushed as it arrives,
in pieces of any size (the crawl), decode to the same bytes, the entity the server meant."""

from __future__ import annotations

import gzip
import io
import random
import zlib

import pytest

from tests.evidence.warcs import deflated
from warden.evidence.http_payload import ContentDecoder, CutShort, codings, entity_body

PAGE = b"".join(b'<li><a href="/viewtopic.php?t=%d">Thread %d</a></li>\n' % (n, n) for n in range(3000))


class _Trickle(io.RawIOBase):
    """A stream whose reads give at most the next of ``sizes`` bytes (a network, a slow file)."""

    def __init__(self, data: bytes, sizes: list[int]) -> None:
        super().__init__()
        self._data, self._sizes = data, sizes

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        step = self._sizes.pop(0) if self._sizes else len(self._data)
        step = step if size < 0 else min(step, size)
        taken, self._data = self._data[:step], self._data[step:]
        return taken


def _pulled(body: bytes, encoding: str, sizes: list[int] | None = None) -> bytes:
    raw = _Trickle(body, sizes or [])
    with entity_body(raw, None, encoding) as decoded:  # type: ignore[arg-type]
        return b"".join(iter(lambda: decoded.read(8192), b""))


def _pushed(body: bytes, encoding: str, piece: int) -> bytes:
    decoder = ContentDecoder(codings(encoding), step=4096)
    out = bytearray()
    for at in range(0, len(body), piece):
        for decoded in decoder.feed(body[at : at + piece]):
            assert len(decoded) <= max(4096, piece)  # never more than a step (or a plain piece) at a time
            out += decoded
    for decoded in decoder.finish():
        out += decoded
    return bytes(out)


def _bodies() -> dict[str, tuple[str, bytes]]:
    brotli = pytest.importorskip("brotli")
    half = len(PAGE) // 2
    return {
        "gzip": ("gzip", gzip.compress(PAGE)),
        "two gzip members": ("gzip", gzip.compress(PAGE[:half]) + gzip.compress(PAGE[half:])),
        "zlib deflate": ("deflate", deflated(PAGE)),
        "raw deflate": ("deflate", deflated(PAGE, raw=True)),
        "br": ("br", brotli.compress(PAGE)),
        "deflate then gzip": ("deflate, gzip", gzip.compress(deflated(PAGE))),
        "labelled gzip, sent plain": ("gzip", PAGE),
        "identity": ("identity", PAGE),
    }


@pytest.mark.parametrize("name", list(_bodies()))
def test_a_body_pulled_or_pushed_in_pieces_of_any_size_decodes_to_the_same_entity(name: str) -> None:
    encoding, body = _bodies()[name]
    assert _pulled(body, encoding) == PAGE
    assert _pulled(body, encoding, [1, 1, 3] + [random.Random(7).randint(1, 999) for _ in range(500)]) == PAGE
    for piece in (1, 7, 1000, len(body)):
        assert _pushed(body, encoding, piece) == PAGE, piece


def test_a_second_gzip_member_that_starts_exactly_where_a_read_ends_is_still_read() -> None:
    first, second = gzip.compress(PAGE[:100]), gzip.compress(PAGE[100:])
    assert _pulled(first + second, "gzip", [len(first)]) == PAGE
    assert _pushed(first + second, "gzip", len(first)) == PAGE


def test_a_cut_gzip_stream_is_damage_for_the_scan_and_the_crawl_keeps_what_came() -> None:
    cut = gzip.compress(PAGE)[:-500]
    with pytest.raises(OSError, match="gzip body cut short"):
        _pulled(cut, "gzip")
    decoder = ContentDecoder(["gzip"])
    came = b"".join(decoder.feed(cut))
    assert came and PAGE.startswith(came)
    with pytest.raises(CutShort):
        list(decoder.finish())


def test_bytes_that_are_not_their_coding_are_an_os_error_either_way() -> None:
    damaged = bytearray(gzip.compress(PAGE))
    damaged[40:60] = bytes(20)
    with pytest.raises(OSError, match="gzip body damaged"):
        _pulled(bytes(damaged), "gzip")
    with pytest.raises(OSError, match="gzip body damaged"):
        _pushed(bytes(damaged), "gzip", 100)
    with pytest.raises(ValueError, match="compress"):
        ContentDecoder(["compress"])
    assert zlib.decompress(deflated(b"x")) == b"x"
