"""``warden scan --psi URL``: the scan's exact hashes matched through a private-membership service instead
of a local hash set (``docs/private-membership.md``), the examiner never receiving the list.

Items are matched a batch at a time, just before the batch is recorded: every MD5, SHA-1 and SHA-256 of the
batch and every PDQ variant good enough to match (as an exact PDQ hash) in one query, each distinct hash
evaluated once. A match carries the list's name (the hash set it was built from) and the category the list
gives; the list does not say which entry, so it has no entry id. Only equal hashes match: a near-duplicate
needs a local list. A failing service stops the scan before the batch is recorded; run it again to resume.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from warden.hashing.hash_types import ItemHashes
from warden.model.categories import Category
from warden.model.hashes import HashKind
from warden.model.records import ItemRecord, MatchKind, MatchRecord
from warden.psi.client import PsiClient
from warden.psi.manifest import ListManifest

FORMAT = "psi"
"""How a case records a list matched through a service (its ``hashsets.format``)."""

_DIGESTS = (HashKind.SHA256, HashKind.SHA1, HashKind.MD5)
"""The digests asked, the first listed speaking for the item (as SHA-256 does over SHA-1 over MD5)."""


@dataclass(frozen=True)
class PrivateList:
    """A service's list as the scan matches against it.

    Attributes:
        client: the service's client (manifest and filter already fetched).
        manifest: its manifest.
    """

    client: PsiClient
    manifest: ListManifest

    @classmethod
    def connect(cls, client: PsiClient) -> PrivateList:
        """The list behind ``client``, its manifest and filter fetched and checked now (before the case is
        touched).

        Raises:
            PsiServiceError: the service cannot be reached or refuses.
            PsiListError: its manifest or filter cannot be used.
        """
        client.tag_filter()
        return cls(client, client.manifest())

    @property
    def name(self) -> str:
        """The name matches carry: the hash set the list was built from."""
        return self.manifest.hash_set

    def case_record(self) -> dict[str, Any]:
        """What the case records of the list: its name, ``psi``, its size, its commitment (in the ``sha256``
        field: a resumed scan must use the same list) and the service's address."""
        return {
            "name": self.name,
            "format": FORMAT,
            "profile": None,
            "entries": self.manifest.total,
            "sha256": self.manifest.commitment,
            "source": self.client.url,
        }

    def match(self, items: Sequence[tuple[ItemRecord, ItemHashes]], min_quality: int) -> None:
        """Add to each record its matches in the list, most serious first, in one query for them all.

        Raises:
            PsiServiceError, PsiProofError, PsiListError: the query failed; no record was changed.
        """
        per_item = [_asked(hashes, min_quality) for _, hashes in items]
        asked = [(kind, value) for hashes in per_item for kind, _, value in hashes]
        if not asked:
            return
        answers = self.client.query(asked)
        found: list[list[tuple[str, str, str]]] = []
        start = 0
        for hashes in per_item:
            mine, start = answers[start : start + len(hashes)], start + len(hashes)
            found.append(
                [
                    (kind, variant, answer.category)
                    for (kind, variant, _), answer in zip(hashes, mine, strict=True)
                    if answer.category is not None
                ]
            )
        for (record, _), listed in zip(items, found, strict=True):
            if listed:
                record.matches = sorted([*record.matches, *self._records(listed)], key=MatchRecord.rank)

    def _records(self, listed: list[tuple[str, str, str]]) -> list[MatchRecord]:
        """One match per category the item's hashes are listed under: by its first digest when one is
        listed (exact), else by its first PDQ variant listed (PDQ at distance 0)."""
        records: dict[str, MatchRecord] = {}
        for kind, variant, category in listed:  # digests first, in precedence order, then PDQ variants
            if category in records:
                continue
            match_kind = MatchKind.EXACT if kind != HashKind.PDQ.value else MatchKind.PDQ
            records[category] = MatchRecord(self.name, match_kind, kind, 0, variant, None, Category(category))
        return list(records.values())


def _asked(hashes: ItemHashes, min_quality: int) -> list[tuple[str, str, str]]:
    """(kind, variant, value) of every exact hash of an item the list may hold: its digests, then each PDQ
    variant of at least ``min_quality``."""
    asked = [(kind.value, "original", hashes.digests[kind]) for kind in _DIGESTS if hashes.digests.get(kind)]
    asked += [
        (HashKind.PDQ.value, variant, pdq)
        for variant, pdq, quality in hashes.pdq_variants
        if quality >= min_quality
    ]
    return asked
