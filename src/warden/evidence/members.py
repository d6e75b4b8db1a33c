"""What every archive container shares: member names made safe and unique, limits, and member items.

A member's name is the archive's word: it may climb out of any folder (``../../etc/passwd``), be absolute,
name a drive, or hide control characters. Such a member is still evidence, so it is kept, under a printable
relative name, and flagged ``unsafe_name`` with the original in ``original_name``. Nothing is ever written
to disk under a member's name.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import BinaryIO

from warden.clock import from_timestamp
from warden.evidence.base import Item, JsonScalar, Limits, Opener, Step
from warden.evidence.bounded import Decoded, open_bounded
from warden.evidence.budget import Budget, Meter
from warden.evidence.limits import LimitExceeded, exceeded, refusal
from warden.evidence.names import escape_text, has_hidden

RATIO_FLOOR = 1 << 20
"""Members that expand to less than this are never called bombs, whatever their ratio: they cost nothing,
and small runs of zeros or blank images legitimately compress more than a thousand times."""

ENCRYPTED = "encrypted, cannot be read without the password"

_DRIVE = re.compile(r"^[A-Za-z]:")


def safe_name(raw: str) -> tuple[str, bool]:
    """A member name as a printable, relative, ``/``-separated path, and whether the original was unsafe.

    Backslashes count as separators (archives made on Windows use them). ``..`` becomes ``__``, a leading
    ``/`` or drive letter is dropped or defused, control and invisible formatting characters (which can
    disguise a name, e.g. a right-to-left override) are shown as ``\\xNN``/``\\uNNNN``, and bytes that were
    not valid text as ``\\xNN``. Empty components are dropped, so a name never contains ``//``, the
    separator of provenance steps.
    """
    text = raw.replace("\\", "/")
    unsafe = text.startswith("/")
    drive = _DRIVE.match(text)
    if drive:
        unsafe = True
        text = f"{text[0]}_{text[2:]}"
    parts: list[str] = []
    for part in text.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            unsafe = True
            parts.append("__")
            continue
        shown, hidden = escape_text(part, visible=True), has_hidden(part)
        unsafe = unsafe or hidden
        parts.append(shown)
    return "/".join(parts) or "_", unsafe


def iso_utc(moment: datetime) -> str:
    """A time in the case's form (ISO 8601, UTC, ``Z``); a time without a zone is written as if UTC."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def dos_time(date_time: tuple[int, int, int, int, int, int]) -> str | None:
    """An MS-DOS date and time (zip, rar 4), which is local time of an unknown zone, or None if invalid."""
    try:
        # The zone is unknown: the time is written as if UTC and the step's detail says so.
        return iso_utc(datetime(*date_time))
    except ValueError:
        return None


def epoch_time(seconds: float | None) -> str | None:
    """A POSIX time in the case's form, or None when absent or out of range."""
    if seconds is None:
        return None
    try:
        return from_timestamp(seconds)
    except (ValueError, OverflowError, OSError):
        return None


