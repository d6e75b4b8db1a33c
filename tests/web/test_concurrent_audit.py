"""Forty failed logins at the same moment, no account needed, leave an audit log that verifies (issue 8,
point 18): the review app's requests append to the log one after the other."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tests.web.conftest import ORIGIN, login_token
from warden.case import accounts, schema
from warden.case.audit_verify import check_chain
from warden.case.folder import Case
from warden.web.app import create_app
from warden.web.config import ReviewConfig

pytestmark = pytest.mark.slow

PARALLEL = 40


def _forty_failed_logins(app: FastAPI, case: Case) -> None:
    clients = [TestClient(app, headers={"Origin": ORIGIN}) for _ in range(PARALLEL)]
    tokens = [login_token(client) for client in clients]
    start = threading.Barrier(PARALLEL)
    answers: list[int] = []

    def guess(client: TestClient, token: str, number: int) -> None:
        start.wait()
        response = client.post(
            "/login",
            data={"name": f"nobody{number % 3}", "password": f"guess {number}", "csrf_token": token},
            follow_redirects=False,
        )
        answers.append(response.status_code)

    threads = [
        threading.Thread(target=guess, args=(client, token, number))
        for number, (client, token) in enumerate(zip(clients, tokens, strict=True))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(answers) == PARALLEL and 500 not in answers
    with case.engine.connect() as connection:
        status = check_chain(connection)
        failed = connection.execute(
            select(func.count())
            .select_from(schema.audit_log)
            .where(schema.audit_log.c.action == "login.failed")
        ).scalar_one()
    assert failed >= 1
    assert status.verified, status.fault


def test_forty_parallel_failed_logins_keep_the_audit_chain(app: FastAPI, case: Case) -> None:
    _forty_failed_logins(app, case)


def test_forty_parallel_failed_logins_keep_the_chain_of_a_postgresql_case(
    tmp_path: Path, postgres_url: str
) -> None:
    case = Case.open(tmp_path / "case", create=True, db_url=postgres_url)
    with case.engine.begin() as connection:
        accounts.ensure_admin(connection)
    try:
        _forty_failed_logins(create_app(case, ReviewConfig(allowed_hosts=frozenset({"testserver"}))), case)
    finally:
        case.engine.dispose()
