"""Requests that name nothing, or that the app fails on (issue 8, point 22): an item id above 2^63 gave a 500
without the security headers. Every error, 404, 422 and 500 alike, comes in the one error shape with them."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.web.conftest import api, login
from tests.web.test_security import every_request

HOSTILE_IDS = (str(2**63), str(2**64 + 7), "9" * 40, "0", "-1", "1e3", "abc", "%00")


def assert_secured(response: object, what: object) -> None:
    headers = response.headers  # type: ignore[attr-defined]
    assert "default-src 'self'" in headers["content-security-policy"], what
    assert headers["x-frame-options"] == "DENY", what
    assert headers["cache-control"] == "no-store", what
    assert headers["x-content-type-options"] == "nosniff", what


def test_an_item_id_past_the_database_range_is_not_found_with_the_headers(client: TestClient) -> None:
    # The reproduction: GET /items/9223372036854775808 answered 500, without the security headers.
    login(client, "ann")
    response = client.get(f"/items/{2**63}", headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert_secured(response, "items")
    page = client.get(f"/items/{2**63}", headers={"Accept": "text/html"})
    assert page.status_code == 404 and "not_found" in page.text
    assert_secured(page, "items page")


@pytest.mark.parametrize("item", HOSTILE_IDS)
def test_every_route_with_an_id_answers_a_hostile_id_with_404(app: FastAPI, item: str) -> None:
    client = TestClient(app, headers={"Origin": "http://testserver"})
    csrf = login(client, "rob")
    routes = [(method, path) for method, path in every_request(app) if "/1" in path]
    assert len(routes) >= 6
    for method, path in routes:
        response = client.request(method, path.replace("/1", f"/{item}", 1), headers=api(csrf))
        assert response.status_code == 404, (method, path, response.status_code)
        assert response.json()["error"]["code"] == "not_found", (method, path)
        assert_secured(response, (method, path))


def test_grading_an_id_past_the_range_is_not_found(client: TestClient) -> None:
    csrf = login(client, "ann")
    response = client.post("/grades", data={"items": [str(2**63)], "category": "A"}, headers=api(csrf))
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
    assert_secured(response, "grades")


def test_an_invalid_form_is_422_with_the_headers(client: TestClient) -> None:
    csrf = login(client, "ann")
    response = client.post("/grades", data={"category": "A"}, headers=api(csrf))
    assert response.status_code == 422 and response.json()["error"]["code"] == "invalid_request"
    assert_secured(response, "422")


def test_a_failure_inside_the_app_is_a_500_in_the_error_shape_with_the_headers(
    app: FastAPI, client: TestClient, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    login(client, "ann")

    def broken(item_id: int) -> None:
        raise RuntimeError("a fault nobody foresaw")

    monkeypatch.setattr(app.state.review.previews, "blurred", broken)
    response = client.get("/previews/1", headers={"Accept": "application/json"})
    assert response.status_code == 500
    assert response.json()["error"]["code"] == "internal_error"
    assert "Traceback" not in response.text and "a fault nobody foresaw" not in response.text
    assert_secured(response, "500")
    page = client.get("/previews/1", headers={"Accept": "text/html"})
    assert page.status_code == 500 and "internal_error" in page.text
    assert_secured(page, "500 page")
    assert "RuntimeError: a fault nobody foresaw" in caplog.text


def test_a_database_failure_in_the_gate_is_a_500_with_the_headers(
    app: FastAPI, client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    login(client, "ann")
    guard = app.build_middleware_stack()
    while not hasattr(guard, "_session"):
        guard = guard.app  # type: ignore[attr-defined]

    def down(token: str) -> None:
        raise OSError("disk I/O error")

    monkeypatch.setattr(type(guard), "_session", lambda self, token: down(token))
    response = client.get("/queue", headers={"Accept": "application/json"})
    assert response.status_code == 500 and response.json()["error"]["code"] == "internal_error"
    assert_secured(response, "gate 500")
