"""The crawl's bomb guard over the shared body decoder: a page read as it arrives, in pieces of any size, is
the page the scan later reads from the WARC; a bomb stops within a step of its limit whatever the pieces."""

from __future__ import annotations

import gzip
import io
import zlib

import pytest

from warden.crawl.decode import RATIO_FLOOR, STEP, BodyDecoder, BodyProblem
from warden.evidence.http_payload import entity_body

PAGE = b"".join(b'<a href="/viewtopic.php?t=%d">%d</a>\n' % (n, n) for n in range(2000))


def _fed(body: bytes, encoding: str, piece: int, keep: int = len(PAGE)) -> BodyDecoder:
    decoder = BodyDecoder(encoding, keep=keep, max_bytes=10**7, max_ratio=100)
    for at in range(0, len(body), piece):
        decoder.feed(body[at : at + piece])
    decoder.finish()
    return decoder


@pytest.mark.parametrize("piece", [1, 5, 4096])
def test_a_page_arriving_in_pieces_reads_as_the_scan_reads_it_back(piece: int) -> None:
    for encoding, body in (("gzip", gzip.compress(PAGE)), ("deflate", zlib.compress(PAGE)), ("gzip", PAGE)):
        crawled = _fed(body, encoding, piece)
        scanned = entity_body(io.BytesIO(body), None, encoding).read()
        assert bytes(crawled.kept) == scanned == PAGE


def test_a_bomb_sent_in_small_pieces_is_stopped_within_a_step() -> None:
    body = zlib.compress(bytes(50 * 2**20))
    bomb = BodyDecoder("deflate", keep=0, max_bytes=10**9, max_ratio=100)
    pieces = (body[at : at + 1000] for at in range(0, len(body), 1000))
    with pytest.raises(BodyProblem, match=r"^bomb:"):
        any(bomb.feed(piece) for piece in pieces)
    assert bomb.decoded <= max(RATIO_FLOOR, 100 * bomb.raw) + STEP
    assert bomb.raw < len(body)  # stopped before the whole body came


def test_a_page_cut_short_keeps_its_start_and_damage_is_an_encoding_reason() -> None:
    cut = _fed(gzip.compress(PAGE)[:-400], "gzip", 512)
    assert cut.kept and PAGE.startswith(bytes(cut.kept))
    damaged = bytearray(gzip.compress(PAGE))
    damaged[30:50] = bytes(20)
    with pytest.raises(BodyProblem, match=r"^encoding: gzip body damaged"):
        _fed(bytes(damaged), "gzip", 512)
    unknown = _fed(PAGE, "compress", 512)
    assert unknown.unknown == "compress" and not unknown.kept
