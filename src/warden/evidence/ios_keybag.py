"""The keybag of an encrypted iOS backup: the backup password turned into the keys of its protection classes.

An encrypted iTunes/Finder backup keeps in ``Manifest.plist`` a ``BackupKeyBag``: a list of tag-length-value
records (four-letter tag, 32-bit big-endian length, value). The first records describe the bag (``VERS``,
``TYPE``, ``UUID``, ``WRAP``, ``SALT``, ``ITER``, and since iOS 10.2 ``DPWT``, ``DPIC``, ``DPSL``); each later
``UUID`` starts one class key (``CLAS`` the protection class, ``WRAP``, ``KTYP``, ``WPKY`` the wrapped key).
The password gives the passcode key by PBKDF2: first PBKDF2-SHA256 with ``DPSL`` and ``DPIC`` (iOS 10.2 and
later), then PBKDF2-SHA1 with ``SALT`` and ``ITER``. Each class key wrapped with the passcode (``WRAP`` bit 2)
is unwrapped with it (AES key wrap, RFC 3394); a wrong password fails the wrap's integrity check. Class keys
then unwrap the key of ``Manifest.db`` (``ManifestKey``) and of each file (its ``EncryptionKey``), whose first
four bytes, little-endian, name the class. The scheme as public write-ups describe it (the
iphone-dataprotection notes, iphone_backup_decrypt, mvt); the crypto is the ``cryptography`` library's.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from cryptography.hazmat.primitives.keywrap import InvalidUnwrap, aes_key_unwrap

MAX_ITERATIONS = 50_000_000
"""Most PBKDF2 rounds a keybag may ask for, at each step: iOS asks 10,000,000 (``DPIC``), about 4 seconds a
password here; a hostile keybag asking more is refused rather than left to run for hours."""
MAX_RECORDS = 1024
"""Most tag-length-value records read: a real backup keybag holds about 70."""
WRAP_PASSCODE = 2
"""The ``WRAP`` bit of a class key wrapped with the passcode key (bit 1, with the device's UID key, is never
set in a backup keybag)."""
_INTEGERS = {"VERS", "TYPE", "WRAP", "ITER", "DPWT", "DPIC", "CLAS", "KTYP"}


class KeybagError(Exception):
    """The keybag cannot be used (damaged, or asking for too much work); the message says why.

    Internal: recorded as a fact of the backup, never raised to a user.
    """


class WrongPassword(Exception):
    """The password does not unwrap the keybag's class keys. Internal, like :class:`KeybagError`."""


@dataclass(frozen=True, slots=True)
class ClassKey:
    """One protection class's key, as the keybag keeps it (wrapped)."""

    protection_class: int
    wrap: int
    wrapped: bytes = field(repr=False)


@dataclass(frozen=True, slots=True)
class Keybag:
    """What a backup keybag says: how the passcode key is derived, and the wrapped class keys."""

    salt: bytes = field(repr=False)
    iterations: int
    class_keys: tuple[ClassKey, ...]
    dp_salt: bytes | None = field(default=None, repr=False)
    """``DPSL``: the salt of the first PBKDF2 step (SHA-256), iOS 10.2 and later; None before."""
    dp_iterations: int | None = None

    def unlock(self, password: str) -> dict[int, bytes]:
        """The class keys, by protection class, that ``password`` unwraps.

        Raises:
            WrongPassword: the password does not open the keybag.
        """
        secret = password.encode("utf-8")
        if self.dp_salt is not None and self.dp_iterations is not None:
            secret = hashlib.pbkdf2_hmac("sha256", secret, self.dp_salt, self.dp_iterations, 32)
        passcode_key = hashlib.pbkdf2_hmac("sha1", secret, self.salt, self.iterations, 32)
        keys: dict[int, bytes] = {}
        for class_key in self.class_keys:
            if not class_key.wrap & WRAP_PASSCODE:
                continue
            try:
                keys[class_key.protection_class] = aes_key_unwrap(passcode_key, class_key.wrapped)
            except (InvalidUnwrap, ValueError):
                raise WrongPassword("the password does not unwrap the keybag's class keys") from None
        return keys


