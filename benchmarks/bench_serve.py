"""`warden serve` under load, beside Meta's Hasher-Matcher-Actioner (HMA) serving the same bank.

A bank of N random PDQ hashes (1M by default) is loaded into both services, started here on free loopback
ports with the same number of worker processes. A bounded async client (httpx, a fixed number of requests in
flight and a fixed number of requests; it stops by itself) then sends the same queries to each: half of
them planted near-duplicates of bank entries (0-16 bits flipped: must match), half fresh random hashes (must
not). Measured: lookups/s, p50 and p99 latency, the memory of each worker process (PSS and Private_Dirty from
/proc/PID/smaps_rollup), and how long one new entry added through the API takes to be matched.

Warden: ``warden serve --workers W --roles matcher,curator`` with its own WARDEN_HOME, a key from
``warden apikey create``, the bank filled by ``POST /v1/banks/NAME/list`` (a canonical CSV). Single lookups
through ``POST /v1/lookup`` (one hash) and through the HMA-compatible ``GET /m/raw_lookup``; batches of
1,000 through ``POST /v1/lookup``.

HMA: its source (facebook/ThreatExchange ``hasher-matcher-actioner/src``) in its own virtualenv (see
benchmarks/README.md), on a PostgreSQL server started here, in HMA's scaled deployment: a matcher (gunicorn,
W workers, each with its index cache) and a cron/curator process (1 worker, the indexer every 60 s as HMA's
reference config has it). The bank's rows are written with COPY (HMA's API adds one content per request),
the index is built with ``flask build_indices``, and lookups go through ``GET /m/raw_lookup``. HMA has no
batch lookup of hashes (``/m/lookup`` takes one signal too), so its batch row is empty.

    python benchmarks/bench_serve.py [--size 1000000] [--workers 2] [--concurrency 16] [--requests 4000]
        [--batches 20] [--hma-venv /tmp/hma-venv] [--hma-src DIR] [--no-hma] [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import glob
import io
import os
import pwd
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import numpy as np

from load_client import ClientError, Connection, Send, run

BANK = "BENCH_BANK"
MAX_FLIPS = 16
"""Planted near-duplicates differ from their bank entry by 0 to this many bits (both match <= 31)."""
START_TIMEOUT_S = 1800.0
VISIBLE_TIMEOUT_S = 300.0
WARM_UP = 1000
"""Requests sent before each test and not counted."""
HMA_SRC = Path("/tmp/hma-src/hasher-matcher-actioner/src")


@dataclass
class Result:
    """One line of the table."""

    service: str
    test: str
    requests: int = 0
    hashes: int = 0
    seconds: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0
    wrong: int = 0
    note: str = ""
    in_flight: int = 0
    server_cpu_s: float = 0.0

    HEAD = (
        "service",
        "test",
        "in flight",
        "hashes/s",
        "requests/s",
        "p50 ms",
        "p99 ms",
        "server CPU ms/request",
        "hashes per server CPU-second",
        "errors/wrong",
        "note",
    )

    def row(self) -> list[str]:
        if not self.requests:
            return [self.service, self.test, *["-"] * (len(self.HEAD) - 3), self.note]
        lat = np.array(self.latencies_ms)
        return [
            self.service,
            self.test,
            str(self.in_flight),
            f"{self.hashes / self.seconds:,.0f}",
            f"{self.requests / self.seconds:,.0f}",
            f"{np.percentile(lat, 50):.1f}",
            f"{np.percentile(lat, 99):.1f}",
            f"{1000 * self.server_cpu_s / self.requests:.2f}",
            f"{self.hashes / self.server_cpu_s:,.0f}" if self.server_cpu_s else "-",
            f"{self.errors}/{self.wrong}",
            self.note,
        ]


@dataclass
class Service:
    """A service under test: its name, URL, headers, its processes and how it was started."""

    name: str
    url: str
    headers: dict[str, str]
    root_pid: int
    setup: dict[str, float] = field(default_factory=dict)
    also: list[int] = field(default_factory=list)
    """Other processes serving it (HMA's PostgreSQL), counted in its CPU."""

    def pids(self) -> list[int]:
        """Every process of the service: its root, ``also`` and all below them."""
        roots = [self.root_pid, *self.also]
        return [pid for root in roots for pid in (root, *descendants(root))]


# ---------------------------------------------------------------------------------------------------- data


def make_data(size: int, queries: int, seed: int = 10) -> tuple[list[str], list[str], list[bool]]:
    """The bank (hex PDQ hashes) and the queries: alternately a planted near-duplicate and a fresh hash."""
    rng = np.random.default_rng(seed)
    bank = rng.integers(0, 256, size=(size, 32), dtype=np.uint8)
    hits = queries // 2
    picked = rng.choice(size, size=hits, replace=False)
    near = bank[picked].copy()
    bits = np.unpackbits(near, axis=1)
    for row in range(hits):
        flips = rng.choice(256, size=int(rng.integers(0, MAX_FLIPS + 1)), replace=False)
        bits[row, flips] ^= 1
    near = np.packbits(bits, axis=1)
    fresh = rng.integers(0, 256, size=(queries - hits, 32), dtype=np.uint8)
    query_hex: list[str] = []
    expected: list[bool] = []
    for i in range(queries):
        source, is_hit = (near, True) if i % 2 == 0 else (fresh, False)
        if i // 2 < len(source):
            query_hex.append(source[i // 2].tobytes().hex())
            expected.append(is_hit)
    return [row.tobytes().hex() for row in bank], query_hex, expected


def fresh_hash(seed: int) -> str:
    return np.random.default_rng(seed).integers(0, 256, size=32, dtype=np.uint8).tobytes().hex()


# ------------------------------------------------------------------------------------------------ processes


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (Linux /proc)."""
    children: dict[int, list[int]] = {}
    for stat in glob.glob("/proc/[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            text = Path(stat).read_text()
            fields = text[text.rindex(")") + 2 :].split()
            children.setdefault(int(fields[1]), []).append(int(stat.split("/")[2]))
    found: list[int] = []
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def smaps(pid: int) -> dict[str, int]:
    """Rss, Pss and Private_Dirty of one process in bytes (empty if it is gone)."""
    values: dict[str, int] = {}
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            parts = line.split()
            if len(parts) >= 3 and parts[0].rstrip(":") in ("Rss", "Pss", "Private_Dirty"):
                values[parts[0].rstrip(":")] = int(parts[1]) * 1024
    return values


def worker_memory(service: Service, workers: int) -> str:
    """PSS / Private_Dirty of the ``workers`` largest processes of the service (its request workers)."""
    pids = [service.root_pid, *descendants(service.root_pid)]
    rows = sorted((smaps(pid) for pid in pids), key=lambda m: m.get("Pss", 0), reverse=True)[:workers]
    mib = 1024 * 1024
    return ", ".join(f"{m.get('Pss', 0) / mib:,.0f}/{m.get('Private_Dirty', 0) / mib:,.0f}" for m in rows)


def matched(answer: httpx.Response) -> bool:
    """Whether a lookup of one hash (/v1/lookup or /m/raw_lookup) answered a match; False on an error."""
    if answer.status_code != 200:
        return False
    body = answer.json()
    return bool(body["results"][0]["matches"] if "results" in body else body["matches"])


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


def wait_until(check: Callable[[], bool], timeout: float, what: str, log: Path | None = None) -> float:
    """Seconds until ``check()`` holds (polled every 0.05 s); raises after ``timeout``."""
    start = time.monotonic()
    while True:
        with contextlib.suppress(httpx.TransportError):
            if check():
                return time.monotonic() - start
        if time.monotonic() - start > timeout:
            tail = log.read_text()[-3000:] if log and log.exists() else ""
            raise RuntimeError(f"{what}: not after {timeout:.0f} s\n{tail}")
        time.sleep(0.05)


# ---------------------------------------------------------------------------------------------------- Warden


@contextlib.contextmanager
def warden_service(
    root: Path, bank: list[str], workers: int
) -> Iterator[tuple[Service, Callable[[str], bool]]]:
    """`warden serve` with the bank loaded; yields it and a function adding one PDQ hash to the bank."""
    env = {
        **os.environ,
        "WARDEN_HOME": str(root / "home"),
        "WARDEN_KEY_FILE": str(root / "keys" / "hashsets.key"),
        "WARDEN_SERVE_SPOOL": str(root / "spool"),
        "WARDEN_SERVE_DB": "",
        "WARDEN_SERVE_MAX_UPLOAD_BYTES": str(200 * len(bank) + 10_000_000),
    }
    cli = [sys.executable, "-m", "warden.cli"]
    port = free_port()
    log = root / "warden.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [*cli, "serve", "--workers", str(workers), "--port", str(port), "--roles", "matcher,curator"],
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    try:
        url = f"http://127.0.0.1:{port}"
        setup = {
            "start_s": wait_until(lambda: httpx.get(f"{url}/status").status_code == 200, 120, "start", log)
        }
        made = subprocess.run(
            [*cli, "apikey", "create", "bench", "--scope", "admin", "--rate", "1000000000"],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        key = re.search(r"wdn_\S+", made.stdout)
        if key is None:
            raise RuntimeError(f"no key in: {made.stdout} {made.stderr}")
        service = Service("Warden", url, {"Authorization": f"Bearer {key.group(0)}"}, process.pid, setup)
        csv = root / "bank.csv"
        with csv.open("w") as out:
            out.write("md5,sha1,sha256,pdq,category,source_id\n")
            out.writelines(f",,,{value},C,b{i}\n" for i, value in enumerate(bank))
        with httpx.Client(base_url=url, headers=service.headers, timeout=START_TIMEOUT_S) as client:
            client.post("/v1/banks", json={"name": BANK}).raise_for_status()
            started = time.monotonic()
            with csv.open("rb") as body:
                client.post(f"/v1/banks/{BANK}/list", files={"file": ("bank.csv", body)}).raise_for_status()
            setup["fill_s"] = time.monotonic() - started
            probe = {"hashes": [{"kind": "pdq", "value": bank[-1]}]}

            def everywhere() -> bool:  # several answers in a row, so that every worker has it
                return all(matched(client.post("/v1/lookup", json=probe)) for _ in range(8))

            setup["visible_s"] = setup["fill_s"] + wait_until(everywhere, START_TIMEOUT_S, "bank loaded", log)

            def add(value: str) -> bool:
                client.post(
                    f"/v1/banks/{BANK}/content", json={"hashes": {"pdq": value}, "category": "C"}
                ).raise_for_status()
                return True

            yield service, add
    finally:
        stop(process)


# ---------------------------------------------------------------------------------------------------- HMA


def _as_postgres(command: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


@contextlib.contextmanager
def postgres(root: Path) -> Iterator[str]:
    """A PostgreSQL server on loopback (Debian's, started as tests/postgres.py starts it); yields its URL."""
    found = shutil.which("initdb")
    binaries = (
        Path(found).resolve().parent if found else Path(sorted(glob.glob("/usr/lib/postgresql/*/bin"))[-1])
    )
    user = "postgres" if os.geteuid() == 0 else pwd.getpwuid(os.geteuid()).pw_name
    folder = Path(tempfile.mkdtemp(prefix="bench-pg-"))
    data, sockets = folder / "data", folder / "sockets"
    data.mkdir()
    sockets.mkdir()
    if os.geteuid() == 0:
        entry = pwd.getpwnam("postgres")
        for path in (folder, data, sockets):
            os.chown(path, entry.pw_uid, entry.pw_gid)
    subprocess.run(
        _as_postgres([str(binaries / "initdb"), "-D", str(data), "-A", "trust", "-U", user, "--no-sync"]),
        check=True,
        capture_output=True,
    )
    port = free_port()
    options = f"-c listen_addresses=127.0.0.1 -p {port} -k {sockets} -c fsync=off -c max_connections=200"
    subprocess.run(
        _as_postgres(
            [
                str(binaries / "pg_ctl"),
                "-D",
                str(data),
                "-o",
                options,
                "-l",
                str(folder / "log"),
                "-w",
                "start",
            ]
        ),
        check=True,
        capture_output=True,
    )
    try:
        import psycopg

        with psycopg.connect(f"postgresql://{user}@127.0.0.1:{port}/postgres", autocommit=True) as connection:
            connection.execute("CREATE DATABASE media_match")
        yield f"{user}@127.0.0.1:{port}/media_match"
    finally:
        subprocess.run(
            _as_postgres([str(binaries / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]),
            capture_output=True,
        )
        shutil.rmtree(folder, ignore_errors=True)


HMA_CONFIG = """
from OpenMediaMatch.storage.postgres.impl import DefaultOMMStore
from threatexchange.signal_type.pdq.signal import PdqSignal
from threatexchange.content_type.photo import PhotoContent

DATABASE_URI = "postgresql+psycopg2://{db}"
PRODUCTION = True
UI_ENABLED = False
ROLE_HASHER = False
ROLE_MATCHER = {matcher}
ROLE_CURATOR = {curator}
TASK_FETCHER = False
TASK_INDEXER = {indexer}
TASK_INDEX_CACHE = {matcher}
STORAGE_IFACE_INSTANCE = DefaultOMMStore(
    signal_types=[PdqSignal], content_types=[PhotoContent], exchange_types=[]
)
"""


def _gunicorn(
    venv: Path, src: Path, config: Path, port: int, workers: int, log: Path
) -> subprocess.Popen[bytes]:
    env = {**os.environ, "OMM_CONFIG": str(config), "PYTHONPATH": str(src)}
    with log.open("wb") as sink:
        return subprocess.Popen(
            [
                str(venv / "bin" / "gunicorn"),
                "--workers",
                str(workers),
                "--bind",
                f"127.0.0.1:{port}",
                "--timeout",
                "600",
                "OpenMediaMatch.app:create_app()",
            ],
            cwd=src,
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )


@contextlib.contextmanager
def hma_service(
    root: Path, bank: list[str], workers: int, venv: Path, src: Path
) -> Iterator[tuple[Service, Callable[[str], bool]]]:
    """HMA's matcher (``workers`` gunicorn workers) and its cron/curator, the bank loaded and indexed."""
    import psycopg

    with postgres(root) as db:
        configs = {}
        for role, flags in (("cron", (False, True, True)), ("matcher", (True, False, False))):
            path = root / f"omm_{role}.py"
            path.write_text(HMA_CONFIG.format(db=db, matcher=flags[0], curator=flags[1], indexer=flags[2]))
            configs[role] = path
        env = {
            **os.environ,
            "OMM_CONFIG": str(configs["cron"]),
            "PYTHONPATH": str(src),
            "MIGRATION_COMMAND": "1",
        }
        flask = [str(venv / "bin" / "flask"), "--app", "OpenMediaMatch.app"]
        subprocess.run(
            [*flask, "db", "upgrade", "--directory", "OpenMediaMatch/migrations"],
            cwd=src,
            env=env,
            check=True,
            capture_output=True,
        )
        setup: dict[str, float] = {}
        cron_port, port = free_port(), free_port()
        cron = _gunicorn(venv, src, configs["cron"], cron_port, 1, root / "hma-cron.log")
        matcher: subprocess.Popen[bytes] | None = None
        try:
            curator = f"http://127.0.0.1:{cron_port}"
            wait_until(
                lambda: httpx.get(f"{curator}/status").status_code == 200,
                120,
                "HMA cron",
                root / "hma-cron.log",
            )
            httpx.post(f"{curator}/c/banks", json={"name": BANK}).raise_for_status()
            started = time.monotonic()
            with psycopg.connect(f"postgresql://{db}") as connection, connection.cursor() as cursor:
                cursor.execute("SELECT id FROM bank WHERE name = %s", (BANK,))
                bank_id = cursor.fetchone()[0]  # type: ignore[index]
                with cursor.copy("COPY bank_content (id, bank_id, disable_until_ts) FROM STDIN") as copy:
                    for i in range(len(bank)):
                        copy.write_row((i + 1, bank_id, 1))
                with cursor.copy(
                    "COPY content_signal (content_id, signal_type, signal_val) FROM STDIN"
                ) as copy:
                    for i, value in enumerate(bank):
                        copy.write_row((i + 1, "pdq", value))
                cursor.execute("SELECT setval('bank_content_id_seq', %s)", (len(bank),))
            setup["fill_s"] = time.monotonic() - started
            started = time.monotonic()
            subprocess.run(
                [*flask, "build_indices"],
                cwd=src,
                env={**env, "MIGRATION_COMMAND": "0"},
                check=True,
                capture_output=True,
            )
            setup["index_s"] = time.monotonic() - started
            started = time.monotonic()
            matcher = _gunicorn(venv, src, configs["matcher"], port, workers, root / "hma-matcher.log")
            url = f"http://127.0.0.1:{port}"
            probe = {"signal": bank[-1], "signal_type": "pdq"}
            wait_until(
                lambda: httpx.get(f"{url}/status").status_code == 200,
                START_TIMEOUT_S,
                "HMA",
                root / "hma-matcher.log",
            )

            def everywhere() -> bool:
                return all(
                    matched(httpx.get(f"{url}/m/raw_lookup", params=probe, timeout=60)) for _ in range(8)
                )

            wait_until(everywhere, START_TIMEOUT_S, "HMA index", root / "hma-matcher.log")
            setup["start_s"] = time.monotonic() - started
            setup["visible_s"] = setup["fill_s"] + setup["index_s"] + setup["start_s"]

            def add(value: str) -> bool:
                httpx.post(f"{curator}/c/bank/{BANK}/signal", json={"pdq": value}).raise_for_status()
                return True

            yield Service("HMA", url, {}, matcher.pid, setup), add
        finally:
            if matcher is not None:
                stop(matcher)
            stop(cron)


# ---------------------------------------------------------------------------------------------------- load


async def load(
    send: Send, base: Service, requests: int, concurrency: int
) -> tuple[float, list[float], int, int]:
    """``requests`` calls of ``send(connection, i)``, ``concurrency`` at a time, each lane on its own
    keep-alive connection; ``send`` answers (ok, as expected). Answers (seconds, latencies, errors, wrong)."""
    latencies: list[float] = []
    errors = wrong = 0
    counter = iter(range(requests))
    lanes = [Connection(base.url, base.headers) for _ in range(concurrency)]

    async def one_lane(connection: Connection) -> None:
        nonlocal errors, wrong
        for i in counter:
            started = time.perf_counter()
            try:
                ok, expected = await send(connection, i)
            except ClientError:
                ok, expected = False, True
            latencies.append((time.perf_counter() - started) * 1000)
            errors += not ok
            wrong += ok and not expected

    started = time.perf_counter()
    try:
        await asyncio.gather(*(one_lane(lane) for lane in lanes))
    finally:
        for lane in lanes:
            await lane.close()
    return time.perf_counter() - started, latencies, errors, wrong


def cpu_seconds(pids: Sequence[int]) -> float:
    """User and system CPU seconds used so far by ``pids`` (Linux /proc; gone ones count 0)."""
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError, ValueError, IndexError):
            text = Path(f"/proc/{pid}/stat").read_text()
            fields = text[text.rindex(")") + 2 :].split()
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def measure(
    service: Service, test: str, send: Send, requests: int, concurrency: int, per_request: int
) -> Result:
    # A warm-up, not counted: connections, first requests in each worker, and the index's pages read into
    # memory (random lookups touch pages all over a large index; the first test would otherwise pay for it).
    run(lambda: load(send, service, min(requests, max(2 * concurrency, WARM_UP)), concurrency))
    pids = service.pids()
    before, server_before = time.process_time(), cpu_seconds(pids)
    seconds, latencies, errors, wrong = run(lambda: load(send, service, requests, concurrency))
    client_cpu = (time.process_time() - before) / seconds
    server_cpu = cpu_seconds(pids) - server_before
    print(f"  {service.name} {test}: {requests} requests in {seconds:.1f} s", flush=True)
    note = f"client used {client_cpu:.0%} of a core"
    return Result(
        service.name,
        test,
        requests,
        requests * per_request,
        seconds,
        latencies,
        errors,
        wrong,
        note,
        concurrency,
        server_cpu,
    )


def single_v1(queries: list[str], expected: list[bool]) -> Send:
    async def send(client: Connection, i: int) -> tuple[bool, bool]:
        k = i % len(queries)
        answer = await client.post("/v1/lookup", {"hashes": [{"kind": "pdq", "value": queries[k]}]})
        if answer.status_code != 200:
            return False, False
        return True, bool(answer.json()["results"][0]["matches"]) == expected[k]

    return send


def single_raw(queries: list[str], expected: list[bool]) -> Send:
    async def send(client: Connection, i: int) -> tuple[bool, bool]:
        k = i % len(queries)
        answer = await client.get("/m/raw_lookup", {"signal": queries[k], "signal_type": "pdq"})
        if answer.status_code != 200:
            return False, False
        return True, bool(answer.json()["matches"]) == expected[k]

    return send


def batch_v1(queries: list[str], expected: list[bool], size: int) -> Send:
    async def send(client: Connection, i: int) -> tuple[bool, bool]:
        ks = [(i * size + j) % len(queries) for j in range(size)]
        body = {"hashes": [{"kind": "pdq", "value": queries[k]} for k in ks]}
        answer = await client.post("/v1/lookup", body)
        if answer.status_code != 200:
            return False, False
        results = answer.json()["results"]
        return True, all(bool(r["matches"]) == expected[k] for r, k in zip(results, ks, strict=True))

    return send


def visibility(service: Service, add: Callable[[str], bool], seed: int) -> tuple[float, float]:
    """Seconds from adding one new hash through the API until a lookup first matches it, and until eight
    lookups in a row do (so that, in all likelihood, every worker has it)."""
    value = fresh_hash(seed)
    with httpx.Client(base_url=service.url, headers=service.headers, timeout=60) as client:

        def found() -> bool:
            if service.name == "Warden":
                return matched(client.post("/v1/lookup", json={"hashes": [{"kind": "pdq", "value": value}]}))
            return matched(client.get("/m/raw_lookup", params={"signal": value, "signal_type": "pdq"}))

        started = time.monotonic()
        add(value)
        first = time.monotonic() - started + wait_until(found, VISIBLE_TIMEOUT_S, "update visible")
        wait_until(lambda: all(found() for _ in range(8)), VISIBLE_TIMEOUT_S, "update visible everywhere")
        return first, time.monotonic() - started


# ---------------------------------------------------------------------------------------------------- run


def bench(
    name: str,
    start: Callable[[], contextlib.AbstractContextManager[tuple[Service, Callable[[str], bool]]]],
    queries: list[str],
    expected: list[bool],
    args: argparse.Namespace,
) -> tuple[list[Result], dict[str, str]]:
    results: list[Result] = []
    facts: dict[str, str] = {}
    print(f"{name}: starting and loading {args.size:,} hashes", flush=True)
    with start() as (service, add):
        facts["bank loaded and matched (s)"] = f"{service.setup['visible_s']:.1f}"
        facts["memory per worker, idle, PSS/Private_Dirty MiB"] = worker_memory(service, args.workers)
        singles = [("single, GET /m/raw_lookup", single_raw(queries, expected))]
        if name == "Warden":
            singles.insert(0, ("single, POST /v1/lookup", single_v1(queries, expected)))
        for in_flight in (args.concurrency, args.light):
            for test, send in singles:
                results.append(measure(service, test, send, args.requests, in_flight, 1))
        if name == "Warden":
            results.append(
                measure(
                    service,
                    f"batch of {args.batch}, POST /v1/lookup",
                    batch_v1(queries, expected, args.batch),
                    args.batches,
                    min(args.concurrency, 4),
                    args.batch,
                )
            )
        else:
            results.append(Result(name, f"batch of {args.batch}", note="no batch lookup of hashes in HMA"))
        facts["memory per worker, after load, PSS/Private_Dirty MiB"] = worker_memory(service, args.workers)
        first, everywhere = visibility(service, add, seed=99)
        facts["one added entry: first matched after (s)"] = f"{first:.2f}"
        facts["one added entry: matched 8 times in a row after (s)"] = f"{everywhere:.2f}"
    return results, facts


def table(rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    out = io.StringIO()
    for n, row in enumerate(rows):
        out.write(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() + "\n"
        )
        if n == 0:
            out.write("  ".join("-" * width for width in widths) + "\n")
    return out.getvalue()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--size", type=int, default=1_000_000, help="PDQ hashes in the bank")
    parser.add_argument("--workers", type=int, default=2, help="worker processes of each service")
    parser.add_argument("--concurrency", type=int, default=16, help="requests in flight (throughput)")
    parser.add_argument("--light", type=int, default=2, help="requests in flight (latency at light load)")
    parser.add_argument("--requests", type=int, default=4000, help="single lookups per test")
    parser.add_argument("--batch", type=int, default=1000, help="hashes per batch lookup")
    parser.add_argument("--batches", type=int, default=20, help="batch lookups")
    parser.add_argument("--hma-venv", type=Path, default=Path("/tmp/hma-venv"))
    parser.add_argument("--hma-src", type=Path, default=HMA_SRC, help="HMA's src folder (OpenMediaMatch)")
    parser.add_argument("--no-hma", action="store_true", help="Warden only")
    parser.add_argument("--quick", action="store_true", help="100,000 hashes, fewer requests")
    args = parser.parse_args(argv)
    if args.quick:
        args.size, args.requests, args.batches = (
            min(args.size, 100_000),
            min(args.requests, 1000),
            min(args.batches, 5),
        )
    bank, queries, expected = make_data(args.size, 2000)
    results: list[Result] = []
    facts: dict[str, dict[str, str]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-serve-") as folder:
        root = Path(folder)
        (root / "warden").mkdir()
        found, facts["Warden"] = bench(
            "Warden", lambda: warden_service(root / "warden", bank, args.workers), queries, expected, args
        )
        results += found
        hma_ready = (args.hma_venv / "bin" / "gunicorn").exists() and (
            args.hma_src / "OpenMediaMatch"
        ).is_dir()
        if args.no_hma:
            pass
        elif not hma_ready:
            print(
                f"HMA skipped: no {args.hma_venv}/bin/gunicorn or {args.hma_src}/OpenMediaMatch "
                "(see benchmarks/README.md)"
            )
        else:
            (root / "hma").mkdir()
            found, facts["HMA"] = bench(
                "HMA",
                lambda: hma_service(root / "hma", bank, args.workers, args.hma_venv, args.hma_src),
                queries,
                expected,
                args,
            )
            results += found
    load_avg = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print()
    print(
        f"{args.size:,} PDQ hashes, {args.workers} workers each, {os.cpu_count()} cores, load average now "
        f"{load_avg}; queries half planted near-duplicates (0-16 bits), half fresh; server CPU: every "
        "process of the service (HMA's PostgreSQL included), user + system"
    )
    print(table([list(Result.HEAD), *(r.row() for r in results)]))
    names = list(facts)
    keys = list(dict.fromkeys(k for f in facts.values() for k in f))
    print(table([["", *names], *([k, *(facts[n].get(k, "-") for n in names)] for k in keys)]))
    return 1 if any(r.errors or r.wrong for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
