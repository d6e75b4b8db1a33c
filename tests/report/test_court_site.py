"""The court report's site section: what a crawl fetched, matched and saw of a site's staff, payments and
hosting, shown as text a court can read, never a link or an image, with hostile strings escaped, and a long
address wrapped on the printed page."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from warden.model.categories import Category
from warden.model.records import ItemRecord, MatchKind, MatchRecord, Media
from warden.report.contract import CaseHeader, build_report
from warden.report.html import render_html

SEED = "https://forum.test/"
HOSTILE_NAME = "<script>alert('admin')</script>"
QUOTED_URL = 'https://forum.test/t/1"onmouseover="alert(1)'
LONG_URL = "https://forum.test/media/" + "averyveryverylongfoldername" * 12 + "/photo.jpg"
ERROR_URLS = [f"https://forum.test/slow/{n}" for n in range(5)]


def sample() -> dict[str, Any]:
    """A report.json-like dict of a case with one exhibit and one matched item, and no site."""
    matched = ItemRecord(evidence="ex1", path="b/x.jpg", media=Media.STILL, md5="m", sha1="s")
    matched.matches = [MatchRecord("set1", MatchKind.EXACT, "md5", 0, "original", "7", Category.A)]
    header = CaseHeader(
        "case-1",
        "2026-11-28T00:00:00Z",
        [{"label": "ex1", "path": "/ev", "kind": "folder", "size": None, "sha256": None}],
        [{"name": "set1", "entries": 2, "sha256": "ab", "format": "csv", "profile": None, "source": "s.csv"}],
    )
    return build_report(header, [ItemRecord(evidence="ex1", path="a/y.jpg", media=Media.STILL), matched])


def site() -> dict[str, Any]:
    """A site object of report.json's shape, made up: a small forum, two matches, a hostile user name."""
    return {
        "seeds": [SEED],
        "runs": [
            {
                "started": "2026-11-01T10:00:00Z",
                "finished": "2026-11-01T10:05:00Z",
                "status": "interrupted",
                "ignore_robots": False,
                "insecure": False,
                "proxy": None,
            },
            {
                "started": "2026-11-01T11:00:00Z",
                "finished": "2026-11-01T11:09:00Z",
                "status": "finished",
                "ignore_robots": True,
                "insecure": True,
                "proxy": "socks5h://officer:hunter2@127.0.0.1:9050",
            },
        ],
        "first_seen": "2026-11-01T10:00:01Z",
        "last_seen": "2026-11-01T11:08:59Z",
        "fetched": {"pages": 41, "media": 17, "other": 3, "errors": 7, "skipped": 12, "bytes": 3_500_000},
        "errors": [{"url": url, "reason": "read timeout"} for url in ERROR_URLS]
        + [{"url": "https://forum.test/bomb.gz", "reason": "decompressed body over the limit"}],
        "errors_left": 1,
        "matches_by_page": [
            {
                "page": QUOTED_URL,
                "matches": [
                    {
                        "url": LONG_URL,
                        "category": "A",
                        "kind": "exact",
                        "first_seen": "2026-11-01T10:01:00Z",
                        "last_seen": "2026-11-01T11:01:00Z",
                    },
                    {
                        "url": "https://forum.test/media/mirrored.jpg",
                        "category": "C",
                        "kind": "pdq",
                        "first_seen": "2026-11-01T10:02:00Z",
                        "last_seen": "2026-11-01T10:02:00Z",
                    },
                ],
            }
        ],
        "matched_media": [
            {
                "url": "https://forum.test/media/mirrored.jpg",
                "category": "C",
                "first_seen": "2026-11-01T10:02:00Z",
                "last_seen": "2026-11-01T10:02:00Z",
                "pages": [QUOTED_URL],
            },
            {
                "url": LONG_URL,
                "category": "A",
                "first_seen": "2026-11-01T10:01:00Z",
                "last_seen": "2026-11-01T11:01:00Z",
                "pages": [QUOTED_URL, "https://forum.test/gallery?page=2"],
            },
        ],
        "structure": {
            "engine": "phpbb",
            "boards": [{"title": "Announcements", "url": "https://forum.test/b/1"}],
            "threads": [
                {"title": f"Thread {n}", "url": f"https://forum.test/t/{n}", "board": "Announcements"}
                for n in range(60)
            ],
            "users": [
                {
                    "name": "quiet_member",
                    "role": "member",
                    "shown_by": "rank 'Member'",
                    "profile_url": None,
                    "pages": 2,
                },
                {
                    "name": HOSTILE_NAME,
                    "role": "administrator",
                    "shown_by": f"group 'Administrators' on {LONG_URL}?page=2",
                    "profile_url": "https://forum.test/u/1",
                    "pages": 9,
                },
                {
                    "name": "modpat",
                    "role": "moderator",
                    "shown_by": "rank 'Global Moderator'",
                    "profile_url": None,
                    "pages": 4,
                },
                {
                    "name": "uploader",
                    "role": "Gold Uploader",
                    "shown_by": None,
                    "profile_url": None,
                    "pages": 1,
                },
            ],
            "rules_pages": ["https://forum.test/rules"],
            "registration_pages": ["https://forum.test/register"],
            "invitation_pages": [],
            "payment_pages": ["https://forum.test/vip"],
            "payments": [
                {
                    "kind": "bitcoin",
                    "network": "mainnet",
                    "address": "bc1qmadeupaddressfortestingonly0000000000",
                    "checksum": "verified",
                    "pages": ["https://forum.test/vip"],
                },
                {
                    "kind": "ethereum",
                    "address": "0x" + "ab" * 20,
                    "checksum": "none in format",
                    "pages": ["https://forum.test/vip"],
                },
            ],
            "payment_hints": [{"word": "gift card", "pages": ["https://forum.test/vip"]}],
            "not_found": ["no page showed when a post was made"],
            "problems": ["https://forum.test/broken: the page's markup could not be read"],
        },
        "hosting": [
            {
                "host": "forum.test",
                "addresses": ["127.0.0.1 (loopback, not a public address)"],
                "certificate": {
                    "subject": "CN=forum.test",
                    "issuer": "CN=Made Up Test CA",
                    "names": ["forum.test"],
                    "not_before": "2026-01-01T00:00:00+00:00",
                    "not_after": "2027-01-01T00:00:00+00:00",
                    "serial": "1f",
                    "sha256": "ab" * 32,
                    "self_signed": False,
                },
                "headers": {"Server": "nginx/1.99"},
                "sources": {
                    "addresses": "name resolution by the crawler, 2026-11-01T10:00:00Z",
                    "certificate": "TLS handshake with forum.test:443",
                    "headers": f"HTTP response to {LONG_URL}",
                },
            }
        ],
        "takedown": {"notice": "report-takedown.txt", "url_list": "report-urls.txt"},
    }


