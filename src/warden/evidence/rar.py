"""RAR archives (RAR 4 and RAR 5), read with rarfile, as containers of members.

rarfile lists archives and reads stored members itself; compressed members are decompressed by an
external tool, ``unar`` (Debian package ``unar``, free software; ``unrar`` is used instead where installed),
which rarfile runs on a temporary copy of just that member's blocks (``-o -``: to a pipe, never to files).
That copy is made in the scan's spool folder (rarfile's ``HACK_TMP_DIR``), never in the system's temporary
folder while a scan runs.
Without a tool, members are still listed, and each compressed one is recorded as unreadable with the
command that fixes it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Generator, Iterator
from datetime import datetime
from typing import Any, BinaryIO

import rarfile

from warden.evidence.base import ContainerError, Item, JsonScalar, Limits
from warden.evidence.bounded import Decoded, cheaply_seekable, current_spool_folder
from warden.evidence.members import ENCRYPTED, Members, dos_time, iso_utc

NO_TOOL = "rar archives need the unar tool: apt-get install unar"

_RAR4 = b"Rar!\x1a\x07\x00"
_RAR5 = b"Rar!\x1a\x07\x01\x00"
_METHODS = {0: "stored", 1: "fastest", 2: "fast", 3: "normal", 4: "good", 5: "best"}
_TRUNCATED = "truncated: the archive ends inside it; not read"
_SPLIT_BEFORE = 0x01  # RAR_FILE_SPLIT_BEFORE (rarfile sets it for RAR 5 too): starts in an earlier volume
_SPLIT_AFTER = 0x02  # RAR_FILE_SPLIT_AFTER: continues in a later volume


def tool_available() -> bool:
    """Whether rarfile finds a tool that decompresses RAR (unrar, unar, 7z or bsdtar)."""
    try:
        rarfile.tool_setup()
    except rarfile.RarCannotExec:
        return False
    return True


class RarContainer:
    """A RAR 4 or RAR 5 archive."""

    name = "rar"

    def sniff(self, head: bytes, size: int | None) -> bool:
        """The RAR 4 or RAR 5 signature."""
        return head.startswith((_RAR4, _RAR5))

    def expand(self, stream: BinaryIO, container: Item, limits: Limits) -> Generator[Item, None, None]:
        """Every file in the archive, in archive order; directories are not items.

        Raises:
            ContainerError: not a readable RAR, its file list is encrypted, or it is damaged after the
                members listed.
        """
        with cheaply_seekable(stream) as seekable:
            try:
                seekable.seek(0)
                # One volume is all there is: a middle or last part of a split archive is still listed.
                archive = rarfile.RarFile(seekable, part_only=True)
            except rarfile.PasswordRequired as exc:
                raise ContainerError(f"rar archive with an encrypted file list: {ENCRYPTED}") from exc
            except Exception as exc:
                # rarfile's parser fails on hostile input in several ways (struct.error, IndexError...):
                # whichever it is, the archive cannot be listed.
                raise ContainerError(f"rar archive cannot be read: {type(exc).__name__}: {exc}") from exc
            seekable.seek(0)
            version = "rar5" if seekable.read(len(_RAR5)) == _RAR5 else "rar4"
            size = seekable.seek(0, os.SEEK_END)
            with archive:
                yield from _expand(archive, version, size, container, limits)


def _expand(archive: Any, version: str, size: int, container: Item, limits: Limits) -> Iterator[Item]:
    infos = [info for info in archive.infolist() if not info.is_dir()]
    if not infos and archive.needs_password():
        raise ContainerError(f"rar archive with an encrypted file list: {ENCRYPTED}")
    members = Members(container, "rar", limits)
    tool: bool | None = None
    truncated: str | None = None
    for count, info in enumerate(infos):
        if members.full:
            yield members.overflow(len(infos) - count)
            break
        method = info.compress_type - rarfile.RAR_M0
        times, zone = _times(info)
        detail: dict[str, JsonScalar] = {
            "format": version,
            "compressed_size": info.compress_size,
            "method": _METHODS.get(method, f"method {info.compress_type:#x}"),
            "crc32": f"{info.CRC:08x}" if isinstance(info.CRC, int) else None,
            "mtime_zone": zone,
        }
        problem: str | None = None
        if info.needs_password():
            problem = ENCRYPTED
        elif info.is_symlink():
            problem = "symbolic link, not followed"
        elif info.flags & _SPLIT_BEFORE:
            problem = "continues from an earlier volume of a split archive, which was not given; not read"
        elif info.flags & _SPLIT_AFTER:
            problem = "continues in a later volume of a split archive, which was not given; not read"
        elif info.header_offset + info.header_size + info.compress_size > size:
            problem = _TRUNCATED
        elif method != 0:
            if tool is None:
                tool = tool_available()
            if not tool:
                problem = NO_TOOL
        item = members.item(
            info.filename,
            detail,
            size=info.file_size,
            compressed=info.compress_size if method != 0 else None,
            decode=_decoder(archive, info),
            problem=problem,
            times=times,
        )
        if problem == _TRUNCATED:
            truncated = item.steps[-1].name
        yield item
    damage = archive.strerror()
    if damage:
        raise ContainerError(f"rar archive damaged after {members.listed} members: {damage}")
    if truncated is not None:
        raise ContainerError(f"rar archive truncated: it ends inside member {truncated!r}")


def _decoder(archive: Any, info: Any) -> Callable[[], Decoded]:
    def decode() -> Decoded:
        # rarfile copies the member's blocks (the whole archive, when solid) to a temporary file for the
        # tool: evidence bytes, so into the spool folder.
        rarfile.HACK_TMP_DIR = current_spool_folder()
        stream: Decoded = archive.open(info)
        return stream

    return decode


def _times(info: Any) -> tuple[dict[str, str | None], str]:
    """The member's times and their zone: RAR 5 and extended RAR 4 times may be UTC, DOS times are local."""
    times: dict[str, str | None] = {}
    zone = "unknown"
    for key, field in (("mtime", "mtime"), ("atime", "atime"), ("crtime", "ctime")):
        moment = getattr(info, field, None)
        if isinstance(moment, datetime):
            times[key] = iso_utc(moment)
            if key == "mtime" and moment.tzinfo is not None:
                zone = "UTC"
    if "mtime" not in times and info.date_time:
        times["mtime"] = dos_time(info.date_time)
    return times, zone
