"""The one in-memory model every hash-set format is read into."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from warden.model.categories import Category
from warden.model.hashes import VideoHash, vpdq_to_text

_FIELDS = frozenset({"md5", "sha1", "sha256", "pdq", "vpdq", "photodna"})


@dataclass(frozen=True, slots=True)
class Entry:
    """One listed image or video: its hashes (lower-case hex, any may be absent), category and source id.

    ``photodna`` is kept when a list carries it and never matched: PhotoDNA is licensed and Warden does not
    compute it. ``others`` holds the values of plug-in hash types, as (type name, value in normal form).
    """

    md5: str | None = None
    sha1: str | None = None
    sha256: str | None = None
    pdq: str | None = None
    vpdq: VideoHash | None = None
    photodna: str | None = None
    category: Category = Category.UNCATEGORISED
    source_id: str | None = None
    others: tuple[tuple[str, str], ...] = ()

    def has_hash(self) -> bool:
        """True when the entry carries at least one hash Warden can match."""
        return any((self.md5, self.sha1, self.sha256, self.pdq, self.vpdq, self.others))

    def value(self, kind: str) -> str | None:
        """The entry's value of hash type ``kind`` in text form, None when it has none."""
        if kind == "vpdq":
            return vpdq_to_text(self.vpdq) if self.vpdq else None
        if kind in _FIELDS:
            held: str | None = getattr(self, kind)
            return held
        return next((value for name, value in self.others if name == kind), None)


@dataclass(slots=True)
class HashSet:
    """A named list of entries, read from one file in one format.

    Attributes:
        name: the name it is stored under.
        format: the registered format it was read with (``csv``, ``vics``, ...).
        entries: every entry, in file order.
        source: the file's name as given at import.
        source_sha256: SHA-256 of the file's bytes, so the report can say exactly which list was used.
        profile: the category profile used to read numeric categories, if the format has them.
    """

    name: str
    format: str
    entries: list[Entry] = field(default_factory=list)
    source: str = ""
    source_sha256: str = ""
    profile: str | None = None

    def counts(self) -> dict[str, int]:
        """Entries per category value, for ``hashset info``."""
        counter = Counter(entry.category.value for entry in self.entries)
        return {category.value: counter.get(category.value, 0) for category in Category}
