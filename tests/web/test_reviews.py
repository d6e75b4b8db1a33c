"""Second review: a reviewer confirms or disputes someone else's grade; disputes are listed."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.web.conftest import api, login
from tests.web.small_case import ALP, PIZZA, VIDEO, item_ids
from warden.case import grades
from warden.case.folder import Case


def client_for(app: FastAPI, name: str) -> tuple[TestClient, str]:
    client = TestClient(app, headers={"Origin": "http://testserver"})
    return client, login(client, name)


def test_a_reviewer_confirms_or_disputes_with_a_reason_and_disputes_are_listed(
    app: FastAPI, case: Case
) -> None:
    ids = item_ids(case)
    ann, ann_csrf = client_for(app, "ann")
    rob, rob_csrf = client_for(app, "rob")
    alp, pizza = [ids[p] for p in ALP], [ids[p] for p in PIZZA]
    ann.post("/grades", data={"items": alp, "category": "B"}, headers=api(ann_csrf))
    ann.post("/grades", data={"items": pizza, "category": "C"}, headers=api(ann_csrf))
    waiting = rob.get("/reviews").text
    assert all(f'href="/items/{item}"' in waiting for item in alp + pizza)
    assert (
        rob.post(f"/reviews/{alp[0]}", data={"verdict": "confirm"}, headers=api(rob_csrf)).status_code == 200
    )
    no_reason = rob.post(f"/reviews/{pizza[0]}", data={"verdict": "dispute"}, headers=api(rob_csrf))
    assert no_reason.status_code == 400 and "reason" in no_reason.json()["error"]["message"]
    disputed = rob.post(
        f"/reviews/{pizza[0]}",
        data={"verdict": "dispute", "note": "looks like category B"},
        headers=api(rob_csrf),
    )
    assert disputed.status_code == 200
    with case.engine.connect() as connection:
        current = grades.current_grades(connection)
    assert current[alp[0]].status == "confirmed" and current[pizza[0]].status == "disputed"
    assert f'href="/items/{alp[0]}"' not in rob.get("/reviews").text
    listed = ann.get("/disputes").text
    assert "looks like category B" in listed and f'href="/items/{pizza[0]}"' in listed
    assert f'href="/items/{alp[0]}"' not in listed


def test_a_reviewer_cannot_review_their_own_grade(app: FastAPI, case: Case) -> None:
    video = item_ids(case)[VIDEO]
    rob, csrf = client_for(app, "rob")
    rob.post("/grades", data={"items": [video], "category": "A"}, headers=api(csrf))
    assert f'href="/items/{video}"' not in rob.get("/reviews").text
    refused = rob.post(f"/reviews/{video}", data={"verdict": "confirm"}, headers=api(csrf))
    assert refused.status_code == 400 and "someone other" in refused.json()["error"]["message"]


def test_examiners_and_viewers_do_not_review(app: FastAPI, case: Case) -> None:
    video = item_ids(case)[VIDEO]
    eve, eve_csrf = client_for(app, "eve")
    eve.post("/grades", data={"items": [video], "category": "A"}, headers=api(eve_csrf))
    for name in ("ann", "vic"):
        client, csrf = client_for(app, name)
        assert client.get("/reviews", headers={"Accept": "application/json"}).status_code == 403
        refused = client.post(f"/reviews/{video}", data={"verdict": "confirm"}, headers=api(csrf))
        assert refused.status_code == 403
        assert client.get("/disputes").status_code == 200
