"""Logging in and out, the admin's one-time password, and slowing down guessing."""

from __future__ import annotations

import hashlib

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.web.conftest import api, csrf_of, login, login_token
from tests.web.small_case import SmallCase
from warden.case import accounts, schema
from warden.case.folder import Case
from warden.web.config import ReviewConfig
from warden.web.sessions import session_cookie

COOKIE = session_cookie(ReviewConfig().port)


def audit_actions(case: Case) -> list[tuple[str, str]]:
    with case.engine.connect() as connection:
        return [(row.actor, row.action) for row in connection.execute(select(schema.audit_log))]


def test_login_sets_a_strict_http_only_cookie_whose_hash_alone_is_stored(
    client: TestClient, case: Case
) -> None:
    response = client.post(
        "/login",
        data={"name": "ann", "password": "ann's long password", "csrf_token": login_token(client)},
        follow_redirects=False,
    )
    assert response.status_code == 303 and response.headers["location"] == "/queue"
    cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith(f"{COOKIE}="))
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie
    token = cookie.split(";")[0].split("=", 1)[1]
    with case.engine.connect() as connection:
        stored = connection.execute(select(schema.sessions.c.token_hash)).scalars().all()
    assert stored == [hashlib.sha256(token.encode()).hexdigest()]
    assert ("ann", "login") in audit_actions(case)


def test_logout_ends_the_session_at_once(client: TestClient, case: Case) -> None:
    csrf = login(client, "ann")
    cookie = client.cookies.get(COOKIE)
    assert client.get("/queue").status_code == 200
    assert client.post("/logout", headers=api(csrf), follow_redirects=False).status_code == 303
    replay = TestClient(client.app, headers={"Origin": "http://testserver"}, cookies={COOKIE: cookie or ""})
    assert replay.get("/queue", headers={"Accept": "application/json"}).status_code == 401
    with case.engine.connect() as connection:
        assert connection.execute(select(schema.sessions)).first() is None
    assert ("ann", "logout") in audit_actions(case)


def test_a_wrong_password_is_refused_and_logged(client: TestClient, case: Case) -> None:
    response = client.post(
        "/login", data={"name": "ann", "password": "not the password", "csrf_token": login_token(client)}
    )
    assert response.status_code == 401 and "wrong name or password" in response.text
    assert client.get("/queue", headers={"Accept": "application/json"}).status_code == 401
    assert ("ann", "login.failed") in audit_actions(case)


@pytest.mark.slow
def test_repeated_failures_lock_the_account_for_a_while(client: TestClient) -> None:
    for _ in range(5):
        client.post("/login", data={"name": "ann", "password": "guess", "csrf_token": login_token(client)})
    right = client.post(
        "/login", data={"name": "ann", "password": "ann's long password", "csrf_token": login_token(client)}
    )
    assert right.status_code == 429 and "too many failed logins" in right.text
    # Other accounts are not affected.
    assert login(client, "eve")


@pytest.mark.slow
def test_the_admin_must_change_the_one_time_password_first(
    client: TestClient, built: SmallCase, case: Case
) -> None:
    response = client.post(
        "/login",
        data={"name": "admin", "password": built.admin_password, "csrf_token": login_token(client)},
        follow_redirects=False,
    )
    assert response.headers["location"] == "/password"
    page = client.get("/queue", follow_redirects=False, headers={"Accept": "text/html"})
    assert page.status_code == 303 and page.headers["location"] == "/password"
    blocked = client.get("/queue", headers={"Accept": "application/json"})
    assert blocked.status_code == 403 and blocked.json()["error"]["code"] == "password_change_required"
    csrf = csrf_of(client.get("/password").text)
    form = {"csrf_token": csrf, "current": built.admin_password}
    differ = client.post("/password", data={**form, "new": "a new long password", "repeat": "another one!!"})
    assert differ.status_code == 400 and "differ" in differ.text
    short = client.post("/password", data={**form, "new": "short", "repeat": "short"})
    assert short.status_code == 400 and "12 characters" in short.text
    done = client.post(
        "/password",
        data={**form, "new": "the admin's own password", "repeat": "the admin's own password"},
        follow_redirects=False,
    )
    assert done.status_code == 303 and done.headers["location"] == "/queue"
    assert client.get("/queue").status_code == 200
    with case.engine.connect() as connection:
        admin = next(a for a in accounts.all_accounts(connection) if a.name == "admin")
        assert not admin.must_change_password
        assert accounts.authenticate(connection, "admin", built.admin_password) is None
    assert ("admin", "account.password") in audit_actions(case)


@pytest.mark.slow
def test_a_password_change_needs_the_current_password_and_ends_other_sessions(app: object) -> None:
    first = TestClient(app, headers={"Origin": "http://testserver"})  # type: ignore[arg-type]
    second = TestClient(app, headers={"Origin": "http://testserver"})  # type: ignore[arg-type]
    csrf = login(first, "ann")
    login(second, "ann")
    wrong = first.post(
        "/password",
        data={
            "csrf_token": csrf,
            "current": "nope",
            "new": "ann's new password",
            "repeat": "ann's new password",
        },
    )
    assert wrong.status_code == 400 and "current password is wrong" in wrong.text
    ok = first.post(
        "/password",
        data={
            "csrf_token": csrf,
            "current": "ann's long password",
            "new": "ann's new password",
            "repeat": "ann's new password",
        },
        follow_redirects=False,
    )
    assert ok.status_code == 303
    assert first.get("/queue").status_code == 200
    assert second.get("/queue", headers={"Accept": "application/json"}).status_code == 401
