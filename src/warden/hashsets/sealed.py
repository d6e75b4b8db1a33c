"""Hash sets at rest: the key file outside the store and the case, and AES-256-GCM sealing of files.

A leaked list of abuse-image hashes helps offenders evade it, so the store never holds one in clear text:
entry files are sealed with AES-256-GCM under a key derived from the key file, and indexes hold only keyed
forms of the hashes (see ``warden.index.keyed``).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from warden.errors import HashSetKeyError
from warden.private import read_key_file

MAGIC = b"WARDEN-SEALED-1\n"
NONCE_BYTES = 12


def load_key(path: Path, *, create: bool) -> tuple[bytes, bool]:
    """Read the store key from ``path``; create it (mode 0600, in a 0700 folder) when absent and ``create``.

    Returns:
        The key, and whether it was just created.

    Raises:
        HashSetKeyError: absent and not to be created.
        KeyFileError: other users can read it, it is not a key, or it cannot be created.
    """
    try:
        return read_key_file(path, "hash-set key", create=create)
    except FileNotFoundError:
        raise HashSetKeyError(
            f"the hash-set key {path} does not exist; set WARDEN_KEY_FILE to the key this store was "
            "sealed with"
        ) from None


def derive(key: bytes, purpose: str) -> bytes:
    """A 32-byte sub-key for one purpose (sealing, index keying), so no key is used for two things."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose.encode("utf-8")).derive(key)


def fingerprint(key: bytes) -> str:
    """A short public tag of the key, kept beside sealed files to tell "wrong key" from "damaged"."""
    return hmac.new(key, b"warden key fingerprint", hashlib.sha256).hexdigest()[:16]


def seal(key: bytes, plaintext: bytes, context: str) -> bytes:
    """Encrypt and authenticate ``plaintext``; ``context`` (e.g. the set name) is bound to the ciphertext."""
    nonce = secrets.token_bytes(NONCE_BYTES)
    sealed = AESGCM(derive(key, "seal")).encrypt(nonce, plaintext, context.encode("utf-8"))
    return MAGIC + nonce + sealed


def unseal(key: bytes, data: bytes, context: str) -> bytes:
    """Decrypt what ``seal`` made.

    Raises:
        HashSetKeyError: the data was sealed with another key or context, or has been altered.
    """
    if not data.startswith(MAGIC):
        raise HashSetKeyError(f"{context}: not a sealed Warden file")
    body = data[len(MAGIC) :]
    nonce, sealed = body[:NONCE_BYTES], body[NONCE_BYTES:]
    try:
        return AESGCM(derive(key, "seal")).decrypt(nonce, sealed, context.encode("utf-8"))
    except InvalidTag:
        raise HashSetKeyError(
            f"{context}: cannot be opened with this key (another key, or the file was altered)"
        ) from None
