"""A listed file's identity as it travels to another machine of a Ray cluster, and the rule checking it there.

On the machine that listed it, a file of evidence is the file listed when its device and inode are the same
(:func:`warden.hashing.digests.open_evidence`). Another machine sees the same file through a network file
system under another device number, so there the rule is: same inode, same size and same modification time
to the nanosecond, and the file then opened must be the one looked at (its local device and inode). On the
machine that listed it nothing changes: device and inode, as in a local scan.

"This machine" is the running kernel (``/proc/sys/kernel/random/boot_id``): device numbers belong to it.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from functools import cache
from typing import Any

from warden.hashing.digests import Identity

_BOOT_ID = "/proc/sys/kernel/random/boot_id"


@cache
def this_machine() -> str:
    """The running kernel's boot id (the host name where there is none): whose device numbers these are."""
    try:
        with open(_BOOT_ID, encoding="ascii") as stream:
            boot = stream.read().strip()
    except OSError:
        boot = ""
    return boot or f"host:{socket.gethostname()}"


@dataclass(frozen=True, slots=True)
class FileMark:
    """What a listed file was, enough to know it again on any machine of the cluster.

    Attributes:
        machine: :func:`this_machine` where it was listed.
        device: ``st_dev`` there.
        inode: ``st_ino``.
        size: ``st_size`` in bytes.
        mtime_ns: ``st_mtime_ns``.
    """

    machine: str
    device: int
    inode: int
    size: int
    mtime_ns: int

    @classmethod
    def of(cls, path: str, identity: Identity) -> FileMark:
        """The mark of ``path`` listed as ``identity``, with its size and time as this machine sees them now
        (a file swapped in since has another inode, so the mark's inode stays the listed one).
        """
        try:
            status = os.lstat(path)
            size, mtime_ns = status.st_size, status.st_mtime_ns
        except OSError:
            size, mtime_ns = -1, -1  # gone: the node's open fails with the reason
        return cls(this_machine(), int(identity[0]), int(identity[1]), size, mtime_ns)

    def identity_for(self, status: os.stat_result | None, machine: str) -> Identity:
        """The identity the file must have when opened on ``machine``, given what ``lstat`` says there.

        On the listing machine, the listed device and inode. Elsewhere, the local device and inode when
        inode, size and modification time are those listed; otherwise the listed ones, which the file there
        does not have, so opening it is refused as "not the file that was listed".
        """
        listed = (self.device, self.inode)
        if machine == self.machine or status is None:
            return listed
        if (status.st_ino, status.st_size, status.st_mtime_ns) == (self.inode, self.size, self.mtime_ns):
            return (status.st_dev, status.st_ino)
        return listed

    def identity_here(self, path: str) -> Identity:
        """:meth:`identity_for` on this machine, for ``path`` (never following a link)."""
        try:
            status: os.stat_result | None = os.lstat(path)
        except OSError:
            status = None
        return self.identity_for(status, this_machine())

    def to_json(self) -> list[Any]:
        """The mark as a JSON array (how it crosses to a Ray task)."""
        return [self.machine, self.device, self.inode, self.size, self.mtime_ns]

    @classmethod
    def from_json(cls, value: list[Any]) -> FileMark:
        """The mark :meth:`to_json` gave."""
        machine, device, inode, size, mtime_ns = value
        return cls(str(machine), int(device), int(inode), int(size), int(mtime_ns))
