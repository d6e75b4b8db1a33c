"""The PDQ range index: every indexed hash within a Hamming threshold of a query, exactly, memory-mapped."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from warden import settings
from warden.errors import IndexDamagedError
from warden.index import reference
from warden.index.format import ArrayFile, describe_array, files_of, load_arrays, save_array
from warden.index.layout import PdqLayout, choose_layout, plan_radii

try:
    from warden.index import _mih
except ImportError:  # pragma: no cover - the extension is built by every install; numpy keeps answers exact
    _mih = None  # type: ignore[assignment]

HASHES_FILE = "pdq.hashes.npy"
ROWS_FILE = "pdq.rows.npy"
OFFSETS_FILE = "pdq.offsets.npy"
POSITIONS_FILE = "pdq.positions.npy"

I64Array = np.ndarray[Any, np.dtype[np.int64]]


class PdqHits(NamedTuple):
    """The matches of one query, nearest first (ties by row).

    Attributes:
        rows: entry rows of the matching hashes (int64).
        distances: their Hamming distances to the query (int64).
    """

    rows: I64Array
    distances: I64Array


def write_pdq(
    folder: Path, hashes: np.ndarray[Any, Any], rows: np.ndarray[Any, Any] | None
) -> dict[str, Any]:
    """Write the PDQ arrays of an index into ``folder`` and return the header's ``pdq`` section.

    Args:
        folder: the (temporary) index folder.
        hashes: ``(N, 32)`` uint8, each row a PDQ hash as its 32 bytes (``bytes.fromhex`` of its hex).
        rows: the entry row of each hash (duplicates allowed, e.g. the frames of one video), or None for
            ``0 .. N-1``.

    Raises:
        ValueError: the arrays have the wrong shape or type.
    """
    hashes = reference.check_hashes(hashes)
    size = len(hashes)
    if size >= 2**32 - 1:
        raise ValueError("a PDQ index holds fewer than 2**32 - 1 hashes")
    entry_rows = np.arange(size, dtype=np.int64) if rows is None else np.asarray(rows)
    if entry_rows.shape != (size,) or entry_rows.dtype.kind not in "iu":
        raise ValueError(f"PDQ rows must be {size} integers, got {entry_rows.dtype}{list(entry_rows.shape)}")
    if size and int(entry_rows.min()) < 0:
        raise ValueError("PDQ rows must not be negative")
    small = not size or int(entry_rows.max()) < 2**32
    layout = choose_layout(size)
    files = [
        save_array(folder, HASHES_FILE, hashes),
        save_array(folder, ROWS_FILE, entry_rows.astype(np.uint32 if small else np.int64)),
        *_write_tables(folder, hashes, layout),
    ]
    return {
        "count": size,
        "chunk_bits": layout.chunk_bits,
        "chunks": layout.chunks,
        "files": {record.name: record.to_json() for record in files},
    }


def _write_tables(folder: Path, hashes: reference.U8Array, layout: PdqLayout) -> list[ArrayFile]:
    offsets_shape = (layout.chunks, layout.buckets + 1)
    positions_shape = (layout.chunks, len(hashes))
    if _mih is None or not layout.chunks or not len(hashes):
        offsets, positions = reference.build_tables(hashes, layout)
        return [save_array(folder, OFFSETS_FILE, offsets), save_array(folder, POSITIONS_FILE, positions)]
    # Fill the files in place so a 10M index never holds a second copy of its tables in memory.
    dtype = np.dtype(np.uint32)
    offsets_map = np.lib.format.open_memmap(
        folder / OFFSETS_FILE, mode="w+", dtype=dtype, shape=offsets_shape
    )
    positions_map = np.lib.format.open_memmap(
        folder / POSITIONS_FILE, mode="w+", dtype=dtype, shape=positions_shape
    )
    _mih.build_tables(hashes, layout.chunk_bits, layout.chunks, offsets_map, positions_map)
    offsets_map.flush()
    positions_map.flush()
    del offsets_map, positions_map
    return [
        describe_array(folder, OFFSETS_FILE, dtype, offsets_shape),
        describe_array(folder, POSITIONS_FILE, dtype, positions_shape),
    ]


class PdqIndex:
    """Exact PDQ range search over one hash set's memory-mapped tables.

    Open it with :meth:`open` (``open_index`` does); the arrays stay on disk and are paged in as queries
    touch them.
    """

    def __init__(
        self,
        hashes: reference.U8Array,
        rows: np.ndarray[Any, Any],
        offsets: np.ndarray[Any, Any],
        positions: np.ndarray[Any, Any],
        layout: PdqLayout,
    ) -> None:
        self._hashes = hashes
        self._rows = rows
        self._layout = layout
        self._searcher = None
        self._radii_cache: dict[int, bytes] = {}
        if _mih is not None:
            try:
                self._searcher = _mih.Searcher(hashes, offsets, positions, layout.chunk_bits, layout.chunks)
            except ValueError as error:
                raise IndexDamagedError(f"PDQ tables do not fit together: {error}") from error

    @classmethod
    def open(cls, folder: Path, part: dict[str, Any], *, preload: bool = False) -> PdqIndex:
        """Map the PDQ arrays named by the header's ``pdq`` section, checking their shapes.

        Args:
            folder: the index folder.
            part: the header's ``pdq`` section.
            preload: map every page now rather than on first touch (see ``load_array``).

        Raises:
            IndexDamagedError: a file is missing or the section and the arrays disagree.
        """
        try:
            size = int(part["count"])
            layout = PdqLayout(chunk_bits=int(part["chunk_bits"]), chunks=int(part["chunks"]))
        except (KeyError, TypeError, ValueError) as error:
            raise IndexDamagedError(f"index header: bad pdq section ({error})") from error
        shapes = {
            HASHES_FILE: (size, reference.HASH_BYTES),
            ROWS_FILE: (size,),
            OFFSETS_FILE: (layout.chunks, layout.buckets + 1),
            POSITIONS_FILE: (layout.chunks, size),
        }
        arrays = load_arrays(folder, files_of(part, "the pdq section"), shapes, preload=preload)
        if arrays[HASHES_FILE].dtype != np.uint8 or arrays[ROWS_FILE].dtype.kind not in "iu":
            raise IndexDamagedError("index header: PDQ hashes or rows have the wrong type")
        if arrays[OFFSETS_FILE].dtype != np.uint32 or arrays[POSITIONS_FILE].dtype != np.uint32:
            raise IndexDamagedError("index header: PDQ tables have the wrong type")
        return cls(
            arrays[HASHES_FILE], arrays[ROWS_FILE], arrays[OFFSETS_FILE], arrays[POSITIONS_FILE], layout
        )

    def __len__(self) -> int:
        return len(self._hashes)

    @property
    def layout(self) -> PdqLayout:
        """How this index cuts hashes into chunks."""
        return self._layout

    def query(self, pdq: bytes, threshold: int | None = None) -> list[tuple[int, int]]:
        """Every (row, distance) whose hash is within ``threshold`` bits of ``pdq``, nearest first.

        Args:
            pdq: the query hash as 32 bytes.
            threshold: the largest distance returned, 0-256 (the ``pdq_threshold`` setting by default).

        Raises:
            ValueError: ``pdq`` is not 32 bytes or the threshold is out of range.
        """
        threshold = settings.get_int(settings.PDQ_THRESHOLD) if threshold is None else threshold
        if len(pdq) != reference.HASH_BYTES:
            raise ValueError(f"a PDQ hash is 32 bytes, got {len(pdq)}")
        if self._searcher is None:
            hits = self.query_batch(np.frombuffer(pdq, dtype=np.uint8).reshape(1, -1), threshold)[0]
            return list(zip(hits.rows.tolist(), hits.distances.tolist(), strict=True))
        # The common case, one hash of a scanned file, without the batch's array bookkeeping.
        _, positions, distances = self._searcher.search(pdq, threshold, self._radii(threshold))
        if not positions:
            return []
        rows = self._rows[np.frombuffer(positions, dtype=np.uint32)].tolist()
        return sorted(zip(rows, distances, strict=True), key=_nearest_first)

    def query_batch(self, queries: np.ndarray[Any, Any], threshold: int | None = None) -> list[PdqHits]:
        """The matches of each row of ``queries`` (``(Q, 32)`` uint8), in the same order, within ``threshold``
        (the ``pdq_threshold`` setting when None).

        Raises:
            ValueError: the queries are not ``(Q, 32)`` uint8 or the threshold is out of range.
        """
        threshold = settings.get_int(settings.PDQ_THRESHOLD) if threshold is None else threshold
        queries = reference.check_hashes(queries, "PDQ queries")
        found: list[tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]]
        if self._searcher is None:
            plan_radii(len(self), self._layout, threshold)  # validates the threshold
            found = [reference.range_search(self._hashes, query, threshold) for query in queries]
        else:
            limits_bytes, positions_bytes, distances_bytes = self._searcher.search(
                queries, threshold, self._radii(threshold)
            )
            limits = np.frombuffer(limits_bytes, dtype=np.int64).tolist()
            positions = np.frombuffer(positions_bytes, dtype=np.uint32)
            distances = np.frombuffer(distances_bytes, dtype=np.uint8)
            found = [
                (positions[start:end], distances[start:end]) for start, end in itertools.pairwise(limits)
            ]
        return [self._hits(positions, distances) for positions, distances in found]

    def _radii(self, threshold: int) -> bytes:
        """The C search's radii argument: one signed byte per table, or empty to scan."""
        radii = self._radii_cache.get(threshold)
        if radii is None:
            plan = plan_radii(len(self), self._layout, threshold)
            radii = b"" if plan is None else np.array(plan, dtype=np.int8).tobytes()
            self._radii_cache[threshold] = radii
        return radii

    def _hits(self, positions: np.ndarray[Any, Any], distances: np.ndarray[Any, Any]) -> PdqHits:
        rows = self._rows[positions].astype(np.int64)
        distances = distances.astype(np.int64)
        order = np.lexsort((rows, distances))
        return PdqHits(rows=rows[order], distances=distances[order])


def _nearest_first(hit: tuple[int, int]) -> tuple[int, int]:
    return hit[1], hit[0]