class Members:
    """Turns one archive's entries into items, one at a time: safe unique names, limits, provenance.

    Args:
        container: the archive's own item; members extend its steps and inherit its state. When it is
            itself inside an archive, that archive's budget is charged too (:mod:`warden.evidence.budget`).
        archive: the archive format for each step's detail (``zip``, ``tar``, ``7z``...).
        limits: the bounds to apply.
    """

    def __init__(self, container: Item, archive: str, limits: Limits) -> None:
        self.container = container
        self.archive = archive
        self.limits = limits
        self.budget = container.budget or Budget(limits, container.path)
        self.listed = 0
        self.declared_total = 0
        self._names: set[str] = set()
        self._copies: dict[str, int] = {}

    @property
    def full(self) -> bool:
        """Whether the member limit, or the outermost archive's item limit, is reached: the caller stops
        listing and yields :meth:`overflow`."""
        return self.listed >= self.limits.members or self.budget.items_left <= 0

    def item(
        self,
        raw_name: str,
        detail: Mapping[str, JsonScalar],
        *,
        size: int | None,
        compressed: int | None = None,
        decode: Callable[[], Decoded] | None = None,
        cheap_seek: bool = False,
        problem: str | None = None,
        times: Mapping[str, str | None] | None = None,
        metered: bool = True,
    ) -> Item:
        """One member as an item, with the limits applied to its declared sizes.

        Args:
            raw_name: the name as the archive gives it.
            detail: format-specific facts for the step; ``archive``, ``index`` and name flags are added.
            size: declared uncompressed size.
            compressed: declared compressed size, when the format keeps one per member.
            decode: opens the member's decoded content; the item's opener bounds it by the limits.
                Dropped when the member has or gets a problem.
            cheap_seek: whether seeking the decoded content is cheap (stored bytes of a seekable file).
            problem: why it cannot be read, decided by the format (encrypted, a link...).
            times: ``mtime``, ``atime``, ``ctime``, ``crtime`` in the case's form.
            metered: charge the bytes read to the outermost archive's budget; False when the format charges
                them itself where it decompresses them (7z).
        """
        name, unsafe = safe_name(raw_name)
        full_detail: dict[str, JsonScalar] = {"archive": self.archive, "index": self.listed}
        full_detail.update(detail)
        if unsafe:
            full_detail["unsafe_name"] = True
        if name != raw_name:
            full_detail["original_name"] = repr(raw_name)
        unique = self._unique(name)
        if unique != name:
            full_detail["duplicate_name"] = True
        self.listed += 1
        self.budget.take_item()
        opener: Opener | None = None
        if problem is None and decode is not None:
            problem = self.size_problem(size, compressed)
            if problem is None:
                opener = self._opener(decode, compressed, unique, cheap_seek, metered)
                self.declared_total += size or 0
        step = Step("member", unique, full_detail)
        return Item(
            steps=(*self.container.steps, step),
            state=self.container.state,
            size=size,
            problem=problem,
            opener=opener,
            not_examined=problem == ENCRYPTED,  # a fact of the evidence: reported as not examined
            budget=self.budget,
            mtime=(times or {}).get("mtime"),
            atime=(times or {}).get("atime"),
            ctime=(times or {}).get("ctime"),
            crtime=(times or {}).get("crtime"),
        )

    def _opener(
        self,
        decode: Callable[[], Decoded],
        compressed: int | None,
        name: str,
        cheap_seek: bool,
        metered: bool,
    ) -> Opener:
        label = f"{self.archive} member {name!r}"
        limit, over = self.read_limit(compressed, label)
        # One meter for every opening: the walk reads a member's head, the scan all of it, a nested
        # archive parts of it again; the budget counts its bytes once.
        meter = Meter(self.budget) if metered else None

        def opener() -> BinaryIO:
            spent = self.budget.spent()
            if spent is not None and (meter is None or meter.reached == 0):
                raise spent
            return open_bounded(decode, limit, label, cheap_seek=cheap_seek, over=over, meter=meter)

        return opener

    def size_problem(self, size: int | None, compressed: int | None) -> str | None:
        """Why a member of these declared sizes is not read (too big, a likely bomb, over the total), in words
        that name the limit and how to raise it; None when it may be read."""
        limits = self.limits
        spent = self.budget.spent()
        if spent is not None:
            return str(spent)
        if size is None:
            return None
        if size > limits.member_bytes:
            return refusal(
                limits, "member_bytes", f"over the member size limit: declares {size} bytes; not read"
            )
        if compressed is not None and size > RATIO_FLOOR and size > limits.ratio * max(compressed, 1):
            return refusal(
                limits,
                "ratio",
                f"possible zip bomb: {compressed} bytes expand to {size}, over {limits.ratio} times; "
                "not read",
            )
        if self.declared_total + size > limits.total_bytes:
            return refusal(
                limits,
                "total_bytes",
                f"over the archive's total size limit: the members before it declare {self.declared_total} "
                "bytes; not read",
            )
        if size > self.budget.bytes_left:
            return refusal(
                limits,
                "total_bytes",
                f"over the archive's total size limit: {self.budget.root!r} with the archives inside it has "
                f"given out {self.budget.bytes} bytes; not read",
            )
        return None

    def read_limit(self, compressed: int | None, label: str) -> tuple[int, LimitExceeded]:
        """Most bytes the next member's stream may produce, whatever its declared size says, and the error
        its stream raises past them (naming the limit that binds)."""
        limits = self.limits
        bounds = [
            (limits.member_bytes, "member_bytes"),
            (max(limits.total_bytes - self.declared_total, 0), "total_bytes"),
        ]
        if compressed is not None:
            bounds.append((max(RATIO_FLOOR, limits.ratio * compressed), "ratio"))
        bound, field = min(bounds)
        what = f"{label} goes past {bound} bytes: over the limit, possible decompression bomb"
        return bound, exceeded(limits, field, what)

    def overflow(self, remaining: int | None) -> Item:
        """The one item that stands for every entry past the member limit (or the outermost archive's)."""
        count = f"{remaining} more entries" if remaining is not None else "more entries"
        if self.listed >= self.limits.members:
            what = f"{count} not listed: over the limit of {self.limits.members} members per container"
            problem = refusal(self.limits, "members", what)
        else:
            what = (
                f"{count} not listed: {self.budget.root!r} with the archives inside it has given out "
                f"{self.budget.items} items"
            )
            problem = refusal(self.limits, "total_items", what)
        detail: dict[str, JsonScalar] = {"archive": self.archive, "skipped": remaining}
        step = Step("member", self._unique("__more_members__"), detail)
        return Item(steps=(*self.container.steps, step), state=self.container.state, problem=problem)

    def _unique(self, name: str) -> str:
        candidate = name
        if candidate in self._names:
            # Remember the last suffix per name: an archive of one name repeated stays linear.
            copy = self._copies.get(name, 1)
            while candidate in self._names:
                copy += 1
                candidate = f"{name}#{copy}"
            self._copies[name] = copy
        self._names.add(candidate)
        return candidate
