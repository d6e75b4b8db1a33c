"""Private membership (`warden psi`): building a list, evaluating blinded hashes, a batch end to end on the
wire, and the filter; beside the same batch looked up in clear through `warden serve` (the price of
privacy) and the same OPRF evaluated by libsodium (``rbcl``, ``psi_sodium.py``).

1. **Tags built per second.** ``build_list`` (the tag worker processes, one per core unless ``--workers``) on
   N synthetic exact hashes (``--size``, 10M by default; MD5, SHA-1, SHA-256 and PDQ in turn, seeded), into a
   filter and manifest; the filter's bytes per listed hash from its file size.
2. **The filter.** None of 10,000 listed hashes missed (their tags computed again from the key), and its
   false matches over 1,000,000 random tags beside the rate it expects.
3. **Evaluations per second, server side.** ``ServerKey.evaluate_blinded`` (what ``POST /v1/psi/evaluate``
   runs) on batches of 1,000 blinded elements on one core, beside the same batch with its proof computed on
   libsodium (checked first to verify and finalise to the same tags with ``voprf``'s client).
4. **A 1,000-hash batch end to end.** ``warden hashset import`` of a set of ``--served`` SHA-256 hashes,
   ``warden psi serve`` on a free loopback port (it builds the list), a key with the ``psi`` scope, then
   ``PsiClient.query`` of 1,000 hashes (half listed) through a byte-counting relay: the median of
   ``--repeats`` queries after the manifest and filter are fetched, and the bytes each way per hash, HTTP
   headers included. The service's log is then searched for the hashes queried (there must be none).
5. **The price of privacy.** ``warden serve --roles matcher,curator`` with the same hashes in a bank, and the
   same 1,000 hashes in one ``POST /v1/lookup`` through the same relay.

Everything runs on loopback and stops by itself (every command has a time limit). On a shared 2-core machine
the client, the relay and the service take the same cores: the figures are a floor; the load average before
and after is printed.

    python benchmarks/bench_psi.py [--size 10000000] [--served 100000] [--repeats 7] [--workers N] [--quick]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import httpx
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import psi_sodium
from bench_serve import free_port, stop, wait_until
from psi_relay import CountingRelay
from warden.model.categories import Category
from warden.psi.build import PsiEntry, build_list
from warden.psi.client import PsiClient
from warden.psi.inputs import oprf_input
from warden.psi.manifest import FILTER_NAME
from warden.psi.suite import ServerKey
from warden.psi.tag_filter import TagFilter

BATCH = 1000
KINDS = ("md5", "sha1", "sha256", "pdq")
WIDTHS = {"md5": 16, "sha1": 20, "sha256": 32, "pdq": 32}
START_TIMEOUT_S = 900.0
"""`warden psi serve` builds the list before it listens; `warden serve` fills its bank after."""
TARGETS = {"evaluations_per_s": 8000.0, "batch_s": 1.0, "bytes_per_item": 100.0, "build_s": 900.0}


def synthetic(size: int, seed: int, kinds: Sequence[str] = KINDS) -> Iterator[PsiEntry]:
    """``size`` random exact hashes, the kinds in turn, categories A, B, C in turn; the same for a seed."""
    rng = np.random.default_rng(seed)
    categories = (Category.A, Category.B, Category.C)
    block = 100_000
    for start in range(0, size, block):
        rows = rng.integers(0, 256, size=(min(block, size - start), 32), dtype=np.uint8)
        for offset, row in enumerate(rows):
            number = start + offset
            kind = kinds[number % len(kinds)]
            yield kind, row[: WIDTHS[kind]].tobytes().hex(), categories[number % 3]


def build_rate(size: int, workers: int | None, folder: Path) -> dict[str, Any]:
    """Build a list of ``size`` synthetic hashes; its seconds, tags per second and filter figures."""
    key = ServerKey.generate()
    started = time.monotonic()
    manifest = build_list(synthetic(size, seed=16), key, folder, workers, hash_set="bench")
    seconds = time.monotonic() - started
    tag_filter = TagFilter.open(folder / FILTER_NAME)
    listed = list(synthetic(min(size, 10_000), seed=16))
    tags = [key.tag(oprf_input(kind, value)) for kind, value, _ in listed]
    found = tag_filter.lookup_many(tags)
    misses = sum(category is None for category in found)
    wrong = sum(got != want.value for got, (_, _, want) in zip(found, listed, strict=True) if got)
    random_tags = np.random.default_rng(17).integers(0, 256, size=(1_000_000, 64), dtype=np.uint8)
    false = sum(category is not None for category in tag_filter.lookup_many(random_tags))
    return {
        "size": manifest.total,
        "workers": workers or os.cpu_count() or 1,
        "seconds": seconds,
        "tags_per_s": manifest.total / seconds,
        "filter_bytes": manifest.filter_size,
        "filter_bytes_per_item": manifest.filter_size / manifest.total,
        "misses": misses,
        "wrong_category": wrong,
        "checked": len(listed),
        "false_matches": false,
        "expected_false_rate": tag_filter.expected_false_match_rate,
    }


def blinded_batch(count: int) -> bytes:
    """``count`` blinded elements as a client sends them."""
    from voprf import ristretto

    return b"".join(ristretto.Client.blind(os.urandom(33))[1].serialize() for _ in range(count))


def evaluation_rates(repeats: int) -> dict[str, float]:
    """Evaluations per second on one core: ``voprf`` through ``ServerKey.evaluate_blinded``, and libsodium;
    the libsodium answer checked to verify and finalise with ``voprf``'s client first."""
    from voprf import ristretto

    key = ServerKey.generate()
    scalar = psi_sodium.derive_key(key.seed, key.info)
    inputs = [os.urandom(33) for _ in range(BATCH)]
    blinded = [ristretto.Client.blind(data) for data in inputs]
    body = b"".join(element.serialize() for _, element in blinded)
    answer = psi_sodium.blind_evaluate_batch(scalar, [body[i : i + 32] for i in range(0, len(body), 32)])
    tags = ristretto.Client.finalize_batch(
        [client for client, _ in blinded],
        ristretto.VerifiableBatchOutput.deserialize(answer),
        ristretto.PublicKey.deserialize(key.public_key()),
    )
    if tags != [key.tag(data) for data in inputs]:
        raise RuntimeError("libsodium's evaluation does not finalise to voprf's tags")
    voprf_s, sodium_s = [], []
    for _ in range(repeats):
        started = time.perf_counter()
        key.evaluate_blinded(body)
        voprf_s.append(time.perf_counter() - started)
        started = time.perf_counter()
        psi_sodium.blind_evaluate_batch(scalar, [body[i : i + 32] for i in range(0, len(body), 32)])
        sodium_s.append(time.perf_counter() - started)
    return {"voprf": BATCH / statistics.median(voprf_s), "libsodium": BATCH / statistics.median(sodium_s)}


