"""`warden crawl` on the local test site: scope, limits, robots.txt, WARC that `warcio check` accepts, per-URL
errors for hostile endpoints, a crawl through a SOCKS5 proxy to an .onion name, and resume after kill -9."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.crawl.http_proxy import HttpProxy
from tests.crawl.site import Site
from tests.crawl.socks import Socks5Proxy
from tests.waiting import wait_until
from warden.cli import main

ROOT = Path(__file__).resolve().parents[2]
WARCIO = Path(sys.executable).parent / "warcio"
FAST = ["--delay", "0", "--concurrency", "4"]


def crawl(*args: str) -> int:
    return main(["crawl", *args])


def rows(case: Path) -> dict[str, tuple[str, int | None, str | None]]:
    """Each URL the case's crawl recorded: (state, HTTP status, reason)."""
    with sqlite3.connect(case / "case.db") as db:
        return {
            url: (state, status, reason)
            for url, state, status, reason in db.execute("select url, state, status, reason from crawl_urls")
        }


def audit_actions(case: Path) -> list[tuple[str, dict[str, object]]]:
    with sqlite3.connect(case / "case.db") as db:
        return [
            (action, json.loads(detail))
            for action, detail in db.execute("select action, detail from audit_log order by id")
        ]


def warc_check(case: Path) -> list[Path]:
    """The case's WARC files, after `warcio check` accepted every one of them."""
    files = sorted((case / "capture").glob("crawl-*.warc.gz"))
    assert files
    checked = subprocess.run(
        [str(WARCIO), "check", *map(str, files)], capture_output=True, text=True, timeout=120
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    return files


def responses(files: list[Path]) -> list[str]:
    """The target URL of every response record in ``files``."""
    from warcio.archiveiterator import ArchiveIterator

    found = []
    for path in files:
        with path.open("rb") as stream:
            found += [
                r.rec_headers.get_header("WARC-Target-URI")
                for r in ArchiveIterator(stream)
                if r.rec_type == "response"
            ]
    return found


def test_a_crawl_keeps_to_the_site_honours_robots_and_preserves_every_page_and_image(tmp_path: Path) -> None:
    case = tmp_path / "case"
    with Site(hostile=False) as site:
        assert crawl(site.url, "--case", str(case), *FAST) == 0
        requested = set(site.requests)
        assert site.fetched_twice() == {}
    wanted = (set(site.page_urls) | set(site.media)) - {site.robots_disallowed_url}
    assert wanted <= requested
    assert site.robots_disallowed_url not in requested
    recorded = rows(case)
    assert recorded[site.robots_disallowed_url][0] == "skipped"
    assert recorded[site.robots_disallowed_url][2].startswith("robots:")
    assert {url for url, (state, _, _) in recorded.items() if state == "done"} >= wanted | {site.robots_url}
    assert all(url.startswith(site.url) for url in requested)  # one host: nothing elsewhere was asked for
    preserved = responses(warc_check(case))
    assert sorted(preserved) == sorted(set(preserved))
    assert wanted <= set(preserved)
    entries = [detail for action, detail in audit_actions(case) if action == "crawl.records"]
    assert len(entries) < len(preserved)  # fetches are committed in groups, one audit entry a group
    sealed = [record for entry in entries for record in entry["records"]]  # type: ignore[attr-defined]
    assert sorted(d["url"] for d in sealed) == sorted(preserved)  # each record listed once
    assert all(len(str(d["payload_sha256"])) == 64 for d in sealed)
    assert all(d["warc"] == "crawl-00001.warc.gz" for d in sealed)
    from warcio.archiveiterator import ArchiveIterator

    with (case / "capture" / "crawl-00001.warc.gz").open("rb") as stream:
        for entry in sealed:  # each listed place holds that URL's response, with that payload's SHA-256
            stream.seek(int(str(entry["offset"])))
            record = next(iter(ArchiveIterator(stream)))
            assert record.rec_headers.get_header("WARC-Target-URI") == entry["url"]
            assert hashlib.sha256(record.raw_stream.read()).hexdigest() == entry["payload_sha256"]
    closed = [detail for action, detail in audit_actions(case) if action == "crawl.warc"]
    assert [d["file"] for d in closed] == ["crawl-00001.warc.gz"]
    assert main(["audit", "verify", str(case)]) == 0  # the grouped entries chain and seal as any other
    assert (
        closed[0]["sha256"]
        == hashlib.sha256((case / "capture" / "crawl-00001.warc.gz").read_bytes()).hexdigest()
    )


def test_depth_and_page_limits_stop_the_crawl_and_a_rerun_with_more_goes_on(tmp_path: Path) -> None:
    with Site(hostile=False) as site:
        shallow = tmp_path / "shallow"
        assert crawl(site.url, "--case", str(shallow), *FAST, "--depth", "0") == 0
        fetched = {url for url, (state, _, _) in rows(shallow).items() if state == "done"}
        assert site.url in fetched
        assert not (fetched & (set(site.page_urls) - {site.url}))  # no linked page, only what the home embeds
        assert any(reason and reason.startswith("depth:") for _, _, reason in rows(shallow).values())

        limited = tmp_path / "limited"
        site_before = len(site.log)
        assert crawl(site.url, "--case", str(limited), *FAST, "--max-pages", "5") == 0
        done = [
            url
            for url, (state, _, _) in rows(limited).items()
            if state == "done" and not url.endswith("robots.txt")
        ]
        assert len(done) == 5
        assert crawl(site.url, "--case", str(limited), *FAST, "--max-pages", "12") == 0
        done = [
            url
            for url, (state, _, _) in rows(limited).items()
            if state == "done" and not url.endswith("robots.txt")
        ]
        assert len(done) == 12
        later = [r.url for r in site.log[site_before:] if r.method == "GET"]
        assert sorted(later) == sorted(set(later))  # the second run fetched none of the first's again
    warc_check(limited)


def test_ignore_robots_fetches_what_robots_forbids_and_says_so_in_the_audit_log(tmp_path: Path) -> None:
    case = tmp_path / "case"
    with Site(hostile=False) as site:
        assert crawl(site.url, "--case", str(case), *FAST, "--ignore-robots") == 0
        assert site.robots_disallowed_url in site.requests
        assert site.robots_url not in site.requests
    actions = audit_actions(case)
    assert any(action == "crawl.robots_ignored" for action, _ in actions)
    started = next(detail for action, detail in actions if action == "crawl.start")
    assert started["ignore_robots"] is True
    with sqlite3.connect(case / "case.db") as db:
        options = json.loads(db.execute("select options from crawl_runs").fetchone()[0])
    assert options["ignore_robots"] is True


@pytest.mark.slow
def test_hostile_endpoints_are_recorded_per_url_with_a_reason_and_the_crawl_finishes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WARDEN_CRAWL_READ_TIMEOUT", "2")
    monkeypatch.setenv("WARDEN_CRAWL_RESPONSE_SECONDS", "6")
    case = tmp_path / "case"
    with Site(hostile=True, tls=True) as site:
        code = crawl(
            site.url,
            "--case",
            str(case),
            "--delay",
            "0",
            "--concurrency",
            "6",
            "--depth",
            "4",
            "--max-response-bytes",
            "16M",
        )
        assert code == 0
        traps = site.traps
        tls_url = site.tls_url
        assert site.fetched_twice() == {}
    recorded = rows(case)

    def reason(url: str) -> str:
        state, _, why = recorded[url]
        assert state == "error", (url, recorded[url])
        return why or ""

    assert reason(traps["slow_body"]).startswith("timeout:")
    assert reason(traps["slow_headers"]).startswith("timeout:")
    assert reason(traps["gzip_bomb"]).startswith("bomb:")
    assert reason(traps["deflate_bomb"]).startswith("bomb:")
    assert reason(traps["oversized_declared"]).startswith("too-large:")
    assert reason(traps["oversized_undeclared"]).startswith("too-large:")
    assert reason(traps["truncated"]).startswith("protocol:")
    assert reason(tls_url).startswith("tls:")
    errors = [why or "" for state, _, why in recorded.values() if state == "error"]
    assert any(why.startswith("redirect-loop:") for why in errors)
    assert any(why.startswith("redirect-limit:") for why in errors)
    # the link farm and the calendar end at the depth limit
    assert any(
        url.startswith(traps["link_farm"].rsplit("/", 1)[0]) and why and why.startswith("depth:")
        for url, (_, _, why) in recorded.items()
    )
    warc_check(case)


def test_a_crawl_through_a_socks5_proxy_reaches_an_onion_name_resolved_at_the_proxy(tmp_path: Path) -> None:
    case = tmp_path / "case"
    with Site(hostile=False) as site, Socks5Proxy({"forum.onion": site.port}) as proxy:
        seed = f"http://forum.onion:{site.port}/"
        assert crawl(seed, "--case", str(case), *FAST, "--proxy", proxy.url) == 0
        assert ("forum.onion", site.port) in proxy.requested
        assert all(request.host.startswith("forum.onion") for request in site.log)
        assert site.fetched_twice() == {}
    done = {url for url, (state, _, _) in rows(case).items() if state == "done"}
    assert seed in done
    assert len(done) > 20
    assert all(url.startswith(seed) for url in done)
    warc_check(case)


def test_a_crawl_through_an_http_proxy_fetches_every_page_through_it(tmp_path: Path) -> None:
    case = tmp_path / "case"
    with Site(hostile=False) as site, HttpProxy({"forum.example": site.port}) as proxy:
        seed = f"http://forum.example:{site.port}/"
        assert crawl(seed, "--case", str(case), *FAST, "--proxy", proxy.url) == 0
        assert seed in proxy.requested
        assert all(request.host.startswith("forum.example") for request in site.log)
        assert site.fetched_twice() == {}
    done = {url for url, (state, _, _) in rows(case).items() if state == "done"}
    assert len(done) > 20 and all(url.startswith(seed) for url in done)
    assert set(proxy.requested) >= done - {f"{seed}robots.txt"}
    warc_check(case)


def test_an_onion_address_without_a_socks_proxy_is_an_error_not_a_lookup(tmp_path: Path) -> None:
    case = tmp_path / "case"
    assert crawl("http://forum.onion/", "--case", str(case), *FAST, "--ignore-robots") == 0
    state, _, reason = rows(case)["http://forum.onion/"]
    assert state == "error" and reason and reason.startswith("onion:")


def test_a_bad_seed_or_proxy_is_refused_before_anything_is_fetched(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert crawl("ftp://example.org/", "--case", str(tmp_path / "a")) == 16
    assert crawl("http://127.0.0.1:9/", "--case", str(tmp_path / "b"), "--proxy", "gopher://x:1") == 16
    assert "not an http:// or https:// URL" in capsys.readouterr().err
    assert not (tmp_path / "a").exists()


@pytest.mark.slow
def test_a_crawl_killed_mid_way_resumes_without_fetching_twice_and_its_warc_still_checks(
    tmp_path: Path,
) -> None:
    case = tmp_path / "case"
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    with Site(hostile=False) as site:
        command = [
            sys.executable,
            "-m",
            "warden.cli",
            "crawl",
            site.url,
            "--case",
            str(case),
            "--delay",
            "0.05",
            "--concurrency",
            "1",
        ]
        process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_until(
                lambda: len(site.log) >= 20 or process.poll() is not None, "the crawl fetches", pause=0.05
            )
            assert process.poll() is None, "the crawl ended before it could be killed"
            process.send_signal(signal.SIGKILL)
        finally:
            process.wait(timeout=30)
        killed_at = len(site.log)
        before = {url for url, (state, _, _) in rows(case).items() if state in ("done", "error")}
        assert before
        rerun = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
        assert rerun.returncode == 0, rerun.stderr
        after = [r.url for r in site.log[killed_at:] if r.method == "GET"]
        wanted = (set(site.page_urls) | set(site.media)) - {site.robots_disallowed_url}
    assert not (set(after) & before)  # nothing committed before the kill was fetched again
    assert sorted(after) == sorted(set(after))
    done = {url for url, (state, _, _) in rows(case).items() if state == "done"}
    assert wanted <= done
    files = warc_check(case)
    preserved = responses(files)
    assert sorted(preserved) == sorted(
        set(preserved)
    )  # each URL once in the capture, the killed fetch cut away
    assert wanted <= set(preserved)


@pytest.mark.slow
def test_a_crawl_with_a_hash_set_matches_the_listed_photos_as_a_scan_would(tmp_path: Path) -> None:
    case = tmp_path / "case"
    with Site(hostile=False) as site:
        hash_set = site.hash_set_csv(tmp_path)
        code = crawl(
            site.url, "--case", str(case), *FAST, "--hashset", str(hash_set), "--workers", "1", "--quiet"
        )
        assert code == 0
        listed = site.listed_urls
    report = json.loads((case / "report.json").read_text())
    by_category = report["summary"]["by_category"]
    for category in set(listed.values()):
        assert by_category[category]["stills_files"] >= sum(1 for c in listed.values() if c == category)


def test_a_full_warc_file_is_closed_and_the_crawl_goes_on_in_the_next(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WARDEN_CRAWL_WARC_MAX_BYTES", "200000")
    case = tmp_path / "case"
    with Site(hostile=False) as site:
        assert crawl(site.url, "--case", str(case), *FAST) == 0
    files = warc_check(case)
    assert len(files) > 1
    preserved = responses(files)
    assert sorted(preserved) == sorted(set(preserved))
    closed = {str(d["file"]): d for action, d in audit_actions(case) if action == "crawl.warc"}
    assert sorted(closed) == [path.name for path in files]  # every file closed, its SHA-256 recorded
    for path in files:
        assert closed[path.name]["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    listed = [
        record
        for action, detail in audit_actions(case)
        if action == "crawl.records"
        for record in detail["records"]  # type: ignore[attr-defined]
    ]
    by_file = {path.name: set(responses([path])) for path in files}
    assert all(record["url"] in by_file[str(record["warc"])] for record in listed)
    assert len(listed) == len(preserved)
