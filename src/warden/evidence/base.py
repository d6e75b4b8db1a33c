"""The one interface of evidence: items with provenance, and containers that hold more items.

A piece of evidence is walked as a tree. Every item (a file in a folder, a file in a disk image's file
system, an archive member, a carved fragment, a thumbnail) carries its provenance: the chain of steps from
the evidence root down to it. Some items are themselves containers (a zip file, a disk image, a JPEG with an
EXIF thumbnail, a ``Thumbs.db``): a registered :class:`Container` recognises them by their first bytes and
yields the items inside. Sources and containers are registered like hash types and list formats.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, Protocol, runtime_checkable

from warden import settings
from warden.evidence.keys import Keys, load_key_files
from warden.model.states import State
from warden.registry import Registry

if TYPE_CHECKING:
    from warden.evidence.budget import Budget

JsonScalar = str | int | float | bool | None

SEPARATOR = "//"
"""Joins the steps of a provenance into an item's path: ``Downloads/x.zip//holiday/a.jpg``."""


@dataclass(frozen=True, slots=True)
class Step:
    """One level of provenance.

    Attributes:
        kind: what kind of level: ``file`` (a path in a folder or a file system), ``partition``, ``member``
            (of an archive), ``carved``, ``thumbnail``, ``record`` (of a WARC web capture).
        name: the level's part of the item's path: a ``/``-separated path inside the container, a member
            name, ``p2``, ``unallocated@0x1f000.jpg``, ``exif-thumbnail``... Stable across runs.
        detail: facts a court may need, as JSON scalars: byte ``offset`` and ``length``, ``inode``,
            ``file_system``, ``partition_start``, ``archive``...
    """

    kind: str
    name: str
    detail: Mapping[str, JsonScalar] = field(default_factory=dict)

    def to_json(self) -> dict[str, JsonScalar | Mapping[str, JsonScalar]]:
        """The step as the report gives it."""
        return {"kind": self.kind, "name": self.name, "detail": dict(self.detail)}


Opener = Callable[[], BinaryIO]
"""Opens an item's bytes for reading (binary, seekable where the container allows). Valid only while the
container that yielded the item is open: read the item before asking the container for the next one."""


@dataclass(frozen=True, slots=True)
class Item:
    """One item found in evidence, not yet read.

    Attributes:
        steps: provenance from inside the evidence root down to the item (at least one step).
        state: live, deleted, carved or thumbnail.
        size: size in bytes, as the container gives it.
        mtime: last modification, ISO 8601 UTC, where known; likewise ``ctime`` (inode or MFT change),
            ``atime`` (last access as found) and ``crtime`` (creation).
        problem: why the item cannot be read (an encrypted member, a link not followed, a bomb...), or None.
        fs_path: a real file on the examiner's machine holding exactly the item's bytes (items of a folder),
            read directly; None for items inside containers.
        opener: how to read the item's bytes when ``fs_path`` is None.
        identity: ``(st_dev, st_ino)`` of ``fs_path`` when it was listed: opening it checks it is still
            that file (not a link or another file put in its place since).
        not_examined: ``problem`` is a fact, not an error: Warden recognised the item but did not look
            inside it (a container it cannot open, an encrypted member); reports list it under "not examined".
        budget: the work budget of the outermost archive the item is inside (an archive member), which
            every archive nested in it charges too; None elsewhere.
    """

    steps: tuple[Step, ...]
    state: State = State.LIVE
    size: int | None = None
    mtime: str | None = None
    ctime: str | None = None
    atime: str | None = None
    crtime: str | None = None
    problem: str | None = None
    fs_path: str | None = None
    opener: Opener | None = None
    identity: tuple[int, int] | None = None
    not_examined: bool = False
    budget: Budget | None = field(default=None, compare=False, repr=False)

    @property
    def path(self) -> str:
        """The item's identity inside its evidence root: its steps' names joined by ``//``."""
        return SEPARATOR.join(step.name for step in self.steps)

    @property
    def readable(self) -> bool:
        """True when the item's bytes can be read."""
        return self.problem is None and (self.fs_path is not None or self.opener is not None)

    def open(self) -> BinaryIO:
        """Open the item's bytes for reading.

        Raises:
            OSError: the item cannot be read.
        """
        if self.fs_path is not None:
            from warden.hashing.digests import open_evidence

            return open_evidence(self.fs_path, self.identity)
        if self.opener is None:
            raise OSError(self.problem or "the item has no content to read")
        return self.opener()


