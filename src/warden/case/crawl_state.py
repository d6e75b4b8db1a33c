"""The crawl's state in the case database: runs, the frontier of URLs with each one's result, and the WARC
files of ``capture/`` (every SQL statement of `warden crawl`).

Fetched URLs are committed in groups, only after their WARC records are flushed to disk, in one transaction
with the links they gave, the end of their WARC file and one audit entry with each payload's SHA-256: after a
kill, the case says exactly which records of the last file count, and a rerun cuts the file back to them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, fields
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, func, select, update

from warden.case import audit, schema
from warden.case.site_facts import HostSeen, record_host
from warden.clock import utc_now

QUEUED, DONE, ERROR, SKIPPED = "queued", "done", "error", "skipped"
"""A URL's states: waiting; fetched; fetched or tried and failed (``reason`` says why); never fetched (out of
scope, disallowed by robots.txt, beyond the depth: ``reason`` says why)."""


@dataclass(slots=True)
class UrlRow:
    """One URL of the frontier, as stored."""

    id: int
    url: str
    depth: int
    via: str | None
    kind: str
    hops: int
    state: str
    reason: str | None = None
    status: int | None = None
    content_type: str | None = None
    size: int | None = None
    payload_sha256: str | None = None
    warc: str | None = None
    warc_offset: int | None = None
    fetched_at: str | None = None


@dataclass(frozen=True, slots=True)
class NewUrl:
    """A URL found (a seed, a link, a redirect's target, a host's robots.txt) and what became of it."""

    url: str
    depth: int
    via: str | None
    kind: str
    hops: int = 0
    state: str = QUEUED
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class Outcome:
    """What fetching one URL gave, to record."""

    state: str
    reason: str | None
    status: int | None = None
    content_type: str | None = None
    size: int | None = None
    payload_sha256: str | None = None
    warc: str | None = None
    warc_offset: int | None = None
    warc_end: int | None = None


@dataclass(frozen=True, slots=True)
class WarcFileRow:
    """A WARC file of the capture, as stored."""

    name: str
    committed_end: int
    records: int
    closed: bool
    size: int | None
    sha256: str | None


def _row(mapping: Any) -> UrlRow:
    return UrlRow(**{field.name: mapping[field.name] for field in fields(UrlRow)})


def load_frontier(engine: Engine) -> list[UrlRow]:
    """Every URL the case's crawl has seen, in the order found."""
    with engine.connect() as connection:
        rows = connection.execute(select(schema.crawl_urls).order_by(schema.crawl_urls.c.id)).mappings()
        return [_row(row) for row in rows]


def _values(new: NewUrl) -> dict[str, Any]:
    return {f.name: getattr(new, f.name) for f in fields(NewUrl)}


def _insert(connection: Connection, found: Iterable[NewUrl], run_id: int) -> list[UrlRow]:
    added = []
    for new in found:
        values = {**_values(new), "run_id": run_id}
        key = connection.execute(schema.crawl_urls.insert().values(**values)).inserted_primary_key
        assert key is not None
        added.append(
            UrlRow(int(key[0]), new.url, new.depth, new.via, new.kind, new.hops, new.state, new.reason)
        )
    return added


def add_urls(engine: Engine, found: Iterable[NewUrl], run_id: int) -> list[UrlRow]:
    """Record URLs not seen before (the caller knows which); returns their rows."""
    with engine.begin() as connection:
        return _insert(connection, found, run_id)


@dataclass(frozen=True, slots=True)
class Step:
    """One change to the frontier, in the order the crawl made it: URLs found (``found``), and the result
    of one URL (``url`` with its ``outcome``: fetched, failed, or skipped before fetching) with what its
    answer showed of its host (``host``, kept where the host has none of it yet)."""

    found: tuple[NewUrl, ...] = ()
    url: str | None = None
    outcome: Outcome | None = None
    host: HostSeen | None = None


def record_steps(
    engine: Engine, steps: Iterable[Step], *, warc_end: tuple[str, int] | None, run_id: int, actor: str
) -> None:
    """Record a group of steps in one transaction (a group commit): the URLs found, each URL's result, the
    hosts' facts, the committed end of the WARC file the group's records were written to and flushed in
    (``warc_end``: its name and end), and one audit entry listing every preserved record's URL, place and
    payload SHA-256. The WARC records must be on disk before this is called."""
    fetched_at = utc_now()
    urls = schema.crawl_urls
    found: list[dict[str, Any]] = []
    skipped: list[dict[str, Any]] = []
    results: list[dict[str, Any]] = []
    hosts: list[HostSeen] = []
    preserved: list[dict[str, Any]] = []
    for step in steps:
        found += [{**_values(new), "run_id": run_id} for new in step.found]
        outcome = step.outcome
        if step.url is None or outcome is None:
            continue
        if outcome.state == SKIPPED:
            skipped.append({"target": step.url, "state": SKIPPED, "reason": outcome.reason, "run_id": run_id})
            continue
        result = {f.name: getattr(outcome, f.name) for f in fields(Outcome) if f.name != "warc_end"}
        results.append({"target": step.url, **result, "fetched_at": fetched_at, "run_id": run_id})
        hosts += [step.host] if step.host is not None else []
        if outcome.warc is not None:
            preserved.append(
                {
                    "url": step.url,
                    "status": outcome.status,
                    "warc": outcome.warc,
                    "offset": outcome.warc_offset,
                    "payload_sha256": outcome.payload_sha256,
                    "size": outcome.size,
                    **({"reason": outcome.reason} if outcome.reason else {}),
                }
            )
    with engine.begin() as connection:
        if found:  # before the results: a URL may be found and fetched in the same group
            connection.execute(urls.insert(), found)
        for changes in (skipped, results):
            if changes:
                connection.execute(update(urls).where(urls.c.url == bindparam("target")), changes)
        for host in hosts:
            record_host(connection, host)
        if warc_end is not None:
            warcs = schema.crawl_warcs
            name, end = warc_end
            written = sum(1 for record in preserved if record["warc"] == name)
            connection.execute(
                update(warcs)
                .where(warcs.c.name == name)
                .values(committed_end=end, records=warcs.c.records + 2 * written)
            )
        if preserved:
            audit.append(connection, actor, "crawl.records", {"run": run_id, "records": preserved})


