"""Appends at the same moment chain one after the other (issue 8, point 18): 40 at once, in threads and in
processes, on SQLite and on PostgreSQL, leave a log that ``warden audit verify`` accepts, with every entry.

Before the fix, each append read the last hash and inserted its entry without a lock, so two appends at the
same moment chained onto the same entry and the log verified as broken.
"""

from __future__ import annotations

import multiprocessing
import threading
from pathlib import Path

import pytest
from sqlalchemy import func, select

from warden.case import schema
from warden.case.audit_verify import check_chain
from warden.case.folder import Case

PARALLEL = 40


def _open(case_dir: Path, db_url: str | None) -> Case:
    return Case.open(case_dir, create=True, db_url=db_url)


def _status(case: Case) -> tuple[int, object]:
    with case.engine.connect() as connection:
        status = check_chain(connection)
        steps = connection.execute(
            select(func.count()).select_from(schema.audit_log).where(schema.audit_log.c.action == "test.step")
        ).scalar_one()
    return int(steps), status


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.slow)])
def database(request: pytest.FixtureRequest) -> str | None:
    """None for a SQLite case, else the URL of a fresh PostgreSQL database."""
    if request.param == "sqlite":
        return None
    url: str = request.getfixturevalue("postgres_url")
    return url


def test_forty_appends_in_threads_keep_the_chain(tmp_path: Path, database: str | None) -> None:
    case = _open(tmp_path / "case", database)
    start = threading.Barrier(PARALLEL)
    failures: list[BaseException] = []

    def one(number: int) -> None:
        try:
            start.wait()
            case.audit("test.step", {"n": number})
        except BaseException as exc:  # collected: a thread's exception would otherwise vanish
            failures.append(exc)

    threads = [threading.Thread(target=one, args=(n,)) for n in range(PARALLEL)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    steps, status = _status(case)
    assert steps == PARALLEL
    assert status.fault is None and status.verified, status  # type: ignore[attr-defined]


def _append_in_child(case_dir: Path, database: str | None, number: int, go: object, done: object) -> None:
    case = Case.open(case_dir, db_url=database)
    go.wait()  # type: ignore[attr-defined]
    case.audit("test.step", {"n": number})
    case.engine.dispose()
    done.put(number)  # type: ignore[attr-defined]


@pytest.mark.slow
def test_forty_appends_in_processes_keep_the_chain(tmp_path: Path, database: str | None) -> None:
    case = _open(tmp_path / "case", database)
    case.engine.dispose()
    context = multiprocessing.get_context("fork")
    go, done = context.Event(), context.Queue()
    children = [
        context.Process(target=_append_in_child, args=(tmp_path / "case", database, n, go, done))
        for n in range(PARALLEL)
    ]
    for child in children:
        child.start()
    go.set()
    for child in children:
        child.join()
    assert [child.exitcode for child in children] == [0] * PARALLEL
    steps, status = _status(case)
    assert steps == PARALLEL
    assert status.fault is None and status.verified, status  # type: ignore[attr-defined]
