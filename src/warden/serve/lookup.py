"""Lookups against the live index: one hash or a batch of any registered kinds, or a file hashed by Warden.

Each answer names the bank, the content id, its category, the distance and the variant that matched (for a
file, which of the 8 rotations/mirrors or the trimmed image of the *query* matched; a bare hash is its own
``original``). Thresholds come from the settings at each call. Disabled content is never returned, nor a
bank left out by its ``matching_enabled_ratio`` (HMA's rule: one draw per request; a bank takes part when
its ratio is at least the draw).
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from warden.errors import UsageError
from warden.hashing.hash_types import HASH_TYPES, HashType, ItemHashes, Thresholds, thresholds
from warden.hashing.item import FileHashes, HashOptions, hash_file
from warden.model.categories import Category
from warden.model.hashes import EXACT_KINDS, HashKind, vpdq_from_text
from warden.scan.matcher import MatchableSet, match_item
from warden.serve.live_index import BankView, LiveIndex, Snapshot

__all__ = ["MAX_BATCH", "BankMatch", "FileLookup", "HashLookup", "Query", "lookup", "lookup_file"]

MAX_BATCH = 1000
"""The most hashes one lookup takes."""

INLINE_HASHES = 4
"""Lookups of at most this many hashes, none a video's, are answered on the worker's event loop: they take a
fraction of a millisecond, less than handing them to a thread would. Larger ones run in a thread."""

_EXACT = {kind.value: kind for kind in EXACT_KINDS}


@dataclass(frozen=True, slots=True)
class Query:
    """One hash to look up.

    Attributes:
        kind: a registered hash type's name (``md5``, ``sha1``, ``sha256``, ``pdq``, ``vpdq``, a plug-in's).
        value: the value in any form the type's ``validate`` accepts.
        quality: for PDQ, the hash's quality when the caller knows it: under ``pdq_min_quality`` it matches
            no PDQ match. None: treated as good enough.
    """

    kind: str
    value: str
    quality: int | None = None


@dataclass(frozen=True, slots=True)
class BankMatch:
    """One content of one bank that a query matched.

    Attributes:
        bank: the bank's name.
        content_id: the content's id.
        category: its category.
        hash_kind: the hash type that matched.
        distance: 0 for digests, the Hamming distance for PDQ (in the type's unit).
        variant: which form of the query matched (``original``, ``flip_x``, ``rotate90``, ``trimmed``...).
    """

    bank: str
    content_id: str
    category: Category
    hash_kind: str
    distance: float
    variant: str


@dataclass(frozen=True, slots=True)
class HashLookup:
    """The answer to one query: its matches, nearest first, or why it could not be looked up."""

    query: Query
    matches: tuple[BankMatch, ...] = ()
    error: str | None = None


@dataclass(frozen=True, slots=True)
class FileLookup:
    """A file hashed by Warden and looked up: every hash it has, the matches, and what went wrong hashing."""

    hashes: FileHashes
    matches: tuple[BankMatch, ...]


def draw_banks(
    snapshot: Snapshot,
    *,
    banks: Iterable[str] | None = None,
    seed: str | None = None,
    bypass_ratio: bool = False,
) -> list[BankView]:
    """The banks this request matches against: the named ones (all by default) its one draw lets in.

    Args:
        snapshot: the index's current view.
        banks: only these (unknown names are ignored, as HMA does).
        seed: seeds the draw, so a request can be repeated (HMA's ``seed``).
        bypass_ratio: every bank takes part, whatever its ratio (HMA's ``bypass_enabled_ratio``).
    """
    draw = 0.0 if bypass_ratio else random.random() if seed is None else random.Random(seed).random()
    wanted = None if banks is None else set(banks)
    return [
        view
        for name, view in sorted(snapshot.banks.items())
        if (wanted is None or name in wanted) and view.matching_enabled_ratio >= draw
    ]


def cheap(queries: Sequence[Query]) -> bool:
    """Whether looking ``queries`` up is quick enough for the event loop (see :data:`INLINE_HASHES`)."""
    return len(queries) <= INLINE_HASHES and all(
        query.kind != HashKind.VPDQ.value and len(query.value) <= 256 for query in queries
    )


def lookup(
    index: LiveIndex,
    queries: Sequence[Query],
    *,
    banks: Iterable[str] | None = None,
    seed: str | None = None,
    bypass_ratio: bool = False,
) -> list[HashLookup]:
    """Look up to :data:`MAX_BATCH` hashes, in order; a bad hash gets an answer with an ``error``.

    Raises:
        UsageError: more than :data:`MAX_BATCH` hashes.
    """
    if len(queries) > MAX_BATCH:
        raise UsageError(f"a lookup takes at most {MAX_BATCH} hashes, got {len(queries)}")
    views = draw_banks(index.snapshot, banks=banks, seed=seed, bypass_ratio=bypass_ratio)
    limits = thresholds()
    answers = []
    for query in queries:
        try:
            hash_type, item = _item(query)
        except ValueError as error:
            answers.append(HashLookup(query, error=str(error)))
            continue
        answers.append(HashLookup(query, tuple(match_views(views, item, limits, [hash_type]))))
    return answers


def lookup_file(
    index: LiveIndex,
    path: Path,
    *,
    options: HashOptions | None = None,
    banks: Iterable[str] | None = None,
    seed: str | None = None,
    bypass_ratio: bool = False,
) -> FileLookup:
    """Hash ``path`` the way a scan does (digests, PDQ of every variant, vPDQ) and look up every hash.

    Never raises for a bad file: its problems are in ``hashes.errors``.
    """
    hashes = hash_file(path, options)
    views = draw_banks(index.snapshot, banks=banks, seed=seed, bypass_ratio=bypass_ratio)
    digests = {kind: value for kind in EXACT_KINDS if (value := getattr(hashes, kind.value))}
    variants = [(variant.variant, variant.pdq, variant.quality) for variant in hashes.pdq_variants]
    if not variants and hashes.pdq and hashes.pdq_quality is not None:
        variants = [("original", hashes.pdq, hashes.pdq_quality)]
    item = ItemHashes(digests=digests, pdq_variants=variants, video=hashes.vpdq)
    return FileLookup(hashes, tuple(match_views(views, item, thresholds())))


def match_views(
    views: Sequence[BankView], item: ItemHashes, limits: Thresholds, types: Sequence[HashType] | None = None
) -> list[BankMatch]:
    """Every enabled content of ``views`` that ``item`` matches, nearest first (then by bank, content id)."""
    found: list[BankMatch] = []
    for view in views:
        halves: list[tuple[MatchableSet, frozenset[str]]] = [(view.added, view.disabled)]
        if view.base is not None:
            halves.append((view.base, view.hidden | view.disabled))
        for hashset, skipped in halves:
            for record in match_item(item, [hashset], limits, types):
                content_id = str(record.source_id)
                if content_id in skipped:
                    continue
                found.append(
                    BankMatch(
                        view.name,
                        content_id,
                        record.category,
                        record.hash_kind,
                        record.distance,
                        record.variant,
                    )
                )
    found.sort(key=lambda match: (match.distance, match.bank, match.content_id, match.hash_kind))
    return found


def _item(query: Query) -> tuple[HashType, ItemHashes]:
    """The query's hash type and its value as an item to match.

    Raises:
        ValueError: an unknown type, or a value that is not one of it.
    """
    if query.kind not in HASH_TYPES:
        raise ValueError(f"unknown hash type {query.kind!r} (types: {', '.join(HASH_TYPES.names())})")
    hash_type = HASH_TYPES.get(query.kind)
    value = hash_type.validate(query.value)
    if query.kind in _EXACT:
        return hash_type, ItemHashes(digests={_EXACT[query.kind]: value}, pdq_variants=(), video=None)
    if query.kind == HashKind.PDQ:
        quality = 100 if query.quality is None else query.quality
        return hash_type, ItemHashes(digests={}, pdq_variants=[("original", value, quality)], video=None)
    if query.kind == HashKind.VPDQ:
        return hash_type, ItemHashes(digests={}, pdq_variants=(), video=vpdq_from_text(value))
    return hash_type, ItemHashes(
        digests={}, pdq_variants=(), video=None, values={query.kind: [("original", value)]}
    )
