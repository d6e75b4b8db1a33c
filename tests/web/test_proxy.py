"""Behind a TLS proxy (issue 8, point 22): the documented setup failed with 403, cookies never got ``Secure``
and were not bound to the port. ``X-Forwarded-*`` are believed from a trusted proxy only."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from httpx import Response

from tests.web.conftest import api, csrf_of, login_token
from tests.web.small_case import PASSWORDS, VIDEO, SmallCase, copy_case, item_ids
from warden.case.folder import Case
from warden.cli.review import review_command
from warden.errors import UsageError
from warden.web.app import create_app
from warden.web.config import ReviewConfig, host_names, split_host
from warden.web.proxy import normal_host, parse_proxies
from warden.web.sessions import session_cookie

PUBLIC = "https://review.example"
PROXY = ("127.0.0.1", 51000)
"""The proxy's own address, as the app sees the connection."""


def proxied_app(case: Case, *, trusted: bool, port: int = 8765, **extra: object) -> TestClient:
    """The app started as docs/review.md says, reached through a proxy at 127.0.0.1 for review.example."""
    config = ReviewConfig(
        allowed_hosts=host_names("127.0.0.1", port),
        port=port,
        trusted_proxies=parse_proxies(["127.0.0.1"]) if trusted else (),
        public_hosts=frozenset({"review.example"}),
        **extra,  # type: ignore[arg-type]
    )
    # The proxy speaks plain HTTP to the app, passing the browser's Host on.
    return TestClient(create_app(case, config), base_url="http://review.example", client=PROXY)


def through_proxy(browser: str = "198.51.100.20") -> dict[str, str]:
    """What nginx adds (``proxy_set_header``s of docs/review.md) for a browser at ``browser``."""
    return {"Origin": PUBLIC, "X-Forwarded-Proto": "https", "X-Forwarded-For": browser}


def cookie(response: Response, name: str) -> str:
    """The ``name=value`` of a cookie the response sets, checked to be ``Secure``.

    The test client speaks plain HTTP to the app, as the proxy does, so it would not send a ``Secure`` cookie
    back by itself: the tests send it in a ``Cookie`` header, as the browser does to the proxy over HTTPS.
    """
    found = next(c for c in response.headers.get_list("set-cookie") if c.startswith(f"{name}="))
    assert "Secure" in found, found
    return found.split(";")[0]


def log_in(
    client: TestClient, headers: dict[str, str], name: str = "ann", password: str | None = None
) -> Response:
    page = client.get("/login", headers=headers)
    token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    data = {"name": name, "password": password or PASSWORDS[name], "csrf_token": token}
    sent = {**headers, "Cookie": cookie(page, "warden_login_8765")}
    return client.post("/login", data=data, headers=sent, follow_redirects=False)


def test_the_documented_proxy_setup_works_with_secure_port_bound_cookies(case: Case) -> None:
    client = proxied_app(case, trusted=True)
    headers = through_proxy()
    response = log_in(client, headers)
    assert response.status_code == 303
    session_cookies = [c for c in response.headers.get_list("set-cookie") if c.startswith("warden_session_")]
    assert len(session_cookies) == 1 and session_cookies[0].startswith(f"{session_cookie(8765)}=")
    assert "HttpOnly" in session_cookies[0] and "SameSite=strict" in session_cookies[0]
    session = {**headers, "Cookie": cookie(response, session_cookie(8765))}
    csrf = csrf_of(client.get("/queue", headers=session).text)
    video = item_ids(case)[VIDEO]
    graded = client.post(
        "/grades", data={"items": [video], "category": "A"}, headers={**session, **api(csrf)}
    )
    assert graded.status_code == 200


def test_without_trusting_the_proxy_the_same_setup_is_refused(case: Case) -> None:
    # The reproduction: the documented setup answered 403 (the public name and scheme were not the app's).
    client = proxied_app(case, trusted=False)
    response = client.get("/login", headers={**through_proxy(), "Accept": "application/json"})
    assert response.status_code == 403 and response.json()["error"]["code"] == "wrong_host"


