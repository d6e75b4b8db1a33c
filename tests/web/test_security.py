"""The gate: no route answers without a session (but login and health), nor to another origin or host,
nor a POST without the session's CSRF token; every response carries the security headers."""

from __future__ import annotations

import re

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from starlette.routing import BaseRoute, Mount

from tests.web.conftest import api, login
from warden.web.security import PUBLIC_PATHS

EVIL = "http://evil.example"


def routes(app: FastAPI) -> list[BaseRoute]:
    """Every route of the app, including those of included routers (which newer FastAPI keeps lazily)."""
    try:
        from fastapi.routing import iter_route_contexts
    except ImportError:  # FastAPI before 0.130 lists included routes directly
        return list(app.routes)
    return [context.original_route for context in iter_route_contexts(app.routes)]


def every_request(app: FastAPI) -> list[tuple[str, str]]:
    """(method, path) for every route of the app, path parameters filled in."""
    found = []
    for route in routes(app):
        if isinstance(route, APIRoute):
            path = re.sub(r"\{[^}]+\}", "1", route.path)
            found += [(method, path) for method in sorted(route.methods)]
        elif isinstance(route, Mount):
            found.append(("GET", f"{route.path}/review.js"))
        else:
            raise AssertionError(f"a route the test does not know how to call: {route!r}")
    return found


def test_the_app_has_the_routes_the_tests_walk(app: FastAPI) -> None:
    requests = every_request(app)
    assert len(requests) >= 20
    assert ("POST", "/grades") in requests and ("GET", "/previews/1/clear") in requests


def test_no_route_answers_without_a_session_but_login_health_and_static(app: FastAPI) -> None:
    client = TestClient(app, headers={"Origin": "http://testserver"})
    for method, path in every_request(app):
        if path in PUBLIC_PATHS or path.startswith("/static/"):
            continue
        response = client.request(method, path, headers={"Accept": "application/json"})
        assert response.status_code == 401, (method, path, response.status_code)
        assert response.json()["error"]["code"] == "unauthenticated", (method, path)
        if method == "GET":
            page = client.get(path, headers={"Accept": "text/html"}, follow_redirects=False)
            assert page.status_code == 303 and page.headers["location"] == "/login", path
    assert client.get("/no/such/page", headers={"Accept": "application/json"}).status_code == 401
    assert client.get("/health").json() == {"status": "ok"}
    assert client.get("/login").status_code == 200
    assert client.get("/static/review.js").status_code == 200


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": EVIL},
        {"Origin": "http://testserver", "Referer": f"{EVIL}/page"},
        {"Origin": "http://testserver", "Sec-Fetch-Site": "cross-site"},
        {"Origin": "http://testserver", "Sec-Fetch-Site": "same-site"},
    ],
    ids=["origin", "referer", "fetch-site-cross", "fetch-site-same-site"],
)
def test_a_request_from_another_origin_is_refused_on_every_route(
    app: FastAPI, headers: dict[str, str]
) -> None:
    client = TestClient(app, headers={"Origin": "http://testserver"})
    csrf = login(client, "ann")
    for method, path in every_request(app):
        response = client.request(method, path, headers={**api(csrf), **headers})
        assert response.status_code == 403, (method, path)
        assert response.json()["error"]["code"] == "cross_origin", (method, path)


def test_a_post_that_does_not_show_its_origin_is_refused(client: TestClient) -> None:
    csrf = login(client, "ann")
    bare = TestClient(client.app, cookies=client.cookies)
    response = bare.post("/grades/undo", headers=api(csrf))
    assert response.status_code == 403 and response.json()["error"]["code"] == "cross_origin"
    # A browser's own same-origin fetch may send "Origin: null" (no-referrer) but says where it came from.
    ok = bare.post("/grades/undo", headers={**api(csrf), "Origin": "null", "Sec-Fetch-Site": "same-origin"})
    assert ok.status_code == 200


def test_another_host_name_is_refused(app: FastAPI) -> None:
    # DNS rebinding: a page of another site, its name pointed at 127.0.0.1, arrives with its own Host.
    client = TestClient(app, base_url="http://attacker.example:8765")
    response = client.get("/login", headers={"Accept": "application/json"})
    assert response.status_code == 403 and response.json()["error"]["code"] == "wrong_host"


def test_every_post_needs_the_session_csrf_token(app: FastAPI, client: TestClient) -> None:
    login(client, "ann")
    posts = [path for method, path in every_request(app) if method == "POST" and path != "/login"]
    assert len(posts) >= 8
    for path in posts:
        missing = client.post(path, headers={"Accept": "application/json"})
        assert missing.status_code == 403 and missing.json()["error"]["code"] == "csrf", path
        wrong = client.post(path, headers=api("not-the-token"))
        assert wrong.status_code == 403 and wrong.json()["error"]["code"] == "csrf", path
        in_form = client.post(
            path, data={"csrf_token": "not-the-token"}, headers={"Accept": "application/json"}
        )
        assert in_form.status_code == 403, path


def test_the_login_form_needs_its_own_token(client: TestClient) -> None:
    response = client.post(
        "/login",
        data={"name": "ann", "password": "ann's long password"},
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 403 and response.json()["error"]["code"] == "csrf"


def test_every_response_carries_the_security_headers(client: TestClient) -> None:
    login(client, "ann")
    for path in ("/login", "/queue", "/previews/1", "/static/app.css", "/no/such/page"):
        headers = client.get(path).headers
        assert "default-src 'self'" in headers["content-security-policy"], path
        assert "'unsafe-inline'" not in headers["content-security-policy"], path
        assert headers["x-frame-options"] == "DENY", path
        assert headers["referrer-policy"] == "no-referrer", path
        assert headers["cache-control"] == "no-store", path
        assert headers["x-content-type-options"] == "nosniff", path


def test_pages_hold_no_inline_script(client: TestClient) -> None:
    login(client, "ann")
    for path in ("/login", "/queue", "/items/1", "/disputes"):
        html = client.get(path).text
        assert re.search(r"<script(?![^>]*\bsrc=)", html) is None, path
        assert re.search(r"\son[a-z]+=", html) is None, path


def test_api_errors_share_one_json_shape(client: TestClient) -> None:
    csrf = login(client, "ann")
    missing = client.get("/items/99999", headers={"Accept": "application/json"})
    invalid = client.post("/grades", data={"items": "1"}, headers=api(csrf))
    refused = client.post("/grades", data={"items": "1", "category": "Z"}, headers=api(csrf))
    for response, status in ((missing, 404), (invalid, 422), (refused, 400)):
        assert response.status_code == status
        body = response.json()
        assert set(body) == {"error"} and set(body["error"]) == {"status", "code", "message"}
        assert body["error"]["status"] == status


def test_big_or_unexpected_bodies_are_refused(client: TestClient) -> None:
    csrf = login(client, "ann")
    big = client.post(
        "/grades",
        content=b"items=1&" * 10_000,
        headers={**api(csrf), "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert big.status_code == 413
    json_body = client.post("/grades", json={"items": [1]}, headers=api(csrf))
    assert json_body.status_code == 415


def test_no_websocket_opens(client: TestClient) -> None:
    from starlette.websockets import WebSocketDisconnect

    login(client, "ann")
    with pytest.raises(WebSocketDisconnect), client.websocket_connect("/queue") as socket:
        socket.receive_text()
