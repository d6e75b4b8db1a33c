"""Encrypted iOS backups opened with the backup password: each stored file decrypted, named by its phone path.

In an encrypted backup (``Manifest.plist``: ``IsEncrypted``), ``Manifest.db`` and every stored file are
encrypted; the keys are in ``Manifest.plist``. The folder listing (:mod:`.ios_backup`) lists the stored files
under their stored names and marks the backup's ``Manifest.plist``; this container, recognised by the
plist's bytes (``BackupKeyBag`` and ``ManifestKey``), opens the backup with the passwords of the scan's key
files (``warden scan --key-file``, lines ``password: ...``): the keybag (:mod:`.ios_keybag`) gives the class
keys, ``ManifestKey`` the key of ``Manifest.db``, decrypted (AES-256-CBC, zero IV) into a temporary file in
the scan's spool (never beside the evidence), and each row's ``EncryptionKey`` the key of its stored file,
decrypted as it is read (AES-256-CBC, zero IV, cut to the row's ``Size``) in bounded memory. Each file is an
item below ``Manifest.plist``, with the same detail as in a backup that is not encrypted, and ``opened_with``
naming the key file line whose password opened it, never the password.

Without a password, with none that opens it, or with a damaged keybag or manifest, the backup is one fact,
``<backup>/Manifest.plist//(ios-backup)``, not examined, saying why; its stored files are still hashed as
they are stored.
"""

from __future__ import annotations

import io
import os
import plistlib
import stat
import tempfile
from collections.abc import Iterator
from dataclasses import replace
from functools import partial
from typing import BinaryIO

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from warden.clock import from_timestamp
from warden.evidence import ios_backup
from warden.evidence.base import Item, Limits, Step
from warden.evidence.bounded import current_spool_folder
from warden.evidence.ios_keybag import KeybagError, WrongPassword, parse_keybag, unwrap
from warden.evidence.limits import refusal
from warden.evidence.names import repeated
from warden.hashing.digests import open_evidence

FORMAT = ios_backup.FORMAT
PLIST_BYTES = 1 << 20
"""Largest ``Manifest.plist`` read (a real one is a few KiB to a few hundred)."""
_BLOCK = 16
_CHUNK = 1 << 20
_ZERO_IV = bytes(_BLOCK)
_NOT_DECRYPTED = "the stored files are listed by their stored names, not decrypted"


class NotOpened(Exception):
    """The backup cannot be decrypted; the message says why, for its fact.

    Internal: recorded as a fact of the backup, never raised to a user.
    """


class EncryptedBackupContainer:
    """The ``Manifest.plist`` of an encrypted iOS backup folder, holding the backup's decrypted files."""

    name = FORMAT

    def sniff(self, head: bytes, size: int | None) -> bool:
        """A property list holding ``BackupKeyBag`` and ``ManifestKey``."""
        return ios_backup.encrypted_manifest(head)

    def expand(self, stream: BinaryIO, container: Item, limits: Limits) -> Iterator[Item]:
        """The backup's files, decrypted, in phone-path order; a fact instead when it cannot be opened."""
        try:
            opened = _open(stream, container, limits)
        except NotOpened as why:
            yield _fact(container, f"encrypted iOS backup: {why}")
            return
        if opened is not None:
            yield from opened


