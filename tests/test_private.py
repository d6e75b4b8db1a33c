"""Keys, the hash-set store and case.db are private to their owner (issue 8, point 20): files 0600 in 0700
folders, and a key file other users can read is refused with exit code 14 and the fix in the message."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from tests.hashsets.test_store import canonical
from warden.case.folder import Case
from warden.cli import main
from warden.errors import KeyFileError
from warden.hashsets.store import HashSetStore
from warden.private import read_key_file


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_an_imported_set_is_private_on_disk(tmp_path: Path) -> None:
    store = HashSetStore(tmp_path / "home", tmp_path / "keys" / "hashsets.key")
    store.import_file(canonical(tmp_path, ["0" * 32 + ",,,,A,x"]), name="demo")
    assert mode(tmp_path / "keys" / "hashsets.key") == 0o600
    assert mode(tmp_path / "keys") == 0o700
    for path in [tmp_path / "home", *(tmp_path / "home").rglob("*")]:
        assert mode(path) == (0o700 if path.is_dir() else 0o600), path


def test_a_new_case_database_is_private(tmp_path: Path) -> None:
    case = Case.open(tmp_path / "case", create=True)
    case.audit("test.step", {})
    assert mode(tmp_path / "case") == 0o700
    for name in ("case.db", "case.db-wal", "case.db-shm"):
        if (tmp_path / "case" / name).exists():
            assert mode(tmp_path / "case" / name) == 0o600, name


def test_an_existing_case_database_is_made_private_when_opened(tmp_path: Path) -> None:
    Case.open(tmp_path / "case", create=True).engine.dispose()
    (tmp_path / "case" / "case.db").chmod(0o644)
    Case.open(tmp_path / "case").engine.dispose()
    assert mode(tmp_path / "case" / "case.db") == 0o600


@pytest.mark.parametrize("loose", [0o644, 0o640, 0o604, 0o660, 0o602])
def test_a_key_others_can_use_is_refused_with_the_fix(tmp_path: Path, loose: int) -> None:
    key = tmp_path / "hashsets.key"
    key.write_text("ab" * 32)
    key.chmod(loose)
    with pytest.raises(KeyFileError, match=f"chmod 600 {key}") as raised:
        read_key_file(key, "hash-set key", create=False)
    assert raised.value.exit_code == 14 and f"mode {loose:04o}" in raised.value.message


def test_the_command_line_refuses_a_world_readable_hashset_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    key = tmp_path / "hashsets.key"
    monkeypatch.setenv("WARDEN_KEY_FILE", str(key))
    assert (
        main(["hashset", "import", str(canonical(tmp_path, ["0" * 32 + ",,,,A,x"])), "--name", "demo"]) == 0
    )
    key.chmod(0o644)
    code = main(["hashset", "export", "demo", "--output", str(tmp_path / "out.csv")])
    assert code == 14
    assert "chmod 600" in capsys.readouterr().err


def test_a_world_readable_audit_key_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    key = tmp_path / "audit.key"
    monkeypatch.setenv("WARDEN_AUDIT_KEY_FILE", str(key))
    case = Case.open(tmp_path / "case", create=True)
    assert mode(key) == 0o600
    key.chmod(0o644)
    with pytest.raises(KeyFileError, match="chmod 600"):
        case.audit("test.step", {})


def test_a_key_made_by_two_processes_at_once_is_one_key(tmp_path: Path) -> None:
    key = tmp_path / "k" / "audit.key"
    first, made = read_key_file(key, "audit key", create=True)
    second, again = read_key_file(key, "audit key", create=True)
    assert made and not again and first == second and len(first) == 32


@pytest.mark.parametrize("mode", [0o1777, 0o755])
def test_a_key_made_in_an_existing_folder_leaves_that_folder_as_it_was(tmp_path: Path, mode: int) -> None:
    """A key file put straight into /tmp (or a home folder) must not make that folder private to its owner:
    as root, that once turned /tmp into 0700 for every other user of the machine."""
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(mode)
    read_key_file(shared / "hashsets.key", "hash-set key", create=True)
    assert stat.S_IMODE(shared.stat().st_mode) == mode
    assert stat.S_IMODE((shared / "hashsets.key").stat().st_mode) == 0o600
    fresh = tmp_path / "new" / "keys" / "audit.key"
    read_key_file(fresh, "audit key", create=True)
    assert stat.S_IMODE(fresh.parent.stat().st_mode) == 0o700


def test_a_case_in_a_shared_folder_leaves_that_folder_as_it_was(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o1777)
    Case.open(shared, create=True).engine.dispose()
    assert stat.S_IMODE(shared.stat().st_mode) == 0o1777
