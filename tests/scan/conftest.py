"""A demo-like case built once per test module, from a seed the demo itself never uses."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.media import media
from warden.demo import DemoCase, build_demo
from warden.hashing.item import HashOptions, hash_file


@pytest.fixture(scope="module")
def unseen_case(tmp_path_factory: pytest.TempPathFactory) -> DemoCase:
    """Like ``make demo`` but another seed (other photos, edits, folders, categories), more unrelated."""
    options = HashOptions(exact_pdq=True, variants=False)
    return build_demo(
        media(),
        tmp_path_factory.mktemp("unseen"),
        seed=11,
        listed=21,
        unrelated=60,
        hasher=lambda path: hash_file(path, options).to_json(),
    )


def store_env(monkeypatch: pytest.MonkeyPatch, root: Path) -> None:
    """Point the store and key at ``root``."""
    monkeypatch.setenv("WARDEN_HOME", str(root / "store"))
    monkeypatch.setenv("WARDEN_KEY_FILE", str(root / "key"))
