"""The crawl fixtures themselves: the forum links what its facts say, the traps are as hostile as they claim,
TLS, HTTP/2 and the SOCKS5 proxy work, and every server stops without leaving a thread behind."""

from __future__ import annotations

import gzip
import hashlib
import re
import ssl
import threading
import zlib
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import httpx
import pytest

from tests.crawl import traps
from tests.crawl.site import Site
from tests.crawl.socks import Socks5Proxy
from tests.media import media
from warden.hashing.item import hash_file
from warden.hashsets.readers import read_hashset

_CSS_URL = re.compile(r"""url\(\s*['"]?([^'")]+)['"]?\s*\)""")
_BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


@pytest.fixture(scope="module")
def site() -> Iterator[Site]:
    with Site(hostile=False) as running:
        yield running


@pytest.fixture(scope="module")
def hostile() -> Iterator[Site]:
    with Site(hostile=True, tls=True, http2=True) as running:
        yield running


class _Refs(HTMLParser):
    """Every URL a page refers to: links, image and video sources, ``srcset`` entries, styles."""

    def __init__(self) -> None:
        super().__init__()
        self.pages: list[str] = []
        self.media: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "a" and "href" in values and not values["href"].startswith("#"):
            self.pages.append(values["href"])
        if tag == "link" and "href" in values:
            self.pages.append(values["href"])
        for name in ("src", "poster"):
            if name in values and tag in ("img", "source", "video"):
                self.media.append(values[name])
        self.media += [entry.split()[0] for entry in values.get("srcset", "").split(",") if entry.strip()]
        self.media += _CSS_URL.findall(values.get("style", ""))


def _walk(client: httpx.Client, start: str, fetched: dict[str, httpx.Response]) -> tuple[set[str], set[str]]:
    """A plain breadth-first walk of the site's own pages: the pages fetched and the media referred to; the
    media a page links to (as a gallery's thumbnails do) are fetched too, and kept in ``fetched``."""
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(start))
    pages, media_refs, queue, seen = {start}, set(), [start], {start}
    while queue:
        url = queue.pop(0)
        response = client.get(url)
        assert response.status_code == 200, url
        if response.headers["content-type"].startswith("text/css"):
            media_refs |= {urljoin(url, ref) for ref in _CSS_URL.findall(response.text)}
            continue
        if not response.headers["content-type"].startswith("text/html"):
            pages.discard(url)
            media_refs.add(url)
            fetched[url] = response
            continue
        refs = _Refs()
        refs.feed(response.text)
        media_refs |= {urljoin(url, ref) for ref in refs.media}
        for ref in refs.pages:
            target = urljoin(url, ref)
            if target.startswith(origin) and target not in seen:
                seen.add(target)
                pages.add(target)
                queue.append(target)
    return pages, media_refs


def test_the_forum_links_every_page_and_medium_its_facts_list_once(site: Site) -> None:
    with httpx.Client(timeout=10) as client:
        fetched: dict[str, httpx.Response] = {}
        pages, media_refs = _walk(client, site.url, fetched)
        assert pages == site.page_urls | {site.stylesheet_url}
        assert media_refs == set(site.media)
        for url, served in site.media.items():
            response = fetched.get(url) or client.get(url)
            assert response.status_code == 200, url
            assert response.headers["content-type"] == (
                "video/mp4"
                if served.kind == "video"
                else "image/png"
                if served.kind == "logo"
                else "image/jpeg"
            )
            if served.kind == "original" and served.source:
                assert response.content == media(*served.source.split("/")).read_bytes()
        robots = client.get(site.robots_url).text
    assert "Disallow: /private/" in robots and urlsplit(site.robots_disallowed_url).path.startswith(
        "/private/"
    )
    assert site.fetched_twice() == {}
    assert all(site.requests[url] == 1 for url in site.page_urls | set(site.media))