def test_forwarded_headers_from_anyone_else_are_ignored(case: Case) -> None:
    config = ReviewConfig(
        allowed_hosts=host_names("127.0.0.1", 8765),
        trusted_proxies=parse_proxies(["10.9.9.9"]),
        public_hosts=frozenset({"review.example"}),
    )
    app = create_app(case, config)
    forger = TestClient(app, base_url=PUBLIC, client=("127.0.0.1", 50000))
    refused = forger.get("/login", headers={**through_proxy(), "Accept": "application/json"})
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "wrong_host"
    # Over plain HTTP, a forged X-Forwarded-Proto gives no Secure cookie (nor a scheme for the Origin).
    direct = TestClient(app, base_url="http://127.0.0.1:8765", client=("127.0.0.1", 50000))
    page = direct.get("/login", headers={"X-Forwarded-Proto": "https"})
    assert "Secure" not in page.headers["set-cookie"]


def test_the_per_client_limit_counts_the_browser_behind_the_proxy(case: Case) -> None:
    client = proxied_app(case, trusted=True, client_attempts=2)
    guesser, examiner = through_proxy("198.51.100.66"), through_proxy("198.51.100.20")
    assert [log_in(client, guesser, "nobody", "guess").status_code for _ in range(2)] == [401, 401]
    assert log_in(client, guesser, "eve").status_code == 429
    assert log_in(client, examiner, "eve").status_code == 303
    # A browser cannot pick its own address: the proxy appends the real one, and that one is counted.
    forged = {**guesser, "X-Forwarded-For": "192.0.2.1, 198.51.100.66"}
    assert log_in(client, forged, "rob").status_code == 429


def test_a_forged_address_from_an_untrusted_client_is_not_a_fresh_client(case: Case) -> None:
    app = create_app(case, ReviewConfig(allowed_hosts=frozenset({"testserver"}), client_attempts=2))
    client = TestClient(app, headers={"Origin": "http://testserver"}, client=("192.0.2.50", 1234))
    for n in range(2):
        data = {"name": "nobody", "password": "guess", "csrf_token": login_token(client)}
        client.post("/login", data=data, headers={"X-Forwarded-For": f"203.0.113.{n}"})
    data = {"name": "eve", "password": PASSWORDS["eve"], "csrf_token": login_token(client)}
    response = client.post("/login", data=data, headers={"X-Forwarded-For": "203.0.113.99"})
    assert response.status_code == 429


def test_cookies_are_named_for_the_port(case: Case) -> None:
    for port in (8765, 8766):
        app = create_app(case, ReviewConfig(allowed_hosts=host_names("127.0.0.1", port), port=port))
        client = TestClient(app, base_url=f"http://127.0.0.1:{port}")
        assert client.get("/login").headers["set-cookie"].startswith(f"warden_login_{port}=")
        assert session_cookie(port) == f"warden_session_{port}"


def test_proxy_settings_are_read_strictly() -> None:
    assert [str(n) for n in parse_proxies(["127.0.0.1, 10.0.0.0/8", "::1"])] == [
        "127.0.0.1/32",
        "10.0.0.0/8",
        "::1/128",
    ]
    with pytest.raises(UsageError, match="trusted proxy"):
        parse_proxies(["proxy.example"])
    assert normal_host("Review.Example:443", "https") == "review.example"
    assert normal_host("review.example:8443", "https") == "review.example:8443"
    assert split_host("review.example:8443") == ("review.example", 8443)
    assert split_host("[::1]:8443") == ("::1", 8443)
    assert split_host("review.example") == ("review.example", None)


def test_the_command_sets_up_the_documented_proxy(
    built: SmallCase, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import uvicorn

    copy_case(built, tmp_path / "case").engine.dispose()
    apps: list[Any] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: apps.append(app))
    documented = [str(tmp_path / "case"), "--port", "8770", "--trusted-proxy", "127.0.0.1"]
    result = CliRunner().invoke(review_command, [*documented, "--hostname", "review.example"])
    assert result.exit_code == 0, result.output
    config = apps[0].state.review.config
    assert config.port == 8770 and config.public_hosts == {"review.example"}
    assert [str(network) for network in config.trusted_proxies] == ["127.0.0.1/32"]
    assert "review.example:8770" in config.allowed_hosts
    monkeypatch.setenv("WARDEN_REVIEW_TRUSTED_PROXIES", "10.0.0.0/8, ::1")
    CliRunner().invoke(review_command, [str(tmp_path / "case")])
    assert [str(network) for network in apps[1].state.review.config.trusted_proxies] == [
        "10.0.0.0/8",
        "::1/128",
    ]
    wrong = CliRunner().invoke(review_command, [str(tmp_path / "case"), "--trusted-proxy", "proxy.example"])
    assert isinstance(wrong.exception, UsageError) and "trusted proxy" in str(wrong.exception)