def _open(stream: BinaryIO, container: Item, limits: Limits) -> Iterator[Item] | None:
    """The backup's items, once the password has opened its keybag and ``Manifest.db``; None when the plist
    says the backup is not encrypted (a plain backup lists itself).

    Raises:
        NotOpened: it cannot be.
    """
    data = stream.read(PLIST_BYTES + 1)
    if len(data) > PLIST_BYTES:
        raise NotOpened(f"its Manifest.plist is over {PLIST_BYTES} bytes: not read; {_NOT_DECRYPTED}")
    try:
        plist = plistlib.loads(data)
    except Exception as error:  # a hostile plist can fail in many ways; each only means it cannot be read
        raise NotOpened(
            f"its Manifest.plist cannot be read ({type(error).__name__}); {_NOT_DECRYPTED}"
        ) from None
    if not isinstance(plist, dict) or plist.get("IsEncrypted") is not True:
        return None
    folder, rel_dir = _backup_folder(container)
    bag, manifest_key = plist.get("BackupKeyBag"), plist.get("ManifestKey")
    if not isinstance(bag, bytes) or not isinstance(manifest_key, bytes):
        raise NotOpened(f"its Manifest.plist holds no BackupKeyBag or ManifestKey as data; {_NOT_DECRYPTED}")
    try:
        keybag = parse_keybag(bag)
    except KeybagError as error:
        raise NotOpened(f"its keybag (BackupKeyBag) is damaged: {error}; {_NOT_DECRYPTED}") from None
    passwords = limits.keys.of_kind("password")
    if not passwords:
        raise NotOpened(
            "no password given (warden scan --key-file FILE, a line 'password: ...'); " + _NOT_DECRYPTED
        )
    for secret in passwords:
        try:
            class_keys = keybag.unlock(secret.value)
        except WrongPassword:
            continue
        try:
            database_key = unwrap(class_keys, manifest_key)
        except KeybagError as error:
            raise NotOpened(f"the key of Manifest.db (ManifestKey): {error}; {_NOT_DECRYPTED}") from None
        manifest = _decrypt_manifest(folder, database_key, limits)
        return _items(container, folder, rel_dir, manifest, class_keys, secret.source, limits)
    if len(passwords) == 1:
        raise NotOpened(f"the password given does not open it; {_NOT_DECRYPTED}")
    raise NotOpened(f"none of the {len(passwords)} passwords given opens it; {_NOT_DECRYPTED}")


def _backup_folder(container: Item) -> tuple[str, str]:
    """The backup folder on the examiner's machine and its path in the evidence.

    The plist must be a file of an evidence folder beside a ``Manifest.db``: marked by the folder listing
    as the backup's (:mod:`.ios_backup`), or in a subfolder of the evidence (as the review app finds it
    again). A plist given alone as evidence is not opened: the folder around it is not the evidence.

    Raises:
        NotOpened: it is not the ``Manifest.plist`` of a backup folder (a copy in an archive, a lone file).
    """
    last = container.steps[-1] if len(container.steps) == 1 else None
    marked = last is not None and (last.detail.get("format") == FORMAT or "/" in last.name)
    folder = os.path.dirname(container.fs_path) if container.fs_path is not None else None
    if (
        last is None
        or folder is None
        or not marked
        or not _regular(os.path.join(folder, ios_backup.MANIFEST_DB))
    ):
        raise NotOpened(
            "a Manifest.plist outside a backup folder (in an archive, or given alone): only a backup folder "
            "given as evidence or found in one is decrypted"
        )
    return folder, last.name.rpartition("/")[0]


def _regular(path: str) -> bool:
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except OSError:
        return False


def _decrypt_manifest(folder: str, key: bytes, limits: Limits) -> ios_backup.Manifest:
    """The rows of the backup's ``Manifest.db``, decrypted into a temporary file in the scan's spool, read
    within ``limits`` (members, seconds, member bytes), and deleted.

    Raises:
        NotOpened: it cannot be read, is too large, or does not decrypt to an SQLite database.
    """
    path = os.path.join(folder, ios_backup.MANIFEST_DB)
    try:
        status = os.lstat(path)
    except OSError as error:
        raise NotOpened(f"its Manifest.db cannot be read: {error.strerror}") from None
    size = status.st_size
    if size > limits.member_bytes:
        raise NotOpened(
            refusal(limits, "member_bytes", f"its Manifest.db of {size} bytes is too large to decrypt")
        )
    if size == 0 or size % _BLOCK:
        raise NotOpened(f"its Manifest.db is {size} bytes, not whole AES blocks: damaged; {_NOT_DECRYPTED}")
    with tempfile.TemporaryDirectory(prefix="warden-ios-", dir=current_spool_folder()) as scratch:
        plain = os.path.join(scratch, ios_backup.MANIFEST_DB)
        try:
            with open_evidence(path, (status.st_dev, status.st_ino)) as source:
                _decrypt_to(source, key, size, plain)
        except OSError as error:
            raise NotOpened(f"its Manifest.db cannot be read: {error}") from None
        with open(plain, "rb") as check:
            if check.read(16) != b"SQLite format 3\x00":
                raise NotOpened(
                    f"its Manifest.db does not decrypt to an SQLite database with its ManifestKey: damaged; "
                    f"{_NOT_DECRYPTED}"
                )
        try:
            manifest = ios_backup.read_decrypted_manifest(plain, limits.members, limits.seconds)
        except ios_backup.ManifestError as error:
            raise NotOpened(f"its decrypted Manifest.db cannot be read: {error}; {_NOT_DECRYPTED}") from None
    return manifest


