"""A bank's base copied between the machines of a replicated service, through the service database.

Replicas of ``warden serve`` on several machines share one PostgreSQL service database and nothing else. The
process that merges a bank writes its new base to its own disk, then publishes the base's files (the sealed
set and its row names, exactly the bytes on disk) in the database before it points the bank at the base. A
replica that is told of a base it does not hold copies it chunk by chunk into a private folder beside its own
store, checks every file's size and SHA-256, and puts it in place with one rename; only then does its live
index open the base and swap it in. So a base is either whole on a machine or absent, and no replica ever
matches against half an index. The files stay sealed with the store's key on the way: every replica must be
given the same key file (``WARDEN_KEY_FILE``).

With SQLite the service is one machine, and nothing is published.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

from sqlalchemy import Engine

from warden.errors import HashSetNotFoundError, IndexDamagedError
from warden.hashsets.store import HashSetStore
from warden.private import make_private_dir, restrict_tree
from warden.servicedb import base_files
from warden.servicedb.base_files import BaseFile

__all__ = ["CHUNK_BYTES", "install", "is_shared", "publish"]

CHUNK_BYTES = 4 * 1024 * 1024
"""Bytes per stored chunk: a replica holds one chunk at a time, never a whole file."""
_PER_COMMIT = 8
_PARTS = ("set", "rows")


def is_shared(engine: Engine) -> bool:
    """Whether bases are published in this service database (any database but SQLite)."""
    return engine.dialect.name != "sqlite"


def _folders(store: HashSetStore, rows_root: Path, base: str) -> dict[str, Path]:
    return {"set": store.folder(base), "rows": rows_root / base}


def _read_chunks(path: Path, digest: hashlib._Hash) -> Iterator[bytes]:
    with path.open("rb") as stream:
        while chunk := stream.read(CHUNK_BYTES):
            digest.update(chunk)
            yield chunk


def publish(engine: Engine, store: HashSetStore, rows_root: Path, bank: str, base: str) -> None:
    """Store the files of ``base`` (written on this machine) in the database, listing it last."""
    base_files.remove(engine, base)  # what an earlier attempt at this same merge left
    files: list[BaseFile] = []
    for part, folder in _folders(store, rows_root, base).items():
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            name = f"{part}/{path.relative_to(folder).as_posix()}"
            digest = hashlib.sha256()
            base_files.put_chunks(engine, bank, base, name, _read_chunks(path, digest), _PER_COMMIT)
            files.append(BaseFile(name, path.stat().st_size, digest.hexdigest()))
    base_files.list_base(engine, bank, base, files)


@contextlib.contextmanager
def _machine_lock(store: HashSetStore, base: str) -> Iterator[None]:
    """One copy at a time on this machine (the workers of one replica are separate processes)."""
    folder = make_private_dir(store.folder(base).parent)
    with open(folder / ".copy.lock", "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def install(engine: Engine, store: HashSetStore, rows_root: Path, base: str) -> bool:
    """Copy ``base`` from the database onto this machine unless it is here; True when it was copied.

    Raises:
        HashSetNotFoundError: the base is neither here nor published.
        IndexDamagedError: a file arrived with another size or SHA-256 than published (nothing is installed).
    """
    if store.has(base):
        return False
    files = base_files.files_of(engine, base)
    if files is None:
        raise HashSetNotFoundError(
            f"the bank index {base} is not on this machine and not published in the service database "
            "(its merge may have been replaced by a newer one; the next poll loads that)"
        )
    with _machine_lock(store, base):
        if store.has(base):
            return False  # another worker of this replica copied it meanwhile
        rows_incoming = make_private_dir(rows_root) / f".incoming-{base}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        incoming = {"set": store.incoming(base), "rows": rows_incoming}
        try:
            rows_incoming.mkdir(mode=0o700)
            for record in files:
                _copy(engine, base, record, incoming)
            restrict_tree(incoming["rows"])
            rows = rows_root / base
            if rows.exists():  # left by a copy that stopped before its set was put in place
                shutil.rmtree(rows)
            incoming["rows"].rename(rows)
            return store.install(base, incoming["set"])
        finally:
            for folder in incoming.values():
                shutil.rmtree(folder, ignore_errors=True)


def _copy(engine: Engine, base: str, record: BaseFile, incoming: dict[str, Path]) -> None:
    parts = PurePosixPath(record.name).parts
    if record.name.startswith("/") or len(parts) < 2 or parts[0] not in _PARTS or ".." in parts:
        raise IndexDamagedError(f"the published bank index {base} names a file {record.name!r} outside it")
    target = incoming[parts[0]].joinpath(*parts[1:])
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    digest = hashlib.sha256()
    size = 0
    with target.open("wb") as stream:
        for chunk in base_files.chunks(engine, base, record.name):
            digest.update(chunk)
            size += len(chunk)
            if size > record.size:
                break
            stream.write(chunk)
        stream.flush()
        os.fsync(stream.fileno())
    if size != record.size or digest.hexdigest() != record.sha256:
        raise IndexDamagedError(
            f"the published bank index {base}: {record.name} arrived with {size} bytes and another SHA-256 "
            f"than the {record.size} bytes published; nothing was installed, the next poll tries again"
        )
