"""The on-disk index format: a JSON header naming each ``.npy`` array, its shape, type and checksum."""

from __future__ import annotations

import json
import mmap
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from warden.errors import IndexDamagedError
from warden.hashing.digests import file_sha256

FORMAT_NAME = "warden-hash-index"
FORMAT_VERSION = 1
HEADER_NAME = "index.json"

_FILE_NAME = re.compile(r"[a-z0-9_]+\.[a-z0-9_]+\.npy")


@dataclass(frozen=True, slots=True)
class ArrayFile:
    """One array of an index as its header records it.

    Attributes:
        name: file name inside the index folder.
        dtype: numpy type string, e.g. ``<u4``.
        shape: the array's shape.
        sha256: hex SHA-256 of the whole ``.npy`` file.
    """

    name: str
    dtype: str
    shape: tuple[int, ...]
    sha256: str

    def to_json(self) -> dict[str, Any]:
        """The header's record of this file."""
        return {"dtype": self.dtype, "shape": list(self.shape), "sha256": self.sha256}

    @classmethod
    def from_json(cls, name: str, record: Any) -> ArrayFile:
        """Read one header record.

        Raises:
            IndexDamagedError: the record is not the shape this version writes.
        """
        try:
            dtype = np.dtype(record["dtype"]).str
            shape = tuple(int(size) for size in record["shape"])
            sha256 = str(record["sha256"])
        except (KeyError, TypeError, ValueError) as error:
            raise IndexDamagedError(f"index header: bad record for {name}: {error}") from error
        if not _FILE_NAME.fullmatch(name) or any(size < 0 for size in shape):
            raise IndexDamagedError(f"index header: bad record for {name!r}")
        return cls(name=name, dtype=dtype, shape=shape, sha256=sha256)


def save_array(folder: Path, name: str, array: np.ndarray[Any, Any]) -> ArrayFile:
    """Write ``array`` as ``folder/name`` (a plain ``.npy``, never pickled) and describe it."""
    array = np.ascontiguousarray(array)
    with (folder / name).open("wb") as handle:
        # Through a plain writer, not ndarray.tofile, whose failed write (a full disk) loses its errno.
        np.lib.format.write_array(_Writer(handle), array, allow_pickle=False)
    return describe_array(folder, name, array.dtype, array.shape)


class _Writer:
    """A file seen only through ``write``: numpy then writes it in blocks, and a full disk says ENOSPC."""

    def __init__(self, handle: Any) -> None:
        self._handle = handle

    def write(self, data: bytes) -> int:
        return int(self._handle.write(data))


def describe_array(folder: Path, name: str, dtype: np.dtype[Any], shape: tuple[int, ...]) -> ArrayFile:
    """Describe an ``.npy`` file already written in ``folder``, flushing it to disk first."""
    path = folder / name
    with path.open("rb") as handle:
        os.fsync(handle.fileno())
    return ArrayFile(name=name, dtype=np.dtype(dtype).str, shape=tuple(shape), sha256=file_sha256(path))


def load_array(folder: Path, record: ArrayFile, *, preload: bool = False) -> np.ndarray[Any, Any]:
    """Map one array read-only, checking it is the type and shape the header says and not truncated.

    Args:
        folder: the index folder.
        record: the header's record of the file.
        preload: map every page now (Linux ``MAP_POPULATE``) instead of on first touch: the open reads the
            whole file (from the page cache, usually), so the first queries do not pay for page faults.

    Raises:
        IndexDamagedError: the file is missing, not an ``.npy`` array, or not what the header records.
    """
    path = folder / record.name
    try:
        with path.open("rb") as handle:
            version = np.lib.format.read_magic(handle)
            if version == (1, 0):
                shape, fortran, dtype = np.lib.format.read_array_header_1_0(handle)
            elif version == (2, 0):
                shape, fortran, dtype = np.lib.format.read_array_header_2_0(handle)
            else:
                raise ValueError(f"unsupported .npy version {version}")
            offset = handle.tell()
            if dtype.hasobject or fortran:
                raise ValueError("holds Python objects or Fortran order; an index never does")
            if dtype.str != record.dtype or tuple(shape) != record.shape:
                raise IndexDamagedError(
                    f"{path}: holds {dtype.str}{list(shape)}, "
                    f"the header says {record.dtype}{list(record.shape)}"
                )
            count = int(np.prod(shape, dtype=np.int64))
            if os.fstat(handle.fileno()).st_size < offset + count * dtype.itemsize:
                raise ValueError("the file is shorter than its array")
            if count == 0:
                # mmap refuses zero bytes; there is nothing to map.
                return np.empty(shape, dtype=dtype)
            mapping = _map(handle.fileno(), preload)
    except FileNotFoundError as error:
        raise IndexDamagedError(f"{path}: missing from the index") from error
    except (OSError, ValueError, EOFError) as error:
        raise IndexDamagedError(f"{path}: not a readable array ({error})") from error
    array: np.ndarray[Any, Any] = np.frombuffer(mapping, dtype=dtype, count=count, offset=offset)
    return array.reshape(shape)


