"""What a case records about each item of evidence: pure data shared by scan, storage and reports."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, NamedTuple

from warden.model.categories import Category, most_serious
from warden.model.hashes import Media
from warden.model.states import State

__all__ = [
    "NOT_EXAMINED",
    "ItemError",
    "ItemRecord",
    "MatchKind",
    "MatchRecord",
    "Media",
    "State",
    "VideoSegment",
    "match_kind",
]


class ItemError(NamedTuple):
    """One problem with one item: the stage it happened in and what went wrong. Never raised; recorded."""

    stage: str
    message: str


NOT_EXAMINED = "not-examined"
"""The stage under which ``case.db`` keeps why an item was not examined, beside the items' errors (so every
reader of recorded problems still sees it); read back into :attr:`ItemRecord.not_examined`, never an error."""


class MatchKind(StrEnum):
    """How an item matched a hash-set entry: reports must say which kind each match is."""

    EXACT = "exact"
    PDQ = "pdq"
    VPDQ = "vpdq"


def match_kind(text: str) -> str:
    """A recorded match kind: the :class:`MatchKind` member when it is one, else the text (a plug-in's)."""
    return MatchKind(text) if text in MatchKind.__members__.values() else text


def clock_time(seconds: float) -> str:
    """Seconds as a video player shows them: ``MM:SS``, or ``H:MM:SS`` from an hour on (rounded down)."""
    whole = max(0, int(seconds))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


@dataclass(frozen=True, slots=True)
class VideoSegment:
    """A stretch of an item's video that is a stretch of a listed video: where it lies in each, in seconds.

    Attributes:
        item_start: where the shared part starts in the item; ``item_end`` where it ends.
        known_start: where it starts in the listed video; ``known_end`` where it ends.
        variant: which form of the item's frames matched: ``original``, ``mirrored``, ``trimmed`` (black bars
            cut off) or ``trimmed+mirrored``.
        frames: how many of the item's sampled frames matched in it.
    """

    item_start: float
    item_end: float
    known_start: float
    known_end: float
    variant: str = "original"
    frames: int = 0

    def describe(self, known: str) -> str:
        """The segment as an examiner reads it: ``00:12-00:41 of the item = 00:00-00:29 of <known>``."""
        item = f"{clock_time(self.item_start)}-{clock_time(self.item_end)}"
        listed = f"{clock_time(self.known_start)}-{clock_time(self.known_end)}"
        mirrored = f" ({self.variant})" if self.variant != "original" else ""
        return f"{item} of the item = {listed} of {known}{mirrored}"

    def to_json(self) -> dict[str, Any]:
        """The segment as stored in ``case.db`` and shown in ``report.json`` (seconds to the millisecond)."""
        return {
            "item_start": round(self.item_start, 3),
            "item_end": round(self.item_end, 3),
            "known_start": round(self.known_start, 3),
            "known_end": round(self.known_end, 3),
            "variant": self.variant,
            "frames": self.frames,
        }

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> VideoSegment:
        """The segment :meth:`to_json` wrote."""
        return cls(
            float(value["item_start"]),
            float(value["item_end"]),
            float(value["known_start"]),
            float(value["known_end"]),
            str(value.get("variant", "original")),
            int(value.get("frames", 0)),
        )


@dataclass(frozen=True, slots=True)
class MatchRecord:
    """One entry of one hash set that an item matched.

    Attributes:
        hashset: the hash set's name.
        kind: exact, pdq or vpdq (a :class:`MatchKind`), or a plug-in hash type's own kind.
        hash_kind: which hash type matched (md5, sha1, sha256, pdq, vpdq, or a plug-in's name).
        distance: 0 for exact; Hamming distance for PDQ; for vPDQ, 100 minus the lower of the two frame-match
            percentages.
        variant: which form of the item matched (``original``, ``flip_x``, ``trimmed+rotate90``...).
        source_id: the entry's id in its list (VICS MediaID and the like), if any.
        category: the entry's category.
        segments: for a video, each stretch of the item that is a stretch of the listed video, in the item's
            order (an excerpt has one; a listed video shown twice in a compilation, two); empty otherwise.
    """

    hashset: str
    kind: str
    hash_kind: str
    distance: float
    variant: str
    source_id: str | None
    category: Category
    segments: tuple[VideoSegment, ...] = ()

    def rank(self) -> tuple[int, int, float, str, str, str]:
        """Sort key for the match that speaks for the item: most serious, then exact first, then nearest.

        The trailing fields only make the order total, so that reports are the same byte for byte however
        the scan ran.
        """
        return (
            -self.category.severity,
            0 if self.kind == MatchKind.EXACT else 1,
            self.distance,
            self.hashset,
            self.variant,
            self.source_id or "",
        )


@dataclass(frozen=True, slots=True)
class ReviewRecord:
    """A second reviewer's verdict on a grade: ``confirm`` or ``dispute``, by whom, when and why."""

    user: str
    verdict: str
    at: str
    note: str | None = None


@dataclass(frozen=True, slots=True)
class GradeRecord:
    """An examiner's current grade of an item, with the second reviews of that grade.

    Attributes:
        grade_id: the grade's row (its history is in the ``grades`` table).
        category: the grade.
        user: who graded.
        at: when.
        note: why, if given.
        reviews: second reviews of this grade, oldest first.
    """

    grade_id: int
    category: Category
    user: str
    at: str
    note: str | None = None
    reviews: tuple[ReviewRecord, ...] = ()

    @property
    def status(self) -> str:
        """``confirmed`` or ``disputed`` by the latest review, else ``unreviewed``."""
        if not self.reviews:
            return "unreviewed"
        return "confirmed" if self.reviews[-1].verdict == "confirm" else "disputed"


@dataclass(slots=True)
class ItemRecord:
    """Everything the case keeps about one item: where it is, its hashes, its matches and its problems.

    ``path`` is the item's place inside its evidence root (folders and file-system paths ``/``-separated,
    one container level from the next by ``//``); with ``evidence`` (the evidence label) it identifies the
    item stably across runs, which is what makes a scan resumable. ``provenance`` is the same place step by
    step with the facts of each level (partition offsets, inodes, archive members, carved offsets);
    ``state`` says whether the item was live, deleted, carved or a thumbnail; ``parent`` is the path of the
    container item it came out of.

    ``not_examined`` is a fact, not an error: why Warden, having recognised the item, did not look inside it
    (a container it cannot open, an encrypted member). Such an item is listed under "not examined" in the
    reports and not counted among the errors. An item of zero bytes is likewise a fact: ``size`` 0.
    ``low_quality_pdq`` is a fact too: its PDQ hash has too little detail (quality under the scan's
    ``pdq_min_quality``) to match perceptually; a note says so in words.
    """

    evidence: str
    path: str
    media: Media = Media.OTHER
    format: str | None = None
    size: int | None = None
    mtime: str | None = None
    ctime: str | None = None
    atime: str | None = None
    crtime: str | None = None
    state: State = State.LIVE
    provenance: list[dict[str, Any]] = field(default_factory=list)
    parent: str | None = None
    md5: str | None = None
    sha1: str | None = None
    sha256: str | None = None
    width: int | None = None
    height: int | None = None
    pdq: str | None = None
    pdq_quality: int | None = None
    vpdq: str | None = None
    matches: list[MatchRecord] = field(default_factory=list)
    errors: list[ItemError] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    not_examined: str | None = None
    low_quality_pdq: bool = False
    grade: GradeRecord | None = None
    item_id: int | None = None

    @property
    def problems(self) -> list[ItemError]:
        """Every problem recorded with the item, as ``case.db`` keeps them: its errors, then why it was not
        examined (under the stage :data:`NOT_EXAMINED`)."""
        if not self.not_examined:
            return list(self.errors)
        return [*self.errors, ItemError(NOT_EXAMINED, self.not_examined)]

    @property
    def best_match(self) -> MatchRecord | None:
        """The match that decides the item's category (most serious wins), or None."""
        return min(self.matches, key=MatchRecord.rank) if self.matches else None

    @property
    def category(self) -> Category | None:
        """The item's category: an examiner's grade where there is one (a person looked and decided, which
        overrides any list), else the most serious category it matched, else None."""
        if self.grade is not None:
            return self.grade.category
        return most_serious([match.category for match in self.matches])

    @property
    def established_by(self) -> str | None:
        """How the category was established.

        ``grade``, ``grade-confirmed`` or ``grade-disputed`` (an examiner's grade and a second reviewer's
        verdict on it), else ``hashset-exact``, ``hashset-pdq`` or ``hashset-vpdq``; None when unmatched.
        """
        if self.grade is not None:
            status = self.grade.status
            return "grade" if status == "unreviewed" else f"grade-{status}"
        best = self.best_match
        return f"hashset-{best.kind}" if best is not None else None


def item_place(evidence: str, path: str) -> str:
    """Where an item is, in one string: the exhibit label, then the item's path inside it. A file given as
    evidence (a disk image) already starts its items' paths with its own name, which is not repeated."""
    if path == evidence or path.startswith(f"{evidence}//"):
        return path
    return f"{evidence}/{path}"
