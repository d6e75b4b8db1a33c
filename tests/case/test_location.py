"""A case in PostgreSQL remembers it (issue 8, point 17): the case folder records the database (never its
password), every command on the folder opens that database without ``--db``, and ``--db`` naming another
database is a clear error instead of a new, empty case."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from tests.media import media
from tests.postgres import PostgresServer
from warden.case import location
from warden.case.folder import Case
from warden.cli import main
from warden.errors import CaseError, CaseMismatchError


@pytest.fixture
def evidence(tmp_path: Path) -> tuple[Path, Path]:
    folder = tmp_path / "evidence"
    folder.mkdir()
    photos = sorted(media("photos").glob("*.jpg"))[:4]
    for photo in photos:
        shutil.copyfile(photo, folder / photo.name)
    listed = hashlib.md5(photos[0].read_bytes()).hexdigest()
    hashset = tmp_path / "set.csv"
    hashset.write_text(f"md5,sha1,sha256,pdq,category,source_id\n{listed},,,,B,X1\n")
    return folder, hashset


def scan(evidence: tuple[Path, Path], case: Path, *extra: str) -> int:
    folder, hashset = evidence
    return main(["scan", str(folder), "--hashset", str(hashset), "--case", str(case), "--quiet", *extra])


def with_password(url: str, password: str) -> str:
    return make_url(url)._replace(password=password).render_as_string(hide_password=False)


@pytest.mark.slow
def test_a_rerun_without_db_uses_the_recorded_postgresql_database(
    evidence: tuple[Path, Path],
    tmp_path: Path,
    postgres_url: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    case = tmp_path / "case"
    # The server trusts loopback, so any password works; it must still never reach the case folder.
    assert scan(evidence, case, "--db", with_password(postgres_url, "s3cret-pw")) == 0
    capsys.readouterr()
    recorded = json.loads((case / location.RECORD_NAME).read_text())
    assert location.same_database(recorded["url"], postgres_url)
    assert "s3cret-pw" not in "".join(p.read_text(errors="replace") for p in case.iterdir() if p.is_file())
    assert not (case / "case.db").exists()

    # The rerun the issue reproduces: no --db. It resumes the PostgreSQL case, not a new SQLite one.
    assert scan(evidence, case) == 0
    capsys.readouterr()
    assert not (case / "case.db").exists()
    report = json.loads((case / "report.json").read_text())
    assert report["summary"]["by_category"]["B"]["stills_files"] == 1

    # Every other command on the folder opens the same database.
    assert main(["report", str(case)]) == 0
    assert main(["audit", "verify", str(case)]) == 0
    assert "audit log verified" in capsys.readouterr().out
    monkeypatch.setattr("sys.stdin", io.StringIO("a long enough password 1\n"))
    assert main(["user", "add", str(case), "examiner1", "--role", "examiner", "--password-stdin"]) == 0
    assert main(["user", "list", str(case)]) == 0
    assert "examiner1" in capsys.readouterr().out
    assert not (case / "case.db").exists()
    opened = Case.open(case)
    assert opened.engine.dialect.name == "postgresql"


@pytest.mark.slow
def test_db_naming_another_database_than_recorded_is_refused(
    evidence: tuple[Path, Path],
    tmp_path: Path,
    postgres_url: str,
    postgres_server: PostgresServer,
    capsys: pytest.CaptureFixture[str],
) -> None:
    case = tmp_path / "case"
    assert scan(evidence, case, "--db", postgres_url) == 0
    capsys.readouterr()
    other = postgres_server.create_database()
    assert scan(evidence, case, "--db", other) == 7
    err = capsys.readouterr().err
    assert "this case is in the database" in err and "leave out --db" in err
    assert main(["report", str(case), "--db", other]) == 7
    # The same database written another way (another driver name, a password) is the same database.
    same = with_password(postgres_url.replace("postgresql+psycopg://", "postgresql://"), "x")
    assert location.same_database(same, postgres_url)
    assert scan(evidence, case, "--db", same.replace("postgresql://", "postgresql+psycopg://")) == 0


@pytest.mark.slow
def test_db_on_a_sqlite_case_is_refused(
    evidence: tuple[Path, Path], tmp_path: Path, postgres_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    case = tmp_path / "case"
    assert scan(evidence, case) == 0
    capsys.readouterr()
    assert scan(evidence, case, "--db", postgres_url) == 7
    assert "(SQLite)" in capsys.readouterr().err
    assert not (case / location.RECORD_NAME).exists()


def test_the_record_never_holds_a_password_in_any_spelling() -> None:
    for url in (
        "postgresql+psycopg://examiner:pa%40ss@db.example:5433/case7",
        "postgresql+psycopg://examiner@db.example:5433/case7?password=pa%40ss&sslmode=require",
    ):
        public = location.public(url)
        assert "pa" not in public.split("@", 1)[0].split("//", 1)[1].replace("examiner", "")
        assert "password" not in public and "ss" not in make_url(public).query.get("password", "")
        assert location.same_database(public, url)
    assert not location.same_database("postgresql://u@h/a", "postgresql://u@h/b")
    assert location.same_database("postgresql://u@h/a", "postgresql+psycopg://u@h:5432/a")


def test_a_damaged_record_or_a_bad_url_is_a_clear_error(tmp_path: Path) -> None:
    case = tmp_path / "case"
    case.mkdir()
    (case / location.RECORD_NAME).write_text("{not json")
    with pytest.raises(CaseError, match="damaged"):
        Case.open(case)
    (case / location.RECORD_NAME).unlink()
    with pytest.raises(CaseError, match="not a database URL"):
        Case.open(case, create=True, db_url="::nonsense::")
    Case.open(case, create=True)  # makes case.db
    with pytest.raises(CaseMismatchError):
        Case.open(case, db_url="postgresql+psycopg://u@127.0.0.1:1/nowhere")


def test_an_unreachable_recorded_database_says_where_the_password_comes_from(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    case = tmp_path / "case"
    case.mkdir()
    location.record(case, "postgresql+psycopg://examiner:secret@127.0.0.1:1/case7")
    assert "secret" not in (case / location.RECORD_NAME).read_text()
    assert main(["report", str(case)]) == 7
    err = capsys.readouterr().err
    assert "PGPASSWORD" in err and "~/.pgpass" in err and "Traceback" not in err