def _decrypt_to(source: BinaryIO, key: bytes, size: int, target: str) -> None:
    """Decrypt ``size`` bytes of ``source`` into the new file ``target``, a chunk at a time, then drop the
    PKCS#7 padding where there is one (a manifest's pages are whole, so its padding is one block)."""
    decryptor = Cipher(algorithms.AES(key), modes.CBC(_ZERO_IV)).decryptor()
    last = b""
    with open(target, "xb") as out:
        done = 0
        while done < size:
            chunk = source.read(min(_CHUNK, size - done))
            if not chunk:
                raise OSError(f"it ends at byte {done}, before its {size} bytes: truncated")
            done += len(chunk)
            plain = decryptor.update(chunk)
            out.write(plain)
            last = (last + plain)[-_BLOCK:]
        out.write(decryptor.finalize())
        pad = last[-1] if last else 0
        if 1 <= pad <= _BLOCK and last[-pad:] == bytes([pad]) * pad:
            out.truncate(size - pad)


def _items(
    container: Item,
    folder: str,
    rel_dir: str,
    manifest: ios_backup.Manifest,
    class_keys: dict[int, bytes],
    opened_with: str,
    limits: Limits,
) -> Iterator[Item]:
    """Each file the decrypted manifest names, in phone-path order: readable, or why not."""
    if manifest.more:
        what = (
            f"its Manifest.db names more than {limits.members} files: the files past them are not decrypted"
        )
        yield _fact(container, f"encrypted iOS backup: {refusal(limits, 'members', what)}")
    taken: set[str] = set()
    rows = sorted(
        (row.phone_path, file_id, row) for file_id, row in manifest.rows.items() if row.flags in (1, None)
    )
    for _, file_id, row in rows:
        stored = f"{file_id[:2]}/{file_id}"
        name, detail = ios_backup.phone_detail(file_id, row, f"{rel_dir}/{stored}" if rel_dir else stored)
        detail.update(encrypted=True, opened_with=opened_with)
        unique, copy = name, 1
        while unique in taken:
            copy += 1
            unique = repeated(name, copy)
        taken.add(unique)
        step = Step("phone", unique, detail)
        yield _file(container, step, os.path.join(folder, file_id[:2]), file_id, row, class_keys, limits)


