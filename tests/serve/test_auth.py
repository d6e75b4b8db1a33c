"""Every endpoint but /status* needs a usable API key holding the endpoint's scope; each refusal is one JSON
error a client can act on."""

from __future__ import annotations

import time

from tests.serve.served import Service
from warden.servicedb.database import open_service_db
from warden.servicedb.keys import expire_key, revoke_key


def _error(response: object) -> dict[str, object]:
    body = response.json()  # type: ignore[attr-defined]
    assert set(body) == {"error"}
    return dict(body["error"])


def test_a_request_without_a_key_is_refused_with_401_json(service: Service) -> None:
    with service.client() as client:
        for method, path in (("POST", "/v1/hash"), ("GET", "/v1/key")):
            response = client.request(method, path)
            assert response.status_code == 401
            assert _error(response)["code"] == "api_key"
            assert response.headers["www-authenticate"].startswith("Bearer")


def test_an_unknown_key_is_refused_like_a_missing_one(service: Service) -> None:
    with service.client("wdn_not-a-key-anyone-made") as client:
        response = client.get("/v1/key")
    assert response.status_code == 401
    assert "unknown, expired or revoked" in str(_error(response)["message"])


def test_a_key_works_as_bearer_token_or_x_api_key_header(service: Service) -> None:
    key = service.key("both-headers", "match")
    with service.client(key) as client:
        assert client.get("/v1/key").json()["name"] == "both-headers"
    with service.client() as client:
        assert client.get("/v1/key", headers={"X-API-Key": key}).json()["scopes"] == ["match"]
        two = client.get("/v1/key", headers={"X-API-Key": key, "Authorization": "Bearer wdn_other"})
    assert two.status_code == 401


def test_a_key_without_the_scope_is_refused_with_403(service: Service) -> None:
    key = service.key("matcher-only", "match")
    with service.client(key) as client:
        response = client.post("/v1/hash", content=b"\xff\xd8\xff", headers={"Content-Type": "image/jpeg"})
    assert response.status_code == 403
    error = _error(response)
    assert error["code"] == "missing_scope" and "'hash'" in str(error["message"])


def test_an_admin_key_holds_every_scope(service: Service) -> None:
    key = service.key("administrator", "admin")
    with service.client(key) as client:
        response = client.post("/v1/hash", content=b"not an image", headers={"Content-Type": "image/png"})
    assert response.status_code == 415  # past the door: refused for what it sent, not for its scope


def test_revoked_and_expired_keys_stop_working_within_the_poll_interval(service: Service) -> None:
    # A worker trusts its last read of a key for WARDEN_SERVE_POLL_SECONDS (1 s): the request after that
    # is refused. Asked again for up to a bounded while; what is asserted is the refusal, not its speed.
    revoked, expired = service.key("to-revoke", "hash"), service.key("to-expire", "hash")
    with service.client() as client:
        for key in (revoked, expired):
            assert client.get("/v1/key", headers={"X-API-Key": key}).status_code == 200
        engine = open_service_db(service.config.db_url)
        with engine.begin() as connection:
            revoke_key(connection, "to-revoke", time.time())
            expire_key(connection, "to-expire", time.time())
        engine.dispose()
        for key in (revoked, expired):
            statuses = []
            for _ in range(300):
                statuses.append(client.get("/v1/key", headers={"X-API-Key": key}).status_code)
                if statuses[-1] == 401:
                    break
                time.sleep(0.1)
            assert statuses[-1] == 401 and set(statuses) <= {200, 401}


def test_status_and_the_api_description_need_no_key(service: Service) -> None:
    with service.client() as client:
        assert client.get("/status").status_code == 200
        assert client.get("/status/live").json() == {"status": "live"}
        spec = client.get("/openapi.json").json()
    assert "/v1/hash" in spec["paths"]
    assert {"HTTPBearer", "APIKeyHeader"} <= set(spec["components"]["securitySchemes"])


def test_errors_of_the_framework_have_the_same_shape(service: Service) -> None:
    with service.client() as client:
        missing = client.get("/v1/nothing-here")
        wrong_method = client.get("/v1/hash")
    assert missing.status_code == 404 and _error(missing)["code"] == "not_found"
    assert wrong_method.status_code == 405 and _error(wrong_method)["code"] == "method_not_allowed"
    assert missing.headers["x-content-type-options"] == "nosniff"
