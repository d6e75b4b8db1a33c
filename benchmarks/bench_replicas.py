"""How fast a bank's new index reaches another replica of `warden serve` through the service database.

Replicas on several machines share one PostgreSQL service database; a merged index is published in it and
copied by every other replica (docs/serve.md, "Replicas"). This measures, on one machine with a PostgreSQL
server started here: the merge of a bank of N random PDQ hashes (1M by default) on a SQLite service (nothing
published) beside the same merge on PostgreSQL (published too), and the copy onto a second replica's empty
disk (fetched chunk by chunk, SHA-256 checked, put in place) beside ``cp -a`` of the same folders (the floor:
moving the bytes with nothing in between). Nothing is asserted; the figures go in docs/scale.md.

    python benchmarks/bench_replicas.py [--size 1000000]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_serve import make_data, postgres
from warden.hashsets.model import Entry
from warden.hashsets.sealed import load_key
from warden.hashsets.store import HashSetStore
from warden.model.categories import Category
from warden.serve.banks import Banks
from warden.servicedb.database import open_service_db


def _banks(root: Path, url: str, key: Path) -> Banks:
    return Banks(open_service_db(url), HashSetStore(root / "home", key), root / "bank-rows")


def _bytes(banks: Banks, base: str) -> int:
    folders = (banks.store.folder(base), banks.rows_folder(base))
    return sum(p.stat().st_size for folder in folders for p in folder.rglob("*") if p.is_file())


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1_000_000)
    args = parser.parse_args(argv)
    hashes, _queries, _expected = make_data(args.size, 2)
    entries = [Entry(pdq=value, category=Category.C, source_id=f"c{row}") for row, value in enumerate(hashes)]
    root = Path(tempfile.mkdtemp(prefix="bench-replicas-"))
    try:
        key = root / "keys" / "store.key"
        load_key(key, create=True)
        rows: list[tuple[str, str, str]] = []

        local = _banks(root / "sqlite", f"sqlite:///{root / 'service.db'}", key)
        local.create("BENCH")
        started = time.perf_counter()
        local.merge("BENCH", extra=entries, wait=True)
        merged_local = time.perf_counter() - started

        with postgres(root / "pg") as db:
            url = f"postgresql+psycopg://{db}"
            first = _banks(root / "first", url, key)
            first.create("BENCH")
            started = time.perf_counter()
            first.merge("BENCH", extra=entries, wait=True)
            merged_shared = time.perf_counter() - started
            base = first.get("BENCH").base or ""
            size = _bytes(first, base)
            mb = size / 1e6

            second = _banks(root / "second", url, key)
            started = time.perf_counter()
            second.local(base)
            copied = time.perf_counter() - started
            assert second.store.has(base) and _bytes(second, base) == size

            target = root / "cp"
            target.mkdir()
            started = time.perf_counter()
            for folder in (first.store.folder(base), first.rows_folder(base)):
                subprocess.run(["cp", "-a", str(folder), str(target / folder.parent.name)], check=True)
            floor = time.perf_counter() - started

        rows.append(("merge, SQLite service (not published)", f"{merged_local:.2f} s", ""))
        rows.append(
            (
                "merge, PostgreSQL service (published)",
                f"{merged_shared:.2f} s",
                f"publishing: +{merged_shared - merged_local:.2f} s",
            )
        )
        rows.append(("copy onto a second replica (Warden)", f"{copied:.2f} s", f"{mb / copied:.0f} MB/s"))
        rows.append(("cp -a of the same files (floor)", f"{floor:.2f} s", f"{mb / floor:.0f} MB/s"))
        print(
            f"bank of {args.size:,} PDQ hashes: index and row names {mb:.1f} MB "
            f"({size / args.size:.1f} B/hash)"
        )
        for what, seconds, note in rows:
            print(f"  {what:<42} {seconds:>9}  {note}")
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
