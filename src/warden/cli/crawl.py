"""``warden crawl URL... --case DIR``: preserve a website in WARC, then match what it served like a scan."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import click

from warden.case import DB_URL_HELP
from warden.errors import DependencyMissingError

_SIZE = re.compile(r"^\s*(\d+)\s*([kmgt]?)i?b?\s*$", re.IGNORECASE)
_SUFFIXES = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3, "t": 1024**4}


class Size(click.ParamType):  # type: ignore[type-arg]
    """A byte count, with an optional K, M, G or T suffix (powers of 1024)."""

    name = "SIZE"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        if isinstance(value, int):
            return value
        match = _SIZE.match(str(value))
        if match is None or int(match.group(1)) <= 0:
            self.fail(f"{value!r} is not a size in bytes (e.g. 500M, 10G)", param, ctx)
        return int(match.group(1)) * _SUFFIXES[match.group(2).lower()]


@click.command("crawl")
@click.argument("urls", nargs=-1, required=True)
@click.option(
    "--case", "case_dir", required=True, type=click.Path(path_type=Path, file_okay=False), help="Case folder."
)
@click.option(
    "--hashset",
    "hashsets",
    multiple=True,
    help="Hash set to match what was fetched against, as for warden scan (a name in the store, or a file). "
    "Repeatable. Without one, the site is preserved and not matched.",
)
@click.option(
    "--allow-host",
    "allow_hosts",
    multiple=True,
    metavar="HOST",
    help="Another host the crawl may fetch from (the seeds' hosts always may). Repeatable.",
)
@click.option(
    "--prefix",
    "prefixes",
    multiple=True,
    metavar="PATH",
    help="Follow links only to paths under this prefix (what pages embed is fetched anywhere in scope). "
    "Repeatable.",
)
@click.option("--depth", type=click.IntRange(0), help="Links followed from a seed [crawl_depth: 5].")
@click.option(
    "--max-pages", type=click.IntRange(1), help="URLs fetched in all, over every run [crawl_max_pages]."
)
@click.option("--max-bytes", type=Size(), help="Bytes received in all, e.g. 10G [crawl_max_bytes].")
@click.option(
    "--max-response-bytes",
    type=Size(),
    help="Largest body of one response, e.g. 256M; a larger one is kept cut short "
    "[crawl_max_response_bytes].",
)
@click.option(
    "--delay", type=click.FloatRange(0), help="Seconds between two requests to one host [crawl_delay: 1]."
)
@click.option("--concurrency", type=click.IntRange(1, 64), help="Requests in flight [crawl_concurrency: 4].")
@click.option(
    "--proxy",
    help="Proxy for every request: http://HOST:PORT, or socks5h://HOST:PORT so that names (.onion) "
    "resolve at the proxy, as Tor needs.",
)
@click.option(
    "--ignore-robots",
    is_flag=True,
    help="Do not fetch or honour robots.txt (recorded in the audit log and the crawl record).",
)
@click.option(
    "--insecure",
    is_flag=True,
    help="Fetch from servers whose TLS certificate does not verify (recorded); by default each is an error.",
)
@click.option(
    "--workers", type=int, default=0, show_default=True, help="Hashing processes; 0 = one per CPU core."
)
@click.option("--quiet", is_flag=True, help="No progress bar while matching.")
@click.option("--db", "db_url", help=DB_URL_HELP)
def crawl_command(
    urls: tuple[str, ...],
    case_dir: Path,
    hashsets: tuple[str, ...],
    allow_hosts: tuple[str, ...],
    prefixes: tuple[str, ...],
    depth: int | None,
    max_pages: int | None,
    max_bytes: int | None,
    max_response_bytes: int | None,
    delay: float | None,
    concurrency: int | None,
    proxy: str | None,
    ignore_robots: bool,
    insecure: bool,
    workers: int,
    quiet: bool,
    db_url: str | None,
) -> None:
    """Crawl a website from URLS into a case: every response preserved in WARC (CASE/capture/*.warc.gz),
    every failure recorded per URL with its reason, then (with --hashset) the capture matched and reported
    as a scan would.

    Run the same command again after an interruption (even kill -9) to resume: what was committed is not
    fetched again.
    """
    try:
        from warden.crawl.capture import scan_capture
        from warden.crawl.run import CrawlOptions, run_crawl
    except ImportError as error:
        raise DependencyMissingError(error.name or "httpx", "crawl", "warden crawl") from None

    options = CrawlOptions(
        seeds=list(urls),
        case_dir=case_dir,
        allow_hosts=list(allow_hosts),
        prefixes=list(prefixes),
        depth=depth,
        max_pages=max_pages,
        max_bytes=max_bytes,
        max_response_bytes=max_response_bytes,
        delay=delay,
        concurrency=concurrency,
        proxy=proxy,
        ignore_robots=ignore_robots,
        insecure=insecure,
        db_url=db_url,
    )
    result = run_crawl(options)
    run, counts = result.run, result.counts
    click.echo(
        f"crawl run {run.run_id}: {run.fetched} URLs fetched now ({run.received_bytes} bytes), "
        f"{run.errors} errors; in the case: {counts.get('done', 0)} done, {counts.get('error', 0)} errors, "
        f"{counts.get('skipped', 0)} skipped, {counts.get('queued', 0)} queued"
    )
    if run.stopped:
        click.echo(f"stopped: {run.stopped}; a rerun with a higher limit goes on")
    for name in run.cut_back:
        click.echo(
            f"warden: warning: {name} was cut back to its last recorded fetch (a run was killed)", err=True
        )
    if not hashsets:
        click.echo(f"capture: {case_dir / 'capture'} (not matched: give --hashset to match it)")
        return
    from warden.case.storage_errors import case_storage
    from warden.cli.hashset import hashset_store
    from warden.cli.scan import print_summary
    from warden.progress_display import progress_for_terminal
    from warden.report.case_report import write_reports

    scanned = scan_capture(
        case_dir,
        list(hashsets),
        hashset_store(),
        progress_for_terminal(quiet),
        workers=workers,
        db_url=db_url,
    )
    for warning in scanned.warnings:
        click.echo(f"warden: warning: {warning}", err=True)
    with case_storage(scanned.where, "writing the reports"):
        report, written = write_reports(scanned.case)
    print_summary(report["summary"])
    click.echo(f"report: {written['json']}")
    for name, what in (("takedown", "takedown-notice draft"), ("urls", "URL list of the matched media")):
        if name in written:
            click.echo(f"{what}: {written[name]}")
