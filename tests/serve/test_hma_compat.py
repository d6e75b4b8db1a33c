"""The HMA-compatible layer: each of HMA's endpoints answers in HMA's documented shape (hma_shapes.py) on a
real service on loopback, and HMA's own documented call sequence works against it unchanged but for the API
key HMA does not have."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from tests.media import media
from tests.serve import hma_shapes as hma
from tests.serve.served import Service
from tests.waiting import wait_until
from warden.hashing.hash_types import HASH_TYPES
from warden.hashing.item import hash_file

PHOTO = ("photos", "n01443537_goldfish.jpg")
OTHER_PHOTO = ("photos", "n01514668_cock.jpg")


@pytest.fixture(scope="module")
def client(service: Service) -> Iterator[httpx.Client]:
    """An HMA client: HMA's calls, with a Warden key holding every scope a platform's client needs."""
    with service.client(service.key("hma-client", "hash", "match", "curate")) as made:
        # The index loads in the background.
        wait_until(lambda: made.get("/status").status_code == 200, "the index loads", pause=0.05)
        yield made


def eventually(check: Callable[[], Any]) -> Any:
    """``check()`` once it is truthy: a change reaches the live index at its next poll."""
    return wait_until(check, "the change reaches the index", pause=0.05)


def photo(parts: tuple[str, str] = PHOTO) -> dict[str, tuple[str, bytes, str]]:
    """HMA's upload form: the file in the field named after its content type."""
    return {"photo": (parts[1], media(*parts).read_bytes(), "image/jpeg")}


def pdq_of(parts: tuple[str, str]) -> str:
    return hash_file(media(*parts)).pdq or ""


def new_bank(client: httpx.Client, name: str) -> None:
    response = client.post("/c/banks", json={"name": name})
    assert response.status_code == 201, response.text


def test_h_hash_post_answers_hmas_shape_with_the_photos_pdq(client: httpx.Client) -> None:
    response = client.post("/h/hash", files=photo())
    assert response.status_code == 200, response.text
    assert hma.shape(response.json()) == hma.shape(hma.HASH_RESPONSE)
    assert response.json() == {"pdq": pdq_of(PHOTO)}
    assert client.post("/h/hash?types=video_md5", files=photo()).status_code == 400


def test_h_hash_by_url_is_refused_in_hmas_error_shape_and_nothing_is_fetched(client: httpx.Client) -> None:
    response = client.get("/h/hash", params={"url": "http://127.0.0.1:9/never-fetched.png"})
    assert response.status_code == 400
    assert hma.shape(response.json())["message"] == hma.shape(hma.ERROR_RESPONSE)["message"]
    assert "does not fetch URLs" in response.json()["message"]


def test_m_raw_lookup_answers_ids_or_ids_with_distance_as_a_string(client: httpx.Client) -> None:
    new_bank(client, "RAW_BANK")
    pdq = HASH_TYPES.get("pdq").examples()[0]
    added = client.post("/c/bank/RAW_BANK/signal", json={"pdq": pdq}).json()["id"]
    query = {"signal_type": "pdq", "signal": pdq, "banks": "RAW_BANK"}
    plain = eventually(lambda: client.get("/m/raw_lookup", params=query).json()["matches"])
    assert hma.shape({"matches": plain}) == hma.shape(hma.RAW_LOOKUP_RESPONSE)
    assert plain == [added]
    response = client.get("/m/raw_lookup", params={**query, "include_distance": "true"})
    assert hma.shape(response.json()) == hma.shape(hma.RAW_LOOKUP_DISTANCE_RESPONSE)
    assert response.json() == {"matches": [{"bank_content_id": added, "distance": "0"}]}
    unknown = client.get("/m/raw_lookup", params={**query, "signal_type": "banana"})
    assert unknown.status_code == 400 and unknown.json()["message"] == "No such SignalType 'banana'"
    assert client.get("/m/raw_lookup", params={**query, "signal": "zz"}).status_code == 400


