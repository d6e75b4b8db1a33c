"""API keys as stored: only their SHA-256, found by it, listed, expired, revoked; requests counted per key
and minute by one atomic statement, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from warden.errors import UsageError
from warden.servicedb.database import open_service_db
from warden.servicedb.keys import (
    check_scopes,
    count_request,
    create_key,
    digest,
    expire_key,
    find_by_key,
    list_keys,
    revoke_key,
)
from warden.servicedb.schema import api_keys


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.slow)])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'service.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
    opened = open_service_db(url)
    yield opened
    opened.dispose()


def test_a_key_is_stored_only_as_its_hash_and_found_by_it(engine: Engine) -> None:
    with engine.begin() as connection:
        key, record = create_key(connection, "platform", check_scopes(["hash", "match"]), 60, 1000.0)
    assert key.startswith("wdn_") and len(key) >= 40
    with engine.connect() as connection:
        stored = [tuple(str(v) for v in row) for row in connection.execute(select(api_keys))]
        found = find_by_key(connection, key)
        assert find_by_key(connection, key + "x") is None
    assert not any(key in value or key[4:] in value for row in stored for value in row)
    assert digest(key) in stored[0]
    assert found == record and found.scopes == {"hash", "match"} and found.rate_per_minute == 60


def test_names_are_unique_and_scopes_checked(engine: Engine) -> None:
    with engine.begin() as connection:
        create_key(connection, "one", check_scopes(["hash"]), 60, 0.0)
    with engine.begin() as connection, pytest.raises(UsageError, match="exists already"):
        create_key(connection, "one", check_scopes(["hash"]), 60, 0.0)
    with pytest.raises(UsageError, match="scopes must be among"):
        check_scopes(["hash", "everything"])
    with engine.connect() as connection:
        assert [key.name for key in list_keys(connection)] == ["one"]


def test_revoked_and_expired_keys_are_listed_but_not_usable(engine: Engine) -> None:
    with engine.begin() as connection:
        create_key(connection, "old", check_scopes(["match"]), 60, 0.0)
        create_key(connection, "later", check_scopes(["match"]), 60, 0.0, expires=5000.0)
        revoke_key(connection, "old", 100.0)
        expire_key(connection, "later", 200.0)
    with engine.connect() as connection:
        states = {key.name: key.state(150.0) for key in list_keys(connection)}
        assert {key.name: key.state(300.0) for key in list_keys(connection)} == {
            "old": "revoked",
            "later": "expired",
        }
    assert states == {"old": "revoked", "later": "active"}
    with engine.begin() as connection, pytest.raises(UsageError, match="no API key is named"):
        revoke_key(connection, "never-made", 0.0)


def test_requests_sent_at_once_are_each_counted_once(engine: Engine) -> None:
    with engine.begin() as connection:
        _, record = create_key(connection, "busy", check_scopes(["match"]), 60, 0.0)
    counts: list[int] = []
    lock = threading.Lock()

    def one() -> None:
        with engine.begin() as connection:
            count = count_request(connection, record.id, 42)
        with lock:
            counts.append(count)

    threads = [threading.Thread(target=one) for _ in range(24)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(counts) == list(range(1, 25))
    with engine.begin() as connection:
        assert count_request(connection, record.id, 43) == 1  # a new minute starts afresh
        assert count_request(connection, record.id, 42) == 1  # ...and the old minute's count is gone
