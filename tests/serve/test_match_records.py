"""Match records: stored with what a platform must report, hashes sealed, webhooks queued in the same step."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from warden.case.database import sqlite_url
from warden.errors import HashSetKeyError, NotFoundError, UsageError
from warden.model.categories import Category
from warden.model.records import MatchRecord
from warden.serve import webhooks
from warden.serve.match_records import read_record, recent_records, record_upload
from warden.servicedb.database import open_service_db

PDQ = "f" * 16 + "0" * 48
SHA256 = "1f" * 32
HASHES = {"SHA256": SHA256.upper(), "pdq": PDQ}
MATCHES = [
    MatchRecord("national", "pdq", "pdq", 12.0, "flip_x", "N-0042", Category.A),
    MatchRecord("own-list", "exact", "sha256", 0.0, "original", None, Category.C),
]


@pytest.fixture
def db(tmp_path: Path) -> Iterator[tuple[Engine, Path]]:
    path = tmp_path / "service.db"
    engine = open_service_db(sqlite_url(path))
    yield engine, path
    engine.dispose()


def test_each_match_of_an_upload_is_recorded_with_what_must_be_reported(db: tuple[Engine, Path]) -> None:
    engine, _ = db
    key = secrets.token_bytes(32)
    made = record_upload(engine, key, "photo/123", HASHES, MATCHES, at="2026-12-03T10:00:00.000000Z")
    assert len(made) == 2
    first = read_record(engine, key, made[0].record_id)
    assert first.as_json() == {
        "record_id": made[0].record_id,
        "matched_at": "2026-12-03T10:00:00.000000Z",
        "content_id": "photo/123",
        "hashes": {"sha256": SHA256, "pdq": PDQ},
        "bank": "national",
        "entry_content_id": "N-0042",
        "hash_kind": "pdq",
        "distance": 12.0,
        "variant": "flip_x",
        "category": "A",
    }
    assert [record.bank for record in recent_records(engine, key, content_id="photo/123")] == [
        "own-list",
        "national",
    ]
    assert recent_records(engine, key, content_id="another") == []


def test_the_hashes_are_not_in_the_database_in_clear_and_need_the_key(db: tuple[Engine, Path]) -> None:
    engine, path = db
    key = secrets.token_bytes(32)
    (record,) = record_upload(engine, key, "photo/9", HASHES, MATCHES[:1])
    engine.dispose()
    stored = path.read_bytes()
    assert SHA256.encode() not in stored and PDQ.encode() not in stored
    assert b"photo/9" in stored  # the platform's id is what it looks records up by
    with pytest.raises(HashSetKeyError):
        read_record(engine, secrets.token_bytes(32), record.record_id)


def test_recording_queues_one_webhook_per_record_for_each_endpoint(db: tuple[Engine, Path]) -> None:
    engine, _ = db
    key = secrets.token_bytes(32)
    webhooks.add_endpoint(engine, key, "https://platform.example/hook", b"s" * 32)
    record_upload(engine, key, "photo/1", HASHES, MATCHES)
    queued = webhooks.deliveries(engine)
    assert len(queued) == 2 and {delivery.state for delivery in queued} == {"pending"}
    assert all(SHA256.encode() not in delivery.body for delivery in queued)


def test_an_upload_without_matches_records_nothing(db: tuple[Engine, Path]) -> None:
    engine, _ = db
    assert record_upload(engine, secrets.token_bytes(32), "photo/1", HASHES, []) == []
    assert recent_records(engine, secrets.token_bytes(32)) == []


@pytest.mark.parametrize(
    ("content_id", "hashes"),
    [
        ("", HASHES),
        ("x" * 257, HASHES),
        ("line\nbreak", HASHES),
        ("ok", {"md5": "not-hex"}),
        ("ok", {"": "ab"}),
    ],
)
def test_a_content_id_or_hash_that_is_not_one_is_refused(
    db: tuple[Engine, Path], content_id: str, hashes: dict[str, str]
) -> None:
    engine, _ = db
    with pytest.raises(UsageError):
        record_upload(engine, secrets.token_bytes(32), content_id, hashes, MATCHES)
    assert recent_records(engine, secrets.token_bytes(32)) == []


def test_an_unknown_record_is_not_found(db: tuple[Engine, Path]) -> None:
    with pytest.raises(NotFoundError):
        read_record(db[0], secrets.token_bytes(32), "no-such-record")


@pytest.mark.slow
def test_records_and_deliveries_work_on_postgresql(postgres_url: str) -> None:
    engine = open_service_db(postgres_url)
    try:
        key = secrets.token_bytes(32)
        webhooks.add_endpoint(engine, key, "http://127.0.0.1:9/closed", b"s" * 32)
        (record,) = record_upload(engine, key, "photo/1", HASHES, MATCHES[:1])
        assert read_record(engine, key, record.record_id).hashes == {"sha256": SHA256, "pdq": PDQ}
        policy = webhooks.RetryPolicy(max_attempts=1, timeout=5, lease=30)
        assert webhooks.deliver_due(engine, key, policy) == 1
        (dead,) = webhooks.dead_letters(engine)
        assert webhooks.retry(engine, None, policy) == 1
        assert webhooks.deliveries(engine, state="pending")[0].delivery_id == dead.delivery_id
    finally:
        engine.dispose()
