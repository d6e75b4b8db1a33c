"""Would encrypting a keyed PDQ index at rest (decrypted at open) keep the open under a second at 10M hashes,
and what would it cost in memory per process? (issue 8, point 20; the answer is in docs/index-format.md)

The index as Warden keeps it is opened by mapping its files: the pages are the kernel's page cache, shared by
every process that maps the same index. An index encrypted at rest has to be decrypted into memory each
process owns. This builds a real index of random hashes, seals every file in 4 MiB AES-256-GCM chunks (the
cipher the store already uses, through the same library), and times both opens in fresh processes, with the
resident memory each adds (file-backed, i.e. shareable, and anonymous, i.e. the process's own).

    python benchmarks/bench_index_at_rest.py [--size 10000000] [--runs 3]
"""

from __future__ import annotations

import argparse
import mmap
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from warden.index import build_index, open_index

CHUNK = 4 << 20
TAG = 16


def memory() -> dict[str, int]:
    """RssAnon, RssShmem (anonymous shared mappings, private to this process and its children) and RssFile
    (the page cache, shared by every process mapping the same file) of this process, in bytes (Linux)."""
    found = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("RssAnon", "RssShmem", "RssFile"):
            found[name] = int(value.split()[0]) * 1024
    return found


def seal_folder(plain: Path, sealed: Path, key: bytes) -> None:
    """Every file of ``plain`` as 4 MiB AES-256-GCM chunks (nonce = file number and chunk number)."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    cipher = AESGCM(key)
    sealed.mkdir()
    for number, path in enumerate(sorted(plain.iterdir())):
        with path.open("rb") as source, (sealed / path.name).open("wb") as target:
            chunk = 0
            while block := source.read(CHUNK):
                nonce = number.to_bytes(4, "big") + chunk.to_bytes(8, "big")
                target.write(cipher.encrypt(nonce, block, path.name.encode()))
                chunk += 1


def open_sealed(sealed: Path, key: bytes) -> dict[str, mmap.mmap]:
    """Decrypt every file into anonymous memory of this process, as an encrypted-at-rest open would."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    cipher = AESGCM(key)
    opened = {}
    for number, path in enumerate(sorted(sealed.iterdir())):
        size = path.stat().st_size
        chunks = -(-size // (CHUNK + TAG))
        plain = mmap.mmap(-1, max(1, size - chunks * TAG))
        with path.open("rb") as source:
            for chunk in range(chunks):
                nonce = number.to_bytes(4, "big") + chunk.to_bytes(8, "big")
                block = cipher.decrypt(nonce, source.read(CHUNK + TAG), path.name.encode())
                plain[chunk * CHUNK : chunk * CHUNK + len(block)] = block
        opened[path.name] = plain
    return opened


def child(mode: str, folder: str, key_hex: str) -> None:
    """Open the index one way in this (fresh) process and print seconds and memory added."""
    before = memory()
    start = time.perf_counter()
    if mode == "mapped":
        index = open_index(Path(folder), preload=True)
        assert len(index.pdq) > 0
    else:
        opened = open_sealed(Path(folder), bytes.fromhex(key_hex))
        assert opened
    seconds = time.perf_counter() - start
    after = memory()
    added = {name: after[name] - before.get(name, 0) for name in after}
    print(f"{seconds:.3f} {added['RssAnon'] + added['RssShmem']} {added['RssFile']}")


def run(mode: str, folder: Path, key: bytes) -> tuple[float, int, int]:
    output = subprocess.run(
        [sys.executable, __file__, "--child", mode, str(folder), key.hex()],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    return float(output[0]), int(output[1]), int(output[2])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=10_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    work = Path(tempfile.mkdtemp(prefix="warden-at-rest-"))
    try:
        hashes = np.random.default_rng(7).integers(0, 256, (args.size, 32), dtype=np.uint8)
        start = time.perf_counter()
        build_index(work / "index", pdq=hashes)
        print(f"built {args.size:,} hashes in {time.perf_counter() - start:.1f} s")
        del hashes
        key = secrets.token_bytes(32)
        start = time.perf_counter()
        seal_folder(work / "index", work / "sealed", key)
        print(f"sealed in {time.perf_counter() - start:.1f} s")
        size = sum(p.stat().st_size for p in (work / "index").iterdir())
        print(f"index on disk: {size / 1e6:,.0f} MB ({size / args.size:.1f} B/hash)")
        for mode, folder in (("mapped", work / "index"), ("decrypted", work / "sealed")):
            results = [run(mode, folder, key) for _ in range(args.runs)]
            seconds = statistics.median(r[0] for r in results)
            anon = statistics.median(r[1] for r in results)
            shared = statistics.median(r[2] for r in results)
            print(
                f"{mode:>9}: open {seconds:.3f} s (median of {args.runs}; runs "
                f"{', '.join(f'{r[0]:.3f}' for r in results)}), per process "
                f"{anon / 1e6:,.0f} MB private + {shared / 1e6:,.0f} MB shared page cache"
            )
        print(f"CPU: {os.cpu_count()} cores; {os.getloadavg()[0]:.2f} load average")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
