"""Test-wide fixtures: every test gets its own hash-set store and key, in a temporary folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.postgres import postgres_server, postgres_url

__all__ = ["postgres_server", "postgres_url"]


@pytest.fixture(autouse=True)
def isolated_store(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point WARDEN_HOME and WARDEN_KEY_FILE at a fresh temporary folder: no test touches the user's store."""
    root = tmp_path_factory.mktemp("warden-home")
    monkeypatch.setenv("WARDEN_HOME", str(root / "store"))
    monkeypatch.setenv("WARDEN_KEY_FILE", str(root / "keys" / "hashsets.key"))
    return root
