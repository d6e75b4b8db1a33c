"""One streaming read gives all three digests, and keeps the bytes only when asked and small enough."""

from __future__ import annotations

import hashlib
import io
import os
from pathlib import Path

from tests.media import media
from warden.hashing.digests import CHUNK_BYTES, read_and_digest
from warden.hashing.sniff import HEAD_BYTES


def test_known_md5_of_the_reference_bridge_photo() -> None:
    with media("pdq-reference", "bridge-mods", "aaa-orig.jpg").open("rb") as stream:
        result = read_and_digest(stream, lambda head: 0)
    assert result.digests.md5 == "d35c785545392755e7e4164457657269"
    assert result.data is None


def test_digests_span_chunk_boundaries() -> None:
    content = bytes(range(256)) * (CHUNK_BYTES // 256 * 3 + 7)
    result = read_and_digest(io.BytesIO(content), lambda head: len(content))
    assert result.digests.md5 == hashlib.md5(content).hexdigest()
    assert result.digests.sha1 == hashlib.sha1(content).hexdigest()
    assert result.digests.sha256 == hashlib.sha256(content).hexdigest()
    assert result.digests.size == len(content)
    assert result.data == content
    assert result.head == content[:HEAD_BYTES]


def test_bytes_over_the_limit_are_not_kept() -> None:
    content = b"x" * (CHUNK_BYTES * 2 + 1)
    result = read_and_digest(io.BytesIO(content), lambda head: CHUNK_BYTES * 2)
    assert result.data is None
    assert result.digests.size == len(content)


def test_the_keep_decision_sees_the_first_bytes() -> None:
    seen: list[bytes] = []

    def keep(head: bytes) -> int:
        seen.append(head)
        return 0

    read_and_digest(io.BytesIO(b"GIF89a" + b"\x00" * 10_000), keep)
    assert seen == [b"GIF89a" + b"\x00" * (HEAD_BYTES - 6)]


def test_empty_input() -> None:
    result = read_and_digest(io.BytesIO(b""), lambda head: 100)
    assert result.digests.size == 0
    assert result.digests.md5 == hashlib.md5(b"").hexdigest()
    assert result.data == b""


def test_evidence_is_read_without_touching_its_access_time(tmp_path: Path) -> None:
    from warden.hashing.item import hash_file

    path = tmp_path / "photo.jpg"
    path.write_bytes(b"\xff\xd8\xff" + b"x" * 1000)
    os.utime(path, (946684800, 1700000000))  # accessed in 2000, modified later: relatime would update it
    hash_file(path)
    assert path.stat().st_atime == 946684800


def test_a_named_pipe_is_refused_without_blocking(tmp_path: Path) -> None:
    from warden.hashing.item import hash_file

    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    result = hash_file(pipe)
    assert result.md5 is None
    assert "not a regular file" in result.errors[0].message
