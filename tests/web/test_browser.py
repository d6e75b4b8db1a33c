"""The review app in real headless Chromium: login, blurred by default, keyboard grading of clusters, a
second reviewer's dispute, and the report counting it all.

Runs Debian's ``chromium`` through Playwright (no browser download) against the app served by uvicorn on
127.0.0.1. Set ``WARDEN_SCREENSHOTS=1`` to write the screenshots of the main screens into
``docs/screenshots/`` (otherwise they go to a temporary folder).
"""

from __future__ import annotations

import os
import re
import shutil
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.waiting import wait_until
from tests.web.served import serve
from tests.web.small_case import ALP, PASSWORDS, PIZZA, VALLEY, VIDEO, SmallCase, copy_case, item_ids
from warden.case import grades
from warden.case.folder import Case
from warden.report.case_report import write_reports
from warden.web.config import ReviewConfig, host_names

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DOCS_SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed (apt-get install chromium)"
    ),
]
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (warden[dev])")


@dataclass(frozen=True)
class Served:
    url: str
    case: Case


@pytest.fixture(scope="module")
def served(built: SmallCase, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """The app over a copy of the small case, served by uvicorn on a free loopback port in a thread."""
    case = copy_case(built, tmp_path_factory.mktemp("browser") / "case")
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    config = ReviewConfig(allowed_hosts=host_names("127.0.0.1", port), port=port)
    server, thread = serve(case, config, listener)
    yield Served(f"http://127.0.0.1:{port}", case)
    server.should_exit = True
    thread.join(10)
    listener.close()
    case.engine.dispose()


@pytest.fixture(scope="module")
def browser() -> Iterator[sync_api.Browser]:
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where screenshots go: the docs when asked, else a temporary folder."""
    if os.environ.get("WARDEN_SCREENSHOTS") == "1":
        DOCS_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        return DOCS_SCREENSHOTS
    return tmp_path_factory.mktemp("screenshots")


def new_page(browser: sync_api.Browser) -> sync_api.Page:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    return context.new_page()


def log_in(page: sync_api.Page, served: Served, name: str, password: str | None = None) -> None:
    page.goto(f"{served.url}/login")
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", password or PASSWORDS[name])
    page.click("button[type=submit]")


def loaded_widths(page: sync_api.Page) -> list[int]:
    """The natural widths of the page's images once all have loaded (polled from here: the page's CSP
    forbids the string evaluation ``wait_for_function`` uses)."""

    def widths() -> list[int] | None:
        found: list[int] = page.eval_on_selector_all(
            "main img", "imgs => imgs.map(i => (i.complete ? i.naturalWidth : -1))"
        )
        return found if all(width > 0 for width in found) else None

    return wait_until(widths, "the page's images load", pause=0.1)


def test_the_first_login_changes_the_one_time_password(
    browser: sync_api.Browser, served: Served, built: SmallCase, shots: Path
) -> None:
    page = new_page(browser)
    page.goto(f"{served.url}/queue")
    assert page.url.endswith("/login")
    page.screenshot(path=str(shots / "login.png"))
    log_in(page, served, "admin", built.admin_password)
    page.wait_for_url(re.compile(r"/password$"))
    assert "one-time password" in page.inner_text("main")
    page.fill("input[name=current]", built.admin_password)
    page.fill("input[name=new]", "the admin's own password")
    page.fill("input[name=repeat]", "the admin's own password")
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(r"/queue$"))
    assert page.inner_text("h1") == "Review queue"
    page.context.close()


def test_previews_are_blurred_until_one_is_revealed_and_blur_again_on_moving_on(
    browser: sync_api.Browser, served: Served, shots: Path
) -> None:
    ids = item_ids(served.case)
    page = new_page(browser)
    log_in(page, served, "ann")
    page.wait_for_selector("section.cluster.focused")
    sources = page.eval_on_selector_all("main img", "imgs => imgs.map(i => i.getAttribute('src'))")
    assert sources and all(re.fullmatch(r"/previews/\d+", src) for src in sources)
    widths = loaded_widths(page)
    assert max(widths) <= 4 * 256 + 3 * 4  # blurred stills are at most 160 wide; a video strip is 4 frames
    assert page.query_selector("video") is None
    page.screenshot(path=str(shots / "queue.png"), full_page=True)
    first = ids[VALLEY[0]]
    page.keyboard.press("v")
    page.wait_for_selector(f'img[data-item="{first}"].revealed')
    assert "/clear" in (page.get_attribute(f'img[data-item="{first}"]', "src") or "")
    assert "revealed" in page.inner_text("#status")
    page.keyboard.press("j")
    page.wait_for_selector("img.revealed", state="detached")
    assert page.get_attribute(f'img[data-item="{first}"]', "src") == f"/previews/{first}"
    # The reveal button does the same for the item it belongs to, and Escape blurs it again.
    page.click(f'form.reveal-form[data-item="{ids[VIDEO]}"] button')
    page.wait_for_selector(f'img[data-item="{ids[VIDEO]}"].revealed')
    page.keyboard.press("Escape")
    page.wait_for_selector("img.revealed", state="detached")
    page.context.close()


def test_keyboard_grading_a_dispute_and_the_report(
    browser: sync_api.Browser, served: Served, shots: Path
) -> None:
    ids = item_ids(served.case)
    valley, alp, pizza = ([ids[p] for p in group] for group in (VALLEY, ALP, PIZZA))
    page = new_page(browser)
    log_in(page, served, "ann")
    page.wait_for_selector("section.cluster.focused")
    # The biggest cluster comes first and has the focus: B grades all five.
    assert page.get_attribute("section.cluster.focused", "data-items") == ",".join(map(str, sorted(valley)))
    page.keyboard.press("b")
    page.wait_for_selector(f"#cluster-{min(valley)}", state="detached")
    assert "Graded 5 items B" in page.inner_text("#status")
    # Now on the alp cluster: skip it, grade the pizza one C, and undo that.
    page.keyboard.press("s")
    assert page.get_attribute("section.cluster.focused", "data-items") == ",".join(map(str, sorted(pizza)))
    page.keyboard.press("c")
    page.wait_for_selector(f"#cluster-{min(pizza)}", state="detached")
    page.keyboard.press("u")
    page.wait_for_selector(f"#cluster-{min(pizza)}")
    page.wait_for_selector("section.cluster.focused")
    # After the undo the alp cluster is first again: C. Then select pizza and the video, grade both at once.
    page.keyboard.press("c")
    page.wait_for_selector(f"#cluster-{min(alp)}", state="detached")
    page.keyboard.press("x")
    page.keyboard.press("j")  # the broken file, which stays
    page.keyboard.press("j")
    assert page.get_attribute("section.cluster.focused", "data-items") == str(ids[VIDEO])
    page.keyboard.press("x")
    assert page.inner_text("#bulk-count") == "2"
    page.keyboard.press("n")
    page.wait_for_selector(f"#cluster-{ids[VIDEO]}", state="detached")
    with served.case.engine.connect() as connection:
        current = {item: g.category.value for item, g in grades.current_grades(connection).items()}
    assert current == {
        **dict.fromkeys(valley, "B"),
        **dict.fromkeys(alp, "C"),
        **dict.fromkeys(pizza, "not_indecent"),
        ids[VIDEO]: "not_indecent",
    }
    page.context.close()

    reviewer = new_page(browser)
    log_in(reviewer, served, "rob")
    reviewer.goto(f"{served.url}/reviews")
    reviewer.screenshot(path=str(shots / "reviews.png"))
    member = ids[VALLEY[2]]
    row = reviewer.locator("section.review-row", has=reviewer.locator(f'a[href="/items/{member}"]'))
    row.locator("input[name=note]").fill("a landscape, not indecent")
    with reviewer.expect_navigation():
        row.locator("button", has_text="Dispute").click()
    confirm = reviewer.locator("section.review-row", has=reviewer.locator(f'a[href="/items/{alp[0]}"]'))
    with reviewer.expect_navigation():
        confirm.locator("button", has_text="Confirm").click()
    video = reviewer.locator("section.review-row", has=reviewer.locator(f'a[href="/items/{ids[VIDEO]}"]'))
    video.locator("input[name=note]").fill("look at the last frames again")
    with reviewer.expect_navigation():
        video.locator("button", has_text="Dispute").click()
    reviewer.goto(f"{served.url}/disputes")
    assert "a landscape, not indecent" in reviewer.inner_text("table.disputes")
    reviewer.screenshot(path=str(shots / "disputes.png"), full_page=True)
    reviewer.goto(f"{served.url}/items/{member}")
    assert "disputed" in reviewer.inner_text(".item-grade")
    reviewer.screenshot(path=str(shots / "item.png"), full_page=True)
    reviewer.context.close()

    report, _ = write_reports(served.case, ["json"])
    summary = report["summary"]
    by_established = summary["by_established"]
    # Five valley copies graded B: one disputed, one an EXIF thumbnail (counted apart), three as graded.
    assert by_established["grade"]["B"]["stills_files"] == 3
    assert by_established["grade-disputed"]["B"]["stills_files"] == 1
    assert by_established["grade-confirmed"]["C"]["stills_files"] == 1
    assert by_established["grade"]["C"]["stills_files"] == 2
    assert summary["graded"] == 11 and summary["disputed"] == 2
    items = {item["path"]: item for item in report["items"]}
    disputed = items[VALLEY[2]]
    assert disputed["established_by"] == "grade-disputed" and disputed["category"] == "B"
    assert disputed["grade"]["by"] == "ann" and disputed["grade"]["reviews"][0]["by"] == "rob"
