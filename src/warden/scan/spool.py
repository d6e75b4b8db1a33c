"""The scan's spool: a private temporary folder where items inside containers are copied to be hashed.

Workers hash files by path (vPDQ's decoder needs one), and an archive member or a file inside a disk image
has none, so the scan copies it here first, with a random name (never the member's own name), and deletes it
as soon as its hashes are back. The folder is created with mode 0700 and removed when the scan ends.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from types import TracebackType

from warden.evidence.base import Item
from warden.evidence.walk import copy_to


class Spool:
    """A private folder under ``parent`` (the system's temporary folder when None)."""

    def __init__(self, parent: Path | None = None) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="warden-spool-", dir=parent))
        os.chmod(self.folder, 0o700)
        self._count = 0

    def put(self, item: Item, limit: int) -> Path:
        """Copy ``item``'s bytes into the spool; returns the copy's path.

        Raises:
            OSError: the item cannot be read, or is over ``limit`` bytes (nothing is left behind).
        """
        self._count += 1
        path = self.folder / f"{self._count:012d}.item"
        try:
            with path.open("xb") as target:
                copy_to(item, target, limit)
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        return path

    def close(self) -> None:
        """Remove the spool and everything left in it."""
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> Spool:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()
