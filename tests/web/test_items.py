"""The item page: where the item was found, its hashes and matches, and every grade and review."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.web.conftest import api, login
from tests.web.small_case import MATCHED, VALLEY, item_ids
from warden.case.folder import Case


def test_an_item_in_a_zip_shows_its_provenance_hashes_and_history(app: FastAPI, case: Case) -> None:
    member = item_ids(case)[VALLEY[2]]
    ann = TestClient(app, headers={"Origin": "http://testserver"})
    csrf = login(ann, "ann")
    page = ann.get(f"/items/{member}").text
    assert "Downloads/trip.zip" in page and "trip/valley.jpg" in page
    assert "member" in page and "SHA-1" in page and "PDQ" in page
    assert "No hash set matched it." in page and "No grade yet." in page
    ann.post(
        "/grades",
        data={"items": [member], "category": "C", "scope": "item", "note": "beach scene"},
        headers=api(csrf),
    )
    rob = TestClient(app, headers={"Origin": "http://testserver"})
    rob_csrf = login(rob, "rob")
    rob.post(
        f"/reviews/{member}",
        data={"verdict": "dispute", "note": "not indecent at all"},
        headers=api(rob_csrf),
    )
    page = rob.get(f"/items/{member}").text
    assert "beach scene" in page and "not indecent at all" in page
    assert page.count("<tr><td><time>") == 2  # the grade and the dispute
    assert "disputed" in page


def test_a_matched_item_shows_the_match(client: TestClient, case: Case) -> None:
    login(client, "vic")
    matched = item_ids(case)[MATCHED]
    page = client.get(f"/items/{matched}").text
    assert "listed" in page and "TEST-1" in page and "exact" in page
    assert 'action="/grades"' not in page
    # Matched items need not be looked at: no preview unless asked for.
    assert f"/previews/{matched}" not in page
    assert f'src="/previews/{matched}"' in client.get(f"/items/{matched}?show=1").text


def test_an_unknown_item_is_not_found(client: TestClient) -> None:
    login(client, "ann")
    assert client.get("/items/99999").status_code == 404
    assert "That did not work" in client.get("/items/99999", headers={"Accept": "text/html"}).text
