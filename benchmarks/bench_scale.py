"""Scan throughput on one machine and on a Ray cluster of 1 and 2 nodes, in one run, of the same evidence.

    python benchmarks/bench_scale.py [--photos N] [--zipped Z] [--timeout S]

Builds a folder of N benign photos from ../shared/media (each re-saved, so every file is distinct), Z more
inside a zip, and a made-up hash set listing some of them (categories A, B, C), then times, one after the
other on the same machine, each into a fresh case:

- ``warden scan`` at its default workers (this machine's own processes);
- ``warden scan --ray ADDRESS`` against a ``ray.cluster_utils.Cluster`` of 1 node (``num_cpus`` = the
  machine's cores);
- the same against a cluster of 2 nodes (``num_cpus`` = half the cores each);
- the same again with the zip made a work unit (``WARDEN_RAY_UNIT_BYTES=1``: opened, spooled and hashed on a
  node instead of by the driver).

It prints files/s and MB/s side by side, and per core, and checks that the four ``report.json`` files are
the same once the run's own values are masked (``scripts/compare_reports.py``). Loopback only: the clusters
are local, and every scan has a time limit (``--timeout``).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import importlib.util
import io
import json
import os
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
MEDIA = ROOT.parent / "shared" / "media"


def build(folder: Path, photos: int, zipped: int) -> tuple[Path, Path, int, int]:
    """The evidence folder, the hash set, the number of files (zip members counted, the zip not) and bytes."""
    evidence = folder / "evidence"
    sources = sorted((MEDIA / "photos").glob("*.jpg"))
    rows: list[dict[str, str]] = []
    total = 0
    members: list[tuple[str, bytes]] = []
    for index in range(photos + zipped):
        source = sources[index % len(sources)]
        buffer = io.BytesIO()
        Image.open(source).convert("RGB").save(buffer, "JPEG", quality=90 - index // len(sources))
        data = buffer.getvalue()
        name = f"IMG_{index:04d}.jpg"
        if index < photos:
            target = evidence / f"DCIM{index % 5}" / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        else:
            members.append((f"holiday/{name}", data))
        total += len(data)
        if index % 10 == 0:  # one file in ten is listed, with a made-up category
            rows.append(
                {
                    "md5": hashlib.md5(data).hexdigest(),
                    "sha1": hashlib.sha1(data).hexdigest(),
                    "sha256": hashlib.sha256(data).hexdigest(),
                    "pdq": "",
                    "category": "ABC"[index % 3],
                    "source_id": f"BENCH-{index:04d}",
                }
            )
    archive = evidence / "Downloads" / "holiday_pics.zip"
    archive.parent.mkdir(parents=True)
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as stream:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 12, 0, 0))
            info.compress_type, info.external_attr = zipfile.ZIP_DEFLATED, 0o644 << 16
            stream.writestr(info, data)
    hashset = folder / "set.csv"
    with hashset.open("w", newline="", encoding="utf-8") as stream:
        writer = csv.DictWriter(stream, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return evidence, hashset, photos + zipped, total


def _masked(case: Path) -> list[str]:
    """``report.json`` with the run's own values (times, UUIDs, the case's folder) masked."""
    spec = importlib.util.spec_from_file_location("compare_reports", ROOT / "scripts" / "compare_reports.py")
    assert spec is not None and spec.loader is not None
    compare = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(compare)
    lines: list[str] = compare.masked((case / "report.json").read_text(), case.parent, pdf=False)
    return lines


def _summary(case: Path) -> str:
    """The report's counts, in one line."""
    summary = json.loads((case / "report.json").read_text()).get("summary", {})
    return ", ".join(f"{k} {v}" for k, v in summary.items() if isinstance(v, int))


def scan(
    folder: Path,
    name: str,
    evidence: Path,
    hashset: Path,
    timeout: float,
    *extra: str,
    unit_bytes: int | None = None,
) -> tuple[float, Path]:
    """Seconds for one ``warden scan`` into a fresh case (start-up included) and the case folder;
    ``unit_bytes`` sets WARDEN_RAY_UNIT_BYTES (the size from which a container is a work unit)."""
    case = folder / "runs" / name / "case"
    case.parent.mkdir(parents=True)
    env = dict(os.environ, WARDEN_HOME=str(folder / "store"), WARDEN_KEY_FILE=str(folder / "key"))
    if unit_bytes is not None:
        env["WARDEN_RAY_UNIT_BYTES"] = str(unit_bytes)
    command = [sys.executable, "-m", "warden.cli", "scan", str(evidence), "--hashset", str(hashset)]
    start = time.perf_counter()
    subprocess.run(
        [*command, "--case", str(case), "--quiet", *extra],
        check=True,
        capture_output=True,
        env=env,
        timeout=timeout,
    )
    return time.perf_counter() - start, case


