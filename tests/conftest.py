"""Test-wide fixtures: every test gets its own hash-set store and key, in a temporary folder, and the session
one audit key of its own."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.postgres import postgres_server, postgres_url

__all__ = ["postgres_server", "postgres_url"]


@pytest.fixture(scope="session", autouse=True)
def audit_key(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Point WARDEN_AUDIT_KEY_FILE at a key made for this session: no test touches the user's audit key, and a
    case built once per module or session is keyed with the key every test appends with."""
    path = tmp_path_factory.mktemp("audit-key") / "audit.key"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("WARDEN_AUDIT_KEY_FILE", str(path))
        yield path


@pytest.fixture(autouse=True)
def isolated_store(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch, audit_key: Path
) -> Path:
    """Point WARDEN_HOME and WARDEN_KEY_FILE at a fresh temporary folder: no test touches the user's store."""
    root = tmp_path_factory.mktemp("warden-home")
    monkeypatch.setenv("WARDEN_HOME", str(root / "store"))
    monkeypatch.setenv("WARDEN_KEY_FILE", str(root / "keys" / "hashsets.key"))
    monkeypatch.setenv("WARDEN_AUDIT_KEY_FILE", str(audit_key))
    return root
