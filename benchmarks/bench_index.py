"""PDQ range search: Warden's index side by side with FAISS IndexBinaryFlat and IndexBinaryMultiHash.

Random uniform 256-bit hashes, plus near neighbours of every query planted at fixed distances (some inside
the threshold, some just outside it, which must not come back). Ground truth is brute force. Every engine
runs on one thread. FAISS indexes are written to disk and read back, as HMA loads a serialised index;
IndexBinaryMultiHash is set up as HMA's PDQMultiHashIndex does (16 tables of 16 bits, nflip = 31 // 16).

    python benchmarks/bench_index.py [--sizes 1000000,10000000] [--queries 200]
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import gc
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from warden.index import PdqIndex, build_index, open_index
from warden.index.reference import range_search

PLANTED_DISTANCES = (0, 1, 4, 8, 16, 24, 28, 30, 31, 32, 33, 36, 40)
Pairs = set[tuple[int, int]]


@dataclass
class Row:
    """One engine's line of the table."""

    engine: str
    build_s: float
    open_s: float
    query_us: float
    queries: int
    recall: float
    extra: int
    index_bytes_per_hash: float
    rss_bytes_per_hash: float


def rss_bytes() -> int:
    """Resident memory of this process now (Linux), 0 where it cannot be read.

    Freed heap is handed back to the system first, so one engine's garbage is not counted as the next one's
    baseline (FAISS frees through malloc, which otherwise keeps the pages).
    """
    gc.collect()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def make_data(size: int, queries: int, seed: int) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """Random hashes with each query's planted neighbours written over random positions."""
    rng = np.random.default_rng(seed)
    database = rng.integers(0, 256, size=(size, 32), dtype=np.uint8)
    query_hashes = rng.integers(0, 256, size=(queries, 32), dtype=np.uint8)
    planted = []
    for query in query_hashes:
        bits = np.unpackbits(query)
        for distance in PLANTED_DISTANCES:
            flipped = bits.copy()
            flipped[rng.choice(256, size=distance, replace=False)] ^= 1
            planted.append(np.packbits(flipped))
    spots = rng.choice(size, size=len(planted), replace=False)
    database[spots] = np.array(planted)
    return database, query_hashes


def ground_truth(
    faiss: Any, database: np.ndarray[Any, Any], queries: np.ndarray[Any, Any], threshold: int
) -> Pairs:
    """Brute force with FAISS's exhaustive index on every core, cross-checked with numpy on a few queries."""
    faiss.omp_set_num_threads(os.cpu_count() or 1)
    flat = faiss.IndexBinaryFlat(256)
    flat.add(database)
    limits, _, labels = flat.range_search(queries, threshold + 1)
    truth = {(q, int(p)) for q in range(len(queries)) for p in labels[limits[q] : limits[q + 1]]}
    for q in range(min(3, len(queries))):
        positions, _ = range_search(database, queries[q], threshold)
        assert {(q, int(p)) for p in positions} == {pair for pair in truth if pair[0] == q}, (
            "brute forces disagree"
        )
    faiss.omp_set_num_threads(1)
    return truth


def timed_queries(
    search: Callable[[np.ndarray[Any, Any]], Sequence[int]], queries: np.ndarray[Any, Any]
) -> tuple[float, Pairs]:
    """Mean µs per query, one query per call, and the (query, position) pairs found."""
    found: Pairs = set()
    start = time.perf_counter()
    results = [search(queries[q]) for q in range(len(queries))]
    elapsed = time.perf_counter() - start
    for q, positions in enumerate(results):
        found.update((q, int(p)) for p in positions)
    return elapsed / max(1, len(queries)) * 1e6, found


def score(found: Pairs, truth: Pairs, queries: int) -> tuple[float, int]:
    """Recall against the truth restricted to the queries run, and how many returned pairs are not true."""
    expected = {pair for pair in truth if pair[0] < queries}
    recall = len(found & expected) / len(expected) if expected else 1.0
    return recall, len(found - expected)


def folder_bytes(path: Path) -> int:
    """Total size of the files of a folder (or of one file)."""
    if path.is_file():
        return path.stat().st_size
    return sum(item.stat().st_size for item in path.iterdir() if item.is_file())


def run_warden(
    database: np.ndarray[Any, Any], queries: np.ndarray[Any, Any], threshold: int, truth: Pairs, tmp: Path
) -> list[Row]:
    """Build the index on disk once; open it preloaded (the default) and lazily; query one hash at a time."""
    folder = tmp / "warden-index"
    start = time.perf_counter()
    # The hashes' own row numbers are their positions here, so no row map is needed to score them.
    build_index(folder, pdq=database)
    build_s = time.perf_counter() - start
    rows = []
    for preload in (True, False):
        before = rss_bytes()
        start = time.perf_counter()
        index = open_index(folder, preload=preload)
        open_s = time.perf_counter() - start
        pdq = index.pdq

        def search(query: np.ndarray[Any, Any], pdq: PdqIndex = pdq) -> list[int]:
            return [row for row, _ in pdq.query(query.tobytes(), threshold)]

        query_us, found = timed_queries(search, queries)
        rss = rss_bytes() - before
        recall, extra = score(found, truth, len(queries))
        layout = pdq.layout
        how = "preloaded" if preload else "lazy"
        name = f"Warden ({layout.chunks} x {layout.chunk_bits}-bit tables, mmap {how})"
        size = len(database)
        rows.append(
            Row(
                name,
                build_s,
                open_s,
                query_us,
                len(queries),
                recall,
                extra,
                folder_bytes(folder) / size,
                rss / size,
            )
        )
        del index, pdq, search
    shutil.rmtree(folder)
    return rows