def test_m_lookup_get_answers_bank_to_matches(client: httpx.Client) -> None:
    new_bank(client, "TEST_BANK")
    pdq = pdq_of(OTHER_PHOTO)
    added = client.post("/c/bank/TEST_BANK/signal", json={"pdq": pdq}).json()["id"]
    query = {"signal_type": "pdq", "signal": pdq, "bypass_coinflip": "true", "banks": "TEST_BANK"}
    answer = eventually(lambda: client.get("/m/lookup", params=query).json())
    assert hma.shape(answer) == hma.shape(hma.LOOKUP_GET_RESPONSE)
    assert answer == {"TEST_BANK": [{"bank_content_id": added, "distance": "0"}]}
    refused = client.get("/m/lookup", params={"url": "http://127.0.0.1:9/x.jpg"})
    assert refused.status_code == 400 and "does not fetch URLs" in refused.json()["message"]


def test_m_lookup_post_hashes_the_upload_and_answers_type_to_bank_to_matches(client: httpx.Client) -> None:
    new_bank(client, "UPLOAD_BANK")
    added = client.post("/c/bank/UPLOAD_BANK/content", files=photo()).json()["id"]
    params = {"bypass_coinflip": "true", "banks": "UPLOAD_BANK"}
    answer = eventually(lambda: client.post("/m/lookup", params=params, files=photo()).json()["pdq"])
    assert hma.shape({"pdq": {"TEST_BANK": answer["UPLOAD_BANK"]}}) == hma.shape(hma.LOOKUP_POST_RESPONSE)
    assert answer == {"UPLOAD_BANK": [{"bank_content_id": added, "distance": "0"}]}
    other = client.post("/m/lookup", params=params, files=photo(OTHER_PHOTO))
    assert other.json() == {"pdq": {}}


def test_m_compare_answers_hmas_example_and_refuses_its_bad_inputs(client: httpx.Client) -> None:
    response = client.post("/m/compare", json=hma.COMPARE_REQUEST)
    assert response.status_code == 200, response.text
    assert response.json() == hma.COMPARE_RESPONSE
    for bad in hma.COMPARE_BAD_REQUESTS:
        refused = client.post("/m/compare", json=bad)
        assert refused.status_code == 400, bad
        assert isinstance(refused.json()["message"], str)


def test_m_index_status_answers_each_signal_type(client: httpx.Client) -> None:
    answer = client.get("/m/index/status").json()
    assert {"pdq", "video_md5"} <= set(answer)
    assert hma.shape(answer["pdq"]) == hma.shape(hma.INDEX_STATUS_ENTRY)
    assert answer["pdq"]["present"] is True
    one = client.get("/m/index/status", params={"signal_type": "pdq"}).json()
    assert set(one) == {"pdq"}
    assert client.get("/m/index/status", params={"signal_type": "banana"}).status_code == 400


def test_c_banks_lists_and_creates_as_hma_does(client: httpx.Client) -> None:
    for bad in hma.BAD_BANK_NAMES:
        assert client.post("/c/banks", json={"name": bad}).status_code == 400
    created = client.post("/c/banks", json=hma.BANK_CREATE_REQUEST)
    assert created.status_code == 201
    assert created.json() == hma.BANK_CREATE_RESPONSE
    assert created.json() in client.get("/c/banks").json()
    again = client.post("/c/banks", json=hma.BANK_CREATE_REQUEST)
    assert again.status_code == 403 and again.json()["message"] == "Bank already exists"


def test_c_bank_gets_updates_and_deletes_as_hma_does(client: httpx.Client) -> None:
    new_bank(client, "MY_TEST_BANK")
    shown = client.get("/c/bank/MY_TEST_BANK").json()
    assert shown == {"name": "MY_TEST_BANK", "matching_enabled_ratio": 1.0}
    for body, ratio in hma.BANK_UPDATES:
        updated = client.put("/c/bank/MY_TEST_BANK", json=body)
        assert updated.status_code == 200, updated.text
        assert updated.json()["matching_enabled_ratio"] == ratio
    assert client.put("/c/bank/MY_TEST_BANK", json={"enabled_ratio": 2}).status_code == 400
    assert client.put("/c/bank/MY_TEST_BANK", json={"name": "RENAMED"}).status_code == 400
    for _ in range(2):  # an absent bank is deleted "fine" too, as in HMA
        deleted = client.delete("/c/bank/MY_TEST_BANK")
        assert (deleted.status_code, deleted.json()) == (200, hma.DELETE_RESPONSE)
    missing = client.get("/c/bank/MY_TEST_BANK")
    assert missing.status_code == 404
    assert hma.shape(missing.json())["message"] == "str"
    assert missing.json()["error"]["status"] == 404  # Warden's own error shape is there too


