"""The crawl itself: the frontier of URLs, fetched breadth first within the scope and the limits, each
fetch preserved in WARC and then committed to the case, so that a rerun after a kill goes on from there.

One process crawls a case at a time (the case's lock, as for a scan). Fetches run concurrently on one
event loop, which hands each result over to a writer thread (:mod:`warden.crawl.committer`): it writes the
WARC records as fetches end and commits them in groups. Per origin (scheme, host, port): robots.txt first
(unless ignored), then one request every ``delay`` seconds. A URL is committed ``done`` or ``error`` only
after its records are on disk: a rerun cuts the last WARC file back to the last committed record, and
fetches again only what was not committed.
"""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import json
import time
from collections import defaultdict, deque
from dataclasses import asdict, dataclass, field
from typing import Any

from warden import __version__, settings
from warden.case import crawl_state, site_facts
from warden.case.crawl_state import DONE, ERROR, QUEUED, SKIPPED, NewUrl, Outcome, Step, UrlRow
from warden.case.folder import Case
from warden.crawl.capture import CAPTURE, read_body
from warden.crawl.committer import Committer
from warden.crawl.fetch import Fetched, FetchSettings, fetch, make_client
from warden.crawl.host_answers import host_seen
from warden.crawl.links import page_links, sheet_links
from warden.crawl.page_reading import read_pages
from warden.crawl.robots import Robots, from_answer
from warden.crawl.scope import LINK, REDIRECT, ROBOTS, SEED, Scope, host_of, normalise, origin_of
from warden.crawl.warc_writer import cut_back, file_sha256

REDIRECTS = {301, 302, 303, 307, 308}
ROBOTS_DELAY_CAP = 30.0
PAGE_TYPES = {"text/html", "application/xhtml+xml"}


@dataclass(slots=True)
class CrawlLimits:
    """The crawl's bounds (from its options, defaulting to the settings)."""

    depth: int
    max_pages: int
    max_bytes: int
    delay: float
    max_redirects: int
    max_links: int
    max_urls: int
    warc_max_bytes: int


@dataclass(slots=True)
class CrawlRun:
    """What one run did, for the command's summary and the crawl record."""

    run_id: int
    fetched: int = 0
    received_bytes: int = 0
    errors: int = 0
    stopped: str | None = None
    links_not_kept: int = 0
    pages_read: int = 0
    warc_files: list[str] = field(default_factory=list)
    cut_back: list[str] = field(default_factory=list)

    def detail(self) -> dict[str, Any]:
        """The run's facts for the audit log and the crawl record."""
        return {
            key: value
            for key, value in asdict(self).items()
            if key != "run_id" and value not in (None, [], 0)
        }