def test_pages_show_boards_threads_users_roles_rules_and_payment(site: Site) -> None:
    with httpx.Client(timeout=10) as client:
        index = client.get(site.url).text
        assert all(f'class="forumtitle">{title}<' in index for title in site.board_urls.values())
        board = client.get(next(iter(site.board_urls))).text
        assert 'class="topictitle"' in board
        for user in site.users:
            profile = client.get(site.at(user.path)).text
            assert f'<span class="username">{user.name}</span>' in profile
            assert f'<span class="rank-title">{user.rank_title}</span>' in profile
        team = client.get(site.team_url).text
        assert all((user.name in team) == (user.role != "member") for user in site.users)
        long_thread = client.get(site.at("/viewtopic.php?t=20")).text
        assert 'href="/viewtopic.php?t=20&amp;start=4"' in long_thread and 'class="postbody"' in long_thread
        assert "rules" in client.get(site.rules_url).text.lower()
        register = client.get(site.register_url).text
    assert site.invitation in register and site.bitcoin in register and site.monero in register
    assert set(site.roles.values()) == {"administrator", "moderator", "member"}
    number = 0
    for char in site.bitcoin:
        number = number * 58 + _BASE58.index(char)
    raw = number.to_bytes(25, "big")
    assert hashlib.sha256(hashlib.sha256(raw[:21]).digest()).digest()[:4] == raw[21:]
    assert len(site.monero) == 95 and site.monero[0] == "4" and set(site.monero) <= set(_BASE58)


def _distance(one: str, other: str) -> int:
    return (int(one, 16) ^ int(other, 16)).bit_count()


def test_the_hash_set_lists_the_photos_and_the_copies_are_near_them(site: Site, tmp_path: Path) -> None:
    hash_set = read_hashset(site.hash_set_csv(tmp_path), "site")
    assert sorted(entry.category.value for entry in hash_set.entries) == ["A", "A", "B", "B", "C", "C"]
    assert len(site.copy_urls) == 6 and {kind for _, kind in site.copy_urls.values()} == {
        "reencoded",
        "mirrored",
    }
    with httpx.Client(timeout=10) as client:
        for copy_url, (original_url, kind) in site.copy_urls.items():
            assert site.category_of(copy_url) == site.listed_urls[original_url]
            copy_file, original_file = tmp_path / "copy.jpg", tmp_path / "original.jpg"
            copy_file.write_bytes(client.get(copy_url).content)
            original_file.write_bytes(client.get(original_url).content)
            copy, original = hash_file(copy_file), hash_file(original_file)
            assert copy.sha256 != original.sha256
            assert original.pdq is not None and copy.pdq is not None
            nearest = min(_distance(variant.pdq, original.pdq) for variant in copy.pdq_variants)
            assert nearest <= 31, (kind, nearest)


def test_the_bombs_inflate_far_beyond_what_they_send(hostile: Site) -> None:
    for name in ("gzip_bomb", "deflate_bomb"):
        with httpx.Client(timeout=10) as client, client.stream("GET", hostile.traps[name]) as response:
            assert int(response.headers["content-length"]) < traps.BOMB_INFLATED // 500
            inflated = 0
            for piece in response.iter_bytes():
                assert not piece.strip(b"\0")
                inflated += len(piece)
                if inflated >= 32 * 2**20:
                    break
            assert response.num_bytes_downloaded * 100 < inflated
    small = 3 * 2**20
    for kind, inflate in (("gzip", gzip.decompress), ("deflate", zlib.decompress)):
        body = b"".join(iter(traps.bomb_body(kind, small), None))
        assert inflate(body) == bytes(small)
    assert len(b"".join(iter(traps.bomb_body("gzip", small), None))) == traps.bomb_length(small)


def test_the_endless_traps_never_end_but_each_answer_is_small(hostile: Site) -> None:
    with httpx.Client(timeout=10, max_redirects=20) as client:
        for name in ("redirect_loop", "redirect_chain"):
            with pytest.raises(httpx.TooManyRedirects):
                client.get(hostile.traps[name], follow_redirects=True)
        page = client.get(hostile.traps["link_farm"]).text
        assert 'href="/trap/farm/2"' in page and 'href="/trap/farm/3"' in page
        assert 'href="/trap/farm/4000"' in client.get(hostile.at("/trap/farm/2000")).text
        month = client.get(hostile.traps["calendar"]).text
        assert 'href="?month=2"' in month
        assert 'href="?month=1000"' in client.get(hostile.at("/trap/calendar.php?month=999")).text