def with_site() -> dict[str, Any]:
    report = sample()
    report["site"] = site()
    return report


def section(html: str) -> str:
    found = re.search(r'<section id="site">.*?</section>', html, re.S)
    assert found is not None
    return found.group(0)


def test_a_report_without_a_site_is_unchanged_and_the_section_adds_only_itself() -> None:
    without = render_html(sample())
    assert 'id="site"' not in without and "Website investigated" not in without
    with_ = render_html(with_site())
    assert with_.replace(section(with_) + "\n", "") == without


def test_the_section_says_what_was_crawled_and_what_matched() -> None:
    text = section(render_html(with_site()))
    assert SEED in text
    assert "2026-11-01T11:00:00Z" in text and "IGNORED (--ignore-robots)" in text and "honoured" in text
    assert "NOT verified (--insecure)" in text
    assert "socks5h://officer:(password hidden)@127.0.0.1:9050" in text and "hunter2" not in text
    assert "3.3 MiB (3500000 bytes)" in text
    # A before C, each with its media and the pages showing them; the PDQ match is called a lead.
    by_category = re.findall(r"<tr><th>(A|C)</th><td class=\"n\">(\d+)</td><td class=\"n\">(\d+)</td>", text)
    assert by_category == [("A", "1", "2"), ("C", "1", "1")]
    assert "perceptual (PDQ): a lead, confirmed only by an examiner" in text
    assert "exact (the same bytes as the listed file)" in text
    assert "https://forum.test/gallery?page=2" in text
    assert "report-takedown.txt" in text and "report-urls.txt" in text