class Crawler:
    """One run of the crawl over an open, locked case.

    Args:
        case: the case.
        seeds: the normalised seed URLs.
        scope: where the crawl may go.
        limits: its bounds.
        fetching: how it fetches.
        options: what it was asked, as the crawl record and the warcinfo records give it.
        ignore_robots: robots.txt is not fetched nor honoured (recorded by the caller).
    """

    def __init__(
        self,
        case: Case,
        seeds: list[str],
        scope: Scope,
        limits: CrawlLimits,
        fetching: FetchSettings,
        options: dict[str, Any],
        *,
        ignore_robots: bool,
        actor: str,
    ) -> None:
        self.case, self.engine = case, case.engine
        self.seeds, self.scope, self.limits, self.fetching = seeds, scope, limits, fetching
        self.options, self.ignore_robots, self.actor = options, ignore_robots, actor
        self.folder = case.path / CAPTURE
        self.spool = case.path / ".crawl-spool"
        self.rows: dict[str, UrlRow] = {}
        self.queues: dict[str, deque[UrlRow]] = defaultdict(deque)
        self.robots: dict[str, Robots] = {}
        self.next_time: dict[str, float] = defaultdict(float)
        self.delays: dict[str, float] = {}
        self.busy: dict[str, int] = defaultdict(int)
        self.in_flight: set[str] = set()
        self.host_facts: dict[str, set[str]] = {}
        self.resolving: set[str] = set()
        self.fetched_in_all = 0
        self.bytes_in_all = 0
        self.committer: Committer | None = None
        self.run = CrawlRun(0)

    # ------------------------------------------------------------ start and end

    def crawl(self) -> CrawlRun:
        """Run the crawl to its end (nothing left in scope, or a limit); safe to run again to resume."""
        self.folder.mkdir(mode=0o700, exist_ok=True)
        self.spool.mkdir(mode=0o700, exist_ok=True)
        crawl_state.mark_interrupted(self.engine, self.actor)
        cut = self._close_left_open()
        self.run = CrawlRun(crawl_state.start_run(self.engine, self.options, self.actor), cut_back=cut)
        self._load()
        status = "interrupted"
        info = {
            "software": f"Warden {__version__} (warden crawl)",
            "robots": "ignore" if self.ignore_robots else "obey",
            "http-header-user-agent": self.fetching.user_agent,
            "warden-crawl-run": str(self.run.run_id),
            "warden-crawl-options": _json(self.options),
        }
        self.committer = Committer(
            self.engine, self.folder, info, self.limits.warc_max_bytes, self.run.run_id, self.actor
        )
        try:
            with self.committer:
                asyncio.run(self._loop())
            self.committer.check()
            bounds = {"limit": self.fetching.max_text_bytes, "max_links": self.limits.max_links}
            self.run.pages_read = read_pages(self.engine, self.folder, PAGE_TYPES, **bounds)
            status = "stopped" if self.run.stopped else "completed"
        finally:
            self.run.warc_files = self.committer.files
            crawl_state.finish_run(self.engine, self.run.run_id, status, self.run.detail(), self.actor)
            with contextlib.suppress(OSError):  # bodies over 1 MiB waited there; empty unless killed
                self.spool.rmdir()
        return self.run

    def _close_left_open(self) -> list[str]:
        """Cut the files a killed run left open back to their last committed record, and close them."""
        cut = []
        for row in crawl_state.warc_files(self.engine):
            if row.closed:
                continue
            path = self.folder / row.name
            if path.exists() and cut_back(path, row.committed_end):
                cut.append(row.name)
            if path.exists():
                size, sha256 = file_sha256(path)
                crawl_state.close_warc(self.engine, row.name, size, sha256, self.actor, 0)
        return cut

    def _load(self) -> None:
        self.host_facts = site_facts.known_hosts(self.engine)
        for row in crawl_state.load_frontier(self.engine):
            self.rows[row.url] = row
            if row.state == QUEUED:
                self.queues[origin_of(row.url)].append(row)
            elif row.fetched_at is not None and row.kind != ROBOTS:
                self.fetched_in_all += 1
                self.bytes_in_all += row.size or 0
        new = [NewUrl(seed, 0, None, SEED) for seed in self.seeds if seed not in self.rows]
        self._add(crawl_state.add_urls(self.engine, new, self.run.run_id))

    def _put(self, step: Step, fetched: Fetched | None = None) -> None:
        assert self.committer is not None
        self.committer.put(step, fetched)

    def _add(self, rows: list[UrlRow]) -> None:
        for row in rows:
            self.rows[row.url] = row
            if row.state == QUEUED:
                self.queues[origin_of(row.url)].append(row)

    # ------------------------------------------------------------ the loop

    async def _loop(self) -> None:
        tasks: dict[asyncio.Task[Fetched], UrlRow] = {}
        committer = self.committer
        assert committer is not None
        async with make_client(self.fetching) as client:
            try:
                while True:
                    committer.check()
                    now = time.monotonic()
                    while (
                        len(tasks) < self.fetching.concurrency
                        and not committer.full()
                        and (row := self._pick(now)) is not None
                    ):
                        origin = origin_of(row.url)
                        self.busy[origin] += 1
                        self.next_time[origin] = now + self.delays.get(origin, self.limits.delay)
                        self.in_flight.add(row.url)
                        robots = row.url == f"{origin}/robots.txt"
                        resolve = self._wants_addresses(row.url)
                        task = asyncio.create_task(
                            fetch(
                                client, row.url, self.fetching, self.spool, read_text=robots, resolve=resolve
                            )
                        )
                        tasks[task] = row
                    wake = self._wake(now)
                    if not tasks:
                        if wake is None and not committer.full():
                            return
                        await asyncio.sleep(0.01 if wake is None else wake)
                        continue
                    done, _ = await asyncio.wait(tasks, timeout=wake, return_when=asyncio.FIRST_COMPLETED)
                    for task in done:
                        self._handle(tasks.pop(task), task.result())
            finally:
                for task in tasks:
                    task.cancel()

    def _limit(self) -> str | None:
        """The limit that stops the crawl now, or None."""
        pending = sum(1 for url in self.in_flight if self.rows[url].kind != ROBOTS)
        if self.fetched_in_all + pending >= self.limits.max_pages:
            return f"the page limit ({self.limits.max_pages} URLs fetched in all) was reached"
        if self.bytes_in_all >= self.limits.max_bytes:
            return f"the byte limit ({self.limits.max_bytes} bytes received in all) was reached"
        return None

    def _pick(self, now: float) -> UrlRow | None:
        """The next URL to fetch now, or None (nothing ready, or a limit reached)."""
        for origin, queue in list(self.queues.items()):
            if not queue or self.next_time[origin] > now:
                continue
            if self.busy[origin] and self.delays.get(origin, self.limits.delay) > 0:
                continue
            if not self.ignore_robots and origin not in self.robots:
                row = self._robots_row(origin)
                if row is not None and row.url not in self.in_flight:
                    return row
                if origin not in self.robots:
                    continue
            while queue:
                limit = self._limit()
                if limit is not None:
                    self.run.stopped = limit
                    return None
                row = queue.popleft()
                if row.state != QUEUED or row.url in self.in_flight:
                    continue
                rules = self.robots.get(origin)
                if rules is not None and not self.ignore_robots and not rules.allows(row.url):
                    row.state, row.reason = SKIPPED, "robots: robots.txt disallows it"
                    self._put(Step(url=row.url, outcome=Outcome(SKIPPED, row.reason)))
                    continue
                return row
        return None

    def _wake(self, now: float) -> float | None:
        """Seconds until an origin waiting for its delay may be fetched from again (None: none waits)."""
        if self._limit() is not None:
            return None
        waits = [self.next_time[o] - now for o, q in self.queues.items() if q and self.next_time[o] > now]
        return max(min(waits), 0.001) if waits else None

    def _robots_row(self, origin: str) -> UrlRow | None:
        """robots.txt of ``origin`` to fetch, or None once its rules are known (read back from the WARC
        when an earlier run fetched it)."""
        url = f"{origin}/robots.txt"
        row = self.rows.get(url)
        if row is None:
            new = NewUrl(url, 0, None, ROBOTS)
            self._put(Step(found=(new,)))
            row = self.rows[url] = _row_of(new)
            return row
        if row.state == QUEUED:
            return row
        if row.warc is not None and row.warc_offset is not None:
            status, text = read_body(self.folder / row.warc, row.warc_offset, self.fetching.max_text_bytes)
            self._set_robots(origin, from_answer(status, text))
        else:
            self._set_robots(origin, from_answer(None, None))
        return None

    def _set_robots(self, origin: str, rules: Robots) -> None:
        self.robots[origin] = rules
        asked = rules.delay()
        if asked is not None and asked > self.limits.delay:
            self.delays[origin] = min(asked, ROBOTS_DELAY_CAP)

    # ------------------------------------------------------------ one result

    def _handle(self, row: UrlRow, fetched: Fetched) -> None:
        """Take a fetch's result: queue what it leads to and hand it over to be written and committed."""
        origin = origin_of(row.url)
        handed = False
        try:
            found: list[NewUrl] = []
            if fetched.status is None:
                outcome = Outcome(ERROR, fetched.error)
            else:
                found, problem = self._found(row, fetched)
                reason = fetched.error or problem
                state = ERROR if reason else DONE
                sha256, size, kind = fetched.sha256, fetched.size, fetched.content_type
                outcome = Outcome(state, reason, fetched.status, kind, size, sha256)
            host = host_seen(fetched, self.host_facts, self.options.get("proxy"))
            self._add([_row_of(new) for new in found])
            row.state, row.reason, row.status = outcome.state, outcome.reason, outcome.status
            row.content_type, row.size = outcome.content_type, outcome.size
            row.payload_sha256 = outcome.payload_sha256
            if row.kind == ROBOTS or (row.url == f"{origin}/robots.txt" and origin not in self.robots):
                self._set_robots(origin, from_answer(fetched.status, fetched.text))
            self._put(Step(tuple(found), row.url, outcome, host), fetched)
            handed = True
            if row.kind != ROBOTS:
                self.fetched_in_all += 1
                self.run.fetched += 1
            self.bytes_in_all += fetched.size
            self.run.received_bytes += fetched.size
            self.run.errors += outcome.state == ERROR
        finally:
            if not handed:
                fetched.close()
            if fetched.addresses is not None or fetched.status is None:
                self.resolving.discard(host_of(row.url))
            self.busy[origin] -= 1
            self.in_flight.discard(row.url)

    def _found(self, row: UrlRow, fetched: Fetched) -> tuple[list[NewUrl], str | None]:
        """The URLs a response leads to (a redirect's target, a page's links), and a problem to record."""
        status = fetched.status or 0
        if status in REDIRECTS:
            location = fetched.header("location")
            target = normalise(location, row.url) if location else None
            if target is None:
                return [], "redirect: it names no http(s) URL to go to" if location else None
            if target in self.rows:
                chain = self._chain(row)
                if target in chain:
                    return [], f"redirect-loop: it leads back to {target} after {len(chain)} redirects"
                return [], None
            if row.hops + 1 > self.limits.max_redirects:
                return [], f"redirect-limit: more than {self.limits.max_redirects} redirects in a row"
            return self._new([(target, REDIRECT)], row, hops=row.hops + 1), None
        if not 200 <= status < 300 or fetched.text is None:
            return [], None
        text = fetched.text.decode(_charset(fetched.header("content-type")), "replace")
        if fetched.content_type in PAGE_TYPES:
            base, pairs = page_links(text, limit=self.limits.max_links)
            base_url = normalise(base, row.url) if base else None
            return self._new(pairs, row, base=base_url), None
        if fetched.content_type == "text/css":
            return self._new(sheet_links(text, limit=self.limits.max_links), row), None
        return [], None

    def _new(
        self, pairs: list[tuple[str, str]], row: UrlRow, *, base: str | None = None, hops: int = 0
    ) -> list[NewUrl]:
        new: list[NewUrl] = []
        taken: set[str] = set()
        for written, kind in pairs:
            url = normalise(written, base or row.url)
            if url is None or url in self.rows or url in taken:
                continue
            if len(self.rows) + len(new) >= self.limits.max_urls:
                self.run.links_not_kept += 1
                continue
            taken.add(url)
            depth = row.depth + 1 if kind == LINK else row.depth
            refusal = self.scope.refusal(url, depth, kind)
            state = SKIPPED if refusal else QUEUED
            new.append(NewUrl(url, depth, row.url, kind, hops=hops, state=state, reason=refusal))
        return new

    # ------------------------------------------------------------ hosting facts

    def _wants_addresses(self, url: str) -> bool:
        """Whether this fetch should also resolve its host's name (once per host, never via a proxy)."""
        host = host_of(url)
        if self.fetching.proxy or host in self.resolving or "addresses" in self.host_facts.get(host, ()):
            return False
        self.resolving.add(host)
        return True

    def _chain(self, row: UrlRow) -> list[str]:
        """The URLs of the redirects that led to ``row``, with it."""
        chain = [row.url]
        current = row
        while current.kind == REDIRECT and current.via is not None and current.via in self.rows:
            if len(chain) > self.limits.max_redirects:
                break
            current = self.rows[current.via]
            chain.append(current.url)
        return chain

    # ------------------------------------------------------------ WARC files


