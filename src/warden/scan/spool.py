"""The scan's spool: a private temporary folder where items inside containers are copied to be hashed.

Workers hash files by path (vPDQ's decoder needs one), and an archive member or a file inside a disk image
has none, so the scan copies it here first, with a random name (never the member's own name), and deletes it
as soon as its hashes are back. The folder is created with mode 0700 and removed when the scan ends.

A failure to write the spool (its disk full, a quota, a read-only or failing disk) is the scan's problem,
not the item's: it is raised as :class:`SpoolError`, never recorded against the item, so the item is done
when the scan runs again.
"""

from __future__ import annotations

import errno
import os
import shutil
import tempfile
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from types import TracebackType

from warden.errors import NoSpaceError, UsageError, WardenError
from warden.evidence.base import Item, Limits
from warden.evidence.bounded import spool_folder
from warden.evidence.walk import copy_to

NO_SPACE_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT})

Copied = Callable[[int], None]
"""Told how many bytes of the item are in the spool so far (for the progress of a large item)."""


class SpoolError(Exception):
    """The spool cannot take an item: its disk is full, or it cannot be written.

    Internal: the scan stops with the documented error it stands for (``NoSpaceError``, else ``UsageError``).

    Attributes:
        folder: the spool folder.
        error: what the operating system said.
    """

    def __init__(self, folder: Path, error: OSError) -> None:
        super().__init__(f"the spool {folder} cannot be written: {error.strerror or error}")
        self.folder = folder
        self.error = error

    @property
    def no_space(self) -> bool:
        """True when the spool's disk (or the user's quota on it) is full."""
        return self.error.errno in NO_SPACE_ERRNOS


class _SpoolFile:
    """The spool copy being written: every write whole, and every failure of it a :class:`SpoolError`."""

    def __init__(self, folder: Path, descriptor: int, copied: Copied | None) -> None:
        self._folder = folder
        self._file = os.fdopen(descriptor, "wb", buffering=0)
        self._copied = copied
        self._size = 0

    def write(self, block: bytes) -> int:
        view = memoryview(block)
        try:
            while view:
                # A raw write may take part of a block when the disk fills: the rest is written or fails.
                written = self._file.write(view) or 0
                view = view[written:]
        except OSError as error:
            raise SpoolError(self._folder, error) from error
        self._size += len(block)
        if self._copied is not None:
            self._copied(self._size)
        return len(block)

    def close(self) -> None:
        try:
            self._file.close()
        except OSError as error:
            raise SpoolError(self._folder, error) from error


class Spool:
    """A private folder under ``parent`` (the system's temporary folder when None).

    Raises:
        SpoolError: the folder cannot be made.
    """

    def __init__(self, parent: Path | None = None) -> None:
        try:
            self.folder = Path(tempfile.mkdtemp(prefix="warden-spool-", dir=parent))
            os.chmod(self.folder, 0o700)
        except OSError as error:
            raise SpoolError(parent or Path(tempfile.gettempdir()), error) from error
        self._count = 0
        self._held: set[Path] = set()
        # While the spool is open, every temporary copy of evidence bytes that containers make (members
        # over 16 MiB, 7z members, RAR blocks for the unar tool) goes into it too, never elsewhere.
        self._scope = ExitStack()
        self._scope.enter_context(spool_folder(self.folder))

    @property
    def holding(self) -> int:
        """How many copies are in the spool now (handed to workers, not yet released)."""
        return len(self._held)

    def put(self, item: Item, limits: Limits, copied: Copied | None = None) -> Path:
        """Copy ``item``'s bytes into the spool, at most ``limits.member_bytes`` (the exhibit's limits, so a
        refusal says how to raise it for that exhibit); returns the copy's path.

        Raises:
            SpoolError: the spool cannot be written (its disk is full, say); nothing is left behind.
            OSError: the item cannot be read, or is over the member size (nothing is left behind).
        """
        self._count += 1
        path = self.folder / f"{self._count:012d}.item"
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
        except OSError as error:
            raise SpoolError(self.folder, error) from error
        target = _SpoolFile(self.folder, descriptor, copied)
        try:
            try:
                # a writable binary file in all but name
                copy_to(item, target, limits.member_bytes, limits=limits)  # type: ignore[arg-type]
            finally:
                target.close()
        except OSError as error:
            path.unlink(missing_ok=True)
            if error.errno in NO_SPACE_ERRNOS:
                # Reading the item wrote to a full disk (a container decompressing into the spool).
                raise SpoolError(self.folder, error) from error
            raise
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        self._held.add(path)
        return path

    def release(self, path: Path) -> None:
        """Delete a copy whose hashes are back."""
        self._held.discard(path)
        path.unlink(missing_ok=True)

    def close(self) -> None:
        """Remove the spool and everything left in it."""
        self._held.clear()
        self._scope.close()
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> Spool:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()


def spool_failure(error: SpoolError) -> WardenError:
    """The documented error that stops a scan when its spool fails: a full disk, or an unwritable folder."""
    if error.no_space:
        return NoSpaceError(
            f"no space left on the disk holding the spool {error.folder} ({error.error.strerror}): the scan "
            "stopped; what it recorded is kept and the item it was copying is not recorded. Free some space, "
            "or set WARDEN_SPOOL to a folder on a larger disk, and run the same command again to resume"
        )
    return UsageError(
        f"{error}: the scan stopped; what it recorded is kept. Set WARDEN_SPOOL to a folder Warden can "
        "write and run the same command again to resume"
    )