def test_the_section_shows_staff_pages_payments_hosting_and_what_is_not_known() -> None:
    text = section(render_html(with_site()))
    staff = text[text.index("<h4>Staff</h4>") : text.index("<h4>Other ranks")]
    assert staff.index("&lt;script&gt;") < staff.index("modpat")  # administrators first
    assert "group &#x27;Administrators&#x27;" in staff and "rank &#x27;Global Moderator&#x27;" in staff
    assert "quiet_member" not in staff and "Gold Uploader" in text
    assert "Forum or imageboard engine recognised: phpbb" in text
    assert "https://forum.test/rules" in text and "https://forum.test/register" in text
    assert "bitcoin (mainnet)" in text and "verified: the address&#x27;s own checksum holds" in text
    assert "none in this format" in text and "0x" + "ab" * 20 in text
    assert "gift card" in text and "not proof of one" in text
    assert "no page showed when a post was made" in text
    assert "the page&#x27;s markup could not be read" in text
    assert "The first 50 of 60 are shown" in text and "Thread 49" in text and "Thread 50<" not in text
    for fact in (
        "127.0.0.1 (loopback",
        "CN=Made Up Test CA",
        "nginx/1.99",
        "TLS handshake with forum.test:443",
    ):
        assert fact in text, fact


def test_errors_are_counted_by_reason_with_the_first_few_addresses() -> None:
    text = section(render_html(with_site()))
    assert "Addresses that gave an error: 7." in text
    assert "report.json lists 6 of them; 1 more are counted but not listed" in text
    row = re.search(
        r"<tr><td class=\"wrap\">read timeout</td><td class=\"n\">5</td><td class=\"urls\">(.*?)</td></tr>",
        text,
    )
    assert row is not None
    assert all(url in row.group(1) for url in ERROR_URLS[:3])
    assert all(url not in row.group(1) for url in ERROR_URLS[3:]) and "and 2 more" in row.group(1)
    assert "decompressed body over the limit" in text


def test_hostile_strings_are_escaped_and_nothing_links_to_or_shows_the_site() -> None:
    html = render_html(with_site())
    lowered = html.lower()
    for banned in ("<script", "<img", "<a ", "href", "src=", "url(", "<iframe", "<object"):
        assert banned not in lowered, banned
    assert "&lt;script&gt;alert(&#x27;admin&#x27;)&lt;/script&gt;" in html
    assert "https://forum.test/t/1&quot;onmouseover=&quot;alert(1)" in html
    assert '"onmouseover=' not in html


def test_a_site_with_nothing_matched_and_no_structure_says_so() -> None:
    report = sample()
    report["site"] = {
        "seeds": [SEED],
        "runs": [],
        "fetched": {},
        "errors": [],
        "structure": {},
        "hosting": [],
    }
    text = section(render_html(report))
    assert "No media fetched from the site matched a hash-set entry." in text
    assert "No page's structure was recorded." in text
    assert "No hosting fact was recorded." in text
    assert "No takedown-notice draft or URL list was written." in text


pdf_tools = pytest.mark.skipif(
    shutil.which("pdftotext") is None or shutil.which("pdfinfo") is None,
    reason="reading the PDF back needs pdftotext and pdfinfo (Debian poppler-utils)",
)


@pytest.mark.slow
@pdf_tools
def test_the_pdf_holds_the_section_with_long_addresses_wrapped_on_the_page(tmp_path: Path) -> None:
    pytest.importorskip("weasyprint", reason="the PDF needs weasyprint (pip install 'warden[report]')")
    from warden.report.pdf import html_to_pdf

    data = html_to_pdf(render_html(with_site()))
    assert data.startswith(b"%PDF-")
    path = tmp_path / "report.pdf"
    path.write_bytes(data)
    # Poppler lists every link annotation of the PDF (a test of an <a href> page lists its address): none.
    links = subprocess.run(["pdfinfo", "-url", str(path)], capture_output=True, check=True, text=True).stdout
    assert links.split() == ["Page", "Type", "URL"]
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True
    ).stdout
    assert "Website investigated" in text and "<script>alert('admin')</" in text
    boxes = subprocess.run(
        ["pdftotext", "-bbox", str(path), "-"], capture_output=True, check=True, text=True
    ).stdout
    width = float(re.search(r'<page width="([\d.]+)"', boxes).group(1))  # type: ignore[union-attr]
    words = re.findall(r'<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)"[^>]*>([^<]*)</word>', boxes)
    assert words and all(float(x_max) <= width for _, x_max, _ in words)
    # The long address is split over lines, and all of it is there.
    pieces = [word for _, _, word in words if "averyvery" in word or "photo.jpg" in word]
    assert len(pieces) > 1