def test_slow_oversized_mistyped_and_truncated_answers(hostile: Site) -> None:
    with httpx.Client(timeout=httpx.Timeout(10, read=0.3)) as client, pytest.raises(httpx.ReadTimeout):
        client.get(hostile.traps["slow_headers"])
    with httpx.Client(timeout=10) as client:
        with client.stream("GET", hostile.traps["slow_body"]) as response:
            assert "content-length" not in response.headers
            assert next(response.iter_raw(1)) == b"<"
        for name, declared in (("oversized_declared", True), ("oversized_undeclared", False)):
            with client.stream("GET", hostile.traps[name]) as response:
                assert response.headers.get("content-length") == (str(traps.OVERSIZED) if declared else None)
                received = 0
                for piece in response.iter_raw():
                    received += len(piece)
                    if received >= 2**20:
                        break
                assert received >= 2**20
        photo = client.get(hostile.traps["image_as_html"])
        assert photo.headers["content-type"].startswith("text/html") and photo.content[:3] == b"\xff\xd8\xff"
        page = client.get(hostile.traps["html_as_image"])
        assert page.headers["content-type"] == "image/jpeg" and page.content.startswith(b"<!DOCTYPE html>")
        with pytest.raises(httpx.RemoteProtocolError):
            client.get(hostile.traps["truncated"])
        links = client.get(hostile.links_url).text
    assert all(urlsplit(url).path in links for url in hostile.traps.values())
    assert hostile.tls_url and hostile.tls_url in links and str(hostile.http2_url) in links


def test_tls_is_refused_unless_the_test_ca_is_trusted_and_http2_is_spoken(hostile: Site) -> None:
    assert hostile.tls_url and hostile.certificate and hostile.http2_url and hostile.http2_cleartext_url
    with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
        httpx.get(hostile.tls_url, timeout=10)
    trusted = ssl.create_default_context(cafile=str(hostile.certificate.ca_file))
    assert httpx.get(hostile.tls_url, verify=trusted, timeout=10).status_code == 200
    assert (
        "O=Owl Hollow" in hostile.certificate.subject and "Owl Hollow test CA" in hostile.certificate.issuer
    )
    assert hostile.certificate.not_before < hostile.certificate.not_after
    with httpx.Client(http2=True, verify=trusted, timeout=10) as client:
        response = client.get(hostile.http2_url)
        assert response.http_version == "HTTP/2" and 'class="forumtitle"' in response.text
    with httpx.Client(http1=False, http2=True, timeout=10) as client:
        response = client.get(hostile.http2_cleartext_url + "robots.txt")
        assert response.http_version == "HTTP/2" and "Disallow: /private/" in response.text
    assert any(request.version == "2" for request in hostile.log)


def test_the_socks_proxy_resolves_the_onion_name_and_relays(site: Site) -> None:
    with Socks5Proxy({"forum.onion": site.port}) as proxy:
        with httpx.Client(proxy=proxy.url, timeout=10) as client:
            response = client.get("http://forum.onion/robots.txt")
            assert response.status_code == 200 and "Disallow" in response.text
            with pytest.raises(httpx.ProxyError):
                client.get("http://elsewhere.onion/")
            with pytest.raises(httpx.ProxyError):
                client.get("http://192.0.2.1/")  # off loopback: refused by the proxy, never connected to
        assert proxy.connections == 3
        assert proxy.requested == [("forum.onion", 80), ("elsewhere.onion", 80), ("192.0.2.1", 80)]
        assert [refusal.reply for refusal in proxy.refusals] == [4, 2]
    assert site.log[-1].host == "forum.onion" and site.log[-1].url == site.robots_url
    assert proxy.live_threads() == []


def test_a_site_starts_and_stops_repeatedly_without_leaving_threads() -> None:
    before = set(threading.enumerate())
    for _ in range(3):
        with Site(tls=True, http2=True) as running, httpx.Client(timeout=10) as client:
            assert client.get(running.url).status_code == 200
            with client.stream("GET", running.traps["slow_body"]) as response:
                assert next(response.iter_raw(1)) == b"<"
                running.stop()
                left = running.live_threads()
        assert left == []
    assert set(threading.enumerate()) <= before
