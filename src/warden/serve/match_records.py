"""Match records: what a platform must later report about a match of an upload, stored when it happens.

One record per bank entry an upload matched: when (UTC), the platform's own id of the upload, the upload's
hashes, the bank, the entry's content id, the hash type, distance and variant that matched, and the
entry's category. The hashes are sealed with the hash-set key in the database (a copy of it alone does not
say which hashes are listed); they never go into a webhook's body or a log line. Recording an upload's
matches and queueing its webhooks is one transaction, so a crash never keeps one without the other.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine

from warden.clock import utc_now
from warden.errors import NotFoundError, UsageError
from warden.hashsets.sealed import seal, unseal
from warden.model.records import MatchRecord
from warden.serve.webhooks import DEFAULT_POLICY, MATCH, RetryPolicy, queue_event
from warden.servicedb import actions

MAX_CONTENT_ID = 256
"""Longest content id a platform may give an upload (the column's size)."""


@dataclass(frozen=True, slots=True)
class UploadMatch:
    """One match of one upload, as recorded.

    Attributes:
        record_id: the record's own id (a UUID), named by webhooks, report drafts and the command line.
        matched_at: when the match was made (UTC, ISO 8601).
        content_id: the platform's own id of the upload.
        hashes: the upload's hashes by hash type (``md5``, ``sha1``, ``sha256``, ``pdq``...), lower-case hex.
        bank: the bank whose entry matched.
        entry_content_id: the entry's content id in its bank, if it has one.
        hash_kind: the hash type that matched.
        distance: 0 for an exact match; the hash type's distance otherwise.
        variant: the form of the upload that matched (``original``, ``flip_x``...).
        category: the entry's category.
    """

    record_id: str
    matched_at: str
    content_id: str
    hashes: Mapping[str, str]
    bank: str
    entry_content_id: str | None
    hash_kind: str
    distance: float
    variant: str
    category: str

    def notice(self) -> dict[str, Any]:
        """The record without the upload's hashes: what a webhook tells of it."""
        return {
            "record_id": self.record_id,
            "matched_at": self.matched_at,
            "content_id": self.content_id,
            "bank": self.bank,
            "entry_content_id": self.entry_content_id,
            "hash_kind": self.hash_kind,
            "distance": self.distance,
            "variant": self.variant,
            "category": self.category,
        }

    def as_json(self) -> dict[str, Any]:
        """The whole record, hashes included (for the platform's own API and the report drafts)."""
        return {**self.notice(), "hashes": dict(self.hashes)}


def _context(record_id: str) -> str:
    return f"warden match record {record_id}"


def _checked_content_id(content_id: str) -> str:
    if not content_id or len(content_id) > MAX_CONTENT_ID or not content_id.isprintable():
        raise UsageError(
            f"a content id must be 1 to {MAX_CONTENT_ID} printable characters, got {content_id[:40]!r}"
        )
    return content_id


def _checked_hashes(hashes: Mapping[str, str]) -> dict[str, str]:
    checked = {}
    for kind, value in hashes.items():
        text = value.strip().lower()
        if not kind or not text or any(char not in "0123456789abcdef" for char in text):
            raise UsageError(f"the upload's {kind or 'unnamed'} hash is not hexadecimal")
        checked[kind.lower()] = text
    return checked


def new_records(
    content_id: str, hashes: Mapping[str, str], matches: Sequence[MatchRecord], *, at: str | None = None
) -> list[UploadMatch]:
    """One record per match of an upload (pure: nothing is stored).

    Args:
        content_id: the platform's own id of the upload.
        hashes: the upload's hashes by hash type, in hex.
        matches: what the matcher found for the upload.
        at: when (UTC ISO 8601); now if not given.

    Raises:
        UsageError: the content id or a hash is not one.
    """
    content_id = _checked_content_id(content_id)
    checked = _checked_hashes(hashes)
    when = at or utc_now()
    return [
        UploadMatch(
            record_id=str(uuid.uuid4()),
            matched_at=when,
            content_id=content_id,
            hashes=checked,
            bank=match.hashset,
            entry_content_id=match.source_id,
            hash_kind=match.hash_kind,
            distance=float(match.distance),
            variant=match.variant,
            category=str(match.category),
        )
        for match in matches
    ]


def record_upload(
    engine: Engine,
    key: bytes,
    content_id: str,
    hashes: Mapping[str, str],
    matches: Sequence[MatchRecord],
    *,
    policy: RetryPolicy = DEFAULT_POLICY,
    at: str | None = None,
) -> list[UploadMatch]:
    """Record an upload's matches and queue a ``match`` webhook for each, to every endpoint that wants it.

    Args:
        engine: the service database.
        key: the hash-set key (seals the hashes).
        content_id: the platform's own id of the upload.
        hashes: the upload's hashes by hash type, in hex.
        matches: what the matcher found; nothing is stored when it is empty.
        policy: how long the webhooks are retried.
        at: when the match was made (UTC ISO 8601); now if not given.

    Returns:
        The records, as stored.

    Raises:
        UsageError: the content id or a hash is not one.
    """
    records = new_records(content_id, hashes, matches, at=at)
    if not records:
        return records
    with engine.begin() as connection:
        for record in records:
            sealed = seal(
                key, json.dumps(dict(record.hashes), sort_keys=True).encode(), _context(record.record_id)
            )
            actions.insert_match(
                connection,
                actions.MatchRow(
                    record.record_id,
                    record.matched_at,
                    record.content_id,
                    sealed,
                    record.bank,
                    record.entry_content_id,
                    record.hash_kind,
                    record.distance,
                    record.variant,
                    record.category,
                ),
            )
            queue_event(connection, MATCH, record.bank, record.notice(), policy)
    return records


def _opened(key: bytes, row: actions.MatchRow) -> UploadMatch:
    hashes = json.loads(unseal(key, row.sealed_hashes, _context(row.record_id)))
    return UploadMatch(
        row.record_id, row.matched_at, row.content_id, hashes, row.bank, row.entry_content_id, row.hash_kind,
        row.distance, row.variant, row.category,
    )  # fmt: skip


def read_record(engine: Engine, key: bytes, record_id: str) -> UploadMatch:
    """The record named ``record_id``.

    Raises:
        NotFoundError: there is no such record.
        HashSetKeyError: the key is not the one the record was sealed with.
    """
    row = actions.read_match(engine, record_id)
    if row is None:
        raise NotFoundError(f"no match record {record_id!r}")
    return _opened(key, row)


def recent_records(
    engine: Engine, key: bytes, *, content_id: str | None = None, limit: int = 100
) -> list[UploadMatch]:
    """The newest records first, optionally only those of one upload."""
    return [_opened(key, row) for row in actions.list_matches(engine, content_id=content_id, limit=limit)]
