"""Builders of hostile evidence: bombs, broken files, loops, pipes and absurd depth, small on disk."""

from __future__ import annotations

import os
import random
import struct
import zlib
from pathlib import Path


def png_bomb(path: Path, side: int = 40_000) -> None:
    """A 1-bit PNG declaring ``side`` x ``side`` pixels, all zeros: a few hundred KB on disk."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    row = b"\x00" + b"\x00" * ((side + 7) // 8)
    compressor = zlib.compressobj(9)
    body = b"".join(compressor.compress(row) for _ in range(side)) + compressor.flush()
    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", body) + chunk(b"IEND", b"")
    )


def build_hostile_tree(root: Path, photo: Path, video: Path) -> dict[str, str]:
    """Write hostile items under ``root``; returns path -> what each is (every one must become an item).

    Also writes ``deep/d/d/...``, 41 folders deep, with a photo at the bottom.
    """
    rng = random.Random(5)
    root.mkdir(parents=True, exist_ok=True)
    made: dict[str, str] = {}
    png_bomb(root / "bomb.png")
    made["bomb.png"] = "decompression bomb"
    data = photo.read_bytes()
    (root / "truncated.jpg").write_bytes(data[: len(data) // 2])
    made["truncated.jpg"] = "truncated jpeg"
    (root / "zero.jpg").write_bytes(b"")
    made["zero.jpg"] = "zero bytes"
    (root / "random.bin").write_bytes(rng.randbytes(10_000))
    made["random.bin"] = "random bytes"
    (root / "fake.jpg").write_bytes(b"\xff\xd8\xff\xe0" + rng.randbytes(5000))
    made["fake.jpg"] = "jpeg magic then noise"
    (root / "fake.mp4").write_bytes(b"\x00\x00\x00\x18ftypisom" + rng.randbytes(20_000))
    made["fake.mp4"] = "mp4 magic then noise"
    clip = video.read_bytes()
    (root / "cut.mp4").write_bytes(clip[: len(clip) // 5])
    made["cut.mp4"] = "truncated video"
    os.symlink(".", root / "loop")
    made["loop"] = "symlink loop"
    os.symlink("/etc/passwd", root / "outside")
    made["outside"] = "symlink out of the evidence"
    os.mkfifo(root / "pipe")
    made["pipe"] = "named pipe"
    deep = root / "deep"
    for _ in range(40):
        deep = deep / "d"
    deep.mkdir(parents=True)
    (deep / "bottom.jpg").write_bytes(data)
    name = os.fsdecode(b"caf\xe9-latin1.jpg")
    (root / name).write_bytes(data)
    made["caf\\xe9-latin1.jpg"] = "name not UTF-8"
    return made
