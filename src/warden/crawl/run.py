"""`warden crawl`'s library entry point: check what was asked, open and lock the case, crawl (resuming what
the case holds), and hand back what happened; the caller then scans the capture and writes the reports."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx

from warden import __version__, settings
from warden.case import crawl_state
from warden.case.folder import Case, operator_name
from warden.case.storage_errors import case_storage
from warden.crawl.fetch import FetchSettings
from warden.crawl.frontier import Crawler, CrawlRun, default_limits
from warden.crawl.scope import Scope, normalise
from warden.errors import CrawlError, DependencyMissingError

PROXY_SCHEMES = ("http", "https", "socks5", "socks5h")


@dataclass(slots=True)
class CrawlOptions:
    """What ``warden crawl`` was asked to do; None takes the setting's default."""

    seeds: list[str]
    case_dir: Path
    allow_hosts: list[str] = field(default_factory=list)
    prefixes: list[str] = field(default_factory=list)
    depth: int | None = None
    max_pages: int | None = None
    max_bytes: int | None = None
    max_response_bytes: int | None = None
    delay: float | None = None
    concurrency: int | None = None
    proxy: str | None = None
    ignore_robots: bool = False
    insecure: bool = False
    db_url: str | None = None


@dataclass(slots=True)
class CrawlResult:
    """What a finished crawl run hands back."""

    case: Case
    run: CrawlRun
    counts: dict[str, int]


def check_seeds(seeds: list[str]) -> list[str]:
    """The seeds, normalised.

    Raises:
        CrawlError: a seed is not an absolute http(s) URL.
    """
    normalised = []
    for seed in seeds:
        url = normalise(seed)
        if url is None or "://" not in seed:
            raise CrawlError(f"{seed!r} is not an http:// or https:// URL a crawl can start from")
        if url not in normalised:
            normalised.append(url)
    return normalised


def check_proxy(proxy: str | None) -> str | None:
    """The proxy URL as given, after checking its form.

    Raises:
        CrawlError: not an http, https, socks5 or socks5h URL with a host and port.
    """
    if not proxy:
        return None
    try:
        parts = urlsplit(proxy)
        port = parts.port
    except ValueError as error:
        raise CrawlError(f"the proxy {public_proxy(proxy)!r} is not a URL: {error}") from None
    if parts.scheme.lower() not in PROXY_SCHEMES or not parts.hostname or port is None:
        raise CrawlError(
            f"the proxy {public_proxy(proxy)!r} is not SCHEME://HOST:PORT with SCHEME http, https, socks5 or "
            "socks5h (socks5h://127.0.0.1:9050 for Tor, so that .onion names resolve at the proxy)"
        )
    try:
        httpx.Proxy(proxy)
    except (ValueError, httpx.HTTPError) as error:
        raise CrawlError(f"the proxy {public_proxy(proxy)!r} cannot be used: {error}") from None
    if parts.scheme.lower().startswith("socks"):
        try:
            import socksio  # noqa: F401
        except ImportError:
            raise DependencyMissingError("socksio", "crawl", "a crawl through a SOCKS proxy") from None
    return proxy


def public_proxy(proxy: str | None) -> str | None:
    """The proxy URL without its password, as the crawl record keeps it."""
    if not proxy:
        return None
    try:
        parts = urlsplit(proxy)
        netloc = parts.netloc.rpartition("@")[2]
        user = f"{parts.username}@" if parts.username else ""
        return urlunsplit((parts.scheme, user + netloc, parts.path, "", ""))
    except ValueError:
        return "(not a URL)"


def fetch_settings(options: CrawlOptions) -> FetchSettings:
    """How the crawl fetches: its options, the settings for the rest."""
    agent = settings.get_str(settings.CRAWL_USER_AGENT) or f"warden/{__version__} (website investigation)"
    return FetchSettings(
        user_agent=agent,
        connect_timeout=float(settings.get_str(settings.CRAWL_CONNECT_TIMEOUT)),
        read_timeout=float(settings.get_str(settings.CRAWL_READ_TIMEOUT)),
        response_seconds=float(settings.get_str(settings.CRAWL_RESPONSE_SECONDS)),
        max_response_bytes=options.max_response_bytes or settings.get_int(settings.CRAWL_MAX_RESPONSE_BYTES),
        max_ratio=settings.get_int(settings.CRAWL_MAX_RATIO),
        max_text_bytes=settings.get_int(settings.CRAWL_MAX_TEXT_BYTES),
        concurrency=options.concurrency or settings.get_int(settings.CRAWL_CONCURRENCY),
        proxy=options.proxy,
        insecure=options.insecure,
    )


def run_crawl(options: CrawlOptions) -> CrawlResult:
    """Crawl into the case; safe to run again to resume (nothing committed is fetched again).

    Raises:
        CrawlError: a seed or the proxy is not usable.
        UsageError: a limit is out of range.
        CaseBusyError: another process is crawling or scanning this case now.
        NoSpaceError, CaseError: the case folder or database failed.
    """
    seeds = check_seeds(options.seeds)
    check_proxy(options.proxy)
    fetching = fetch_settings(options)
    limits = default_limits(
        depth=options.depth,
        max_pages=options.max_pages,
        max_bytes=options.max_bytes,
        delay=options.delay,
    )
    scope = Scope.around(seeds, options.allow_hosts, options.prefixes, limits.depth)
    recorded: dict[str, Any] = {
        "seeds": seeds,
        "allow_hosts": sorted(scope.hosts),
        "prefixes": list(scope.prefixes),
        "depth": limits.depth,
        "max_pages": limits.max_pages,
        "max_bytes": limits.max_bytes,
        "max_response_bytes": fetching.max_response_bytes,
        "max_ratio": fetching.max_ratio,
        "max_redirects": limits.max_redirects,
        "delay": limits.delay,
        "concurrency": fetching.concurrency,
        "timeouts": {
            "connect": fetching.connect_timeout,
            "read": fetching.read_timeout,
            "response": fetching.response_seconds,
        },
        "proxy": public_proxy(options.proxy),
        "ignore_robots": options.ignore_robots,
        "insecure": options.insecure,
        "user_agent": fetching.user_agent,
    }
    case = Case.open(options.case_dir, create=True, db_url=options.db_url)
    actor = operator_name()
    with case.scanning(), case_storage(case.where, "crawling"):
        crawler = Crawler(
            case,
            seeds,
            scope,
            limits,
            fetching,
            recorded,
            ignore_robots=options.ignore_robots,
            actor=actor,
        )
        run = crawler.crawl()
        return CrawlResult(case, run, crawl_state.counts(case.engine))