# ---------------------------------------------------------------- runs


def start_run(engine: Engine, options: dict[str, Any], actor: str) -> int:
    """Record the start of a crawl run (its options, with robots ignored or TLS unverified said plainly)."""
    with engine.begin() as connection:
        key = connection.execute(
            schema.crawl_runs.insert().values(
                started_at=utc_now(),
                status="running",
                options=json.dumps(options, sort_keys=True),
                operator=actor,
            )
        ).inserted_primary_key
        assert key is not None
        run_id = int(key[0])
        audit.append(connection, actor, "crawl.start", {"run": run_id, **options})
        if options.get("ignore_robots"):
            audit.append(
                connection,
                actor,
                "crawl.robots_ignored",
                {"run": run_id, "seeds": options.get("seeds", [])},
            )
    return run_id


def finish_run(engine: Engine, run_id: int, status: str, detail: dict[str, Any], actor: str) -> None:
    """Record how a crawl run ended."""
    with engine.begin() as connection:
        connection.execute(
            update(schema.crawl_runs)
            .where(schema.crawl_runs.c.id == run_id)
            .values(finished_at=utc_now(), status=status, detail=json.dumps(detail, sort_keys=True))
        )
        audit.append(connection, actor, f"crawl.{status}", {"run": run_id, **detail})


def mark_interrupted(engine: Engine, actor: str) -> list[int]:
    """Mark interrupted the runs a dead process left ``running`` (only for a holder of the case's lock)."""
    runs = schema.crawl_runs
    with engine.begin() as connection:
        running = [int(r.id) for r in connection.execute(select(runs.c.id).where(runs.c.status == "running"))]
        for run_id in running:
            connection.execute(
                update(runs).where(runs.c.id == run_id).values(status="interrupted", finished_at=utc_now())
            )
            audit.append(
                connection,
                actor,
                "crawl.interrupted",
                {"run": run_id, "reason": "its process had stopped (found when the crawl was run again)"},
            )
    return running


def runs(engine: Engine) -> list[dict[str, Any]]:
    """Every crawl run of the case, oldest first, with its options and end as stored."""
    with engine.connect() as connection:
        rows = connection.execute(select(schema.crawl_runs).order_by(schema.crawl_runs.c.id)).mappings()
        return [
            {
                **dict(row),
                "options": json.loads(row["options"]),
                "detail": json.loads(row["detail"]) if row["detail"] else {},
            }
            for row in rows
        ]


# ---------------------------------------------------------------- WARC files


def warc_files(engine: Engine) -> list[WarcFileRow]:
    """The capture's WARC files, in the order made."""
    warcs = schema.crawl_warcs
    with engine.connect() as connection:
        return [
            WarcFileRow(
                r.name, int(r.committed_end), int(r.records), r.closed_at is not None, r.size, r.sha256
            )
            for r in connection.execute(select(warcs).order_by(warcs.c.id))
        ]


def add_warc(engine: Engine, name: str, committed_end: int) -> None:
    """Record a new WARC file whose warcinfo record ends at ``committed_end``."""
    with engine.begin() as connection:
        connection.execute(schema.crawl_warcs.insert().values(name=name, committed_end=committed_end))


def close_warc(engine: Engine, name: str, size: int, sha256: str, actor: str, run_id: int) -> None:
    """Record a closed WARC file's size and SHA-256, with an audit entry."""
    warcs = schema.crawl_warcs
    with engine.begin() as connection:
        records = connection.execute(select(warcs.c.records).where(warcs.c.name == name)).scalar_one()
        connection.execute(
            update(warcs).where(warcs.c.name == name).values(closed_at=utc_now(), size=size, sha256=sha256)
        )
        audit.append(
            connection,
            actor,
            "crawl.warc",
            {"run": run_id, "file": name, "size": size, "sha256": sha256, "records": int(records) + 1},
        )


def counts(engine: Engine) -> dict[str, int]:
    """URLs by state."""
    urls = schema.crawl_urls
    with engine.connect() as connection:
        return {
            str(state): int(n)
            for state, n in connection.execute(select(urls.c.state, func.count()).group_by(urls.c.state))
        }