def served_hashes(served: int) -> tuple[list[str], list[str]]:
    """The served set's SHA-256 hashes and a query of 1,000: half of them listed, half not."""
    rng = np.random.default_rng(18)
    listed = [row.tobytes().hex() for row in rng.integers(0, 256, size=(served, 32), dtype=np.uint8)]
    fresh = [row.tobytes().hex() for row in rng.integers(0, 256, size=(BATCH // 2, 32), dtype=np.uint8)]
    step = max(1, served // (BATCH // 2))
    return listed, [*listed[::step][: BATCH // 2], *fresh]


def _environment(root: Path) -> dict[str, str]:
    return {
        **os.environ,
        "WARDEN_HOME": str(root / "home"),
        "WARDEN_KEY_FILE": str(root / "keys" / "hashsets.key"),
        "WARDEN_SERVE_SPOOL": str(root / "spool"),
        "WARDEN_SERVE_DB": "",
        "WARDEN_SERVE_MAX_UPLOAD_BYTES": "2000000000",
    }


def _warden(env: dict[str, str], *args: str, timeout: float = START_TIMEOUT_S) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "warden.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if done.returncode:
        raise RuntimeError(f"warden {' '.join(args)}: exit {done.returncode}\n{done.stdout}\n{done.stderr}")
    return done.stdout


def _api_key(env: dict[str, str], scope: str) -> str:
    made = _warden(
        env, "apikey", "create", f"bench-{scope}", "--scope", scope, "--rate", "1000000000", timeout=60
    )
    key = re.search(r"wdn_\S+", made)
    if key is None:
        raise RuntimeError(f"no key in: {made}")
    return key.group(0)


@contextlib.contextmanager
def running(env: dict[str, str], args: Sequence[str], log: Path) -> Iterator[str]:
    """A `warden` service started with ``args`` on a free port; yields its URL once /status answers 200."""
    port = free_port()
    with log.open("ab") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "warden.cli", *args, "--port", str(port)],
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: httpx.get(f"{url}/status").status_code == 200, START_TIMEOUT_S, "start", log)
        yield url
    finally:
        stop(process)


def private_batch(root: Path, listed: list[str], query: list[str], repeats: int) -> dict[str, Any]:
    """The 1,000-hash query through `warden psi serve`: seconds, bytes, answers, and the log searched."""
    root.mkdir(parents=True, exist_ok=True)
    env = _environment(root)
    csv = root / "served.csv"
    with csv.open("w") as out:
        out.write("md5,sha1,sha256,pdq,category,source_id\n")
        out.writelines(f",,{value},,C,s{i}\n" for i, value in enumerate(listed))
    _warden(env, "hashset", "import", str(csv), "--name", "bench")
    log = root / "psi.log"
    started = time.monotonic()
    with running(env, ["psi", "serve", "bench"], log) as url, CountingRelay(url) as relay:
        ready = time.monotonic() - started
        token = _api_key(env, "psi")
        client = PsiClient(relay.url, token)
        asked = [("sha256", value) for value in query]
        client.query(asked[:1])  # manifest and filter fetched and cached, connection open
        seconds, sent, received = [], 0, 0
        answers: list[Any] = []
        for _ in range(repeats):
            relay.reset()
            began = time.perf_counter()
            answers = client.query(asked)
            seconds.append(time.perf_counter() - began)
            sent, received = relay.sent, relay.received
        text = log.read_text(errors="replace")
    listed_set = set(listed)
    wrong = sum(
        bool(answer.listed) != (value in listed_set)
        for answer, (_, value) in zip(answers, asked, strict=True)
    )
    return {
        "ready_s": ready,
        "batch_s": statistics.median(seconds),
        "batch_best_s": min(seconds),
        "sent": sent,
        "received": received,
        "bytes_per_item": (sent + received) / len(asked),
        "wrong": wrong,
        "hashes_in_log": sum(value in text for value in query),
    }


def clear_batch(root: Path, listed: list[str], query: list[str], repeats: int) -> dict[str, Any]:
    """The same 1,000 hashes through `warden serve`'s ``POST /v1/lookup``: seconds, bytes, answers."""
    root.mkdir(parents=True, exist_ok=True)
    env = _environment(root)
    log = root / "serve.log"
    with running(env, ["serve", "--roles", "matcher,curator"], log) as url, CountingRelay(url) as relay:
        headers = {"Authorization": f"Bearer {_api_key(env, 'admin')}"}
        csv = root / "bank.csv"
        with csv.open("w") as out:
            out.write("md5,sha1,sha256,pdq,category,source_id\n")
            out.writelines(f",,{value},,C,b{i}\n" for i, value in enumerate(listed))
        with httpx.Client(base_url=url, headers=headers, timeout=START_TIMEOUT_S) as admin:
            admin.post("/v1/banks", json={"name": "BENCH_PSI"}).raise_for_status()
            with csv.open("rb") as body:
                admin.post("/v1/banks/BENCH_PSI/list", files={"file": ("bank.csv", body)}).raise_for_status()
        probe = {"hashes": [{"kind": "sha256", "value": query[0]}]}
        payload = {"hashes": [{"kind": "sha256", "value": value} for value in query]}
        seconds, sent, received = [], 0, 0
        with httpx.Client(base_url=relay.url, headers=headers, timeout=60) as client:

            def everywhere() -> bool:  # every worker has the bank
                return all(
                    client.post("/v1/lookup", json=probe).json()["results"][0]["matches"] for _ in range(8)
                )

            wait_until(everywhere, START_TIMEOUT_S, "bank loaded", log)
            answer: dict[str, Any] = {}
            for _ in range(repeats):
                relay.reset()
                began = time.perf_counter()
                response = client.post("/v1/lookup", json=payload)
                response.raise_for_status()
                answer = response.json()
                seconds.append(time.perf_counter() - began)
                sent, received = relay.sent, relay.received
    listed_set = set(listed)
    found = [bool(result["matches"]) for result in answer["results"]]
    wrong = sum(hit != (value in listed_set) for hit, value in zip(found, query, strict=True))
    return {
        "batch_s": statistics.median(seconds),
        "batch_best_s": min(seconds),
        "sent": sent,
        "received": received,
        "bytes_per_item": (sent + received) / len(query),
        "wrong": wrong,
    }


def report(
    build: dict[str, Any], rates: dict[str, float], private: dict[str, Any], clear: dict[str, Any]
) -> str:
    """The figures side by side, each with its target where the issue sets one."""

    def mark(ok: bool) -> str:
        return "meets target" if ok else "MISSES target"

    build_ok = mark(build["seconds"] * 10_000_000 / build["size"] <= TARGETS["build_s"])
    rate_ok = mark(rates["voprf"] >= TARGETS["evaluations_per_s"])
    batch_ok = mark(private["batch_s"] <= TARGETS["batch_s"])
    bytes_ok = mark(private["bytes_per_item"] <= TARGETS["bytes_per_item"])
    lines = [
        f"tags built: {build['size']:,} in {build['seconds']:.0f} s with {build['workers']} tag workers,"
        f" {build['tags_per_s']:,.0f} tags/s ({build_ok}: 10M within 15 minutes)",
        f"filter: {build['filter_bytes']:,} bytes, {build['filter_bytes_per_item']:.2f} bytes per item;"
        f" {build['misses']} of {build['checked']:,} listed hashes missed,"
        f" {build['wrong_category']} wrong category;"
        f" {build['false_matches']} false matches in 1,000,000 random tags (expected rate"
        f" {build['expected_false_rate']:.2e}, {build['expected_false_rate'] * 1e6:.4f} expected)",
        "",
        f"{'':52} {'warden psi (private)':>22} {'in clear / libsodium':>22}",
        f"{'evaluations per second, one core, batches of 1,000':52} {rates['voprf']:>22,.0f}"
        f" {rates['libsodium']:>22,.0f}   (libsodium: rbcl) {rate_ok}",
        f"{'1,000-hash batch end to end, median s':52} {private['batch_s']:>22.3f} {clear['batch_s']:>22.3f}"
        f"   (clear: POST /v1/lookup) {batch_ok}",
        f"{'  best of the repeats, s':52} {private['batch_best_s']:>22.3f} {clear['batch_best_s']:>22.3f}",
        f"{'bytes on the wire per hash (headers included)':52} {private['bytes_per_item']:>22.1f}"
        f" {clear['bytes_per_item']:>22.1f}   {bytes_ok}",
        f"{'  sent / received per batch':52} {private['sent']:>10,} / {private['received']:<9,}"
        f" {clear['sent']:>10,} / {clear['received']:<9,}",
        f"{'wrong answers (of 1,000: 500 listed)':52} {private['wrong']:>22} {clear['wrong']:>22}",
        f"psi service ready (list built, listening) in {private['ready_s']:.1f} s;"
        f" hashes queried found in its log: {private['hashes_in_log']}",
    ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Run every measurement and print the figures; returns 1 if an answer was wrong or a hash was logged."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=10_000_000, help="hashes in the built list (10M)")
    parser.add_argument("--served", type=int, default=100_000, help="hashes in the served set (100,000)")
    parser.add_argument("--repeats", type=int, default=7, help="timed batches each way (7)")
    parser.add_argument("--workers", type=int, default=None, help="tag workers (one per core)")
    parser.add_argument("--quick", action="store_true", help="100,000 hashes built, 10,000 served")
    args = parser.parse_args(argv)
    if args.quick:
        args.size, args.served = min(args.size, 100_000), min(args.served, 10_000)
    print(f"{os.cpu_count()} cores; load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    with tempfile.TemporaryDirectory(prefix="bench-psi-") as temp:
        root = Path(temp)
        build = build_rate(args.size, args.workers, root / "built")
        rates = evaluation_rates(args.repeats)
        listed, query = served_hashes(args.served)
        private = private_batch(root / "private", listed, query, args.repeats)
        clear = clear_batch(root / "clear", listed, query, args.repeats)
    print(report(build, rates, private, clear))
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    bad = build["misses"] or build["wrong_category"] or private["wrong"] or clear["wrong"]
    return 1 if bad or private["hashes_in_log"] else 0


if __name__ == "__main__":
    sys.exit(main())
