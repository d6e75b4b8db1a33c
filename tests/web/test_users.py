"""Accounts page: an admin adds people with a first password they must change."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.web.conftest import api, csrf_of, login, login_token
from tests.web.small_case import SmallCase
from warden.case import accounts
from warden.case.folder import Case


def admin_client(client: TestClient, built: SmallCase) -> str:
    client.post(
        "/login", data={"name": "admin", "password": built.admin_password, "csrf_token": login_token(client)}
    )
    csrf = csrf_of(client.get("/password").text)
    client.post(
        "/password",
        data={
            "csrf_token": csrf,
            "current": built.admin_password,
            "new": "admin password 2",
            "repeat": "admin password 2",
        },
    )
    return csrf


def test_an_admin_adds_an_account_that_must_change_its_password(
    client: TestClient, built: SmallCase, case: Case
) -> None:
    csrf = admin_client(client, built)
    assert "rob" in client.get("/users").text
    added = client.post(
        "/users",
        data={"name": "kim", "role": "reviewer", "password": "kim's first password", "csrf_token": csrf},
        follow_redirects=False,
    )
    assert added.status_code == 303
    with case.engine.connect() as connection:
        kim = next(a for a in accounts.all_accounts(connection) if a.name == "kim")
    assert kim.role == "reviewer" and kim.must_change_password
    again = client.post(
        "/users", data={"name": "kim", "role": "viewer", "password": "x" * 12, "csrf_token": csrf}
    )
    assert again.status_code == 400 and "already" in again.text


def test_only_an_admin_manages_accounts(client: TestClient) -> None:
    csrf = login(client, "rob")
    assert client.get("/users", headers={"Accept": "application/json"}).status_code == 403
    response = client.post(
        "/users", data={"name": "x", "role": "admin", "password": "y" * 12}, headers=api(csrf)
    )
    assert response.status_code == 403