@dataclass(frozen=True, slots=True)
class Limits:
    """Bounds on what containers may cost: hostile archives and images must end as item errors.

    Attributes:
        depth: containers nested deeper than this are recorded, not opened (the evidence root is depth 0).
        members: most items one container may yield; the rest are summed up in one error item.
        member_bytes: largest item a container may give out; a larger one is an error item, not read.
        ratio: largest uncompressed/compressed ratio of an archive member before it counts as a bomb.
        total_bytes: most bytes one archive may give out in all its members, counting those of every
            archive nested inside it (decompressed, or read from a spool).
        total_items: most items one archive may give out, counting those of every archive nested inside it.
        seconds: most seconds one archive, with every archive nested inside it, may spend decompressing.
        exhibit: the exhibit (evidence label) these limits apply to, named in a refusal's advice on how to
            raise a limit for it alone (``warden scan --raise-limit``).
        keys: the secrets given to open encrypted volumes and backups (``warden scan --key-file``); never in
            a repr, a comparison or a work unit's spec (a unit carries the key files' paths instead).

    The defaults are the settings' declared defaults (declared once, in :mod:`warden.settings`);
    ``warden.evidence.containers.limits_from_settings`` gives the limits the settings ask for now.
    """

    depth: int = int(settings.MAX_NESTING.default)
    members: int = int(settings.MAX_MEMBERS.default)
    member_bytes: int = int(settings.MAX_MEMBER_BYTES.default)
    ratio: int = int(settings.MAX_RATIO.default)
    total_bytes: int = int(settings.MAX_CONTAINER_BYTES.default)
    total_items: int = int(settings.MAX_CONTAINER_ITEMS.default)
    seconds: int = int(settings.MAX_CONTAINER_SECONDS.default)
    exhibit: str | None = None
    keys: Keys = field(default=Keys(), repr=False, compare=False)

    def to_json(self) -> dict[str, JsonScalar | list[str]]:
        """The limits as JSON, for the case's record and a work unit's spec: the key files' paths, never a
        secret (``key_files``, only when there are any)."""
        facts: dict[str, JsonScalar | list[str]] = {
            name: getattr(self, name) for name in self.__dataclass_fields__ if name != "keys"
        }
        if self.keys.files:
            facts["key_files"] = list(self.keys.files)
        return facts

    @classmethod
    def from_json(cls, facts: Mapping[str, Any]) -> Limits:
        """Limits from :meth:`to_json`'s form, the secrets read again from the key files it names.

        Raises:
            EvidenceKeyFileError: a key file cannot be read here or is malformed.
        """
        values = {name: value for name, value in facts.items() if name != "key_files"}
        paths = [Path(path) for path in facts.get("key_files", [])]
        return cls(**values, keys=load_key_files(paths) if paths else Keys())


@runtime_checkable
class Container(Protocol):
    """A kind of item that holds other items (archive, disk image, thumbnail cache, photo with a thumbnail).

    Recognised by bytes, never by name. ``expand`` gets the container's bytes as a seekable binary stream
    and the container's own :class:`Item`, and yields the items inside with ``steps`` extending the
    container's. Problems with single members are yielded as items with ``problem`` set; a container that
    cannot be read at all raises :class:`ContainerError` (the walk records it against the container).
    """

    name: str

    def sniff(self, head: bytes, size: int | None) -> bool:
        """Whether ``head`` (the item's first :data:`HEAD_BYTES`, or all of a shorter one) is this kind."""

    def expand(self, stream: BinaryIO, container: Item, limits: Limits) -> Iterator[Item]:
        """The items inside, in a stable order.

        Raises:
            ContainerError: the container cannot be read (corrupt, truncated, unsupported variant).
        """


class VerifiableContainer(Container, Protocol):
    """A container that can say what it is as a whole, for the case's record of an evidence file.

    Disk-image formats implement it: the walk calls ``describe`` once for a container given directly as
    evidence and stores the result with the evidence (segments and their SHA-256, the image's stored MD5
    and whether the media matches it...).
    """

    def describe(self, container: Item) -> dict[str, JsonScalar]:
        """Facts about the whole container, as JSON scalars (may read it all, e.g. to verify a stored hash).

        Raises:
            ContainerError: it cannot be read.
        """


@runtime_checkable
class PartitionedContainer(Container, Protocol):
    """A container whose content lies in parts a scan can walk apart (a disk image's partitions).

    Disk-image formats implement it: a scan on a Ray cluster gives each large part of one image to a work
    unit of its own (:mod:`warden.scan.units`).
    """

    def parts(self, container: Item) -> list[tuple[str, int]]:
        """The parts, read from the partition table only: the step name their items carry (``p1``...)
        and their length in bytes; empty when the image is one file system or its table cannot be read.

        Raises:
            ContainerError: it cannot be read.
        """


class ContainerError(Exception):
    """A container cannot be read; the message says why, for the container item's error record.

    Internal: caught inside the walk and recorded, never raised to a user.
    """


HEAD_BYTES = 65536
"""How much of an item the walk reads to recognise containers (an EXIF block fits in the first 64 KiB)."""

CONTAINERS: Registry[Container] = Registry("container format")
"""Every container format, tried in registration order; the first whose sniff accepts an item expands it."""


@runtime_checkable
class EvidenceSource(Protocol):
    """A kind of evidence root given on the command line (a folder, a file, a disk image)."""

    name: str

    def claims(self, path: Path) -> bool:
        """Whether this source reads ``path`` (decided by what it is and its bytes, never its name)."""

    def items(self, path: Path) -> Iterator[Item]:
        """Every item directly in the evidence, in a stable order, problems included as items."""


SOURCES: Registry[EvidenceSource] = Registry("evidence source")
