"""Each worker remembers the keys it has read for WARDEN_SERVE_POLL_SECONDS, then reads them again, and
remembers a bounded number of them, made-up ones included."""

from __future__ import annotations

from pathlib import Path

import pytest

from warden.serve import key_cache
from warden.serve.key_cache import KeyCache
from warden.servicedb.database import open_service_db
from warden.servicedb.keys import check_scopes, create_key, revoke_key


def test_a_key_is_read_again_once_its_read_is_older_than_the_interval(tmp_path: Path) -> None:
    engine = open_service_db(f"sqlite:///{tmp_path / 'service.db'}")
    with engine.begin() as connection:
        text, _ = create_key(connection, "k", check_scopes(["hash"]), 60, 0.0)
    now = [0.0]
    cache = KeyCache(engine, 1.0, clock=lambda: now[0])
    assert cache.remembered(text) == (False, None)
    record = cache.read(text)
    assert record is not None and record.revoked is None
    with engine.begin() as connection:
        revoke_key(connection, "k", 5.0)
    assert cache.remembered(text) == (True, record)  # trusted for the interval
    now[0] = 1.0
    assert cache.remembered(text) == (False, None)
    again = cache.read(text)
    assert again is not None and again.revoked == 5.0
    engine.dispose()


def test_made_up_keys_are_remembered_as_unknown_and_only_so_many(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(key_cache, "MAX_KEYS", 3)
    engine = open_service_db(f"sqlite:///{tmp_path / 'service.db'}")
    cache = KeyCache(engine, 60.0, clock=lambda: 0.0)
    for n in range(5):
        assert cache.read(f"wdn_made_up_{n}") is None
    assert [cache.remembered(f"wdn_made_up_{n}")[0] for n in range(5)] == [False, False, True, True, True]
    engine.dispose()
