"""Each key's requests per minute: past its rate the service answers 429 with Retry-After, other keys go
on, and a new minute starts afresh; on SQLite and on PostgreSQL."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.serve.conftest import config_for
from tests.serve.served import Service, serving
from warden.errors import RateLimitedError
from warden.serve.ratelimit import RateLimiter, lease_size
from warden.servicedb.database import open_service_db
from warden.servicedb.keys import check_scopes, count_request, create_key


def _over_the_rate(service: Service) -> None:
    for attempt in range(2):  # a second try only if the minute turned during the first
        minute = int(time.time() // 60)
        slow = service.key(f"three-a-minute-{attempt}", "match", rate=3)
        with service.client(slow) as client:
            answers = [client.get("/v1/key") for _ in range(5)]
        if int(time.time() // 60) == minute:
            break
    assert [a.status_code for a in answers] == [200, 200, 200, 429, 429]
    assert [a.json()["requests_left"] for a in answers[:3]] == [2, 1, 0]
    for answer in answers[3:]:
        assert answer.json()["error"]["code"] == "rate_limited"
        assert 1 <= int(answer.headers["retry-after"]) <= 60
    with service.client(service.key(f"unhurried-{service.url}", "match")) as other:
        assert other.get("/v1/key").status_code == 200  # one key over its rate holds back no other


def test_a_key_over_its_rate_gets_429_with_retry_after(service: Service) -> None:
    _over_the_rate(service)


@pytest.mark.slow
def test_keys_and_rates_work_the_same_on_postgresql(postgres_url: str, tmp_path: Path) -> None:
    with serving(config_for(postgres_url, tmp_path / "spool")) as service:
        _over_the_rate(service)
        with service.client() as client:
            assert client.get("/v1/key").status_code == 401


def test_a_new_minute_starts_afresh(tmp_path: Path) -> None:
    engine = open_service_db(f"sqlite:///{tmp_path / 'service.db'}")
    with engine.begin() as connection:
        _, key = create_key(connection, "k", check_scopes(["hash"]), 2, 0.0)
    now = [120.0]
    limiter = RateLimiter(engine, clock=lambda: now[0])
    assert [limiter.admit(key), limiter.admit(key)] == [1, 0]
    now[0] = 150.5
    with pytest.raises(RateLimitedError) as refused:
        limiter.admit(key)
    assert refused.value.retry_after == 30
    now[0] = 180.0
    assert limiter.admit(key) == 1
    engine.dispose()


def _admitted(limiter: RateLimiter, key: object, tries: int) -> int:
    admitted = 0
    for _ in range(tries):
        try:
            limiter.admit(key)  # type: ignore[arg-type]
        except RateLimitedError:
            continue
        admitted += 1
    return admitted


def test_two_workers_take_the_rate_in_blocks_and_together_admit_exactly_the_rate(tmp_path: Path) -> None:
    engine = open_service_db(f"sqlite:///{tmp_path / 'service.db'}")
    with engine.begin() as connection:
        _, key = create_key(connection, "busy", check_scopes(["match"]), 1000, 0.0)
    now = [600.0]
    first, second = (RateLimiter(engine, clock=lambda: now[0]) for _ in range(2))

    def shared() -> int:
        with engine.connect() as connection:
            return count_request(connection, key.id, 10, 0)

    # A worker takes a block of the key's rate from the shared count and admits from it in memory.
    assert _admitted(first, key, 10) == 10
    assert shared() == lease_size(1000) == 50
    first.sync()  # what it took and did not use goes back
    assert shared() == 10
    # Taking turns, the two workers admit exactly what the rate leaves, then refuse every request with 429.
    admitted = sum(_admitted(limiter, key, 1) for _ in range(600) for limiter in (first, second))
    assert admitted == 990
    assert shared() == 1000
    first.stop()
    second.stop()
    engine.dispose()


def test_what_a_stopping_worker_took_and_did_not_use_goes_back(tmp_path: Path) -> None:
    engine = open_service_db(f"sqlite:///{tmp_path / 'service.db'}")
    with engine.begin() as connection:
        _, key = create_key(connection, "k", check_scopes(["match"]), 10_000, 0.0)
    limiter = RateLimiter(engine, clock=lambda: 60.0)
    limiter.start()
    assert _admitted(limiter, key, 50) == 50
    limiter.stop()
    with engine.connect() as connection:
        assert count_request(connection, key.id, 1, 0) == 50
    engine.dispose()
