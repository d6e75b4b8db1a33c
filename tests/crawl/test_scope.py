"""URL normalisation and scope, pure: a URL written many ways is fetched once; the query keeps its order."""

from __future__ import annotations

import gzip
import zlib

import pytest

from warden.crawl.decode import BodyDecoder, BodyProblem
from warden.crawl.scope import EMBED, LINK, Scope, normalise


@pytest.mark.parametrize(
    "written",
    [
        "HTTP://Example.ORG:80/a/./b/../c%7e?x=1&y=%2f#frag",
        "http://example.org/a/c~?x=1&y=%2F",
        "http://example.org:80/a/c%7E?x=1&y=%2F",
    ],
)
def test_one_url_written_many_ways_is_one_url(written: str) -> None:
    assert normalise(written) in {"http://example.org/a/c~?x=1&y=%2F"}


def test_query_order_is_kept_and_non_http_links_are_not_urls() -> None:
    assert normalise("http://h/?b=1&a=2") != normalise("http://h/?a=2&b=1")
    assert normalise("http://h/a b") == "http://h/a%20b"
    assert normalise("../x.jpg", "https://h:443/p/q/") == "https://h/p/x.jpg"
    for written in ("mailto:a@b", "javascript:void(0)", "ftp://h/", "http://[::1", "http://h:99999/"):
        assert normalise(written) is None


def test_scope_keeps_to_the_hosts_the_depth_and_the_prefixes_but_embeds_come_along() -> None:
    scope = Scope.around(["http://site/forum/"], ["cdn.site"], ["/forum/"], 2)
    assert scope.refusal("http://site/forum/t/1", 1, LINK) is None
    assert scope.refusal("http://cdn.site/i.jpg", 3, EMBED) is None
    assert (scope.refusal("http://elsewhere/", 1, LINK) or "").startswith("out-of-scope:")
    assert (scope.refusal("http://site/blog/", 1, LINK) or "").startswith("out-of-scope:")
    assert (scope.refusal("http://site/forum/deep", 3, LINK) or "").startswith("depth:")


def test_a_gzip_bomb_is_stopped_early_and_an_honest_body_decodes() -> None:
    honest = BodyDecoder("gzip", keep=100, max_bytes=10**6, max_ratio=100)
    honest.feed(gzip.compress(b"<a href=x>" * 5))
    assert bytes(honest.kept) == b"<a href=x>" * 5
    bomb = BodyDecoder("deflate", keep=0, max_bytes=10**9, max_ratio=100)
    body = zlib.compress(bytes(50 * 2**20))
    with pytest.raises(BodyProblem, match=r"^bomb:"):
        bomb.feed(body)
    assert bomb.decoded <= 100 * bomb.raw + 64 * 1024  # stopped within one step of the ratio
