"""Second review that one person could game (issue 8, point 22): an undo that credited the restored grade to
the undoer, an account an admin creates to confirm his own grades, and names typed at the login form counted
as persons in the court report."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Connection

from tests.web.conftest import ORIGIN, api, csrf_of, login, login_token
from tests.web.small_case import PASSWORDS, PIZZA, VIDEO, SmallCase, item_ids
from warden.case import accounts, grades
from warden.case.folder import Case
from warden.errors import UsageError
from warden.model.categories import Category
from warden.report.case_report import build_case_report
from warden.report.continuity import AuditEntry, continuity_section


def client_for(app: FastAPI, name: str, password: str | None = None) -> tuple[TestClient, str]:
    client = TestClient(app, headers={"Origin": ORIGIN})
    return client, login(client, name, password)


def first_login(app: FastAPI, name: str, one_time: str, own: str) -> tuple[TestClient, str]:
    """Log in with a one-time password and change it, as the app makes the owner do."""
    client = TestClient(app, headers={"Origin": ORIGIN})
    response = client.post(
        "/login",
        data={"name": name, "password": one_time, "csrf_token": login_token(client)},
        follow_redirects=False,
    )
    assert response.headers["location"] == "/password"
    csrf = csrf_of(client.get("/password").text)
    changed = client.post(
        "/password",
        data={"csrf_token": csrf, "current": one_time, "new": own, "repeat": own},
        follow_redirects=False,
    )
    assert changed.status_code == 303
    return client, csrf_of(client.get("/queue").text)


def confirm(client: TestClient, csrf: str, item: int) -> tuple[int, str]:
    response = client.post(f"/reviews/{item}", data={"verdict": "confirm"}, headers=api(csrf))
    return response.status_code, response.json().get("error", {}).get("message", "")


def test_an_undo_keeps_the_restored_grade_credited_to_whoever_judged_it(app: FastAPI, case: Case) -> None:
    # The reproduction: rob grades, ann grades over it and undoes; the restored grade was written as ann's,
    # so rob could "confirm" what was in fact his own grade and the report credited ann.
    video = item_ids(case)[VIDEO]
    rob, rob_csrf = client_for(app, "rob")
    ann, ann_csrf = client_for(app, "ann")
    rob.post("/grades", data={"items": [video], "category": "A", "scope": "item"}, headers=api(rob_csrf))
    ann.post("/grades", data={"items": [video], "category": "B", "scope": "item"}, headers=api(ann_csrf))
    assert ann.post("/grades/undo", headers=api(ann_csrf)).json() == {"restored": [video]}
    with case.engine.connect() as connection:
        current = grades.current_grades(connection)[video]
        history = grades.history(connection, video)
    assert (current.category, current.user) == (Category.A, "rob")
    assert (history[-1].user, history[-1].what, history[-1].judge) == ("ann", "undo", "rob")
    assert "undo (rob's grade)" in rob.get(f"/items/{video}").text
    status, message = confirm(rob, rob_csrf, video)
    assert status == 400 and "someone other" in message
    assert f'href="/items/{video}"' not in rob.get("/reviews").text
    item = next(i for i in build_case_report(case)["items"] if i["path"] == VIDEO)
    assert item["grade"]["by"] == "rob" and item["grade"]["category"] == "A"


def test_an_undo_to_no_grade_leaves_nothing_to_review(app: FastAPI, case: Case) -> None:
    pizza = [item_ids(case)[path] for path in PIZZA]
    ann, ann_csrf = client_for(app, "ann")
    rob, rob_csrf = client_for(app, "rob")
    ann.post("/grades", data={"items": pizza, "category": "C"}, headers=api(ann_csrf))
    ann.post("/grades/undo", headers=api(ann_csrf))
    status, message = confirm(rob, rob_csrf, pizza[0])
    assert status == 400 and "no grade" in message


@pytest.mark.slow
def test_an_admin_cannot_confirm_his_own_grade_through_an_account_he_created(
    app: FastAPI, case: Case, built: SmallCase
) -> None:
    video = item_ids(case)[VIDEO]
    admin, admin_csrf = first_login(app, "admin", built.admin_password, "the admin's own password")
    admin.post("/grades", data={"items": [video], "category": "A", "scope": "item"}, headers=api(admin_csrf))
    added = admin.post(
        "/users",
        data={"name": "second", "role": "reviewer", "password": "a first password", "csrf_token": admin_csrf},
        follow_redirects=False,
    )
    assert added.status_code == 303
    second, second_csrf = first_login(app, "second", "a first password", "second's own password")
    assert f'href="/items/{video}"' not in second.get("/reviews").text
    assert "<h3>Second review</h3>" not in second.get(f"/items/{video}").text
    status, message = confirm(second, second_csrf, video)
    assert status == 400 and "independent" in message
    # Nor the other way round: the admin confirming a grade of an account he created.
    pizza = item_ids(case)[PIZZA[0]]
    second.post("/grades", data={"items": [pizza], "category": "C"}, headers=api(second_csrf))
    assert confirm(admin, admin_csrf, pizza)[0] == 400
    # A reviewer the admin did not create confirms either.
    rob, rob_csrf = client_for(app, "rob")
    assert confirm(rob, rob_csrf, video) == (200, "")
    with case.engine.connect() as connection:
        second_account = next(a for a in accounts.all_accounts(connection) if a.name == "second")
        admin_account = next(a for a in accounts.all_accounts(connection) if a.name == "admin")
    assert second_account.created_by == admin_account.id


def make(connection: Connection, name: str, role: str, creator: accounts.Account | None) -> accounts.Account:
    return accounts.create(connection, name, role, f"{name}'s long password", by="t", creator=creator)


def test_accounts_created_through_accounts_are_tied_all_the_way(case: Case) -> None:
    video = item_ids(case)[VIDEO]
    with case.engine.begin() as connection:
        boss = make(connection, "boss", "admin", None)
        middle = make(connection, "middle", "admin", boss)
        leaf = make(connection, "leaf", "reviewer", middle)
        sibling = make(connection, "sibling", "reviewer", None)
        assert accounts.tied_to(connection, leaf.id) == {"leaf", "middle", "boss"}
        assert accounts.tied_to(connection, boss.id) == {"boss", "middle", "leaf"}
        grades.grade(connection, [video], Category.A, user_id=boss.id)
        with pytest.raises(UsageError, match="independent"):
            grades.review(connection, video, "confirm", user_id=leaf.id)
        grades.review(connection, video, "confirm", user_id=sibling.id)


def test_a_loop_of_creators_does_not_hang(case: Case) -> None:
    from sqlalchemy import update

    from warden.case import schema

    with case.engine.begin() as connection:
        one = make(connection, "one", "admin", None)
        two = make(connection, "two", "admin", one)
        connection.execute(update(schema.users).where(schema.users.c.id == one.id).values(created_by=two.id))
        assert accounts.tied_to(connection, one.id) == {"one", "two"}


def test_names_tried_at_the_login_form_are_not_persons_in_the_report(client: TestClient, case: Case) -> None:
    for name in ("guest", "administrator", "correct horse battery staple"):
        client.post("/login", data={"name": name, "password": "guess", "csrf_token": login_token(client)})
    client.post("/login", data={"name": "ann", "password": "guess", "csrf_token": login_token(client)})
    login(client, "eve", PASSWORDS["eve"])
    continuity = build_case_report(case)["continuity"]
    people = continuity["by_person"]
    assert not {"guest", "administrator", "correct horse battery staple", accounts.NO_ACCOUNT} & set(people)
    assert people["ann"]["failed_logins"] == 1 and people["eve"]["logins"] == 1
    assert continuity["failed_logins_without_account"] == 3


def test_an_old_log_that_named_the_tried_names_as_actors_keeps_them_out_too() -> None:
    # Case format 3 wrote a failed login under the name typed; the report must not make a person of it.
    entries = [
        AuditEntry(1, "2026-01-01T00:00:00Z", "warden", "account.create", {"name": "admin", "role": "admin"}),
        AuditEntry(2, "2026-01-01T00:01:00Z", "root", "login.failed", {}),
        AuditEntry(3, "2026-01-01T00:02:00Z", "admin", "login.failed", {}),
        AuditEntry(4, "2026-01-01T00:03:00Z", "rob", "login.failed", {}),
        AuditEntry(5, "2026-01-01T00:04:00Z", "admin", "account.create", {"name": "rob", "role": "reviewer"}),
        AuditEntry(6, "2026-01-01T00:05:00Z", "rob", "login", {}),
    ]
    section = continuity_section([], entries, None)
    assert set(section["by_person"]) == {"warden", "admin", "rob"}
    assert section["by_person"]["admin"]["failed_logins"] == 1
    assert section["by_person"]["rob"] | {"failed_logins": 0, "logins": 1} == section["by_person"]["rob"]
    assert section["failed_logins_without_account"] == 2
