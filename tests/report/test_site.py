"""The report's site section as a pure function of a crawl's records and the capture's items: a matched
image under every page that shows it (through redirects too), the strongest role evidence kept, "not found"
only for what no page showed; and a case without a crawl has no site section and no takedown files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.report.cases import build_small_case
from warden.case.crawl_state import DONE, UrlRow
from warden.case.site_facts import HostSeen, PageRead
from warden.model.categories import Category
from warden.model.records import ItemRecord, MatchKind, MatchRecord, Media
from warden.report.case_report import write_reports
from warden.report.site import SiteData, site_section
from warden.report.site_structure import site_structure

SITE = "https://forum.test"
WARC = "crawl-00001.warc.gz"


def _row(n: int, url: str, via: str | None, kind: str, content_type: str) -> UrlRow:
    return UrlRow(n, url, 1, via, kind, 0, DONE, None, 200, content_type, 10, None, WARC, n * 100,
                  f"2026-12-01T00:00:{n:02d}.000000Z")  # fmt: skip


def _page(url: str, **structure: Any) -> PageRead:
    refers = tuple(structure.pop("refers", ()))
    return PageRead(url, {"url": url, "engine": "phpbb", "not_found": [], **structure}, refers)


def _item(url: str, category: Category, kind: MatchKind) -> ItemRecord:
    item = ItemRecord("capture", f"{WARC}//{url}", media=Media.STILL)
    record = {"url": url, "date": "2026-12-01T00:00:00Z"}
    item.provenance = [
        {"kind": "file", "name": WARC, "detail": {}},
        {"kind": "record", "name": url, "detail": record},
    ]
    item.matches = [MatchRecord("set", kind, "md5", 0, "original", None, category)]
    return item


def test_a_matched_image_is_under_every_page_showing_it_and_the_page_a_redirect_came_from() -> None:
    photo, moved = f"{SITE}/p.jpg", f"{SITE}/moved.jpg"
    frontier = (
        _row(1, f"{SITE}/", None, "seed", "text/html"),
        _row(2, f"{SITE}/t/1", f"{SITE}/", "link", "text/html"),
        _row(3, photo, f"{SITE}/", "embed", "image/jpeg"),
        _row(4, f"{SITE}/old.jpg", f"{SITE}/t/1", "embed", "image/jpeg"),
        _row(5, moved, f"{SITE}/old.jpg", "redirect", "image/jpeg"),
    )
    pages = (_page(f"{SITE}/", refers=[photo]), _page(f"{SITE}/t/1", refers=[photo]))
    data = SiteData(({"options": {"seeds": [f"{SITE}/"]}, "status": "completed"},), frontier, pages, (),
                    frozenset({WARC}))  # fmt: skip
    other = ItemRecord("ex1", "a.jpg", media=Media.STILL)
    other.matches = [MatchRecord("set", MatchKind.EXACT, "md5", 0, "original", None, Category.A)]
    site = site_section(
        data, [_item(photo, Category.B, MatchKind.EXACT), _item(moved, Category.C, MatchKind.PDQ), other]
    )
    media = {m["url"]: m for m in site["matched_media"]}
    assert set(media) == {photo, moved}  # an item of another exhibit is not the crawl's
    assert media[photo]["pages"] == [f"{SITE}/", f"{SITE}/t/1"]
    assert media[moved]["pages"] == [f"{SITE}/t/1"] and media[moved]["kind"] == "pdq"
    assert [(p["page"], [m["url"] for m in p["matches"]]) for p in site["matches_by_page"]] == [
        (f"{SITE}/", [photo]),
        (f"{SITE}/t/1", [moved, photo]),
    ]
    assert site["seeds"] == [f"{SITE}/"] and site["takedown"]["url_list"] == "report-urls.txt"


def test_the_strongest_role_evidence_wins_and_not_found_is_what_no_page_showed() -> None:
    weak = {"name": "Owl", "url": None, "role": "Night watch", "rank": "Night watch", "shown_by": "rank"}
    strong = {
        "name": "Owl",
        "url": f"{SITE}/u/1",
        "role": "moderator",
        "rank": "Mod",
        "shown_by": "rank 'Mod'",
    }
    pages = [
        _page(f"{SITE}/a", users=[weak], not_found=["roles", "rules page"]),
        _page(f"{SITE}/b", users=[strong], not_found=["rules page"]),
    ]
    structure = site_structure(pages)
    (owl,) = structure["users"]
    assert (owl["role"], owl["profile_url"], owl["pages"]) == ("moderator", f"{SITE}/u/1", 2)
    assert owl["shown_by"].endswith(f"on {SITE}/b")
    assert structure["not_found"] == ["rules page"]


def test_hosting_gives_each_fact_with_its_source() -> None:
    host = HostSeen("forum.test", "2026-12-01T00:00:00Z", ("203.0.113.7",), "resolution", None, None,
                    (("Server", "nginx"), ("CF-RAY", "1-LHR")), "GET /")  # fmt: skip
    data = SiteData((), (), (), (host,), frozenset())
    (hosting,) = site_section(data, [])["hosting"]
    assert hosting["addresses"] == ["203.0.113.7"] and hosting["certificate"] is None
    assert hosting["headers"] == {"Server": "nginx", "CF-RAY": "1-LHR"}
    assert any(f["fact"] == "served through a CDN" and f["value"] == "Cloudflare" for f in hosting["facts"])


def test_a_case_without_a_crawl_has_no_site_section_and_no_takedown_files(tmp_path: Path) -> None:
    small = build_small_case(tmp_path)
    report, written = write_reports(small.case)
    assert "site" not in report
    assert not {"takedown", "takedown-json", "urls"} & set(written)
    assert (
        not list(small.case.path.glob("report-takedown*"))
        and not (small.case.path / "report-urls.txt").exists()
    )