def run_faiss(
    faiss: Any,
    engine: str,
    make: Callable[[], Any],
    prepare: Callable[[Any], None],
    database: np.ndarray[Any, Any],
    queries: np.ndarray[Any, Any],
    threshold: int,
    truth: Pairs,
    tmp: Path,
) -> Row:
    """Build, write to disk, read back (timed as the open), query one hash at a time on one thread."""
    path = tmp / "faiss.index"
    start = time.perf_counter()
    built = make()
    built.add(database)
    build_s = time.perf_counter() - start
    faiss.write_index_binary(built, str(path))
    del built
    gc.collect()
    before = rss_bytes()
    start = time.perf_counter()
    index = faiss.read_index_binary(str(path))
    open_s = time.perf_counter() - start
    prepare(index)

    def search(query: np.ndarray[Any, Any]) -> Any:
        # FAISS's binary range search returns distances strictly below the radius.
        limits, _, labels = index.range_search(query.reshape(1, -1), threshold + 1)
        return labels[limits[0] : limits[1]]

    query_us, found = timed_queries(search, queries)
    rss = rss_bytes() - before
    recall, extra = score(found, truth, len(queries))
    size = len(database)
    row = Row(
        engine, build_s, open_s, query_us, len(queries), recall, extra, path.stat().st_size / size, rss / size
    )
    path.unlink()
    gc.collect()
    return row


def print_table(size: int, queries: int, threshold: int, truth: Pairs, rows: list[Row]) -> None:
    """One table for one database size, with the speed-up against IndexBinaryMultiHash."""
    planted = len(PLANTED_DISTANCES) * queries
    print()
    print(
        f"PDQ range search: {size:,} random hashes ({planted:,} of them planted near the queries at "
        f"distances {', '.join(map(str, PLANTED_DISTANCES))}), threshold {threshold}, 1 thread; "
        f"{len(truth):,} true matches"
    )
    header = (
        f"{'engine':<56} {'build s':>8} {'open s':>8} {'query µs':>10} {'queries':>8} {'recall':>8} "
        f"{'extra':>6} {'index B/hash':>13} {'RSS B/hash':>11}"
    )
    print(header)
    print("-" * len(header))
    for row in rows:
        print(
            f"{row.engine:<56} {row.build_s:>8.2f} {row.open_s:>8.3f} {row.query_us:>10.1f} "
            f"{row.queries:>8} {row.recall:>8.2%} {row.extra:>6} {row.index_bytes_per_hash:>13.1f} "
            f"{row.rss_bytes_per_hash:>11.1f}"
        )
    warden, lazy, multi = rows[0], rows[1], rows[-1]
    print(
        f"Warden per query: {multi.query_us / warden.query_us:.1f}x faster than IndexBinaryMultiHash "
        f"preloaded, {multi.query_us / lazy.query_us:.1f}x lazily mapped; open {warden.open_s:.3f} s "
        f"(lazy {lazy.open_s:.3f} s) vs {multi.open_s:.2f} s to read the FAISS index."
    )
    print(
        "Notes: the index files were just written, so opening reads them from the page cache; 'extra' counts "
        "hashes returned beyond the threshold (must be 0); RSS is the growth from opening to the last query."
    )


def bench_size(
    faiss: Any, size: int, queries: int, flat_queries: int, threshold: int, seed: int, tmp: Path
) -> None:
    """Generate one database and print its table."""
    database, query_hashes = make_data(size, queries, seed)
    truth = ground_truth(faiss, database, query_hashes, threshold)
    rows = run_warden(database, query_hashes, threshold, truth, tmp)
    flat_count = min(queries, flat_queries)
    rows.append(
        run_faiss(
            faiss,
            "FAISS IndexBinaryFlat" + ("" if flat_count == queries else f" (first {flat_count} queries)"),
            lambda: faiss.IndexBinaryFlat(256),
            lambda index: None,
            database,
            query_hashes[:flat_count],
            threshold,
            truth,
            tmp,
        )
    )

    def hma_nflip(index: Any) -> None:
        faiss.downcast_IndexBinary(index).nflip = threshold // 16

    rows.append(
        run_faiss(
            faiss,
            f"FAISS IndexBinaryMultiHash(16 x 16, nflip={threshold // 16})",
            lambda: faiss.IndexBinaryMultiHash(256, 16, 16),
            hma_nflip,
            database,
            query_hashes,
            threshold,
            truth,
            tmp,
        )
    )
    print_table(size, queries, threshold, truth, rows)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; returns the process exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--sizes", default="1000000,10000000", help="comma-separated database sizes")
    parser.add_argument("--queries", type=int, default=200, help="queries per size")
    parser.add_argument("--flat-queries", type=int, default=20, help="queries for the slow exhaustive index")
    parser.add_argument("--threshold", type=int, default=31)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument(
        "--tmp", type=Path, default=None, help="folder for the indexes (default: system temp)"
    )
    args = parser.parse_args(argv)
    try:
        import faiss
    except ImportError:
        print("This benchmark compares against FAISS: pip install 'warden[bench]'")
        return 2
    faiss.omp_set_num_threads(1)
    sizes = [int(size) for size in args.sizes.split(",") if size]
    tmp = Path(tempfile.mkdtemp(prefix="warden-bench-", dir=args.tmp))
    try:
        for size in sizes:
            bench_size(faiss, size, args.queries, args.flat_queries, args.threshold, args.seed, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