def parse_keybag(data: bytes) -> Keybag:
    """The keybag in ``data`` (``Manifest.plist``'s ``BackupKeyBag``).

    Raises:
        KeybagError: not a keybag, truncated, a field missing or out of bounds, no class key wrapped with the
            passcode.
    """
    attributes: dict[str, bytes | int] = {}
    classes: list[dict[str, bytes | int]] = []
    offset = 0
    for _ in range(MAX_RECORDS):
        if offset == len(data):
            break
        if offset + 8 > len(data):
            raise KeybagError(f"truncated at byte {offset}: a record's header runs past the end")
        tag = data[offset : offset + 4].decode("ascii", "replace")
        length = int.from_bytes(data[offset + 4 : offset + 8], "big")
        value = data[offset + 8 : offset + 8 + length]
        if len(value) != length:
            raise KeybagError(
                f"truncated: record {tag!r} at byte {offset} says {length} bytes, {len(value)} left"
            )
        offset += 8 + length
        decoded: bytes | int = int.from_bytes(value, "big") if tag in _INTEGERS and length == 4 else value
        if tag == "UUID" and "UUID" in attributes:
            classes.append({})  # every UUID after the bag's own starts a class key
        (classes[-1] if classes else attributes)[tag] = decoded
    else:
        raise KeybagError(f"more than {MAX_RECORDS} records")
    salt, iterations = attributes.get("SALT"), attributes.get("ITER")
    if not isinstance(salt, bytes) or not isinstance(iterations, int):
        raise KeybagError("no SALT and ITER: not a backup keybag")
    dp_salt, dp_iterations = attributes.get("DPSL"), attributes.get("DPIC")
    if not (isinstance(dp_salt, bytes) and isinstance(dp_iterations, int)):
        dp_salt, dp_iterations = None, None
    for rounds in (iterations, dp_iterations):
        if rounds is not None and not 1 <= rounds <= MAX_ITERATIONS:
            raise KeybagError(f"asks for {rounds} PBKDF2 rounds, outside 1 to {MAX_ITERATIONS}")
    class_keys = tuple(_class_key(record) for record in classes if "WPKY" in record)
    if not any(key.wrap & WRAP_PASSCODE for key in class_keys):
        raise KeybagError("no class key wrapped with the backup password")
    return Keybag(salt, iterations, class_keys, dp_salt, dp_iterations)


def _class_key(record: dict[str, bytes | int]) -> ClassKey:
    protection_class, wrap, wrapped = record.get("CLAS"), record.get("WRAP"), record.get("WPKY")
    if not (isinstance(protection_class, int) and isinstance(wrap, int) and isinstance(wrapped, bytes)):
        raise KeybagError("a class key without CLAS, WRAP or WPKY")
    return ClassKey(protection_class, wrap, wrapped)


def unwrap(class_keys: dict[int, bytes], wrapped: bytes) -> bytes:
    """The key in ``wrapped`` (``ManifestKey``, a file's ``EncryptionKey``): four bytes, little-endian, naming
    its protection class, then the key wrapped with that class's key.

    Raises:
        KeybagError: too short, a class the keybag has no key for, or a wrap that does not check (damaged).
    """
    if len(wrapped) < 4 + 24:
        raise KeybagError(f"a wrapped key of {len(wrapped)} bytes, too short")
    protection_class = int.from_bytes(wrapped[:4], "little")
    class_key = class_keys.get(protection_class)
    if class_key is None:
        raise KeybagError(f"protection class {protection_class}, which the keybag holds no key for")
    try:
        return aes_key_unwrap(class_key, wrapped[4:])
    except (InvalidUnwrap, ValueError):
        raise KeybagError(f"its key does not unwrap with class {protection_class}'s key (damaged)") from None
