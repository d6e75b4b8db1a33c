"""`warden apikey create|list|expire|revoke` as a user runs them: the key shown once, never listed, and
refusals as documented exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from warden.cli import main


@pytest.fixture
def db(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'service.db'}"


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_create_shows_the_key_once_and_list_never_shows_it(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, key, note = _run(
        capsys, "apikey", "create", "hotline", "--scope", "hash", "--scope", "match", "--db", db
    )
    assert code == 0 and key.strip().startswith("wdn_") and "not shown again" in note
    code, listed, _ = _run(capsys, "apikey", "list", "--json", "--db", db)
    row = json.loads(listed)
    assert code == 0 and key.strip() not in listed
    assert row["name"] == "hotline" and row["scopes"] == ["hash", "match"] and row["state"] == "active"
    assert row["rate_per_minute"] == 600 and row["expires"] is None


def test_expire_and_revoke_change_the_state_listed(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    _run(capsys, "apikey", "create", "a", "--scope", "admin", "--expires", "30d", "--db", db)
    _run(capsys, "apikey", "create", "b", "--scope", "curate", "--rate", "5", "--db", db)
    _, listed, _ = _run(capsys, "apikey", "list", "--json", "--db", db)
    assert json.loads(listed.splitlines()[0])["expires"] is not None
    assert _run(capsys, "apikey", "expire", "a", "--db", db)[0] == 0
    assert _run(capsys, "apikey", "revoke", "b", "--db", db)[0] == 0
    _, listed, _ = _run(capsys, "apikey", "list", "--db", db)
    assert [line.split("\t")[4] for line in listed.splitlines()] == ["expired", "revoked"]


def test_refusals_are_usage_errors(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(capsys, "apikey", "create", "x", "--scope", "hash", "--db", db)[0] == 0
    code, _, err = _run(capsys, "apikey", "create", "x", "--scope", "hash", "--db", db)
    assert code == 2 and "exists already" in err
    code, _, err = _run(capsys, "apikey", "create", "y", "--scope", "hash", "--expires", "soon", "--db", db)
    assert code == 2 and "is not a time" in err
    code, _, err = _run(capsys, "apikey", "revoke", "nobody", "--db", db)
    assert code == 2 and "no API key is named" in err
    code, _, err = _run(capsys, "serve", "--host", "0.0.0.0", "--db", db)
    assert code == 2 and "not loopback" in err
