"""The service's fixtures: one running service on SQLite per module, with small limits."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.serve.served import Service, serving
from warden.serve.config import ROLES, ServeConfig

MAX_UPLOAD = 4 << 20
"""The upload limit of the test service: 4 MiB."""


def config_for(db_url: str, spool: Path) -> ServeConfig:
    """A service with every role and small limits."""
    return ServeConfig(
        db_url=db_url,
        roles=frozenset(ROLES) - {"psi"},  # the psi role serves a built list: tests/serve/test_psi_routes.py
        hash_workers=1,
        hash_timeout=60,
        max_upload_bytes=MAX_UPLOAD,
        spool=spool,
    )


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    """The service on a SQLite file of its own."""
    root = tmp_path_factory.mktemp("serve")
    with pytest.MonkeyPatch.context() as patch:
        # Its banks' store and key are its own, made before any test's WARDEN_HOME is set.
        patch.setenv("WARDEN_HOME", str(root / "home"))
        patch.setenv("WARDEN_KEY_FILE", str(root / "keys" / "hashsets.key"))
        with serving(config_for(f"sqlite:///{root / 'service.db'}", root / "spool")) as running:
            yield running
