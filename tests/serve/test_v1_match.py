"""Warden's /v1 API end to end on a real service: a curator creates a bank and loads a list of benign photos;
a platform's upload of one of them, and of a mirrored copy, is matched; disabled content is not matched
until enabled again; a batch of 1,000 lookups is answered in order; a match of a named upload reaches a
loopback listener as a signed webhook; a key without ``curate`` cannot create banks."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import socket
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.media import media
from tests.serve.bank_service import PHOTOS, mirrored, photo_csv
from tests.serve.conftest import MAX_UPLOAD, config_for
from tests.serve.served import Service, serving
from tests.waiting import wait_until
from warden.hashing.item import hash_file
from warden.serve import app as app_module
from warden.serve import webhooks
from warden.serve.lookup import MAX_BATCH
from warden.serve.matching import matching

SECRET = b"a-webhook-secret-of-enough-bytes"
UNLISTED = "n01514668_cock.jpg"


def until(condition: Callable[[], bool], what: str) -> None:
    """Wait for ``condition`` (a change is seen within a poll); fail, naming ``what``, if it never holds."""
    wait_until(condition, what, pause=0.05)


@pytest.fixture(scope="module")
def key(service: Service) -> str:
    return service.key("platform", "curate", "match", "hash", rate=100_000)


@pytest.fixture(scope="module")
def photos(service: Service, key: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    """The bank PHOTOS, loaded from a canonical CSV of :data:`PHOTOS` (category C) through the API."""
    listed = photo_csv(tmp_path_factory.mktemp("list"))
    with service.client(key) as client:
        created = client.post("/v1/banks", json={"name": "PHOTOS"})
        assert created.status_code == 201, created.text
        loaded = client.post(
            "/v1/banks/PHOTOS/list",
            files={"file": ("photos.csv", listed.read_bytes(), "text/csv")},
            data={"format": "csv"},
        )
        assert loaded.status_code == 200, loaded.text
        assert loaded.json() == {"bank": "PHOTOS", "added": len(PHOTOS)}
        until(lambda: client.get("/v1/banks/PHOTOS").json()["size"] == len(PHOTOS), "the list is indexed")
    return "PHOTOS"


def _match(client: httpx.Client, path: Path, **fields: str) -> dict[str, Any]:
    response = client.post("/v1/match", files={"file": (path.name, path.read_bytes())}, data=fields)
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


def test_a_key_without_curate_cannot_create_banks(service: Service) -> None:
    matcher = service.key("matcher-only", "match", "hash")
    with service.client(matcher) as client:
        refused = client.post("/v1/banks", json={"name": "NOT_MINE"})
        listing = client.get("/v1/banks")
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "missing_scope"
    assert "'curate'" in refused.json()["error"]["message"]
    assert listing.status_code == 403


def test_the_listed_photo_and_a_mirrored_copy_match_and_others_do_not(
    service: Service, key: str, photos: str, tmp_path: Path
) -> None:
    with service.client(key) as client:
        same = _match(client, media("photos", PHOTOS[1]))
        copy = _match(client, mirrored(PHOTOS[1], tmp_path))
        other = _match(client, media("photos", UNLISTED))
    best = same["matches"][0]
    assert best == {
        "bank": photos,
        "content_id": "photo-1",
        "category": "C",
        "hash_kind": best["hash_kind"],
        "distance": 0,
        "variant": "original",
    }
    assert len(same["matches"]) == 1 and best["hash_kind"] in ("md5", "sha1", "sha256")  # exact wins
    assert same["hashes"]["sha256"] == hash_file(media("photos", PHOTOS[1])).sha256
    mirror = copy["matches"][0]
    assert (mirror["content_id"], mirror["hash_kind"]) == ("photo-1", "pdq")
    assert mirror["variant"] != "original"  # the copy's own mirror image is what matched
    assert other["matches"] == []
    assert same["records"] == []  # no content_id given: nothing recorded


def test_disabled_content_is_not_matched_until_enabled_again(service: Service, key: str, photos: str) -> None:
    photo = media("photos", PHOTOS[0])

    def ids(client: httpx.Client) -> set[str]:
        return {m["content_id"] for m in _match(client, photo)["matches"]}

    with service.client(key) as client:
        assert ids(client) == {"photo-0"}
        disabled = client.post(f"/v1/banks/{photos}/content/photo-0/disable")
        assert disabled.json() == {"bank": photos, "content_id": "photo-0", "enabled": False}
        until(lambda: ids(client) == set(), "disabled content stops matching")
        page = client.get(f"/v1/banks/{photos}/content", params={"limit": 2}).json()
        rest = client.get(f"/v1/banks/{photos}/content", params={"offset": 2}).json()
        client.post(f"/v1/banks/{photos}/content/photo-0/enable").raise_for_status()
        until(lambda: ids(client) == {"photo-0"}, "enabled content matches again")
    assert (page["total"], len(page["content"]), len(rest["content"])) == (len(PHOTOS), 2, 1)
    shown = {c["content_id"]: c for c in page["content"] + rest["content"]}
    assert shown["photo-0"]["enabled"] is False and shown["photo-1"]["enabled"] is True
    assert shown["photo-0"]["category"] == "C" and "pdq" in shown["photo-0"]["hashes"]


def _md5(number: int) -> str:
    return hashlib.md5(f"listed {number}".encode()).hexdigest()


def test_a_batch_of_1000_lookups_is_answered_in_order(service: Service, key: str) -> None:
    with service.client(key) as client:
        assert client.post("/v1/banks", json={"name": "DIGESTS"}).status_code == 201
        for number in range(10):
            added = client.post(
                "/v1/banks/DIGESTS/content",
                json={"hashes": {"md5": _md5(number)}, "category": "B", "content_id": f"d{number}"},
            )
            assert added.status_code == 201, added.text
        one = {"hashes": [{"kind": "md5", "value": _md5(9)}]}
        until(lambda: client.post("/v1/lookup", json=one).json()["results"][0]["matches"] != [], "visible")

        hashes = [{"kind": "md5", "value": _md5(n % 10 if n % 2 else 100 + n)} for n in range(MAX_BATCH - 1)]
        hashes.append({"kind": "pdq", "value": "not a hash"})
        batch = client.post("/v1/lookup", json={"hashes": hashes})
        too_many = client.post("/v1/lookup", json={"hashes": hashes + hashes[:1]})
        bad_bank = client.post("/v1/banks/DIGESTS/content", json={"hashes": {"md5": "xyz"}})
    assert batch.status_code == 200, batch.text
    results = batch.json()["results"]
    assert len(results) == MAX_BATCH
    assert [[m["content_id"] for m in r["matches"]] for r in results[:4]] == [[], ["d1"], [], ["d3"]]
    assert all(bool(r["matches"]) == bool(n % 2) for n, r in enumerate(results[:-1]))
    assert results[1]["matches"][0] == {
        "bank": "DIGESTS",
        "content_id": "d1",
        "category": "B",
        "hash_kind": "md5",
        "distance": 0,
        "variant": "original",
    }
    assert "error" in results[-1] and results[-1]["matches"] == []
    assert too_many.status_code == 400 and "at most 1000" in too_many.json()["error"]["message"]
    assert bad_bank.status_code == 400 and "not a md5 value" in bad_bank.json()["error"]["message"]


class _Listener:
    """A webhook receiver on loopback that keeps what it is sent."""

    def __init__(self) -> None:
        self.received: list[tuple[bytes, str | None]] = []
        received = self.received

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                received.append((body, self.headers.get(webhooks.SIGNATURE_HEADER)))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_a_match_of_a_named_upload_is_recorded_and_posted_signed(
    service: Service, key: str, photos: str
) -> None:
    listener = _Listener()
    try:
        banks = matching(service.state).banks
        webhooks.add_endpoint(banks.engine, banks.key, listener.url, SECRET, banks=(photos,))
        with service.client(key) as client:
            answer = _match(client, media("photos", PHOTOS[2]), content_id="upload-42")
        assert answer["content_id"] == "upload-42" and len(answer["records"]) == len(answer["matches"]) >= 1
        until(lambda: len(listener.received) >= len(answer["records"]), "the webhooks are delivered")
    finally:
        listener.close()
    body, header = listener.received[0]
    webhooks.verify(SECRET, body, header)  # raises unless signed with the endpoint's secret, and fresh
    notice = json.loads(body)
    assert notice["event"] == "match"
    assert notice["data"]["content_id"] == "upload-42"
    assert (notice["data"]["bank"], notice["data"]["entry_content_id"]) == (photos, "photo-2")
    assert notice["data"]["record_id"] in answer["records"]
    assert answer["hashes"]["sha256"] not in body.decode()  # a notice never carries the upload's hashes


def test_bad_requests_get_clear_errors(service: Service, key: str, photos: str) -> None:
    with service.client(key) as client:
        unknown = client.get("/v1/banks/NO_SUCH_BANK")
        bad_name = client.post("/v1/banks", json={"name": "lower-case"})
        again = client.post("/v1/banks", json={"name": photos})
        ratio = client.put(f"/v1/banks/{photos}/ratio", json={"matching_enabled_ratio": 2})
        bad_list = client.post(
            f"/v1/banks/{photos}/list", files={"file": ("x.csv", b"md5,category\nnot-a-hash,Z\n")}
        )
        not_media = client.post("/v1/match", files={"file": ("x.jpg", b"plain text, not an image")})
        long_id = client.post("/v1/match", files={"file": ("x.jpg", b"x")}, data={"content_id": "x" * 300})
        huge_lookup = client.post(
            "/v1/lookup",
            content=b'{"hashes": [' + b'{"kind": "md5", "value": "' + b"0" * (33 << 20) + b'"}]}',
            headers={"Content-Type": "application/json"},
        )
        streamed = client.post(  # no Content-Length: counted as it arrives
            "/v1/lookup",
            content=(b"0" * (1 << 20) for _ in range(40)),
            headers={"Content-Type": "application/json"},
        )
        huge_upload = client.post("/v1/match", content=b"\0" * (MAX_UPLOAD + (2 << 20)))
        disable_unknown = client.post(f"/v1/banks/{photos}/content/no-such-content/disable")
        alive = client.get("/v1/banks")
    for huge in (huge_lookup, streamed, huge_upload):
        assert huge.status_code == 413 and set(huge.json()) == {"error"}, huge.text[:200]
    assert (
        disable_unknown.status_code == 404
        and "holds no content" in disable_unknown.json()["error"]["message"]
    )
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "hashset_not_found"
    assert bad_name.status_code == 400 and "UPPER_WITH_UNDERSCORE" in bad_name.json()["error"]["message"]
    assert again.status_code == 409
    assert ratio.status_code == 400 and "between 0 and 1" in ratio.json()["error"]["message"]
    assert bad_list.status_code in (400, 422) and bad_list.json()["error"]["message"]
    assert not_media.status_code == 415 and not_media.json()["error"]["code"] == "not_media"
    assert long_id.status_code == 400 and "content_id" in long_id.json()["error"]["message"]
    assert alive.status_code == 200


def test_a_bank_is_configured_and_deleted(service: Service, key: str) -> None:
    with service.client(key) as client:
        client.post(
            "/v1/banks", json={"name": "SHORT_LIVED", "matching_enabled_ratio": 0.5}
        ).raise_for_status()
        client.post(
            "/v1/banks/SHORT_LIVED/content", json={"hashes": {"md5": _md5(1)}, "content_id": "gone"}
        ).raise_for_status()
        set_ratio = client.put("/v1/banks/SHORT_LIVED/ratio", json={"matching_enabled_ratio": 1})
        removed = client.delete("/v1/banks/SHORT_LIVED/content/gone")
        after_remove = client.get("/v1/banks/SHORT_LIVED/content").json()
        deleted = client.delete("/v1/banks/SHORT_LIVED")
        names = [bank["name"] for bank in client.get("/v1/banks").json()["banks"]]
    assert set_ratio.json()["matching_enabled_ratio"] == 1.0
    assert removed.json()["removed"] is True and after_remove["total"] == 0
    assert deleted.json() == {"deleted": "SHORT_LIVED"}
    assert "SHORT_LIVED" not in names


def test_a_matcher_only_service_hashes_its_uploads_itself(tmp_path: Path) -> None:
    config = dataclasses.replace(
        config_for(f"sqlite:///{tmp_path / 'service.db'}", tmp_path / "spool"), roles=frozenset({"matcher"})
    )
    with serving(config) as service:
        key = service.key("platform", "match", "hash", "curate")
        with service.client(key) as client:
            matched = client.post(
                "/v1/match", files={"file": ("p.jpg", media("photos", UNLISTED).read_bytes())}
            )
            hashed = client.post("/v1/hash", content=b"x", headers={"Content-Type": "image/jpeg"})
            banks = client.get("/v1/banks")
    assert matched.status_code == 200 and matched.json()["matches"] == []
    assert len(matched.json()["hashes"]["pdq"]) == 64
    assert hashed.status_code == 404 and banks.status_code == 404  # roles not switched on


def test_an_upload_that_stops_arriving_is_refused_with_408_and_the_service_goes_on(
    service: Service, key: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(app_module, "BODY_IDLE_SECONDS", 0.5)
    address = httpx.URL(service.url)
    with socket.create_connection((address.host, address.port), timeout=30) as slow:
        slow.sendall(
            b"POST /v1/match HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\n"
            + f"Authorization: Bearer {key}\r\nContent-Length: 100000\r\n\r\n".encode()
            + b"\xff\xd8\xff" * 10
        )
        answer = b""
        while b"\r\n\r\n" not in answer or not answer.rstrip().endswith(b"}"):
            chunk = slow.recv(65536)  # bounded by the socket's timeout
            if not chunk:
                break
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 408")
    assert json.loads(answer.split(b"\r\n\r\n", 1)[1])["error"]["code"] == "request_timeout"
    with service.client(key) as client:
        assert client.get("/v1/banks").status_code == 200