def _file(
    container: Item,
    step: Step,
    subfolder: str,
    file_id: str,
    row: ios_backup.Row,
    class_keys: dict[int, bytes],
    limits: Limits,
) -> Item:
    """One stored file as an item whose bytes are its decrypted content, or with the reason it has none."""
    steps = (*container.steps, step)
    path = os.path.join(subfolder, file_id)
    try:
        if not stat.S_ISDIR(os.lstat(subfolder).st_mode):
            raise FileNotFoundError
        status = os.lstat(path)
    except OSError:
        problem = "named in Manifest.db but not stored in the backup: nothing to read"
        return Item(steps=steps, problem=problem, not_examined=True)
    # The item's times are the stored file's, as in a backup that is not encrypted.
    found = Item(
        steps=steps,
        mtime=from_timestamp(status.st_mtime),
        ctime=from_timestamp(status.st_ctime),
        atime=from_timestamp(status.st_atime),
    )
    stored_size = status.st_size
    if not stat.S_ISREG(status.st_mode):
        return replace(found, problem="its stored file is not a regular file (a link?): not read")
    if row.key is None:
        return replace(found, problem="its Manifest.db row holds no file key (EncryptionKey): not decrypted")
    try:
        key = unwrap(class_keys, row.key)
    except KeybagError as error:
        return replace(found, problem=f"its file key: {error}: not decrypted")
    identity = (status.st_dev, status.st_ino)
    size = row.detail.get("phone_size")
    if not isinstance(size, int) or size < 0:
        try:
            size = _padded_size(path, identity, key, stored_size)
        except OSError as error:
            return replace(found, problem=f"its stored file cannot be read: {error}")
    if stored_size % _BLOCK or stored_size < -(-size // _BLOCK) * _BLOCK:
        problem = (
            f"its stored file holds {stored_size} bytes, not the whole AES blocks its {size} bytes need: "
            "truncated or damaged, not decrypted"
        )
        return replace(found, size=size, problem=problem)
    if size > limits.member_bytes:
        problem = refusal(limits, "member_bytes", f"decrypted, it would be {size} bytes: not read")
        return replace(found, size=size, problem=problem)
    return replace(found, size=size, opener=partial(open_decrypted, path, identity, key, size))


def _padded_size(path: str, identity: tuple[int, int], key: bytes, stored_size: int) -> int:
    """The plain size of a stored file whose row gives none: its size less its PKCS#7 padding."""
    if stored_size < _BLOCK or stored_size % _BLOCK:
        return stored_size
    with open_evidence(path, identity) as stored:
        stored.seek(max(0, stored_size - 2 * _BLOCK))
        tail = stored.read(2 * _BLOCK)
    iv, last = (tail[:_BLOCK], tail[_BLOCK:]) if len(tail) == 2 * _BLOCK else (_ZERO_IV, tail)
    plain = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor().update(last)
    pad = plain[-1]
    return stored_size - pad if 1 <= pad <= _BLOCK and plain[-pad:] == bytes([pad]) * pad else stored_size


def open_decrypted(path: str, identity: tuple[int, int], key: bytes, size: int) -> BinaryIO:
    """A stored file of an encrypted backup, read as its decrypted content (``size`` bytes), seekable.

    Raises:
        OSError: it cannot be opened, or is no longer the file listed.
    """
    return io.BufferedReader(DecryptedFile(open_evidence(path, identity), key, size), _CHUNK)


class DecryptedFile(io.RawIOBase):
    """The plain bytes of a file encrypted with AES-256-CBC and a zero IV, decrypted where they are read.

    In CBC each block is decrypted with the one stored before it as its IV, so any position can be read
    without the rest: a read costs its own blocks and one more, never the whole file.
    """

    def __init__(self, stored: BinaryIO, key: bytes, size: int) -> None:
        super().__init__()
        self._stored, self._key, self._size, self._position = stored, key, size, 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: self._size}[whence]
        if base + offset < 0:
            raise ValueError("negative seek position")
        self._position = base + offset
        return self._position

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        want = min(len(buffer), self._size - self._position, _CHUNK)
        if want <= 0:
            return 0
        first = self._position // _BLOCK
        end = -(-(self._position + want) // _BLOCK) * _BLOCK
        start = (first - 1) * _BLOCK if first else 0
        self._stored.seek(start)
        data = self._stored.read(end - start)
        if len(data) < end - start:
            raise OSError(
                f"the stored file ends at byte {start + len(data)}, before its {self._size} bytes: truncated"
            )
        iv, cipher = (data[:_BLOCK], data[_BLOCK:]) if first else (_ZERO_IV, data)
        plain = Cipher(algorithms.AES(self._key), modes.CBC(iv)).decryptor().update(cipher)
        skip = self._position - first * _BLOCK
        buffer[:want] = plain[skip : skip + want]
        self._position += want
        return want

    def close(self) -> None:
        if not self.closed:
            self._stored.close()
        super().close()


def _fact(container: Item, reason: str) -> Item:
    step = Step("error", f"({FORMAT})", {"container": FORMAT})
    return Item(steps=(*container.steps, step), state=container.state, problem=reason, not_examined=True)
