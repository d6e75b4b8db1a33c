"""Encrypted iOS backups built in the tests, with a made-up password, from benign photos.

The layout an encrypted iTunes/Finder backup has (iOS 10.2 and later): ``Manifest.plist`` (binary) holds
``IsEncrypted``, the keybag (``BackupKeyBag``: tag-length-value records) and ``ManifestKey``; the keybag's
class keys are wrapped (AES key wrap) with the passcode key, PBKDF2-SHA1 (``SALT``, ``ITER``) of PBKDF2-SHA256
(``DPSL``, ``DPIC``) of the password; ``Manifest.db`` and each stored file are AES-256-CBC with a zero IV and
PKCS#7 padding, under a key wrapped with a class key (four bytes, little-endian, naming the class, first).
Round counts are small here so that the tests run fast; iOS uses 10,000,000 for ``DPIC``.
"""

from __future__ import annotations

import hashlib
import os
import plistlib
import sqlite3
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.keywrap import aes_key_wrap

from tests.evidence.phones import PHONE_TIME, Row

PASSWORD = "made-up backup password"
FILE_CLASS = 3
"""The protection class of every stored file (NSFileProtectionCompleteUntilFirstUserAuthentication)."""
MANIFEST_CLASS = 4


def tlv(tag: str, value: bytes | int) -> bytes:
    data = value.to_bytes(4, "big") if isinstance(value, int) else value
    return tag.encode() + len(data).to_bytes(4, "big") + data


def encrypt(key: bytes, data: bytes) -> bytes:
    padder = padding.PKCS7(128).padder()
    padded = padder.update(data) + padder.finalize()
    encryptor = Cipher(algorithms.AES(key), modes.CBC(bytes(16))).encryptor()
    return encryptor.update(padded) + encryptor.finalize()


@dataclass
class Keybag:
    """A backup keybag and the class keys in it."""

    data: bytes
    class_keys: dict[int, bytes]

    def wrap(self, protection_class: int, key: bytes) -> bytes:
        """``key`` wrapped with the class key, as ``ManifestKey`` and ``EncryptionKey`` hold it."""
        return protection_class.to_bytes(4, "little") + aes_key_wrap(self.class_keys[protection_class], key)


def keybag(password: str, *, dp_rounds: int | None = 1000, rounds: int = 100) -> Keybag:
    """A backup keybag opened by ``password``; ``dp_rounds`` None: the older scheme (PBKDF2-SHA1 only)."""
    salt, dp_salt = os.urandom(20), os.urandom(20)
    secret = password.encode()
    if dp_rounds is not None:
        secret = hashlib.pbkdf2_hmac("sha256", secret, dp_salt, dp_rounds, 32)
    passcode_key = hashlib.pbkdf2_hmac("sha1", secret, salt, rounds, 32)
    class_keys = {number: os.urandom(32) for number in range(1, 12)}
    data = tlv("VERS", 4) + tlv("TYPE", 1) + tlv("UUID", os.urandom(16)) + tlv("HMCK", os.urandom(40))
    data += tlv("WRAP", 0) + tlv("SALT", salt) + tlv("ITER", rounds)
    if dp_rounds is not None:
        data += tlv("DPWT", 1) + tlv("DPIC", dp_rounds) + tlv("DPSL", dp_salt)
    for number, key in class_keys.items():
        data += tlv("UUID", os.urandom(16)) + tlv("CLAS", number) + tlv("WRAP", 2) + tlv("KTYP", 0)
        data += tlv("WPKY", aes_key_wrap(passcode_key, key))
    return Keybag(data, class_keys)


def file_metadata(size: int, wrapped_key: bytes | None) -> bytes:
    """A row's ``file`` column of an encrypted backup: an ``MBFile`` with its wrapped ``EncryptionKey``."""
    record: dict[str, object] = {
        "LastModified": PHONE_TIME,
        "Birth": PHONE_TIME - 60,
        "LastStatusChange": PHONE_TIME,
        "Size": size,
        "Mode": 0o100644,
        "ProtectionClass": FILE_CLASS,
        "$class": plistlib.UID(3),
    }
    objects: list[object] = ["$null", record, {"$classname": "MBFile", "$classes": ["MBFile", "NSObject"]}]
    if wrapped_key is not None:
        record["EncryptionKey"] = plistlib.UID(3)
        objects.append({"NS.data": wrapped_key, "$class": plistlib.UID(4)})
        objects.append({"$classname": "NSMutableData", "$classes": ["NSMutableData", "NSData", "NSObject"]})
    archive = {"$archiver": "NSKeyedArchiver", "$version": 100000, "$top": {"root": plistlib.UID(1)}}
    archive["$objects"] = objects
    return plistlib.dumps(archive, fmt=plistlib.FMT_BINARY)


def encrypted_backup(
    folder: Path, rows: Sequence[Row], *, password: str = PASSWORD, bag: Keybag | None = None
) -> Path:
    """Write an encrypted iOS backup folder: ``Manifest.plist`` with the keybag, ``Manifest.db`` and the
    stored files encrypted, each under a key of its own."""
    bag = bag or keybag(password)
    folder.mkdir(parents=True)
    (folder / "Info.plist").write_bytes(
        plistlib.dumps({"Device Name": "Test iPhone", "Product Version": "17.5"})
    )
    (folder / "Status.plist").write_bytes(plistlib.dumps({"IsFullBackup": False, "Version": "3.3"}))
    manifest_key = os.urandom(32)
    manifest_plist = {
        "BackupKeyBag": bag.data,
        "IsEncrypted": True,
        "ManifestKey": bag.wrap(MANIFEST_CLASS, manifest_key),
        "Version": "10.0",
        "Lockdown": {"ProductVersion": "17.5"},
        "Applications": {},
    }
    (folder / "Manifest.plist").write_bytes(plistlib.dumps(manifest_plist, fmt=plistlib.FMT_BINARY))
    values: list[tuple[object, ...]] = []
    for row in rows:
        if row.flags == 2:
            values.append((row.fid, row.domain, row.relative_path, 2, None))
            continue
        key = os.urandom(32)
        data = row.data or b""
        values.append(
            (row.fid, row.domain, row.relative_path, 1, file_metadata(len(data), bag.wrap(FILE_CLASS, key)))
        )
        if row.data is not None:
            stored = folder / row.fid[:2] / row.fid
            stored.parent.mkdir(exist_ok=True)
            stored.write_bytes(encrypt(key, row.data))
    with tempfile.TemporaryDirectory() as scratch:
        plain = Path(scratch) / "Manifest.db"
        connection = sqlite3.connect(plain)
        connection.execute(
            "CREATE TABLE Files (fileID TEXT PRIMARY KEY, domain TEXT, relativePath TEXT, flags INTEGER, "
            "file BLOB)"
        )
        connection.executemany("INSERT INTO Files VALUES (?, ?, ?, ?, ?)", values)
        connection.commit()
        connection.close()
        (folder / "Manifest.db").write_bytes(encrypt(manifest_key, plain.read_bytes()))
    return folder
