"""What a hash type is: its name, how a value is validated and compared, the index it is found through, its
thresholds, and how an item's value is computed (python-threatexchange's ``SignalType``, the Warden way)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any, ClassVar, Protocol

from warden.model.hashes import HashKind, VideoHash
from warden.model.records import VideoSegment

Thresholds = Mapping[str, float]
"""Threshold values by name (``pdq_distance``...): what a scan matched with, recorded with the scan."""


class IndexKind(StrEnum):
    """How a hash set finds the entries a value matches."""

    EXACT = "exact"
    """Keyed digests looked up by equality (see :mod:`warden.index.exact`); values are hex of one length."""
    PDQ = "pdq"
    """The keyed PDQ range index (see :mod:`warden.index.pdq`): 256-bit values within a Hamming distance."""
    LINEAR = "linear"
    """Every listed value compared with :meth:`HashType.compare`: for small sets and for vPDQ."""


@dataclass(frozen=True, slots=True)
class Comparison:
    """The result of comparing two values of one hash type.

    Attributes:
        match: the two values count as the same content.
        distance: how far apart they are, in the type's ``distance_unit``; 0 for identical values.
    """

    match: bool
    distance: float


@dataclass(frozen=True, slots=True)
class ItemHashes:
    """An item's values, as the hash types read them to match it.

    Attributes:
        digests: the item's cryptographic digests by kind.
        pdq_variants: (variant, PDQ hex, quality) of every PDQ variant, ``original`` first.
        video: the item's vPDQ frames, for a movie.
        video_variants: a movie's extra frames by variant (``original`` sampled densely, ``mirrored``,
            ``trimmed``...), searched for excerpts and edited copies; empty when not computed.
        values: (variant, value in normal form) of every other hash type, by the type's name: what a
            plug-in's :meth:`HashType.compute` gave in the worker.
    """

    digests: Mapping[HashKind, str]
    pdq_variants: Sequence[tuple[str, str, int]]
    video: VideoHash | None
    values: Mapping[str, Sequence[tuple[str, str]]] = field(default_factory=dict)
    video_variants: Mapping[str, VideoHash] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Found:
    """One entry a value matched: its row in the hash set, how far, which variant of the item matched, and
    for a video the stretches of the item that are stretches of the entry's video."""

    row: int
    distance: float
    variant: str
    segments: tuple[VideoSegment, ...] = ()


class HashSetIndex(Protocol):
    """What a hash type asks of an open hash set to find matches (the store provides it)."""

    name: str

    def exact(self, kind: str, digest: str) -> list[int]:
        """Rows whose ``kind`` value equals ``digest`` (lower-case hex), through the exact index."""

    def pdq(self, pdq: str, threshold: int) -> list[tuple[int, int]]:
        """(row, distance) of every PDQ entry within ``threshold`` of ``pdq``, through the PDQ index."""

    def pdq_many(self, pdqs: Sequence[str], threshold: int) -> list[list[tuple[int, int]]]:
        """:meth:`pdq` of each of ``pdqs`` (an item's variants), in order, in one call to the index."""

    def videos(self) -> Sequence[tuple[int, VideoHash]]:
        """(row, frames) of every entry with a vPDQ hash."""

    def listed(self, kind: str) -> Sequence[tuple[int, str]]:
        """(row, value) of every entry with a value of hash type ``kind``, for a linear scan."""


class HashType(ABC):
    """One kind of hash Warden can store and match: registering an instance is all it takes to be matched.

    A plug-in's class must be importable by its module path and constructible without arguments: scan
    workers are separate processes, and import it from there (see :func:`warden.hashing.hash_types.spec`).

    Attributes:
        name: stable name, used in hash sets, case databases and reports; never changes once released.
        perceptual: matches near values, not only equal ones; such a match is a lead to confirm.
        distance_unit: what :attr:`Comparison.distance` counts.
        match_kind: the ``kind`` of the matches it makes (``exact`` for every digest); its name by default.
        index: how a hash set finds the entries a value matches.
        precedence: among types that are not perceptual, the one that speaks for an entry matched by several
            (SHA-256 over SHA-1 over MD5); a perceptual type never matches an entry an exact one matched.
    """

    name: str
    perceptual: ClassVar[bool]
    distance_unit: ClassVar[str]
    index: ClassVar[IndexKind] = IndexKind.LINEAR
    precedence: ClassVar[int] = 0

    @property
    def match_kind(self) -> str:
        """The ``kind`` recorded with each match this type makes."""
        return self.name

    @abstractmethod
    def validate(self, text: str) -> str:
        """The value in its one normal form (lower-case hex, no spaces).

        Raises:
            ValueError: the text is not a value of this type; the message says what was expected.
        """

    @abstractmethod
    def compare(self, a: str, b: str) -> Comparison:
        """Compare two valid values (as :meth:`validate` returns them).

        Raises:
            ValueError: either value is invalid.
        """

    @abstractmethod
    def examples(self) -> list[str]:
        """A few distinct valid values, in normal form, for documentation and tests."""

    def thresholds(self) -> dict[str, float]:
        """This type's thresholds by name, read from the settings now (none by default)."""
        return {}

    def compute(self, path: Path, hashes: Mapping[str, Any]) -> list[tuple[str, str]]:
        """(variant, value) of the item at ``path``, computed in the scan's worker process.

        ``hashes`` is what Warden's own hashing found (``FileHashes.to_json()``): derive from it where you
        can, so the file is read once. The default computes nothing: Warden's hashing provides the value.
        """
        return []

    def find(self, item: ItemHashes, index: HashSetIndex, thresholds: Thresholds) -> list[Found]:
        """The entries of one hash set the item matches, one per row (the nearest variant), by row.

        The default is a linear scan of the set's values of this type with :meth:`compare`.
        """
        values = item.values.get(self.name)
        if not values:
            return []
        listed = index.listed(self.name)
        nearest: dict[int, tuple[float, int, str]] = {}
        for order, (variant, value) in enumerate(values):
            for row, other in listed:
                comparison = self.compare(value, other)
                candidate = (comparison.distance, order, variant)
                if comparison.match and (row not in nearest or candidate < nearest[row]):
                    nearest[row] = candidate
        return [Found(row, distance, variant) for row, (distance, _, variant) in sorted(nearest.items())]
