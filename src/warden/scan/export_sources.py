"""Which recorded items may be an app's export, and which of the items beside one a reader needs (pure).

An export is found by the name of one of its files (:data:`ENDINGS`), never read by it: the reader that opens
the copy decides from its content. What is copied keeps the export's layout, relative to
:attr:`Export.folder`:

- a single-file export (Telegram's ``result.json``, WhatsApp's ``_chat.txt`` or ``WhatsApp Chat with
  ....txt``): that file alone;
- a Discord data package (found by ``messages/index.json``): the JSON and CSV files of its ``messages/``
  tree, and ``account/user.json`` (the package's owner, for the direction of its messages);
- an Instagram thread (found by ``messages/inbox/<thread>/message_1.json``, or another of Meta's thread
  folders): the thread's ``message_N.json`` files, and the export's ``personal_information.json`` (its
  owner, for the direction of its messages), laid out from the export's root.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from warden.conversations.instagram_export import PERSONAL_FILES
from warden.evidence.base import SEPARATOR

ENDINGS: tuple[str, ...] = ("result.json", "_chat.txt", ".txt", "messages/index.json", "message_1.json")
"""Path endings of the items that may be an export (narrowed by :func:`export_of`)."""
MOST_FILES = 10_000
"""Most files copied for one export: a package with more is an error of its item, not read."""
INSTAGRAM_THREADS = ("inbox", "message_requests", "archived_threads", "e2ee_cutover", "filtered_threads")
"""The folders under an Instagram export's ``messages/`` that hold thread folders."""
_INSTAGRAM = [["messages", kind] for kind in INSTAGRAM_THREADS]
_WHATSAPP = re.compile(r"WhatsApp Chat (?:with|-) .+\.txt", re.I)
_PART = re.compile(r"message_\d+\.json")
_DISCORD = "messages/index.json"


@dataclass(frozen=True, slots=True)
class Export:
    """An export as the scan copies it.

    Attributes:
        kind: ``file`` (one file), ``discord`` (a package's ``messages/`` tree), ``instagram`` (a thread).
        folder: the item-path prefix the copies keep their layout under (ends with ``/`` or ``//``, or empty).
        source: the path, relative to the copy of ``folder``, of what the reader is given (empty: the folder).
    """

    kind: str
    folder: str
    source: str

    @property
    def place(self) -> str:
        """The item path of what the reader is given (the file, or the export's folder)."""
        whole = self.folder + self.source
        return whole.removesuffix(SEPARATOR).removesuffix("/")


def _names(path: str) -> list[str]:
    """The names of the path's own level (after its last container)."""
    return path.rpartition(SEPARATOR)[2].split("/")


def export_of(path: str) -> Export | None:
    """The export an item's path names, if its name is one an export uses; None for any other item."""
    names = _names(path)
    name = names[-1]
    if name in ("result.json", "_chat.txt") or _WHATSAPP.fullmatch(name):
        return Export("file", path[: len(path) - len(name)], name)
    if path == _DISCORD or path.endswith(("/" + _DISCORD, SEPARATOR + _DISCORD)):
        return Export("discord", path[: len(path) - len(_DISCORD)], "")
    if name == "message_1.json" and len(names) >= 4 and names[-4:-2] in _INSTAGRAM:
        inner = names[-5:-1] if names[-5:-4] == ["your_instagram_activity"] else names[-4:-1]
        source = "/".join(inner)
        folder = path[: len(path) - len(name) - len(source) - 1]
        return Export("instagram", folder, source)
    return None


def single_file(path: str) -> Export:
    """An item read as an export on its own (a mapped CSV or JSON-lines export the examiner named)."""
    name = _names(path)[-1]
    return Export("file", path[: len(path) - len(name)], name)


def needed(export: Export, under: Iterable[tuple[str, str, int]]) -> list[tuple[str, str, int]]:
    """The (path, SHA-256, size) among the items ``under`` the export's folder that its reader needs."""
    wanted: list[tuple[str, str, int]] = []
    for row in under:
        relative = row[0][len(export.folder) :]
        names = relative.split("/")
        if not row[0].startswith(export.folder) or SEPARATOR in relative:
            continue  # another container's members are not the export's files
        if any(part in ("", ".", "..") for part in names):
            continue
        if export.kind == "file":
            keep = relative == export.source
        elif export.kind == "discord":
            keep = (names[0] == "messages" and names[-1].lower().endswith((".json", ".csv"))) or (
                relative == "account/user.json"
            )
        else:
            keep = relative in PERSONAL_FILES or (
                relative.rpartition("/")[0] == export.source and bool(_PART.fullmatch(names[-1]))
            )
        if keep:
            wanted.append(row)
    return wanted


def prefixes(export: Export) -> tuple[str, ...]:
    """The item-path prefixes the files an export needs start with (what the case is asked for)."""
    if export.kind == "file":
        return (export.folder + export.source,)
    if export.kind == "instagram":
        return (f"{export.folder}{export.source}/", *(export.folder + p for p in PERSONAL_FILES))
    return (f"{export.folder}messages/", f"{export.folder}account/user.json")
