"""The registry of hash-set formats, format detection by content, and reading a file into a HashSet."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path
from typing import TextIO

from warden.errors import HashSetFormatError, HashSetNotFoundError, UsageError
from warden.hashing.digests import file_sha256
from warden.hashsets.formats import HEAD_BYTES, HashSetFormat, ReadOptions, WriteOptions
from warden.hashsets.model import Entry, HashSet
from warden.registry import Registry, instance_of

FORMATS: Registry[HashSetFormat] = Registry("hash-set format")
"""Every known hash-set format by its stable name; a plug-in adds its own with :func:`register`."""


def register(hash_set_format: HashSetFormat) -> HashSetFormat:
    """Add a format under its ``name``; built-in formats come in through this same door.

    Raises:
        DuplicateNameError: a format of that name is already registered.
    """
    return FORMATS.register(hash_set_format.name, hash_set_format)


BUILT_IN = ("csv", "vics", "threatexchange-csv", "threatexchange-text", "hashsum", "pdq-text", "nsrl-rds")
"""Warden's own formats, in the order detection tries them (its ``warden.hashset_formats`` entry points)."""

FORMATS.load_entry_points("warden.hashset_formats", instance_of(HashSetFormat), first=BUILT_IN)


def get_format(name: str) -> HashSetFormat:
    """The format registered as ``name``.

    Raises:
        UsageError: there is none; the message lists the names there are.
    """
    try:
        return FORMATS.get(name)
    except KeyError:
        raise UsageError(
            f"unknown hash-set format {name!r} (formats: {', '.join(FORMATS.names())})"
        ) from None


def read_head(path: Path) -> bytes:
    """The first :data:`~warden.hashsets.formats.HEAD_BYTES` of a file, which sniffing looks at."""
    with path.open("rb") as stream:
        return stream.read(HEAD_BYTES)


def detect_format(head: bytes, source: str | None = None) -> HashSetFormat:
    """The one format whose sniff accepts ``head``: content decides, never the file name.

    Raises:
        HashSetFormatError: no format recognises the content.
        UsageError: several do (bare 64-digit hex lines are SHA-256 or PDQ), so ``--format`` must choose.
    """
    if not head.strip():
        raise HashSetFormatError("the file is empty", None, source)
    matches = [candidate for candidate in FORMATS if candidate.sniff(head)]
    if not matches:
        raise HashSetFormatError(
            f"the content matches no known hash-set format ({', '.join(FORMATS.names())}); "
            "if it is one of them, say which with --format",
            None,
            source,
        )
    if len(matches) > 1:
        names = " or ".join(match.name for match in matches)
        raise UsageError(f"{source or 'the file'} could be {names}: say which with --format")
    return matches[0]


def check_options(hash_set_format: HashSetFormat, options: ReadOptions) -> None:
    """Refuse options the format would ignore, so an import never silently drops what the user said.

    Raises:
        UsageError: a profile for a format without category codes, or a default category for a format
            whose entries carry their own.
    """
    if options.profile is not None and not hash_set_format.uses_profile:
        users = ", ".join(f.name for f in FORMATS if f.uses_profile)
        raise UsageError(f"--profile applies to {users}, not to {hash_set_format.name}")
    if options.default_category is not None and not hash_set_format.uses_default_category:
        users = ", ".join(f.name for f in FORMATS if f.uses_default_category)
        raise UsageError(
            f"--category applies to lists without categories ({users}), not to {hash_set_format.name}"
        )


def read_hashset(
    path: Path, name: str, format: str | None = None, options: ReadOptions | None = None
) -> HashSet:
    """Read a hash-set file whole into a :class:`HashSet`, or fail and return nothing.

    Args:
        path: the file.
        name: the name the set will be stored under.
        format: a registered format name; None detects it from the content.
        options: profile and default category; a format that has a default profile fills it in.

    Returns:
        The set, with ``source`` (the file name), ``source_sha256``, ``format`` and ``profile`` filled in.

    Raises:
        HashSetNotFoundError: no file at ``path``.
        HashSetFormatError: the file is malformed (naming the line or record), empty, or changed while read.
        UsageError: unknown or ambiguous format, a missing profile, or an option the format cannot use.
    """
    path = Path(path)
    if not path.is_file():
        raise HashSetNotFoundError(f"no hash-set file at {path}")
    options = options or ReadOptions()
    head = read_head(path)
    hash_set_format = get_format(format) if format else detect_format(head, path.name)
    check_options(hash_set_format, options)
    profile = hash_set_format.resolve_profile(path, head, options)
    before = path.stat()
    digest = file_sha256(path)
    entries = hash_set_format.read(path, replace(options, profile=profile))
    after = path.stat()
    if (before.st_size, before.st_mtime_ns) != (after.st_size, after.st_mtime_ns):
        raise HashSetFormatError(
            "the file changed while it was read; import it again once complete", None, path.name
        )
    if not entries:
        raise HashSetFormatError("the file has no entries", None, path.name)
    return HashSet(
        name=name,
        format=hash_set_format.name,
        entries=entries,
        source=path.name,
        source_sha256=digest,
        profile=profile.name if profile else None,
    )


def write_hashset(
    entries: Iterable[Entry], stream: TextIO, format: str = "csv", options: WriteOptions | None = None
) -> None:
    """Write entries (e.g. ``hash_set.entries``) to a text stream in a format that can be written.

    Raises:
        UsageError: the format cannot be written, or an entry cannot be expressed in it.
    """
    hash_set_format = get_format(format)
    if not hash_set_format.can_write:
        writable = ", ".join(f.name for f in FORMATS if f.can_write)
        raise UsageError(f"hash sets cannot be exported as {format} (exportable: {writable})")
    hash_set_format.write(entries, stream, options)