def on_cluster(nodes: int, cpus: int, run: Any) -> tuple[float, Path]:
    """``run(address)`` against a local Ray cluster of ``nodes`` nodes of ``cpus`` CPUs each, then stop it."""
    import ray
    from ray import cluster_utils

    node: dict[str, Any] = {"num_cpus": cpus, "object_store_memory": 100 * 1024 * 1024}
    cluster: Any = cluster_utils.Cluster(initialize_head=True, head_node_args=dict(node))
    try:
        for _ in range(nodes - 1):
            cluster.add_node(**node)
        cluster.wait_for_nodes()
        result: tuple[float, Path] = run(cluster.address)
        return result
    finally:
        if ray.is_initialized():
            ray.shutdown()
        cluster.shutdown()


def main(argv: Sequence[str] | None = None) -> int:
    """Build the evidence, scan it three ways, print one table, check the reports agree."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--photos", type=int, default=300)
    parser.add_argument("--zipped", type=int, default=60)
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds allowed for each scan")
    args = parser.parse_args(argv)
    if importlib.util.find_spec("ray") is None:
        print("bench_scale: Ray is not installed (pip install 'warden[ray]')", file=sys.stderr)
        return 2
    cores = os.cpu_count() or 1
    half = max(1, cores // 2)
    with tempfile.TemporaryDirectory(prefix="warden-bench-") as temp:
        folder = Path(temp)
        evidence, hashset, count, size = build(folder, args.photos, args.zipped)
        mb = size / 1e6
        scan(folder, "warm", evidence, hashset, args.timeout)  # page cache, store and imports warm
        rows: list[tuple[str, int, float, Path]] = []
        seconds, case = scan(folder, "local", evidence, hashset, args.timeout)
        rows.append((f"warden scan (local, {cores} workers)", cores, seconds, case))
        # The zip is under the default WARDEN_RAY_UNIT_BYTES: walked by the driver, its members hashed on the
        # cluster; in the last row it is made a work unit (walked, spooled and hashed on a node).
        for nodes, cpus, unit in ((1, cores, None), (2, half, None), (2, half, 1)):
            seconds, case = on_cluster(
                nodes,
                cpus,
                lambda address, n=nodes, u=unit: scan(
                    folder,
                    f"ray{n}{'-unit' if u else ''}",
                    evidence,
                    hashset,
                    args.timeout,
                    "--ray",
                    address,
                    unit_bytes=u,
                ),
            )
            rows.append(
                (
                    f"warden scan --ray ({nodes} node{'s' if nodes > 1 else ''} x {cpus} CPU"
                    f"{', zip a work unit' if unit else ''})",
                    nodes * cpus,
                    seconds,
                    case,
                )
            )
        print(
            f"evidence: {count} JPEG files ({args.zipped} of them in a zip), {mb:.1f} MB of photo data; "
            f"{cores} CPUs; warm page cache; seconds include start-up and connecting to the cluster"
        )
        print(
            f"{'contender':52} {'CPUs':>4} {'seconds':>8} {'files/s':>8} {'MB/s':>6} "
            f"{'files/s/CPU':>12} {'MB/s/CPU':>9}"
        )
        print("-" * 105)
        for name, cpus, seconds, _ in rows:
            print(
                f"{name:52} {cpus:4d} {seconds:8.2f} {count / seconds:8.1f} {mb / seconds:6.2f} "
                f"{count / seconds / cpus:12.1f} {mb / seconds / cpus:9.2f}"
            )
        print(
            f"The Ray nodes are processes on this one {cores}-core machine and share its cores: these "
            "figures show Ray's overhead and the per-core rates, not real scaling across machines."
        )
        reference = _masked(rows[0][3])
        differ = [name for name, _, _, case in rows[1:] if _masked(case) != reference]
        print(f"reports: {_summary(rows[0][3])}")
        if differ:
            print(f"reports DIFFER from the local scan's: {', '.join(differ)}")
            return 1
        print(f"reports: the {len(rows)} report.json files are the same (times, UUIDs and paths masked)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
