"""Exact digest lookup (MD5, SHA-1, SHA-256 or keyed digests): sorted, memory-mapped tables per kind."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from warden.errors import IndexDamagedError
from warden.index.format import files_of, load_arrays, save_array

_KIND = re.compile(r"[a-z0-9_]+")
_PREFIX_BYTES = 8


def check_kind(kind: str) -> str:
    """``kind`` if it can name index files (lower-case letters, digits, ``_``).

    Raises:
        ValueError: it cannot.
    """
    if not _KIND.fullmatch(kind):
        raise ValueError(f"a digest kind is lower-case letters, digits and '_', got {kind!r}")
    return kind


def prefixes(digests: np.ndarray[Any, Any]) -> np.ndarray[Any, np.dtype[np.uint64]]:
    """The first 8 bytes of each digest as a big-endian integer (zero-padded when shorter): the sort key."""
    head = np.zeros((len(digests), _PREFIX_BYTES), dtype=np.uint8)
    width = min(_PREFIX_BYTES, digests.shape[1])
    head[:, :width] = digests[:, :width]
    return head.view(">u8").ravel().astype(np.uint64)


def write_exact(
    folder: Path, digests: Mapping[str, tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]]
) -> dict[str, Any]:
    """Write one sorted table per digest kind and return the header's ``exact`` section.

    Args:
        folder: the (temporary) index folder.
        digests: per kind, ``(values, rows)``: values ``(M, L)`` uint8 (one digest's bytes per row), rows the
            entry row of each (M integers). Entries without that digest are simply left out; a digest may
            repeat, and lookups return every row that has it.

    Raises:
        ValueError: a kind name or an array is malformed.
    """
    section: dict[str, Any] = {}
    for kind, (values, rows) in sorted(digests.items()):
        check_kind(kind)
        values = np.ascontiguousarray(values)
        rows = np.asarray(rows)
        if values.dtype != np.uint8 or values.ndim != 2 or values.shape[1] < 1:
            raise ValueError(
                f"{kind} digests must be an (M, L) uint8 array, got {values.dtype}{list(values.shape)}"
            )
        if rows.shape != (len(values),) or rows.dtype.kind not in "iu" or (len(rows) and int(rows.min()) < 0):
            raise ValueError(f"{kind} rows must be {len(values)} non-negative integers")
        keys = prefixes(values)
        order = np.lexsort((rows, keys))
        small = not len(rows) or int(rows.max()) < 2**32
        files = [
            save_array(folder, f"{kind}.digests.npy", values[order]),
            save_array(folder, f"{kind}.prefix.npy", keys[order]),
            save_array(folder, f"{kind}.rows.npy", rows[order].astype(np.uint32 if small else np.int64)),
        ]
        section[kind] = {
            "count": len(values),
            "digest_bytes": values.shape[1],
            "files": {record.name: record.to_json() for record in files},
        }
    return section


class _Table(NamedTuple):
    """One kind's digests, sort keys and rows."""

    digests: np.ndarray[Any, Any]
    keys: np.ndarray[Any, Any]
    rows: np.ndarray[Any, Any]


class ExactIndex:
    """Exact lookup of digests by kind over one hash set's memory-mapped tables."""

    def __init__(self, tables: Mapping[str, _Table]) -> None:
        self._tables = dict(tables)

    @classmethod
    def open(cls, folder: Path, part: dict[str, Any], *, preload: bool = False) -> ExactIndex:
        """Map the tables named by the header's ``exact`` section, checking their shapes.

        Args:
            folder: the index folder.
            part: the header's ``exact`` section.
            preload: map every page now rather than on first touch (see ``load_array``).

        Raises:
            IndexDamagedError: a file is missing or the section and the arrays disagree.
        """
        tables = {}
        for kind, record in part.items():
            if not isinstance(record, dict) or not _KIND.fullmatch(kind):
                raise IndexDamagedError(f"index header: bad exact section for {kind!r}")
            try:
                count, width = int(record["count"]), int(record["digest_bytes"])
            except (KeyError, TypeError, ValueError) as error:
                raise IndexDamagedError(f"index header: bad exact section for {kind!r} ({error})") from error
            shapes = {
                f"{kind}.digests.npy": (count, width),
                f"{kind}.prefix.npy": (count,),
                f"{kind}.rows.npy": (count,),
            }
            files = files_of(record, f"the {kind} table")
            table = _Table(*load_arrays(folder, files, shapes, preload=preload).values())
            if (
                table.digests.dtype != np.uint8
                or table.keys.dtype != np.uint64
                or table.rows.dtype.kind not in "iu"
            ):
                raise IndexDamagedError(f"index header: the {kind} table has the wrong types")
            tables[kind] = table
        return cls(tables)

    @property
    def kinds(self) -> tuple[str, ...]:
        """The digest kinds this index holds, sorted."""
        return tuple(sorted(self._tables))

    def count(self, kind: str) -> int:
        """How many digests of ``kind`` are indexed (0 for a kind it does not hold)."""
        table = self._tables.get(kind)
        return 0 if table is None else len(table.keys)

    def lookup(self, kind: str, digest: bytes) -> list[int]:
        """Every row whose ``kind`` digest is exactly ``digest``, ascending (empty for a kind not held).

        Raises:
            ValueError: the digest has the wrong length for this kind.
        """
        rows = self.lookup_batch(kind, np.frombuffer(digest, dtype=np.uint8).reshape(1, -1))[0]
        return [int(row) for row in rows]

    def lookup_batch(
        self, kind: str, digests: np.ndarray[Any, Any]
    ) -> list[np.ndarray[Any, np.dtype[np.int64]]]:
        """The rows of each digest of ``digests`` (``(Q, L)`` uint8), in the same order, each ascending.

        Raises:
            ValueError: the digests are not ``(Q, L)`` uint8 with this kind's length.
        """
        table = self._tables.get(kind)
        queries = np.ascontiguousarray(digests)
        empty = np.zeros(0, dtype=np.int64)
        if queries.dtype != np.uint8 or queries.ndim != 2:
            raise ValueError(f"{kind} digests must be an (Q, L) uint8 array")
        if table is None:
            return [empty] * len(queries)
        width = table.digests.shape[1]
        if queries.shape[1] != width:
            raise ValueError(f"a {kind} digest in this index is {width} bytes, got {queries.shape[1]}")
        keys = prefixes(queries)
        starts = np.searchsorted(table.keys, keys, side="left")
        ends = np.searchsorted(table.keys, keys, side="right")
        found: list[np.ndarray[Any, np.dtype[np.int64]]] = []
        for query, start, end in zip(queries, starts.tolist(), ends.tolist(), strict=True):
            if start == end:
                found.append(empty)
                continue
            # Equal sort keys are rare unless a digest repeats; the full bytes decide.
            same = np.all(table.digests[start:end] == query, axis=1)
            found.append(table.rows[start:end][same].astype(np.int64))
        return found
