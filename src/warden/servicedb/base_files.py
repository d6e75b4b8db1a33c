"""Bases published in the service database, so that replicas on other machines can copy them: every SQL
statement about ``bank_bases`` and ``bank_base_chunks``.

A base's chunks are written first, in transactions of a few chunks; its ``bank_bases`` row (names, sizes and
SHA-256 of its files) is written last, so a listed base is complete. Reading goes chunk by chunk, so neither
side ever holds a whole file in memory.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from sqlalchemy import Engine, delete, select

from warden.clock import utc_now
from warden.servicedb.schema import bank_base_chunks, bank_bases


@dataclass(frozen=True, slots=True)
class BaseFile:
    """One file of a published base: its path in the base (``set/...`` or ``rows/...``), bytes, SHA-256."""

    name: str
    size: int
    sha256: str


def put_chunks(
    engine: Engine, bank: str, base: str, file: str, chunks: Iterable[bytes], per_commit: int
) -> None:
    """Store a file's chunks in order, ``per_commit`` chunks a transaction."""
    pending: list[dict[str, object]] = []
    for number, data in enumerate(chunks):
        pending.append({"base": base, "file": file, "chunk": number, "bank": bank, "data": data})
        if len(pending) >= per_commit:
            _insert(engine, pending)
            pending = []
    if pending:
        _insert(engine, pending)


def _insert(engine: Engine, rows: list[dict[str, object]]) -> None:
    with engine.begin() as connection:
        connection.execute(bank_base_chunks.insert(), rows)


def list_base(engine: Engine, bank: str, base: str, files: Sequence[BaseFile]) -> None:
    """Mark ``base`` complete, with its files (after every chunk is stored)."""
    record = json.dumps([{"name": f.name, "size": f.size, "sha256": f.sha256} for f in files])
    with engine.begin() as connection:
        connection.execute(delete(bank_bases).where(bank_bases.c.base == base))
        connection.execute(
            bank_bases.insert().values(base=base, bank=bank, files=record, published_at=utc_now())
        )


def files_of(engine: Engine, base: str) -> list[BaseFile] | None:
    """The files of a published base; None when it is not (or not completely) published."""
    with engine.connect() as connection:
        text = connection.execute(select(bank_bases.c.files).where(bank_bases.c.base == base)).scalar()
    if text is None:
        return None
    return [BaseFile(str(f["name"]), int(f["size"]), str(f["sha256"])) for f in json.loads(text)]


def chunks(engine: Engine, base: str, file: str) -> Iterator[bytes]:
    """A published file's chunks in order, streamed from one query (a server-side cursor on PostgreSQL,
    one chunk fetched at a time: the file is never held whole)."""
    with engine.connect() as connection:
        rows = connection.execution_options(stream_results=True, yield_per=1).execute(
            select(bank_base_chunks.c.data)
            .where(bank_base_chunks.c.base == base, bank_base_chunks.c.file == file)
            .order_by(bank_base_chunks.c.chunk)
        )
        for (data,) in rows:
            yield bytes(data)


def remove(engine: Engine, base: str) -> None:
    """Delete one base's listing and chunks."""
    with engine.begin() as connection:
        connection.execute(delete(bank_bases).where(bank_bases.c.base == base))
        connection.execute(delete(bank_base_chunks).where(bank_base_chunks.c.base == base))


def forget(engine: Engine, bank: str, keep: Iterable[str]) -> None:
    """Delete the bank's published bases (and chunks of unfinished ones) other than ``keep``."""
    kept = list(keep)
    with engine.begin() as connection:
        connection.execute(
            delete(bank_bases).where(bank_bases.c.bank == bank, bank_bases.c.base.not_in(kept))
        )
        connection.execute(
            delete(bank_base_chunks).where(
                bank_base_chunks.c.bank == bank, bank_base_chunks.c.base.not_in(kept)
            )
        )
