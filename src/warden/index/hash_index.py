"""One hash set's index folder: built whole in a temporary folder and renamed into place, opened mapped."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from warden.errors import IndexDamagedError
from warden.hashing.digests import file_sha256
from warden.index.exact import ExactIndex, write_exact
from warden.index.format import HEADER_NAME, files_of, read_header, section, write_header
from warden.index.pdq import PdqIndex, write_pdq


@dataclass(frozen=True, slots=True)
class HashIndex:
    """An opened index: exact digest tables and the PDQ range index of one hash set.

    Attributes:
        path: the index folder.
        exact: lookups by digest kind.
        pdq: PDQ range search.
    """

    path: Path
    exact: ExactIndex
    pdq: PdqIndex

    def verify(self) -> None:
        """Check every file against the SHA-256 the header recorded (reads the whole index).

        Raises:
            IndexDamagedError: a file is missing or its contents changed since the index was built.
        """
        header = read_header(self.path)
        parts = [("pdq", section(header, "pdq"))]
        parts += [(kind, part) for kind, part in section(header, "exact").items() if isinstance(part, dict)]
        for where, part in parts:
            for record in files_of(part, where).values():
                path = self.path / record.name
                if not path.is_file():
                    raise IndexDamagedError(f"{path}: missing from the index")
                if file_sha256(path) != record.sha256:
                    raise IndexDamagedError(f"{path}: contents differ from the checksum in the index header")


def build_index(
    out_dir: Path,
    *,
    pdq: np.ndarray[Any, Any] | None = None,
    pdq_rows: np.ndarray[Any, Any] | None = None,
    digests: Mapping[str, tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]] | None = None,
) -> None:
    """Build an index folder at ``out_dir``, replacing any index there, so that a crash never leaves half.

    Everything is written into a temporary folder beside ``out_dir`` and flushed, then renamed into place;
    an index already at ``out_dir`` is moved aside first and deleted after. A crash leaves the old index,
    the new one, or (between the two renames) none, which opening reports; never a mixture.

    Args:
        out_dir: the index folder to create or replace.
        pdq: ``(N, 32)`` uint8 PDQ hashes (``bytes.fromhex`` of each hex), or None for none.
        pdq_rows: the entry row of each PDQ hash, or None for ``0 .. N-1``.
        digests: per digest kind (``md5``, ``sha1``, ...), ``(values (M, L) uint8, rows (M,))``.

    Raises:
        ValueError: an array has the wrong shape or type.
    """
    out_dir = Path(out_dir)
    if out_dir.exists() and not (out_dir / HEADER_NAME).exists() and any(out_dir.iterdir()):
        raise FileExistsError(f"{out_dir} holds files but no index; not replacing it")
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    _remove_abandoned(out_dir)
    token = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
    temporary = out_dir.parent / f".{out_dir.name}.building-{token}"
    temporary.mkdir()
    try:
        hashes = np.zeros((0, 32), dtype=np.uint8) if pdq is None else pdq
        pdq_section = write_pdq(temporary, hashes, pdq_rows)
        exact_section = write_exact(temporary, digests or {})
        write_header(temporary, {"pdq": pdq_section, "exact": exact_section})
        _fsync_folder(temporary)
        old = out_dir.parent / f".{out_dir.name}.old-{token}"
        replacing = out_dir.exists()
        if replacing:
            out_dir.rename(old)
        temporary.rename(out_dir)
        _fsync_folder(out_dir.parent)
        if replacing:
            shutil.rmtree(old)
    except BaseException:
        shutil.rmtree(temporary, ignore_errors=True)
        raise


def open_index(path: Path, *, preload: bool = True) -> HashIndex:
    """Open the index folder at ``path``: read the header and map every array, checking shapes and sizes.

    Args:
        path: the index folder.
        preload: map every page at open (one sequential read, usually from the page cache; about 0.05 s for
            10M PDQ hashes) so that queries never wait on page faults. Pass False for a one-off lookup: the
            open then reads only the headers and each query pages in what it touches.

    Raises:
        IndexDamagedError: no index there, another format or version, or files that disagree with the header.
    """
    path = Path(path)
    header = read_header(path)
    return HashIndex(
        path=path,
        exact=ExactIndex.open(path, section(header, "exact"), preload=preload),
        pdq=PdqIndex.open(path, section(header, "pdq"), preload=preload),
    )


def _remove_abandoned(out_dir: Path) -> None:
    """Delete temporary folders that builds of this index left when their process died."""
    for leftover in out_dir.parent.glob(f".{out_dir.name}.*-*-*"):
        stage, _, rest = leftover.name[len(out_dir.name) + 2 :].partition("-")
        pid = rest.partition("-")[0]
        if stage in ("building", "old") and pid.isdigit() and not _running(int(pid)):
            shutil.rmtree(leftover, ignore_errors=True)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # it exists but belongs to someone else
    return True


def _fsync_folder(path: Path) -> None:
    # A rename is durable only once its folder is flushed; not every platform can open a folder for that.
    try:
        descriptor = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)
