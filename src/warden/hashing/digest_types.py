"""Cryptographic digests (MD5, SHA-1, SHA-256) as hash types: equal or not, found through the exact index."""

from __future__ import annotations

from warden.hashing.hash_type import (
    Comparison,
    Found,
    HashSetIndex,
    HashType,
    IndexKind,
    ItemHashes,
    Thresholds,
)
from warden.model.hashes import HEX_LENGTH, HashKind, parse_hex
from warden.model.records import MatchKind

_PRECEDENCE = {HashKind.MD5: 1, HashKind.SHA1: 2, HashKind.SHA256: 3}


class ExactHashType(HashType):
    """A cryptographic digest: two files match only when the values are equal (distance 0 or 1).

    Warden's own hashing computes every digest from its one read of the file.
    """

    perceptual = False
    distance_unit = "0 equal, 1 different"
    index = IndexKind.EXACT

    def __init__(self, kind: HashKind) -> None:
        self.kind = kind
        self.name = kind.value

    @property
    def match_kind(self) -> str:
        return MatchKind.EXACT

    @property
    def precedence(self) -> int:  # type: ignore[override]
        return _PRECEDENCE.get(self.kind, 0)

    def validate(self, text: str) -> str:
        return parse_hex(self.kind, text)

    def compare(self, a: str, b: str) -> Comparison:
        same = self.validate(a) == self.validate(b)
        return Comparison(match=same, distance=0 if same else 1)

    def examples(self) -> list[str]:
        length = HEX_LENGTH[self.kind]
        return ["0" * length, "f" * length, ("0123456789abcdef" * 4)[:length]]

    def find(self, item: ItemHashes, index: HashSetIndex, thresholds: Thresholds) -> list[Found]:
        digest = item.digests.get(self.kind)
        if not digest:
            return []
        return [Found(row, 0, "original") for row in index.exact(self.name, digest)]


MD5 = ExactHashType(HashKind.MD5)
SHA1 = ExactHashType(HashKind.SHA1)
SHA256 = ExactHashType(HashKind.SHA256)
"""The three digest types, as Warden's entry points name them (``warden.hash_types``)."""
