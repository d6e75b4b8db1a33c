"""`warden crawl` over HTTP/2: the forum served by hypercorn with TLS and ALPN ``h2`` is crawled in HTTP/2,
the WARC says so record by record (``WARC-Protocol: h2``) and `warcio check` accepts it."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from tests.crawl.site import Site
from tests.crawl.test_crawl import FAST, audit_actions, crawl, warc_check


@pytest.mark.slow
def test_a_crawl_of_an_http2_site_speaks_http2_and_its_warc_records_say_h2(tmp_path: Path) -> None:
    case = tmp_path / "case"
    with Site(hostile=False, http2=True) as site:
        seed = site.http2_url
        assert seed is not None and seed.startswith("https://")
        # The site's certificate comes from a made-up CA; --insecure is how a crawl reaches such a server.
        assert crawl(seed, "--case", str(case), *FAST, "--insecure") == 0
        asked = [request for request in site.log if request.url.startswith(seed)]
        wanted = {seed + path.lstrip("/") for path in ("/", "/robots.txt", "/viewtopic.php?t=20")}
        assert site.fetched_twice() == {}
    assert len(asked) > 20
    assert {request.version for request in asked} == {"2"}  # every request came in over HTTP/2
    with sqlite3.connect(case / "case.db") as db:
        done = {url for (url,) in db.execute("select url from crawl_urls where state = 'done'")}
    assert wanted <= done
    started = next(detail for action, detail in audit_actions(case) if action == "crawl.start")
    assert started["insecure"] is True  # the crawl's record says the certificate was not verified

    files = warc_check(case)
    protocols: dict[str, str | None] = {}
    for path in files:
        with path.open("rb") as stream:
            for record in ArchiveIterator(stream):
                if record.rec_type == "response":
                    url = record.rec_headers.get_header("WARC-Target-URI")
                    protocols[url] = record.rec_headers.get_header("WARC-Protocol")
    assert set(protocols) == done
    assert set(protocols.values()) == {"h2"}
