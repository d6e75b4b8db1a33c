"""The examiner's queue: clusters of unmatched media, largest first; grading, splitting, undoing."""

from __future__ import annotations

import json
import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.web.conftest import api, login
from tests.web.small_case import ALP, MATCHED, PIZZA, VALLEY, VIDEO, item_ids
from warden.case import grades, schema
from warden.case.folder import Case


def shown_clusters(client: TestClient, query: str = "") -> list[list[int]]:
    page = client.get(f"/queue{query}")
    assert page.status_code == 200
    return [[int(i) for i in found.split(",")] for found in re.findall(r'data-items="([^"]+)"', page.text)]


def current(case: Case) -> dict[int, tuple[str, str]]:
    with case.engine.connect() as connection:
        return {item: (g.category.value, g.user) for item, g in grades.current_grades(connection).items()}


def last_audit(case: Case, action: str) -> dict[str, object]:
    with case.engine.connect() as connection:
        detail = connection.execute(
            select(schema.audit_log.c.detail)
            .where(schema.audit_log.c.action == action)
            .order_by(schema.audit_log.c.id.desc())
        ).scalar()
    assert detail is not None, action
    return dict(json.loads(detail))


def test_near_duplicates_come_in_clusters_largest_first_and_matched_items_are_hidden(
    client: TestClient, case: Case
) -> None:
    ids = item_ids(case)
    login(client, "ann")
    clusters = shown_clusters(client)
    assert clusters[:3] == [sorted(ids[p] for p in group) for group in (VALLEY, ALP, PIZZA)]
    assert [ids[VIDEO]] in clusters
    assert all(ids[MATCHED] not in c for c in clusters)
    with_matched = shown_clusters(client, "?matched=1")
    assert any(ids[MATCHED] in c for c in with_matched)
    # A distance of 0 only groups exact PDQ twins: the edited copies fall apart.
    assert len(shown_clusters(client, "?threshold=0")) > len(clusters)


def test_grading_a_cluster_grades_every_member_by_the_logged_in_examiner(
    client: TestClient, case: Case
) -> None:
    ids = item_ids(case)
    members = sorted(ids[p] for p in VALLEY)
    csrf = login(client, "ann")
    response = client.post(
        "/grades", data={"items": members, "category": "B", "scope": "cluster"}, headers=api(csrf)
    )
    assert response.status_code == 200 and response.json()["graded"] == members
    assert current(case) == {item: ("B", "ann") for item in members}
    assert last_audit(case, "grade")["scope"] == "cluster"
    assert members not in shown_clusters(client)


def test_a_plain_form_grades_and_goes_back_to_the_queue(client: TestClient, case: Case) -> None:
    ids = item_ids(case)
    csrf = login(client, "ann")
    response = client.post(
        "/grades",
        data={
            "items": [ids[PIZZA[0]], ids[PIZZA[1]]],
            "category": "not_indecent",
            "csrf_token": csrf,
            "next": "/queue?page=1",
        },
        headers={"Accept": "text/html"},
        follow_redirects=False,
    )
    assert response.status_code == 303 and response.headers["location"] == "/queue?page=1"
    assert current(case)[ids[PIZZA[0]]] == ("not_indecent", "ann")
    evil = client.post(
        "/grades",
        data={"items": [ids[VIDEO]], "category": "C", "csrf_token": csrf, "next": "//evil.example/"},
        headers={"Accept": "text/html"},
        follow_redirects=False,
    )
    assert evil.headers["location"] == "/queue"


def test_bulk_grading_of_a_selection_is_one_decision(client: TestClient, case: Case) -> None:
    ids = item_ids(case)
    chosen = sorted([ids[p] for p in ALP] + [ids[VIDEO]])
    csrf = login(client, "ann")
    client.post("/grades", data={"items": chosen, "category": "C", "scope": "bulk"}, headers=api(csrf))
    assert {item: current(case)[item] for item in chosen} == {item: ("C", "ann") for item in chosen}
    assert last_audit(case, "grade")["scope"] == "bulk"
    restored = client.post("/grades/undo", headers=api(csrf)).json()["restored"]
    assert sorted(restored) == chosen


def test_one_member_can_be_split_off_its_cluster(client: TestClient, case: Case) -> None:
    ids = item_ids(case)
    grey = ids["Downloads/valley_grey.jpg"]
    csrf = login(client, "ann")
    assert client.post(f"/items/{grey}/split", headers=api(csrf)).status_code == 200
    clusters = shown_clusters(client)
    assert [grey] in clusters
    assert sorted(ids[p] for p in VALLEY if ids[p] != grey) in clusters
    assert last_audit(case, "cluster.split") == {"item": grey}


def test_undo_gives_back_the_latest_decision(client: TestClient, case: Case) -> None:
    ids = item_ids(case)
    alp = sorted(ids[p] for p in ALP)
    csrf = login(client, "ann")
    client.post("/grades", data={"items": alp, "category": "C"}, headers=api(csrf))
    client.post("/grades", data={"items": alp, "category": "A"}, headers=api(csrf))
    assert {current(case)[i] for i in alp} == {("A", "ann")}
    assert sorted(client.post("/grades/undo", headers=api(csrf)).json()["restored"]) == alp
    assert {current(case)[i] for i in alp} == {("C", "ann")}
    client.post("/grades/undo", headers=api(csrf))
    assert alp in shown_clusters(client)
    assert client.post("/grades/undo", headers=api(csrf)).json()["restored"] == []


def test_a_viewer_only_looks(client: TestClient, case: Case) -> None:
    ids = item_ids(case)
    csrf = login(client, "vic")
    page = client.get("/queue")
    assert page.status_code == 200 and 'action="/grades"' not in page.text
    refused = client.post("/grades", data={"items": [ids[VIDEO]], "category": "A"}, headers=api(csrf))
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"
    assert client.post("/grades/undo", headers=api(csrf)).status_code == 403
    assert client.post(f"/items/{ids[VIDEO]}/split", headers=api(csrf)).status_code == 403
    assert current(case) == {}


def test_grading_an_unknown_item_or_one_that_is_no_image_changes_nothing(
    client: TestClient, case: Case
) -> None:
    csrf = login(client, "ann")
    response = client.post("/grades", data={"items": [1, 99999], "category": "A"}, headers=api(csrf))
    assert response.status_code == 404
    archive = item_ids(case)["Downloads/trip.zip"]
    assert (
        client.post("/grades", data={"items": [archive], "category": "A"}, headers=api(csrf)).status_code
        == 404
    )
    assert current(case) == {}


def test_stills_under_the_minimum_quality_setting_stand_alone(
    client: TestClient, case: Case, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WARDEN_PDQ_MIN_QUALITY", "101")  # no hash is of that quality: nothing links
    ids = item_ids(case)
    login(client, "ann")
    clusters = shown_clusters(client)
    assert all(len(c) == 1 for c in clusters)
    assert {ids[p] for p in VALLEY} <= {c[0] for c in clusters}  # the near-duplicates, each alone