def load_arrays(
    folder: Path, files: Mapping[str, ArrayFile], shapes: Mapping[str, tuple[int, ...]], *, preload: bool
) -> dict[str, np.ndarray[Any, Any]]:
    """Map each array named in ``shapes``, checking the header records it with that shape.

    Args:
        folder: the index folder.
        files: the section's records (see :func:`files_of`).
        shapes: the shape each file must have, by file name.
        preload: as for :func:`load_array`.

    Raises:
        IndexDamagedError: a file is not recorded, is recorded with another shape, or :func:`load_array`
            refuses it.
    """
    arrays = {}
    for name, shape in shapes.items():
        record = files.get(name)
        if record is None or record.shape != shape:
            raise IndexDamagedError(f"index header: {name} should be recorded with shape {list(shape)}")
        arrays[name] = load_array(folder, record, preload=preload)
    return arrays


def _map(descriptor: int, preload: bool) -> mmap.mmap:
    populate = getattr(mmap, "MAP_POPULATE", 0) if preload else 0
    if populate:
        return mmap.mmap(descriptor, 0, flags=mmap.MAP_SHARED | populate, prot=mmap.PROT_READ)
    return mmap.mmap(descriptor, 0, access=mmap.ACCESS_READ)


def write_header(folder: Path, sections: Mapping[str, Any]) -> None:
    """Write ``index.json`` with the format name and version first, flushed to disk."""
    header = {"format": FORMAT_NAME, "version": FORMAT_VERSION, **sections}
    path = folder / HEADER_NAME
    with path.open("w", encoding="utf-8") as handle:
        json.dump(header, handle, indent=2, sort_keys=False)
        handle.write("\n")
        handle.flush()
        os.fsync(handle.fileno())


def read_header(folder: Path) -> dict[str, Any]:
    """Read and check ``index.json``: present, JSON, this format, a version this Warden reads.

    Raises:
        IndexDamagedError: missing, unreadable, another format, or another version.
    """
    path = folder / HEADER_NAME
    try:
        header = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise IndexDamagedError(f"{folder}: no index here ({HEADER_NAME} is missing)") from error
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise IndexDamagedError(f"{path}: unreadable index header ({error})") from error
    if not isinstance(header, dict) or header.get("format") != FORMAT_NAME:
        raise IndexDamagedError(f"{path}: not a {FORMAT_NAME} header")
    version = header.get("version")
    if version != FORMAT_VERSION:
        raise IndexDamagedError(
            f"{path}: index format version {version!r}; this Warden reads version {FORMAT_VERSION}. "
            "Re-import the hash set to rebuild its index."
        )
    return header


def section(header: Mapping[str, Any], name: str) -> dict[str, Any]:
    """One named object of the header.

    Raises:
        IndexDamagedError: it is missing or not an object.
    """
    value = header.get(name)
    if not isinstance(value, dict):
        raise IndexDamagedError(f"index header: the {name!r} section is missing or malformed")
    return value


def files_of(part: Mapping[str, Any], where: str) -> dict[str, ArrayFile]:
    """The ``files`` records of one header section, by file name.

    Raises:
        IndexDamagedError: the records are missing or malformed.
    """
    records = part.get("files")
    if not isinstance(records, dict):
        raise IndexDamagedError(f"index header: {where} has no file list")
    return {name: ArrayFile.from_json(name, record) for name, record in records.items()}
