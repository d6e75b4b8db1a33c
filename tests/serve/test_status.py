"""/status answers 503 with the reasons while a part of the service is not ready (an index loading or
stale), 200 once none is left; /status/live answers 200 all along. Neither needs a key."""

from __future__ import annotations

from tests.serve.served import Service


def test_status_is_503_with_the_reasons_until_ready_and_live_all_along(service: Service) -> None:
    readiness = service.state.readiness
    with service.client() as client:
        ready = client.get("/status")
        assert ready.status_code == 200
        assert ready.json()["status"] == "ready" and ready.json()["roles"] == ["curator", "hasher", "matcher"]
        readiness.not_ready("index", "the PDQ index is loading")
        readiness.not_ready("bank:ncmec", "not updated for 2 hours")
        loading = client.get("/status")
        live = client.get("/status/live")
        readiness.ready("index")
        readiness.ready("bank:ncmec")
        again = client.get("/status")
    assert loading.status_code == 503
    assert loading.json()["reasons"] == {
        "index": "the PDQ index is loading",
        "bank:ncmec": "not updated for 2 hours",
    }
    assert live.status_code == 200
    assert again.status_code == 200
