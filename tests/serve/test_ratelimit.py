"""Each key's requests per minute: past its rate the service answers 429 with Retry-After, other keys go
on, and a new minute starts afresh; on SQLite and on PostgreSQL."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.serve.conftest import config_for
from tests.serve.served import Service, serving
from warden.errors import RateLimitedError
from warden.serve.ratelimit import RateLimiter
from warden.servicedb.database import open_service_db
from warden.servicedb.keys import check_scopes, create_key


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
