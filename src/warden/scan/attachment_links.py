"""Which recorded item is a message attachment's file, by the path the app recorded for it (pure).

An app records where it keeps a file on the device: WhatsApp ``Media/WhatsApp Images/Sent/IMG-...jpg``
(relative to its media folder), iOS ``~/Library/SMS/Attachments/ab/11/<GUID>/IMG_0001.HEIC``, Android MMS
``/data/user/0/com.android.providers.telephony/app_parts/PART_...``. The item is found in the same evidence as
the database by the end of its path: the recorded path's names, from the last, must equal the item's path's
last names, at least the file name and its folder; the item sharing the most names is the file, and none is
linked when two share as many (never a guess between copies).

An export records its files relative to its own folder (Telegram ``photos/photo_1@...jpg``, WhatsApp's file
beside ``_chat.txt``, Instagram's ``uri`` from the export's root): such a path is first looked for exactly
against the folders of the export's source item, nearest first, at the same level of the evidence; the first
folder where it names a recorded item gives the link (``path``), before the rule above.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from warden.case.conversations import Link, UnlinkedAttachment
from warden.evidence.base import SEPARATOR
from warden.evidence.names import escape_text

MIN_NAMES = 2
"""Fewest trailing names (the file's and its folder's) a recorded path and an item's path must share."""
_LEADING = {"", ".", "~"}


def path_names(path: str) -> list[str]:
    """An app's recorded path as item-path names: ``\\`` read as ``/``, ``~`` and ``.`` dropped, each name
    escaped as the walk escapes names (so that one with a backslash or odd bytes compares equal)."""
    names = [name for name in path.replace("\\", "/").split("/") if name not in _LEADING]
    return [escape_text(name) for name in names if name != ".."]


def item_names(path: str) -> list[str]:
    """An item path's names across its levels (``disk.E01//p2//a/b.jpg``: ``disk.E01``, ``p2``, ``a``,
    ``b.jpg``)."""
    return [name for name in path.replace(SEPARATOR, "/").split("/") if name]


def _shared(left: list[str], right: list[str]) -> int:
    count = 0
    for a, b in zip(reversed(left), reversed(right), strict=False):
        if a != b:
            break
        count += 1
    return count


def _relative(attachment: UnlinkedAttachment) -> bool:
    """Whether the recorded path may be relative to its source's folder (not absolute, not a link)."""
    path = attachment.path.replace("\\", "/")
    return attachment.source_path is not None and not path.startswith(("/", "~")) and "://" not in path


def export_folders(source_path: str) -> list[str]:
    """The folders of a source item at its own level of the evidence, nearest first, each as the prefix an
    item path in it starts with (``a//b/c/result.json``: ``a//b/c/``, ``a//b/``, ``a//``)."""
    top, separator, inner = source_path.rpartition(SEPARATOR)
    base = top + separator
    parts = inner.split("/")[:-1]
    folders = [base + "/".join(parts[:depth]) + "/" for depth in range(len(parts), 0, -1)]
    return [*folders, base] if base else [*folders, ""]


def _in_export(attachment: UnlinkedAttachment, names: list[str], by_path: dict[str, int]) -> int | None:
    """The item the recorded path names exactly from one of its source's folders (nearest first), or None."""
    if attachment.source_path is None or not _relative(attachment):
        return None
    relative = "/".join(names)
    for folder in export_folders(attachment.source_path):
        item_id = by_path.get(folder + relative)
        if item_id is not None:
            return item_id
    return None


def path_links(
    unlinked: Sequence[UnlinkedAttachment], items_of: Callable[[int], Sequence[tuple[int, str]]]
) -> list[Link]:
    """The links found by path for ``unlinked`` attachments.

    Args:
        unlinked: attachments with a recorded path and no item yet.
        items_of: (id, path) of the items with content of one evidence (asked once per evidence).
    """
    links: list[Link] = []
    by_evidence: dict[int, list[tuple[UnlinkedAttachment, list[str]]]] = {}
    for attachment in unlinked:
        names = path_names(attachment.path)
        if len(names) >= MIN_NAMES or (names and _relative(attachment)):
            by_evidence.setdefault(attachment.evidence_id, []).append((attachment, names))
    for evidence_id, attachments in by_evidence.items():
        wanted = {names[-1] for _, names in attachments}
        by_name: dict[str, list[tuple[int, list[str]]]] = {}
        by_path: dict[str, int] = {}
        for item_id, path in items_of(evidence_id):
            names = item_names(path)
            if names and names[-1] in wanted:
                by_name.setdefault(names[-1], []).append((item_id, names))
                by_path.setdefault(path, item_id)
        for attachment, names in attachments:
            beside = _in_export(attachment, names, by_path)
            if beside is not None:
                links.append(Link(attachment.id, beside, "path"))
                continue
            if len(names) < MIN_NAMES:
                continue
            scored = sorted(
                ((_shared(names, item), item_id) for item_id, item in by_name.get(names[-1], [])),
                reverse=True,
            )
            if not scored or scored[0][0] < MIN_NAMES:
                continue
            if len(scored) > 1 and scored[1][0] == scored[0][0]:
                continue  # two files end the same way: which one the app sent is not known
            links.append(Link(attachment.id, scored[0][1], "path"))
    return links
