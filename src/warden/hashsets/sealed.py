"""Hash sets at rest: the key file outside the store and the case, and AES-256-GCM sealing of files.

A leaked list of abuse-image hashes helps offenders evade it, so the store never holds one in clear text:
entry files are sealed with AES-256-GCM under a key derived from the key file, and indexes hold only keyed
forms of the hashes (see ``warden.index.keyed``).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from warden.errors import HashSetKeyError

MAGIC = b"WARDEN-SEALED-1\n"
NONCE_BYTES = 12
KEY_BYTES = 32


def load_key(path: Path, *, create: bool) -> tuple[bytes, bool]:
    """Read the store key from ``path``; create it (mode 0600) when absent and ``create``.

    Returns:
        The key, and whether it was just created.

    Raises:
        HashSetKeyError: absent and not to be created, or not a key.
    """
    if not path.exists():
        if not create:
            raise HashSetKeyError(
                f"the hash-set key {path} does not exist; set WARDEN_KEY_FILE to the key this store was "
                "sealed with"
            )
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        key = secrets.token_bytes(KEY_BYTES)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="ascii") as stream:
            stream.write(key.hex() + "\n")
        return key, True
    try:
        text = path.read_text(encoding="ascii").strip()
        key = bytes.fromhex(text)
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise HashSetKeyError(f"the hash-set key {path} cannot be read as a key: {exc}") from exc
    if len(key) != KEY_BYTES:
        raise HashSetKeyError(f"the hash-set key {path} must hold {KEY_BYTES} bytes as hex")
    return key, False


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