def _row_of(new: NewUrl) -> UrlRow:
    """A URL found, as the frontier keeps it until the case reads it back (its id is the database's)."""
    return UrlRow(0, new.url, new.depth, new.via, new.kind, new.hops, new.state, new.reason)


def _charset(content_type: str | None) -> str:
    for part in (content_type or "").split(";")[1:]:
        name, _, value = part.strip().partition("=")
        if name.lower() == "charset" and value.strip("\"' "):
            try:
                return codecs.lookup(value.strip("\"' ")).name
            except LookupError:
                break
    return "utf-8"


def _json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def default_limits(**given: Any) -> CrawlLimits:
    """The crawl's limits: those given (not None), the settings for the rest."""
    from_settings = CrawlLimits(
        depth=settings.get_int(settings.CRAWL_DEPTH),
        max_pages=settings.get_int(settings.CRAWL_MAX_PAGES),
        max_bytes=settings.get_int(settings.CRAWL_MAX_BYTES),
        delay=float(settings.get_str(settings.CRAWL_DELAY)),
        max_redirects=settings.get_int(settings.CRAWL_MAX_REDIRECTS),
        max_links=settings.get_int(settings.CRAWL_MAX_LINKS),
        max_urls=settings.get_int(settings.CRAWL_MAX_URLS),
        warc_max_bytes=settings.get_int(settings.CRAWL_WARC_MAX_BYTES),
    )
    for name, value in given.items():
        if value is not None:
            setattr(from_settings, name, value)
    return from_settings
