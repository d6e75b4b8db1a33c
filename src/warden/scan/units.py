"""Work units of a scan on a Ray cluster: what a unit is, where it may run, and its JSON forms.

A unit is one container (a disk image, an archive) lying directly in an evidence root (an evidence file
itself, or a file directly found in an evidence folder) whose size is at least ``WARDEN_RAY_UNIT_BYTES``: a
node opens it by path, walks it with the exhibit's limits, spools and hashes everything in it, and sends
back each item's record and hashes (see :mod:`warden.scan.unit_task`). Only such items are units, because
only they have a path every node can open; a large container nested deeper lies inside one that is at
least as large (unless it compresses very well), so it is inside a unit already. A disk image with two or
more partitions of that size is split: one unit for each of them (a :class:`Scope` with ``only``) and one
for the rest of it (``exclude``: other partitions, carved space). Each opens the same file and walks only
its own part: its container still lists every file (so per-image limits count the same), but the walk
passes over the others' files unread.

Everything that crosses to and from a unit is JSON text, never a pickled object of ours.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from warden.evidence.base import SEPARATOR, Item, Step
from warden.model.records import ItemError, ItemRecord
from warden.model.states import State
from warden.scan.file_mark import FileMark


@dataclass(frozen=True, slots=True)
class Scope:
    """Which part of a unit's container the unit walks, by item path.

    Attributes:
        only: the path of one part (``disk.img//p1``: a partition): every item under it.
        exclude: paths of parts other units walk: every item but those under them.
    """

    only: str | None = None
    exclude: tuple[str, ...] = ()

    def holds(self, path: str) -> bool:
        """Whether the item ``path`` is this unit's to record."""
        if self.only is not None:
            return path == self.only or path.startswith(self.only + SEPARATOR)
        return not any(path == other or path.startswith(other + SEPARATOR) for other in self.exclude)

    def selects(self, item: Item) -> bool:
        """Whether a walk of this unit takes ``item`` (the walk's ``select``): what it holds, and the
        containers on the way to it; the rest is passed over unread."""
        path = item.path
        return self.holds(path) or (self.only is not None and self.only.startswith(path + SEPARATOR))

    def describe(self, container: str) -> str:
        """The unit's name in the case log: its container, and which part of it."""
        if self.only is not None:
            return self.only
        return f"{container} (but its {len(self.exclude)} large parts)" if self.exclude else container

    def to_json(self) -> dict[str, Any]:
        """As JSON."""
        return {"only": self.only, "exclude": list(self.exclude)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Scope:
        """The scope :meth:`to_json` gave."""
        return cls(data.get("only"), tuple(data.get("exclude", ())))


WHOLE = Scope()
"""A unit's whole container."""


@dataclass(slots=True)
class UnitSpec:
    """What a node needs to run one unit (sent as JSON text).

    Attributes:
        label: the exhibit's label (items are recorded under it).
        item: the container item, as :func:`item_to_json` gives it.
        limits: the exhibit's container limits (``Limits`` as a dict, ``exhibit`` set).
        skip: paths of the unit's items the case holds already.
        spool: the folder under which the node makes its private spool ("" for the node's temporary folder).
        root_is_evidence: the item is the evidence file itself (its SHA-256 is the evidence's).
        options: hashing options, as every worker gets them.
        timeout: seconds one item may take to hash.
        memory_mb: address space one item may use.
        batch: items per message sent back (a message also goes at least every second).
        scope: which part of the container is this unit's (:meth:`Scope.to_json`; all of it by default).
    """

    label: str
    item: dict[str, Any]
    limits: dict[str, Any]
    skip: list[str]
    spool: str
    root_is_evidence: bool
    options: dict[str, Any]
    timeout: float
    memory_mb: int
    batch: int
    scope: dict[str, Any] = field(default_factory=WHOLE.to_json)


def item_to_json(item: Item) -> dict[str, Any]:
    """A listed file's item (directly in an evidence root, with ``fs_path`` and identity) as JSON.

    Raises:
        ValueError: the item is not a listed file.
    """
    if item.fs_path is None or item.identity is None or item.budget is not None:
        raise ValueError(f"{item.path} is not a listed file of an evidence root")
    return {
        "steps": [[step.kind, step.name, dict(step.detail)] for step in item.steps],
        "state": item.state.value,
        "size": item.size,
        "times": [item.mtime, item.ctime, item.atime, item.crtime],
        "fs_path": item.fs_path,
        "mark": FileMark.of(item.fs_path, item.identity).to_json(),
    }


def item_from_json(data: dict[str, Any]) -> Item:
    """The item :func:`item_to_json` gave, with the identity it must have on this machine."""
    fs_path = str(data["fs_path"])
    mtime, ctime, atime, crtime = data["times"]
    return Item(
        steps=tuple(Step(kind, name, detail) for kind, name, detail in data["steps"]),
        state=State(data["state"]),
        size=data["size"],
        mtime=mtime,
        ctime=ctime,
        atime=atime,
        crtime=crtime,
        fs_path=fs_path,
        identity=FileMark.from_json(data["mark"]).identity_here(fs_path),
    )


def record_to_json(record: ItemRecord) -> dict[str, Any]:
    """An item's record as the walk made it (before hashing) as JSON."""
    return {
        "path": record.path,
        "size": record.size,
        "times": [record.mtime, record.ctime, record.atime, record.crtime],
        "state": record.state.value,
        "provenance": record.provenance,
        "parent": record.parent,
        "errors": [[error.stage, error.message] for error in record.errors],
        "not_examined": record.not_examined,
    }


def record_from_json(label: str, data: dict[str, Any]) -> ItemRecord:
    """The record :func:`record_to_json` gave, under the exhibit ``label``."""
    mtime, ctime, atime, crtime = data["times"]
    return ItemRecord(
        evidence=label,
        path=data["path"],
        size=data["size"],
        mtime=mtime,
        ctime=ctime,
        atime=atime,
        crtime=crtime,
        state=State(data["state"]),
        provenance=list(data["provenance"]),
        parent=data["parent"],
        errors=[ItemError(stage, message) for stage, message in data["errors"]],
        not_examined=data["not_examined"],
    )


def resources_for(path: str, mapping: str) -> dict[str, float]:
    """The custom Ray resource a unit of ``path`` asks for under ``WARDEN_RAY_EVIDENCE_RESOURCES``.

    ``mapping`` is ``PREFIX=RESOURCE`` pairs separated by ``;``; the longest prefix holding ``path`` wins.
    A unit asks for a thousandth of the resource, so a node holding it runs any number of units.

    Raises:
        ValueError: a pair is malformed (the message names the setting).
    """
    best: tuple[int, str] | None = None
    for pair in mapping.split(";"):
        if not pair.strip():
            continue
        prefix, equals, resource = pair.partition("=")
        if not equals or not prefix.strip() or not resource.strip():
            raise ValueError(
                f"WARDEN_RAY_EVIDENCE_RESOURCES: {pair.strip()!r} is not PREFIX=RESOURCE "
                "(pairs separated by ';')"
            )
        folder = PurePosixPath(prefix.strip())
        if (folder == PurePosixPath(path) or folder in PurePosixPath(path).parents) and (
            best is None or len(folder.parts) > best[0]
        ):
            best = (len(folder.parts), resource.strip())
    return {best[1]: 0.001} if best else {}
