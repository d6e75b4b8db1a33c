"""The review app's fixtures: one small scanned case per test session, a fresh copy of it per test."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.web.small_case import PASSWORDS, SmallCase, build_small_case, copy_case
from warden.case.folder import Case
from warden.web.app import create_app
from warden.web.config import ReviewConfig

ORIGIN = "http://testserver"


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> SmallCase:
    """The small case, scanned once."""
    return build_small_case(tmp_path_factory.mktemp("small-case"))


@pytest.fixture
def case(built: SmallCase, tmp_path: Path) -> Iterator[Case]:
    """A copy of the small case that a test may change."""
    opened = copy_case(built, tmp_path / "case")
    yield opened
    opened.engine.dispose()


@pytest.fixture
def app(case: Case) -> FastAPI:
    """The review app over the copy, answering as the test client's host."""
    return create_app(case, ReviewConfig(allowed_hosts=frozenset({"testserver"})))


@pytest.fixture
def client(app: FastAPI) -> TestClient:
    """A client that sends the app's own Origin, as a browser on the app's pages does."""
    return TestClient(app, headers={"Origin": ORIGIN})


def csrf_of(html: str) -> str:
    """The CSRF token a page carries."""
    found = re.search(r'name="csrf-token" content="([^"]*)"', html)
    assert found is not None
    return found.group(1)


def login_token(client: TestClient) -> str:
    """Open the login page; returns the token its form echoes."""
    page = client.get("/login")
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found is not None
    return found.group(1)


def login(client: TestClient, name: str, password: str | None = None) -> str:
    """Log in as ``name``; returns the session's CSRF token."""
    response = client.post(
        "/login",
        data={"name": name, "password": password or PASSWORDS[name], "csrf_token": login_token(client)},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    landing = client.get(response.headers["location"])
    return csrf_of(landing.text)


def api(csrf: str) -> dict[str, str]:
    """Headers of the page's script: the CSRF token, and asking for JSON."""
    return {"X-CSRF-Token": csrf, "Accept": "application/json"}
