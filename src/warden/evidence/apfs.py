"""APFS containers (Macs since 2017, iPhones), via libfsapfs: every volume in the container, walked.

An APFS container holds volumes that share its space (``Macintosh HD``, ``Data``, ``Preboot``...). Each is a
``volume`` step named by the volume's name, and its files follow as ``file`` steps
(``mac.dmg//p2//Data//Users/x/photo.jpg``). A resource fork is an item of its own (``photo.jpg:rsrc``);
compressed files give their uncompressed content. An encrypted volume is unlocked with a password or
recovery key given with ``warden scan --key-file``, and its step records which line of which key file opened
it (never the secret); without one that opens it, the volume is "not examined: encrypted" and the other
volumes are still walked. Snapshots and deleted files are not read (``docs/limits.md``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, BinaryIO

from warden.evidence.base import ContainerError, Item, Limits, Step
from warden.evidence.file_tree import FileTree
from warden.evidence.names import escape_text, repeated
from warden.evidence.virtual_disk import reason

LABEL = "APFS container"
SECRET_KINDS = ("password", "recovery-key")
"""The secrets an encrypted APFS volume takes: its user password or the FileVault recovery key."""


def apfs_items(stream: BinaryIO, size: int, container: Item, limits: Limits, carve: bool) -> Iterator[Item]:
    """Every file of every volume in an APFS container, volume by volume in the container's order.

    Args:
        stream: the container's bytes.
        size: their length.
        container: the container's item (a file given as evidence, a partition, a logical volume).
        limits: the container limits and the secrets given (``limits.keys``).
        carve: not used: free space inside APFS is not carved (``docs/limits.md``).

    Raises:
        ContainerError: the container's header cannot be read.
    """
    del carve
    import pyfsapfs

    handle = pyfsapfs.container()
    try:
        handle.open_file_object(stream)
        count = int(handle.number_of_volumes)
    except (OSError, ValueError, MemoryError) as error:
        raise ContainerError(f"{LABEL} header is damaged: {reason(error)}") from None
    # Closed with the stream by the walk: an item opened after that gets the closed stream's error.
    budget = max(limits.total_bytes, 2 * size)
    names: dict[str, int] = {}
    for index in range(count):
        try:
            volume = handle.get_volume(index)
            name = escape_text(str(volume.name or ""))
        except (OSError, ValueError, MemoryError) as error:
            step = Step("volume", f"(volume {index + 1})", {"file_system": "apfs", "index": index})
            yield _fact(container, step, f"APFS volume {index + 1} unreadable: {reason(error)}")
            continue
        copy = names[name] = names.get(name, 0) + 1
        step = Step(
            "volume",
            repeated(name, copy) if copy > 1 else name,
            {"file_system": "apfs", "index": index, "volume": name},
        )
        opened_with, problem = _unlocked(volume, limits)
        if problem is not None:
            yield _fact(container, step, problem)
            continue
        if opened_with is not None:
            step = Step(step.kind, step.name, {**step.detail, "unlocked_with": opened_with})
        try:
            root = volume.get_root_directory()
        except (OSError, ValueError, MemoryError) as error:
            yield _fact(container, step, f"APFS volume unreadable: {reason(error)}")
            continue
        tree = FileTree(
            root,
            volume.get_file_entry_by_identifier,
            lambda entry: int(entry.identifier),
            (*container.steps, step),
            {"file_system": "apfs", "volume": name},
            container.state,
            limits,
            budget,
        )
        yield from tree.items()
        budget = tree.budget


def _unlocked(volume: Any, limits: Limits) -> tuple[str | None, str | None]:
    """``(source of the secret that opened it, None)``, ``(None, None)`` for a volume that is not locked,
    or ``(None, why it stays locked)``."""
    try:
        if not volume.is_locked():
            return None, None
    except (OSError, ValueError) as error:
        return None, f"APFS volume unreadable: {reason(error)}"
    secrets = limits.keys.of_kind(*SECRET_KINDS)
    if not secrets:
        return None, "encrypted (APFS volume): no key given (warden scan --key-file)"
    for secret in secrets:
        try:
            if secret.kind == "recovery-key":
                volume.set_recovery_password(secret.value)
            else:
                volume.set_password(secret.value)
            if volume.unlock():
                return secret.source, None
        except (OSError, ValueError):
            continue  # a wrong secret: the next one
    return None, f"encrypted (APFS volume): none of the {len(secrets)} keys given opens it"


def _fact(container: Item, step: Step, problem: str) -> Item:
    """A volume recognised but not examined: a fact the report lists, with the reason."""
    return Item((*container.steps, step), state=container.state, problem=problem, not_examined=True)
