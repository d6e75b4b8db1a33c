"""Scan throughput of a disk image, beside reading it and hashing the same files with standard tools.

    python benchmarks/bench_evidence.py [--photos N] [--copies K] [--workers W]

Builds an ext4 image (``mke2fs -d``) from K copies of N benign photos from ../shared/media (each copy
re-saved so every file is distinct), then times, in one run, on the same machine:

- ``cat image > /dev/null``: reading the image, the floor for any tool;
- ``sha256sum`` and ``hashdeep -c md5,sha1,sha256`` over the same files as extracted (the folder the image was
  built from);
- ``warden scan`` of the image itself: file system walk, MD5/SHA-1/SHA-256, PDQ with its 8 turns and
  mirrors, border check, matching against a hash set, recording in the case database, and the reports.

The page cache is warm for all of them (each is run once before it is timed).
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from PIL import Image

MEDIA = Path(__file__).resolve().parent.parent.parent / "shared" / "media"
SBIN = os.pathsep.join((os.environ.get("PATH", ""), "/usr/sbin", "/sbin"))


def _tool(name: str) -> str | None:
    return shutil.which(name, path=SBIN)


def build(folder: Path, photos: int, copies: int) -> tuple[Path, Path, int]:
    """The files folder and the ext4 image built from it, and the number of files."""
    files = folder / "files"
    sources = sorted((MEDIA / "photos").glob("*.jpg"))[:photos]
    count = 0
    for copy in range(copies):
        target = files / f"set{copy:02d}"
        target.mkdir(parents=True)
        for photo in sources:
            buffer = io.BytesIO()
            Image.open(photo).convert("RGB").save(buffer, "JPEG", quality=92 - copy)
            (target / photo.name).write_bytes(buffer.getvalue())
            count += 1
    size = sum(p.stat().st_size for p in files.rglob("*") if p.is_file())
    image = folder / "disk.img"
    blocks = (size * 13 // 10) // 4096 + 4096
    subprocess.run(
        [
            _tool("mke2fs") or "mke2fs",
            "-q",
            "-t",
            "ext4",
            "-b",
            "4096",
            "-d",
            str(files),
            str(image),
            str(blocks),
        ],
        check=True,
        capture_output=True,
    )
    return files, image, count


def timed(command: Sequence[str], **kwargs: object) -> float:
    """Seconds for one run of ``command`` (after one untimed run to warm the page cache)."""
    subprocess.run(command, check=True, capture_output=True, **kwargs)  # type: ignore[call-overload]
    start = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True, **kwargs)  # type: ignore[call-overload]
    return time.perf_counter() - start


def main(argv: Sequence[str] | None = None) -> int:
    """Build the image, run every contender, print one table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--photos", type=int, default=200)
    parser.add_argument("--copies", type=int, default=3)
    parser.add_argument("--workers", type=int, default=0)
    args = parser.parse_args(argv)
    if not _tool("mke2fs"):
        print("bench_evidence: mke2fs (e2fsprogs) is needed to build the image", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="warden-bench-") as temp:
        folder = Path(temp)
        files, image, count = build(folder, args.photos, args.copies)
        image_mb = image.stat().st_size / 1e6
        data_mb = sum(p.stat().st_size for p in files.rglob("*") if p.is_file()) / 1e6
        listing = sorted(str(p) for p in files.rglob("*") if p.is_file())
        rows: list[tuple[str, float]] = [
            ("cat image > /dev/null", timed(["sh", "-c", f"cat '{image}' > /dev/null"]))
        ]
        rows.append(("sha256sum over the extracted files", timed(["sha256sum", *listing])))
        if _tool("hashdeep"):
            rows.append(
                (
                    "hashdeep -c md5,sha1,sha256 -r (extracted)",
                    timed(["hashdeep", "-c", "md5,sha1,sha256", "-r", str(files)]),
                )
            )
        hashset = folder / "set.csv"
        hashset.write_text("md5,sha1,sha256,pdq,category,source_id\n" + "0" * 32 + ",,,,A,none\n")
        env = dict(os.environ, WARDEN_HOME=str(folder / "store"), WARDEN_KEY_FILE=str(folder / "key"))
        warden = [
            sys.executable,
            "-m",
            "warden.cli",
            "scan",
            str(image),
            "--hashset",
            str(hashset),
            "--quiet",
        ]
        if args.workers:
            warden += ["--workers", str(args.workers)]
        subprocess.run([*warden, "--case", str(folder / "warm")], check=True, capture_output=True, env=env)
        start = time.perf_counter()
        subprocess.run([*warden, "--case", str(folder / "case")], check=True, capture_output=True, env=env)
        rows.append(
            (
                f"warden scan of the image ({args.workers or os.cpu_count()} workers)",
                time.perf_counter() - start,
            )
        )
        print(
            f"disk image: ext4, {image_mb:.0f} MB, {count} JPEG files ({data_mb:.0f} MB of file data); "
            f"{os.cpu_count()} CPUs; warm page cache"
        )
        print(f"{'contender':52} {'seconds':>8} {'image MB/s':>11} {'files/s':>9}")
        print("-" * 84)
        for name, seconds in rows:
            print(f"{name:52} {seconds:8.2f} {image_mb / seconds:11.1f} {count / seconds:9.1f}")
        print(
            "warden does per file what the others do not: PDQ (8 turns/mirrors + border check), matching, "
            "a case database and reports."
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
