"""`warden webhook`: endpoints added from a secret file, listed without it, dead letters listed, retried."""

from __future__ import annotations

import json
import secrets
from pathlib import Path

import pytest

from warden.cli import main
from warden.hashsets.sealed import load_key
from warden.model.categories import Category
from warden.model.records import MatchRecord
from warden.serve import webhooks
from warden.serve.match_records import record_upload
from warden.servicedb.database import open_service_db


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("WARDEN_KEY_FILE", str(tmp_path / "keys" / "hashsets.key"))
    return f"sqlite:///{tmp_path / 'service.db'}"


def warden(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_add_list_dead_letters_and_retry(tmp_path: Path, db: str, capsys: pytest.CaptureFixture[str]) -> None:
    secret = tmp_path / "secret"
    secret.write_text(secrets.token_hex(24) + "\n")
    code, out, _ = warden(
        capsys, "webhook", "add", "http://127.0.0.1:9/hook", "--secret-file", str(secret), "--db", db
    )
    assert code == 0 and "every bank" in out
    code, out, _ = warden(capsys, "webhook", "list", "--json", "--db", db)
    (endpoint,) = json.loads(out)
    assert endpoint["url"] == "http://127.0.0.1:9/hook" and secret.read_text().strip() not in out

    engine = open_service_db(db)
    key, _ = load_key(tmp_path / "keys" / "hashsets.key", create=False)
    match = MatchRecord("bank-a", "exact", "md5", 0.0, "original", None, Category.C)
    record_upload(engine, key, "upload-1", {"md5": "0" * 32}, [match])
    assert webhooks.deliver_due(engine, key, webhooks.RetryPolicy(max_attempts=1, timeout=5, lease=30)) == 1
    engine.dispose()

    code, out, _ = warden(capsys, "webhook", "dead-letters", "--json", "--db", db)
    (letter,) = json.loads(out)
    assert letter["attempts"] == 1 and letter["last_error"]
    code, out, _ = warden(capsys, "webhook", "retry", str(letter["id"]), "--db", db)
    assert code == 0 and "1 notice due again" in out
    code, _, err = warden(capsys, "webhook", "retry", str(letter["id"]), "--db", db)
    assert code == 2 and "no dead webhook delivery" in err


def test_a_bad_url_or_unreadable_secret_file_is_a_usage_error(
    tmp_path: Path, db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = warden(
        capsys, "webhook", "add", "https://x/hook", "--secret-file", str(tmp_path / "no"), "--db", db
    )
    assert code == 2 and "cannot read the secret file" in err
    (tmp_path / "secret").write_text("s" * 32)
    code, _, err = warden(
        capsys, "webhook", "add", "ftp://x", "--secret-file", str(tmp_path / "secret"), "--db", db
    )
    assert code == 2 and "http:// or https://" in err
    code, _, err = warden(capsys, "webhook", "retry", "--db", db)
    assert code == 2 and "--all" in err
