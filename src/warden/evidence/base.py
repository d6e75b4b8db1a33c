"""The one interface every evidence source implements, and the registry sources are found through."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from warden.registry import Registry


@dataclass(frozen=True, slots=True)
class ItemRef:
    """One item found in evidence, not yet read.

    Attributes:
        path: where it is inside the evidence root, ``/``-separated; with the evidence label it identifies
            the item across runs.
        fs_path: where to read its bytes, when it is a readable regular file; None otherwise.
        size: its size in bytes, as the listing saw it.
        mtime: last modification, ISO 8601 UTC.
        ctime: inode change time, ISO 8601 UTC.
        atime: last access as found (the scan does not change it), ISO 8601 UTC.
        problem: why it cannot be read (a link not followed, a special file, a folder too deep...), or None.
    """

    path: str
    fs_path: str | None
    size: int | None = None
    mtime: str | None = None
    ctime: str | None = None
    atime: str | None = None
    problem: str | None = None


class EvidenceSource(Protocol):
    """A kind of evidence (a folder, a single file; later archives and disk images)."""

    name: str

    def claims(self, path: Path) -> bool:
        """Whether this source reads ``path`` (decided by what it is and its bytes, never its name)."""

    def items(self, path: Path) -> Iterator[ItemRef]:
        """Every item in the evidence, in a stable order, problems included as items."""


SOURCES: Registry[EvidenceSource] = Registry("evidence source")
