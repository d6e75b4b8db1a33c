"""Files only their owner may read: key files (made 0600, refused when others can read them), and the store's
and the case's files (0600 in 0700 folders).

A key that other users can read is no key: the hash-set key decrypts the lists of known abuse images, and
the audit key is what makes the case's log tamper-evident. Warden therefore refuses such a key file rather
than quietly tightening it, so the examiner learns it was exposed.
"""

from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path

from warden.errors import KeyFileError

FILE_MODE = 0o600
FOLDER_MODE = 0o700
KEY_BYTES = 32


def _mode_text(mode: int) -> str:
    return f"{stat.S_IMODE(mode):04o}"


def check_key_file(path: Path, what: str) -> None:
    """Refuse a key file that group or others may read or write.

    Raises:
        KeyFileError: the file's mode gives group or others any access; the message says how to fix it.
    """
    mode = path.stat().st_mode
    if stat.S_IMODE(mode) & 0o077:
        raise KeyFileError(
            f"the {what} {path} can be used by other users (mode {_mode_text(mode)}): it must be readable "
            f"by its owner only. If no one else could have copied it, run  chmod 600 {path}  and try again; "
            "if someone could have, treat the key as exposed"
        )


def make_private_dir(path: Path, *, tighten: bool = True) -> Path:
    """Create ``path`` (and missing parents) as 0700 folders; an existing ``path`` of ours is set to 0700 too
    when ``tighten`` (Warden's own folders: the store, a case's), never a shared one.

    Parents that were already there are left as they are, and so is any folder others share: one with the
    sticky bit or writable by all (``/tmp``), which a key file's folder may well be.
    """
    missing = [parent for parent in (path, *path.parents) if not parent.exists()]
    path.mkdir(parents=True, exist_ok=True, mode=FOLDER_MODE)
    for folder in missing:
        folder.chmod(FOLDER_MODE)
    status = path.stat()
    shared = status.st_mode & (stat.S_ISVTX | stat.S_IWOTH)
    if tighten and path not in missing and status.st_uid == os.geteuid() and not shared:
        path.chmod(FOLDER_MODE)
    return path


def restrict_tree(root: Path) -> None:
    """Give every folder under ``root`` (itself included) mode 0700 and every file 0600."""
    root.chmod(FOLDER_MODE)
    for folder, folders, files in os.walk(root):
        for name in folders:
            os.chmod(os.path.join(folder, name), FOLDER_MODE)
        for name in files:
            os.chmod(os.path.join(folder, name), FILE_MODE)


def create_private_file(path: Path) -> None:
    """Create ``path`` empty with mode 0600 if it does not exist; an existing file of ours is set to 0600.

    SQLite gives its ``-wal`` and ``-shm`` files the mode of the database file, so a 0600 ``case.db``
    keeps its journal private too.
    """
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, FILE_MODE)
    except FileExistsError:
        if path.stat().st_uid == os.geteuid() and stat.S_IMODE(path.stat().st_mode) != FILE_MODE:
            path.chmod(FILE_MODE)
        return
    os.close(descriptor)


def read_key_file(path: Path, what: str, *, create: bool) -> tuple[bytes, bool]:
    """Read a 32-byte key kept as hex in ``path``; create it (0600, in a 0700 folder) if absent and asked.

    Creation is atomic: the key is written to a private temporary file and linked into place, so two
    processes creating it at once end up with the same key and no one ever reads half a key.

    Returns:
        The key, and whether this call created it.

    Raises:
        FileNotFoundError: absent and not to be created.
        KeyFileError: the file can be used by other users, is not a key, or cannot be created.
    """
    created = False
    if not path.exists():
        if not create:
            raise FileNotFoundError(path)
        created = _create_key_file(path, what)
    check_key_file(path, what)
    try:
        key = bytes.fromhex(path.read_text(encoding="ascii").strip())
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise KeyFileError(f"the {what} {path} cannot be read as a key: {exc}") from exc
    if len(key) != KEY_BYTES:
        raise KeyFileError(f"the {what} {path} must hold {KEY_BYTES} bytes as hex")
    return key, created


def _create_key_file(path: Path, what: str) -> bool:
    try:
        make_private_dir(path.parent, tighten=False)
        partial = path.with_name(f".{path.name}.{os.getpid()}-{secrets.token_hex(4)}")
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, FILE_MODE)
        try:
            with os.fdopen(descriptor, "w", encoding="ascii") as stream:
                stream.write(secrets.token_bytes(KEY_BYTES).hex() + "\n")
                stream.flush()
                os.fsync(stream.fileno())
            try:
                os.link(partial, path)
            except FileExistsError:
                return False  # another process made it first: use theirs
        finally:
            partial.unlink(missing_ok=True)
    except OSError as exc:
        raise KeyFileError(f"the {what} {path} cannot be created: {exc.strerror or exc}") from exc
    return True