def test_c_bank_content_adds_an_upload_and_answers_its_id_and_signals(client: httpx.Client) -> None:
    new_bank(client, "CONTENT_BANK")
    response = client.post("/c/bank/CONTENT_BANK/content", files=photo(), data={"note": "benign fish"})
    assert response.status_code == 200, response.text
    assert hma.shape(response.json()) == hma.shape(hma.ADD_CONTENT_RESPONSE)
    assert response.json()["signals"] == {"pdq": pdq_of(PHOTO)}
    refused = client.post("/c/bank/CONTENT_BANK/content", params={"url": "http://127.0.0.1:9/x.jpg"})
    assert refused.status_code == 400
    assert client.post("/c/bank/NO_SUCH_BANK/content", files=photo()).status_code == 404


def test_c_bank_signal_adds_hashes_and_refuses_bad_ones(client: httpx.Client) -> None:
    new_bank(client, "SIGNAL_BANK")
    md5 = "cab08b36195edb1a1231d2d09fa450e0"
    response = client.post("/c/bank/SIGNAL_BANK/signal", json={"video_md5": md5.upper(), "note": "made up"})
    assert response.status_code == 200, response.text
    assert hma.shape(response.json()) == hma.shape({"id": 1, "signals": {"video_md5": md5}})
    assert response.json()["signals"] == {"video_md5": md5}
    query = {"signal_type": "video_md5", "signal": md5, "bypass_coinflip": "true"}
    found = eventually(lambda: client.get("/m/lookup", params=query).json())
    assert found == {"SIGNAL_BANK": [{"bank_content_id": response.json()["id"], "distance": "-"}]}
    for bad in ({}, {"pdq": "banana"}, {"banana": "00"}):
        assert client.post("/c/bank/SIGNAL_BANK/signal", json=bad).status_code == 400, bad


def test_hma_paths_need_a_warden_key_with_the_scope(service: Service) -> None:
    with service.client() as anonymous:
        refused = anonymous.get("/c/banks")
    assert refused.status_code == 401
    assert "API key" in refused.json()["message"]
    with service.client(service.key("matcher-only", "match")) as matcher:
        assert matcher.get("/m/index/status").status_code == 200
        assert matcher.get("/c/banks").status_code == 403
        assert matcher.post("/m/lookup", files=photo()).status_code == 403  # hashing needs `hash` too


def test_an_unmodified_hma_client_call_sequence_works(client: httpx.Client) -> None:
    """HMA's documented sequence (test_e2e_workflow.py and api.md): create a bank, add PDQ signals and an
    uploaded photo, check the index, look up by hash and by upload, and miss on an unknown hash."""
    from threatexchange.signal_type.pdq.signal import PdqSignal  # HMA's own example hashes

    bank_name = "E2E_BANK"
    assert client.post("/c/banks", json={"name": bank_name}).status_code == 201
    hashes = PdqSignal.get_examples()
    ids = []
    for pdq in hashes:
        resp = client.post(f"/c/bank/{bank_name}/signal", json={"pdq": pdq})
        assert resp.status_code == 200
        ids.append(resp.json()["id"])
    uploaded = client.post(f"/c/bank/{bank_name}/content", files=photo(OTHER_PHOTO))
    assert uploaded.status_code == 200

    status = client.get("/m/index/status?signal_type=pdq")
    assert status.status_code == 200 and status.json()["pdq"]["present"] is True

    last = f"/m/lookup?signal_type=pdq&signal={hashes[-1]}"
    found = eventually(lambda: client.get(last).json().get(bank_name))
    assert {"bank_content_id": ids[-1], "distance": "0"} in found
    raw = client.get("/m/raw_lookup", params={"signal_type": "pdq", "signal": hashes[-1]})
    assert ids[-1] in raw.json()["matches"]

    by_upload = client.post("/m/lookup?bypass_coinflip=true", files=photo(OTHER_PHOTO)).json()
    assert {"bank_content_id": uploaded.json()["id"], "distance": "0"} in by_upload["pdq"][bank_name]

    miss = client.get("/m/lookup?signal_type=pdq&signal={}".format("5" * 64))
    assert miss.status_code == 200 and miss.json() == {}
