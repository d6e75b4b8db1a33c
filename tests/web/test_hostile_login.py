"""Password guessing against the review app (issue 8, point 22): parallel guesses racing the throttle, one
client trying many names, names revealed by timing, and guesses at ``/password``."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest
from argon2 import extract_parameters
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from tests.web.conftest import ORIGIN, csrf_of, login, login_token
from tests.web.small_case import PASSWORDS
from warden.case import accounts, schema
from warden.case.folder import Case
from warden.report.case_report import build_case_report
from warden.web.app import create_app
from warden.web.config import ReviewConfig


def audit_rows(case: Case, action: str) -> list[tuple[str, str]]:
    with case.engine.connect() as connection:
        rows = connection.execute(
            select(schema.audit_log.c.actor, schema.audit_log.c.detail).where(
                schema.audit_log.c.action == action
            )
        )
        return [(row.actor, row.detail) for row in rows]


def guess(client: TestClient, name: str, password: str = "a wrong guess") -> int:
    data = {"name": name, "password": password, "csrf_token": login_token(client)}
    return client.post("/login", data=data, follow_redirects=False).status_code


@pytest.mark.slow
def test_forty_parallel_guesses_are_not_all_checked(app: FastAPI, case: Case) -> None:
    # The reproduction: 40 guesses sent at once were all checked against a limit of 5.
    # From 40 addresses, so that the per-account limit alone has to hold.
    clients = [
        TestClient(app, headers={"Origin": ORIGIN}, client=(f"198.51.100.{n}", 40000)) for n in range(40)
    ]
    tokens = [login_token(client) for client in clients]
    start = threading.Barrier(len(clients))
    statuses: list[int] = []
    lock = threading.Lock()

    def send(client: TestClient, token: str) -> None:
        start.wait()
        data = {"name": "ann", "password": "a wrong guess", "csrf_token": token}
        status = client.post("/login", data=data, follow_redirects=False).status_code
        with lock:
            statuses.append(status)

    threads = [threading.Thread(target=send, args=pair) for pair in zip(clients, tokens, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(set(statuses)) == [401, 429]
    assert statuses.count(401) == 5
    assert len(audit_rows(case, "login.failed")) == 5
    # And ann herself must wait too, like after five failures in a row.
    assert guess(clients[0], "ann", PASSWORDS["ann"]) == 429


@pytest.mark.slow
def test_one_client_trying_many_names_is_refused_while_others_log_in(case: Case) -> None:
    app = create_app(case, ReviewConfig(allowed_hosts=frozenset({"testserver"}), client_attempts=3))
    guesser = TestClient(app, headers={"Origin": ORIGIN}, client=("203.0.113.5", 40000))
    assert [guess(guesser, name) for name in ("ann", "eve", "nobody")] == [401, 401, 401]
    assert guess(guesser, "rob", PASSWORDS["rob"]) == 429
    elsewhere = TestClient(app, headers={"Origin": ORIGIN}, client=("203.0.113.6", 40000))
    assert login(elsewhere, "rob")


def test_a_name_that_is_no_account_costs_the_same_argon2_check(monkeypatch: Any, case: Case) -> None:
    # The reproduction: 5 ms for an unknown name against 349 ms for a real one told the names apart.
    checked: list[str] = []
    real = accounts._HASHER

    class Counting:
        def verify(self, stored: str, password: str) -> bool:
            checked.append(stored)
            return real.verify(stored, password)

        def hash(self, password: str) -> str:
            return real.hash(password)

    monkeypatch.setattr(accounts, "_HASHER", Counting())
    with case.engine.begin() as connection:
        connection.execute(update(schema.users).where(schema.users.c.name == "vic").values(disabled=1))
        assert accounts.authenticate(connection, "ann", "a wrong guess") is None
        assert accounts.authenticate(connection, "nobody-by-this-name", "a wrong guess") is None
        assert accounts.authenticate(connection, "vic", PASSWORDS["vic"]) is None
    assert len(checked) == 3
    real_one, unknown, disabled = (extract_parameters(stored) for stored in checked)
    assert unknown == real_one and disabled == real_one
    assert checked[1] != checked[0] and checked[2] != checked[0]
    failed = [(actor, json.loads(detail)) for actor, detail in audit_rows(case, "login.failed")]
    assert (accounts.NO_ACCOUNT, {"name": "nobody-by-this-name"}) in failed
    assert ("ann", {}) in failed and ("vic", {}) in failed


def password_change(client: TestClient, csrf: str, current: str) -> int:
    new = "ann's brand new password"
    data = {"csrf_token": csrf, "current": current, "new": new, "repeat": new}
    return client.post("/password", data=data, follow_redirects=False).status_code


@pytest.mark.slow
def test_guesses_at_the_current_password_are_throttled_and_audited(client: TestClient, case: Case) -> None:
    csrf = login(client, "ann")
    assert [password_change(client, csrf, f"guess {n}") for n in range(5)] == [400] * 5
    assert password_change(client, csrf, PASSWORDS["ann"]) == 429
    failures = audit_rows(case, "account.password.failed")
    assert len(failures) == 5 and {actor for actor, _ in failures} == {"ann"}
    events = build_case_report(case)["continuity"]["events"]
    assert sum(event["action"] == "account.password.failed" for event in events) == 5
    # The password did not change.
    with case.engine.connect() as connection:
        assert accounts.authenticate(connection, "ann", PASSWORDS["ann"]) is not None


def test_a_right_current_password_gives_its_count_back(client: TestClient) -> None:
    csrf = login(client, "ann")
    assert [password_change(client, csrf, f"guess {n}") for n in range(4)] == [400] * 4
    assert password_change(client, csrf, PASSWORDS["ann"]) == 303
    assert csrf_of(client.get("/queue").text)


def test_failed_logins_still_count_after_the_app_restarts(case: Case) -> None:
    config = ReviewConfig(allowed_hosts=frozenset({"testserver"}))
    first = TestClient(create_app(case, config), headers={"Origin": ORIGIN})
    assert [guess(first, "eve") for _ in range(5)] == [401] * 5
    second = TestClient(create_app(case, config), headers={"Origin": ORIGIN})
    assert guess(second, "eve", PASSWORDS["eve"]) == 429
