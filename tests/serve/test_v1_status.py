"""/status shows the live index: 503 with the reason while a worker's index cannot be loaded yet (and
lookups refused with 503 rather than answered "no match"), 200 with lookups answered once it has loaded."""

from __future__ import annotations

import shutil
from pathlib import Path

import httpx
import pytest

from tests.serve.conftest import config_for
from tests.serve.served import serving
from tests.waiting import wait_until
from warden.hashsets.store import HashSetStore
from warden.model.categories import Category
from warden.serve.banks import Banks
from warden.servicedb.database import open_service_db

MD5 = "0123456789abcdef0123456789abcdef"


def test_status_is_503_and_lookups_refused_while_the_index_loads_then_ready(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'service.db'}"
    key_file = tmp_path / "keys" / "hashsets.key"
    staged, home = tmp_path / "staged", tmp_path / "home"
    engine = open_service_db(url)
    try:
        banks = Banks(engine, HashSetStore(staged, key_file), staged / "serve" / "bank-rows")
        banks.create("LISTED")
        banks.add("LISTED", {"md5": MD5}, Category.B, "listed-0")
        assert banks.merge("LISTED")  # its content now in an index file under staged/
    finally:
        engine.dispose()
    monkeypatch.setenv("WARDEN_HOME", str(home))  # where the index files are not (yet)
    monkeypatch.setenv("WARDEN_KEY_FILE", str(key_file))
    lookup = {"hashes": [{"kind": "md5", "value": MD5}]}

    with serving(config_for(url, tmp_path / "spool"), ready=False) as service:
        key = service.key("platform", "match")
        with service.client(key) as client:
            loading = client.get("/status")
            refused = client.post("/v1/lookup", json=lookup)
            shutil.copytree(staged, home, dirs_exist_ok=True)  # the files arrive; the next poll loads them

            def loaded() -> httpx.Response | None:
                answer = client.get("/status")
                return answer if answer.status_code == 200 else None

            ready = wait_until(loaded, "the index loads", pause=0.05)
            assert ready is not None
            answered = client.post("/v1/lookup", json=lookup)

    assert loading.status_code == 503
    assert loading.json()["reasons"]["matching"].startswith("the index is loading")
    assert refused.status_code == 503 and refused.json()["error"]["code"] == "busy"
    assert "loading" in refused.json()["error"]["message"]
    assert ready.json()["status"] == "ready"
    assert [m["content_id"] for m in answered.json()["results"][0]["matches"]] == ["listed-0"]
