"""The site section of report.json and the takedown files, from one `warden crawl --hashset` of the local
test forum: every listed photo and its copies under their category and under the pages that show them, the
staff with their roles, the rules and registration pages, the payment addresses, the hosting of 127.0.0.1
(with the TLS certificate of the TLS site), and a takedown draft that holds every matched URL and no hash."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.crawl.site import Site
from tests.media import media
from tests.report.test_contract import undocumented
from warden.cli import main

FAST = ["--delay", "0", "--concurrency", "4"]


@dataclass(frozen=True)
class Crawled:
    """A finished crawl of the forum: the case folder, its report's site section and the site's facts."""

    case: Path
    report: dict[str, Any]
    site: dict[str, Any]
    listed: dict[str, str]
    copies: dict[str, tuple[str, str]]
    bodies: dict[str, str]
    roles: dict[str, str]
    rules_url: str
    register_url: str
    stylesheet_url: str


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Crawled]:
    root = tmp_path_factory.mktemp("site-report")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("WARDEN_HOME", str(root / "store"))
        patch.setenv("WARDEN_KEY_FILE", str(root / "keys" / "hashsets.key"))
        with Site(hostile=False) as site:
            hash_set = site.hash_set_csv(root)
            case = root / "case"
            command = [site.url, "--case", str(case), *FAST, "--hashset", str(hash_set), "--workers", "1"]
            assert main(["crawl", *command, "--quiet"]) == 0
            assert site.fetched_twice() == {}
            bodies = {
                site.at(path): resource.body.decode("utf-8", "replace")
                for path, resource in site.resources.items()
                if resource.content_type.startswith(("text/html", "text/css"))
            }
            report = json.loads((case / "report.json").read_text())
            yield Crawled(
                case,
                report,
                report["site"],
                site.listed_urls,
                site.copy_urls,
                bodies,
                site.roles,
                site.rules_url,
                site.register_url,
                site.stylesheet_url,
            )


def _showing(crawled: Crawled, url: str) -> set[str]:
    """The site's pages (and style sheet) whose text refers to ``url``'s path."""
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    return {
        page for page, body in crawled.bodies.items() if path in body or path.replace("&", "&amp;") in body
    }


@pytest.mark.slow
def test_every_listed_photo_and_its_copies_are_matched_under_their_category_and_the_pages_showing_them(
    crawled: Crawled,
) -> None:
    matched = {entry["url"]: entry for entry in crawled.site["matched_media"]}
    wanted = {
        **crawled.listed,
        **{url: crawled.listed[original] for url, (original, _) in crawled.copies.items()},
    }
    for url, category in wanted.items():
        assert matched[url]["category"] == category, url
        assert matched[url]["pages"], url
        assert set(matched[url]["pages"]) == _showing(crawled, url), url
    assert matched[next(iter(crawled.listed))]["kind"] == "exact"
    by_page = {
        entry["page"]: {m["url"]: m for m in entry["matches"]} for entry in crawled.site["matches_by_page"]
    }
    for url, entry in matched.items():
        for page in entry["pages"]:
            assert by_page[page][url]["category"] == entry["category"]
            assert by_page[page][url]["first_seen"] <= by_page[page][url]["last_seen"]
    banner = next(url for url, category in crawled.listed.items() if "volcano" in url)
    assert crawled.stylesheet_url in matched[banner]["pages"]  # the style sheet that sets it as a background
    fetched = crawled.site["fetched"]
    assert fetched["pages"] >= 20 and fetched["media"] >= 40 and fetched["skipped"] == 1
    assert fetched["errors"] == 0 and crawled.site["errors"] == [] and crawled.site["errors_left"] == 0
    assert crawled.site["first_seen"] <= crawled.site["last_seen"]
    assert [run["status"] for run in crawled.site["runs"]] == ["completed"]


@pytest.mark.slow
def test_the_administrator_and_the_two_moderators_are_listed_with_their_roles(crawled: Crawled) -> None:
    users = {user["name"]: user for user in crawled.site["structure"]["users"]}
    staff = {name: role for name, role in crawled.roles.items() if role != "member"}
    assert sorted(staff.values()) == ["administrator", "moderator", "moderator"]
    for name, role in crawled.roles.items():
        assert users[name]["role"] == role, name
        assert users[name]["shown_by"] and users[name]["pages"] >= 1
        assert users[name]["profile_url"]
    structure = crawled.site["structure"]
    assert structure["engine"] == "phpbb"
    assert len(structure["boards"]) == 3
    assert all(thread["board"] for thread in structure["threads"])


@pytest.mark.slow
def test_the_rules_and_registration_pages_and_the_payment_addresses_with_their_checksums(
    crawled: Crawled,
) -> None:
    structure = crawled.site["structure"]
    assert crawled.rules_url in structure["rules_pages"]
    assert crawled.register_url in structure["registration_pages"]
    payments = {p["address"]: p for p in structure["payments"]}
    assert payments[Site.bitcoin]["kind"].startswith("bitcoin")
    assert payments[Site.monero]["kind"].startswith("monero")
    for address in (Site.bitcoin, Site.monero):
        assert payments[address]["checksum"] == "verified"
        assert crawled.register_url in payments[address]["pages"]


@pytest.mark.slow
def test_the_hosting_of_loopback_is_recorded_with_its_sources(crawled: Crawled) -> None:
    (host,) = crawled.site["hosting"]
    assert host["host"] == "127.0.0.1"
    assert host["addresses"] == ["127.0.0.1"]
    assert host["certificate"] is None
    assert host["headers"]["Server"] == "nginx/1.24.0"
    assert "resolution" in host["sources"]["addresses"] and "GET" in host["sources"]["headers"]
    assert any("loopback" in fact["value"] for fact in host["facts"])


@pytest.mark.slow
def test_the_takedown_files_hold_every_matched_url_and_no_hash_or_image(crawled: Crawled) -> None:
    site = crawled.site
    assert site["takedown"]["notice"] == "report-takedown.txt"
    notice = (crawled.case / "report-takedown.txt").read_bytes()
    draft = json.loads((crawled.case / "report-takedown.json").read_text())
    urls = (crawled.case / "report-urls.txt").read_text().splitlines()
    matched = {entry["url"]: entry["category"] for entry in site["matched_media"]}
    assert {line.split("\t")[0]: line.split("\t")[1] for line in urls} == matched
    assert {m["url"] for m in draft["media"]} == set(matched)
    text = notice.decode("utf-8")
    assert all(url in text for url in matched)
    hashes = {
        value
        for item in crawled.report["items"]
        for value in (item["md5"], item["sha1"], item["sha256"], item["pdq"])
        if value
    }
    for name in ("report-takedown.txt", "report-takedown.json", "report-urls.txt"):
        written = (crawled.case / name).read_bytes()
        assert not any(value.encode() in written for value in hashes), name
        assert b"\xff\xd8\xff" not in written and b"\x89PNG" not in written and b"<img" not in written
    photo = media("photos", next(iter(crawled.listed)).rsplit("/", 1)[1]).read_bytes()
    assert photo[1000:1064] not in notice


@pytest.mark.slow
def test_warden_report_writes_the_same_site_section_and_takedown_again(crawled: Crawled) -> None:
    before = {name: (crawled.case / name).read_bytes() for name in ("report-takedown.txt", "report-urls.txt")}
    assert main(["report", str(crawled.case), "--format", "json,takedown,urls"]) == 0
    report = json.loads((crawled.case / "report.json").read_text())
    assert report["site"] == crawled.site
    assert {name: (crawled.case / name).read_bytes() for name in before} == before
    headers = {name for host in report["site"]["hosting"] for name in host["headers"]}
    assert undocumented(report) - headers == set()


@pytest.mark.slow
def test_pages_not_read_before_a_kill_are_read_on_the_next_run_without_fetching_again(tmp_path: Path) -> None:
    case = tmp_path / "case"
    with Site(hostile=False) as site:
        assert main(["crawl", site.url, "--case", str(case), *FAST]) == 0
        with sqlite3.connect(case / "case.db") as db:
            read = db.execute("select count(*) from crawl_pages").fetchone()[0]
            assert read >= 20
            db.execute("delete from crawl_pages where url_id in (select url_id from crawl_pages limit 10)")
        asked = len(site.log)
        assert main(["crawl", site.url, "--case", str(case), *FAST]) == 0
        assert len(site.log) == asked  # nothing fetched again
    with sqlite3.connect(case / "case.db") as db:
        assert db.execute("select count(*) from crawl_pages").fetchone()[0] == read
        (facts,) = db.execute("select count(*) from crawl_hosts").fetchone()
        assert facts == 1


@pytest.mark.slow
def test_a_tls_site_s_certificate_subject_and_issuer_are_in_the_hosting(tmp_path: Path) -> None:
    case = tmp_path / "case"
    with Site(hostile=False, tls=True) as site:
        assert site.tls_url is not None and site.certificate is not None
        command = [site.tls_url, "--case", str(case), *FAST, "--insecure", "--depth", "0"]
        assert main(["crawl", *command]) == 0
        certificate = site.certificate
    assert main(["report", str(case), "--format", "json"]) == 0
    report = json.loads((case / "report.json").read_text())
    (host,) = report["site"]["hosting"]
    assert host["addresses"] == ["127.0.0.1"]
    assert host["certificate"]["subject"] == certificate.subject
    assert host["certificate"]["issuer"] == certificate.issuer
    assert host["certificate"]["sha256"] == certificate.sha256
    assert host["sources"]["certificate"].startswith("TLS handshake with https://127.0.0.1:")
    assert report["site"]["runs"][0]["insecure"] is True
    assert report["site"]["takedown"] is None
    assert not (case / "report-takedown.txt").exists()
