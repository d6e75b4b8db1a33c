"""Password guessing: counted per account name and per client in the case database, before each check, so that
parallel guesses cannot all be checked (on SQLite and PostgreSQL alike)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Engine

from warden.case.folder import Case
from warden.web.throttle import LoginThrottle, client_key


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    return Case.open(tmp_path / "case", create=True).engine


def throttle_on(
    engine: Engine, clock: Callable[[], float], attempts: int = 5, clients: int = 20
) -> LoginThrottle:
    return LoginThrottle(engine, attempts=attempts, client_attempts=clients, seconds=300, clock=clock)


def test_a_name_is_refused_for_a_while_after_too_many_failures(engine: Engine) -> None:
    now = [1000.0]
    throttle = throttle_on(engine, lambda: now[0])
    assert [throttle.admit("ann", "10.0.0.1") for _ in range(5)] == [0.0] * 5
    assert throttle.admit("ann", "10.0.0.1") == 300
    assert throttle.admit("ann", "10.0.0.2") == 300  # from another client too
    assert throttle.admit("rob", "10.0.0.3") == 0
    now[0] = 1299.0
    assert throttle.admit("ann", "10.0.0.4") == 1
    now[0] = 1301.0
    assert throttle.admit("ann", "10.0.0.4") == 0


def test_a_success_forgets_the_name_and_gives_the_client_its_attempt_back(engine: Engine) -> None:
    throttle = throttle_on(engine, lambda: 0.0, attempts=2, clients=2)
    throttle.admit("ann", "10.0.0.1")
    throttle.admit("ann", "10.0.0.1")
    throttle.succeeded("ann", "10.0.0.1")
    assert throttle.admit("ann", "10.0.0.1") == 0
    throttle.succeeded("ann", "10.0.0.1")
    assert throttle.admit("ann", "10.0.0.1") == 0


def test_one_client_trying_many_names_is_refused(engine: Engine) -> None:
    throttle = throttle_on(engine, lambda: 0.0, clients=20)
    assert all(throttle.admit(f"name{n}", "192.0.2.7") == 0 for n in range(20))
    assert throttle.admit("a-fresh-name", "192.0.2.7") == 300
    assert throttle.admit("a-fresh-name", "192.0.2.8") == 0


def test_an_ipv6_client_is_counted_by_its_network() -> None:
    # One machine usually holds a whole /64: changing the last bits must not give it a fresh count.
    assert client_key("2001:db8:1:2::1") == client_key("2001:db8:1:2:ffff::9")
    assert client_key("2001:db8:1:2::1") != client_key("2001:db8:1:3::1")
    assert client_key("::ffff:192.0.2.1") == client_key("192.0.2.1")
    assert client_key("testclient") == "client:testclient"


def test_counts_survive_a_restart_of_the_app(engine: Engine) -> None:
    for _ in range(5):
        throttle_on(engine, lambda: 0.0).admit("ann", "10.0.0.1")
    assert throttle_on(engine, lambda: 1.0).admit("ann", "10.0.0.1") > 0


def race(throttle: LoginThrottle, guesses: int) -> list[float]:
    """``guesses`` admissions of one name from one client, all released at once."""
    start = threading.Barrier(guesses)
    waits: list[float] = []
    lock = threading.Lock()

    def guess() -> None:
        start.wait()
        wait = throttle.admit("ann", "198.51.100.1")
        with lock:
            waits.append(wait)

    threads = [threading.Thread(target=guess) for _ in range(guesses)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return waits


def test_forty_parallel_guesses_get_five_checks_on_sqlite(engine: Engine) -> None:
    waits = race(throttle_on(engine, lambda: 0.0, clients=1000), 40)
    assert len(waits) == 40
    assert waits.count(0.0) == 5


@pytest.mark.slow
def test_forty_parallel_guesses_get_five_checks_on_postgresql(tmp_path: Path, postgres_url: str) -> None:
    engine = Case.open(tmp_path / "case", create=True, db_url=postgres_url).engine
    waits = race(throttle_on(engine, lambda: 0.0, clients=1000), 40)
    assert len(waits) == 40
    assert waits.count(0.0) == 5
