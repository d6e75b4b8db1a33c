"""The ``psi`` role as a client meets it over HTTP: the manifest (no hash in it), the filter with its ETag,
blinded batches evaluated with a proof that finalises to the list's tags, refusals of bad bodies, keys and
rates, and a log that holds key names and counts, never an element."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from voprf import ristretto

from tests.psi.served_list import LISTED, ServedList, build_served_list, psi_config, service_log, serving_list
from tests.waiting import wait_until
from warden.errors import PsiListError
from warden.psi.inputs import oprf_input
from warden.psi.suite import ServerKey, finalize_batch
from warden.serve.app import create_app

OCTETS = {"Content-Type": "application/octet-stream"}


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedList]:
    with serving_list(tmp_path_factory.mktemp("psi-routes")) as running:
        yield running


@pytest.fixture(scope="module")
def key(served: ServedList) -> str:
    return served.service.key("examiner", "psi", rate=100_000)


def blind(inputs: list[bytes]) -> tuple[list[ristretto.Client], bytes]:
    pairs = [ristretto.Client.blind(data) for data in inputs]
    return [client for client, _ in pairs], b"".join(element.serialize() for _, element in pairs)


def test_the_manifest_is_the_built_lists_and_holds_no_hash(served: ServedList, key: str) -> None:
    answer = served.service.client(key).get("/v1/psi/manifest")
    assert answer.status_code == 200
    assert answer.json() == served.manifest.to_dict()
    assert answer.json()["public_key"] == served.key.public_key().hex()
    for _kind, value in LISTED:
        assert value not in answer.text and value.upper() not in answer.text


def test_the_filter_is_the_file_its_etag_its_sha256_and_a_match_is_304(served: ServedList, key: str) -> None:
    held = (served.folder / "tags.filter").read_bytes()
    with served.service.client(key) as client:
        answer = client.get("/v1/psi/filter")
        assert answer.status_code == 200 and answer.content == held
        assert answer.headers["etag"] == f'"{hashlib.sha256(held).hexdigest()}"'
        again = client.get("/v1/psi/filter", headers={"If-None-Match": answer.headers["etag"]})
        assert again.status_code == 304 and again.content == b""
        other = client.get("/v1/psi/filter", headers={"If-None-Match": '"' + "0" * 64 + '"'})
        assert other.status_code == 200 and other.content == held


def test_a_batch_is_evaluated_with_a_proof_that_finalises_to_the_lists_tags(
    served: ServedList, key: str
) -> None:
    inputs = [oprf_input(kind, value) for kind, value in LISTED] + [oprf_input("md5", "00" * 16)]
    clients, body = blind(inputs)
    answer = served.service.client(key).post("/v1/psi/evaluate", content=body, headers=OCTETS)
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/octet-stream"
    assert len(answer.content) == 32 * len(inputs) + 64
    tags = finalize_batch(clients, answer.content, bytes.fromhex(served.manifest.public_key))
    assert tags == [served.key.tag(data) for data in inputs]


@pytest.mark.parametrize(
    ("body", "says"),
    [
        (b"\x01" * 33, "got 33 bytes"),
        (b"", "got 0 bytes"),
        (b"\xff" * 32, "blinded element 1 of 1 is not a ristretto255 element"),
        (blind([b"a", b"b"])[1] + b"\xfe" * 32, "blinded element 3 of 3 is not a ristretto255 element"),
    ],
    ids=["not-whole", "empty", "not-an-element", "third-not-an-element"],
)
def test_a_body_that_is_not_whole_elements_is_a_400_that_never_echoes_it(
    served: ServedList, key: str, body: bytes, says: str
) -> None:
    answer = served.service.client(key).post("/v1/psi/evaluate", content=body, headers=OCTETS)
    assert answer.status_code == 400
    error = answer.json()["error"]
    assert error["code"] == "usage" and says in error["message"]
    if body:
        assert body[-32:].hex() not in answer.text and body[-32:].hex().upper() not in answer.text


def test_over_ten_thousand_elements_is_a_413(served: ServedList, key: str) -> None:
    body = blind([b"x"])[1] * 10_001
    answer = served.service.client(key).post("/v1/psi/evaluate", content=body, headers=OCTETS)
    assert answer.status_code == 413 and answer.json()["error"]["code"] == "too_large"
    chunks = iter([body[start : start + 65_536] for start in range(0, len(body), 65_536)])
    streamed = served.service.client(key).post("/v1/psi/evaluate", content=chunks, headers=OCTETS)
    assert streamed.status_code == 413  # sent without a Content-Length: counted as it arrives
    most = served.service.client(key).post("/v1/psi/evaluate", content=body[:-32], headers=OCTETS)
    assert most.status_code == 200 and len(most.content) == 32 * 10_000 + 64


def test_a_request_without_a_key_is_401_and_one_without_the_psi_scope_is_403(served: ServedList) -> None:
    matcher = served.service.key("matcher-only", "match")
    body = blind([b"x"])[1]
    for path in ("/v1/psi/manifest", "/v1/psi/filter"):
        assert served.service.client().get(path).status_code == 401
        assert served.service.client("wdn_not-a-key").get(path).status_code == 401
        refused = served.service.client(matcher).get(path)
        assert refused.status_code == 403 and refused.json()["error"]["code"] == "missing_scope"
    assert served.service.client().post("/v1/psi/evaluate", content=body, headers=OCTETS).status_code == 401
    refused = served.service.client(matcher).post("/v1/psi/evaluate", content=body, headers=OCTETS)
    assert refused.status_code == 403


def test_the_rate_counts_every_element_and_a_refused_batch_counts_only_as_one_request(
    served: ServedList,
) -> None:
    limited = served.service.key("limited", "psi", rate=5)
    minute = int(time.time() // 60)
    with served.service.client(limited) as client:
        refused = client.post(
            "/v1/psi/evaluate", content=blind([b"%d" % n for n in range(10)])[1], headers=OCTETS
        )
        assert refused.status_code == 429 and refused.json()["error"]["code"] == "rate_limited"
        assert int(refused.headers["retry-after"]) >= 1
        # Its nine other elements were not counted: three more still fit the rate of five.
        admitted = client.post("/v1/psi/evaluate", content=blind([b"a", b"b", b"c"])[1], headers=OCTETS)
        assert admitted.status_code == 200 and len(admitted.content) == 3 * 32 + 64
        left = client.get("/v1/key")
    if int(time.time() // 60) == minute:  # the window is the calendar minute
        # 1 (the refused request) + 3 + 1 (this one) of 5.
        assert left.status_code == 200 and left.json()["requests_left"] == 0


def test_a_key_counted_in_leases_is_held_to_its_rate_in_elements(served: ServedList) -> None:
    # Over 100 a minute a worker takes a key's requests in blocks; a batch still takes all its elements or
    # none.
    for attempt in range(2):  # the window is the calendar minute: once more if one ended meanwhile
        minute = int(time.time() // 60)
        leased = served.service.key(f"leased-{attempt}", "psi", rate=300)
        with served.service.client(leased) as client:
            statuses = [
                client.post(
                    "/v1/psi/evaluate", content=blind([b"%d" % n for n in range(count)])[1], headers=OCTETS
                ).status_code
                for count in (400, 250, 100, 30)
            ]
        if int(time.time() // 60) == minute:
            break
    assert statuses == [429, 200, 429, 200]


def test_the_log_names_the_key_and_counts_items_but_holds_no_element(served: ServedList, key: str) -> None:
    inputs = [oprf_input(kind, value) for kind, value in LISTED]
    _, body = blind(inputs)
    with service_log() as lines:
        answer = served.service.client(key).post("/v1/psi/evaluate", content=body, headers=OCTETS)
        assert answer.status_code == 200
        wait_until(
            lambda: any("POST /v1/psi/evaluate 200" in line for line in lines), "the request is logged"
        )
    assert any(line.startswith(f"psi evaluate key=examiner items={len(inputs)} ") for line in lines)
    text = "\n".join(lines)
    for number in range(len(inputs)):
        element = body[number * 32 : (number + 1) * 32]
        assert element.hex() not in text and element.hex().upper() not in text
    for _kind, value in LISTED:
        assert value not in text
    evaluated = answer.content
    assert evaluated[:32].hex() not in text


def test_a_service_whose_key_is_not_the_lists_refuses_to_start(tmp_path: Path) -> None:
    build_served_list(tmp_path / "list")
    ServerKey.generate().save(tmp_path / "other.key")
    config = psi_config(tmp_path / "list", f"sqlite:///{tmp_path / 'service.db'}", tmp_path / "other.key")
    with pytest.raises(PsiListError, match="not the key the list"):
        create_app(config)


def test_a_service_whose_list_is_damaged_refuses_to_start(tmp_path: Path) -> None:
    build_served_list(tmp_path / "list")
    manifest = json.loads((tmp_path / "list" / "manifest.json").read_text())
    manifest["filter_sha256"] = "0" * 64
    (tmp_path / "list" / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(PsiListError, match="not the one its manifest names"):
        create_app(psi_config(tmp_path / "list", f"sqlite:///{tmp_path / 'service.db'}"))
