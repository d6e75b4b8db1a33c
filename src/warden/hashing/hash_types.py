"""Hash types as plug-ins: a stable name, how a value is validated, and how two values compare."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import ClassVar

from warden.hashing.kinds import (
    HEX_LENGTH,
    PDQ_MATCH_DISTANCE,
    PDQ_MIN_QUALITY,
    HashKind,
    normalize_hex,
    vpdq_from_text,
    vpdq_to_text,
)
from warden.hashing.pdq import pdq_distance
from warden.hashing.video_match import VPDQ_MATCH_PERCENT, match_vpdq
from warden.registry import Registry


@dataclass(frozen=True, slots=True)
class Comparison:
    """The result of comparing two values of one hash type.

    Attributes:
        match: the two values count as the same content.
        distance: how far apart they are, in the type's ``distance_unit``; 0 for identical values.
    """

    match: bool
    distance: int


class HashType(ABC):
    """One kind of hash Warden can store and match.

    Attributes:
        name: stable name, used in hash sets, case databases and reports; never changes once released.
        perceptual: matches near values, not only equal ones; such a match is a lead to confirm.
        distance_unit: what :attr:`Comparison.distance` counts.
    """

    name: str
    perceptual: ClassVar[bool]
    distance_unit: ClassVar[str]

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


class ExactHashType(HashType):
    """A cryptographic digest: two files match only when the values are equal (distance 0 or 1)."""

    perceptual = False
    distance_unit = "0 equal, 1 different"

    def __init__(self, kind: HashKind) -> None:
        self.kind = kind
        self.name = kind.value

    def validate(self, text: str) -> str:
        return normalize_hex(self.kind, text)

    def compare(self, a: str, b: str) -> Comparison:
        same = self.validate(a) == self.validate(b)
        return Comparison(match=same, distance=0 if same else 1)

    def examples(self) -> list[str]:
        length = HEX_LENGTH[self.kind]
        return ["0" * length, "f" * length, ("0123456789abcdef" * 4)[:length]]


class PdqHashType(HashType):
    """PDQ: match at Hamming distance ``threshold`` or less (Meta recommends 31).

    A value carries no quality; the caller drops hashes of quality under :data:`~warden.hashing.kinds.
    PDQ_MIN_QUALITY` before comparing (see :func:`warden.hashing.robust.best_variant_match`).
    """

    name = HashKind.PDQ.value
    perceptual = True
    distance_unit = "bits (Hamming distance, 0-256)"

    def __init__(self, threshold: int = PDQ_MATCH_DISTANCE) -> None:
        self.threshold = threshold

    def validate(self, text: str) -> str:
        return normalize_hex(HashKind.PDQ, text)

    def compare(self, a: str, b: str) -> Comparison:
        distance = pdq_distance(a, b)
        return Comparison(match=distance <= self.threshold, distance=distance)

    def examples(self) -> list[str]:
        # PDQ hashes of generated 256 x 256 test patterns: a checkerboard of 32-pixel squares, concentric
        # rings 32 pixels wide, and a diagonal gradient (quality 0: it has too little detail to match).
        return [
            "aafd00d5aad500d5a8d500d5a0d500d5ff2aff2a80d5ff2a80d5ff2a80d5ff2a",
            "ebe59485aaa85596ab615594a8a89dd7f7618996aaa6055e2217d57a117fc98a",
            "aaaa5555aaaa5555aaaa5555aaaa5555aaaa5555aaaa5555aaaa5555aaaa5555",
        ]


class VpdqHashType(HashType):
    """vPDQ: frames ``hex:quality:timestamp`` separated by spaces; the reference brute-force rule matches."""

    name = HashKind.VPDQ.value
    perceptual = True
    distance_unit = "percent of distinct good frames without a match, in the worse direction"

    def __init__(
        self,
        distance: int = PDQ_MATCH_DISTANCE,
        min_quality: int = PDQ_MIN_QUALITY,
        match_percent: float = VPDQ_MATCH_PERCENT,
    ) -> None:
        self.distance = distance
        self.min_quality = min_quality
        self.match_percent = match_percent

    def validate(self, text: str) -> str:
        return vpdq_to_text(vpdq_from_text(text))

    def compare(self, a: str, b: str) -> Comparison:
        result = match_vpdq(
            vpdq_from_text(a),
            vpdq_from_text(b),
            distance=self.distance,
            min_quality=self.min_quality,
            query_percent=self.match_percent,
            compared_percent=self.match_percent,
        )
        worse = min(result.query_percent, result.compared_percent)
        return Comparison(match=result.match, distance=round(100 - worse))

    def examples(self) -> list[str]:
        pdq = PdqHashType().examples()
        return [
            " ".join(f"{pdq[0]}:100:{second}.000" for second in range(3)),
            f"{pdq[1]}:100:0.000 {pdq[1]}:100:1.000",
        ]


HASH_TYPES: Registry[HashType] = Registry("hash type")
"""Every hash type by name; a plug-in registers its own the same way."""

for _hash_type in (
    ExactHashType(HashKind.MD5),
    ExactHashType(HashKind.SHA1),
    ExactHashType(HashKind.SHA256),
    PdqHashType(),
    VpdqHashType(),
):
    HASH_TYPES.register(_hash_type.name, _hash_type)
