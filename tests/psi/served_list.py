"""A private-membership list of made-up hashes, built into a folder and served by the ``psi`` role of the real
service on a loopback socket (as ``warden psi serve`` serves one), and the service's log lines collected."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.hashsets.samples import md5, pdq, sha1, sha256
from tests.serve.served import Service, serving
from warden.model.categories import Category
from warden.psi.build import KEY_FILE_NAME, PsiEntry, build_list
from warden.psi.manifest import ListManifest
from warden.psi.suite import ServerKey
from warden.serve.config import ServeConfig

LISTED: dict[tuple[str, str], str] = {
    ("md5", md5("one")): "A",
    ("sha1", sha1("one")): "A",
    ("sha256", sha256("two")): "B",
    ("pdq", pdq("three")): "C",
    ("md5", md5("four")): "known_good",
}
"""(kind, value) -> category of every hash the list holds."""

UNLISTED: list[tuple[str, str]] = [
    ("md5", md5("five")),
    ("sha1", sha1("two")),
    ("sha256", sha256("one")),
    ("pdq", pdq("one")),
    ("sha256", pdq("three")),  # a listed PDQ's bytes, asked as another kind
]
"""Hashes the list does not hold."""


def entries() -> list[PsiEntry]:
    return [(kind, value, Category(category)) for (kind, value), category in LISTED.items()]


def build_served_list(folder: Path, *, hash_set: str = "made-up") -> tuple[ListManifest, ServerKey]:
    """:data:`LISTED` built into ``folder`` with a new key, kept in ``folder/server.key`` as ``warden psi
    build`` keeps it."""
    key = ServerKey.generate()
    manifest = build_list(entries(), key, folder, 1, hash_set=hash_set, source_sha256="ab" * 32)
    key.save(folder / KEY_FILE_NAME)
    return manifest, key


def psi_config(folder: Path, db_url: str, key_file: Path | None = None) -> ServeConfig:
    """The service with only the ``psi`` role, serving the list in ``folder``."""
    return ServeConfig(db_url=db_url, roles=frozenset({"psi"}), psi_list=folder, psi_key_file=key_file)


@dataclass(frozen=True)
class ServedList:
    """A running service of a built list: the service, and the list's manifest, key and folder."""

    service: Service
    manifest: ListManifest
    key: ServerKey
    folder: Path

    @property
    def url(self) -> str:
        return self.service.url


@contextmanager
def serving_list(root: Path) -> Iterator[ServedList]:
    """:data:`LISTED` built into ``root/list`` and served, its database in ``root``; stopped on leaving."""
    manifest, key = build_served_list(root / "list")
    with serving(psi_config(root / "list", f"sqlite:///{root / 'service.db'}")) as service:
        yield ServedList(service, manifest, key, root / "list")


class _Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


@contextmanager
def service_log() -> Iterator[list[str]]:
    """Every line the service logs (logger ``warden.serve``) meanwhile, whatever its propagation."""
    log = logging.getLogger("warden.serve")
    handler, level = _Lines(), log.level
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    try:
        yield handler.lines
    finally:
        log.removeHandler(handler)
        log.setLevel(level)
