"""What the OPRF is evaluated on: one exact hash, in the normal form of its hash type, tagged with its kind.

Only exact hashes can be looked up privately: the OPRF's output for two inputs that differ by one bit is
unrelated, so a PDQ hash is listed and looked up only as the 256 bits it is (an exact PDQ match), never by
distance. The kind's name is part of the input, so the same bytes under two kinds (a SHA-256 and a PDQ
hash are both 32 bytes) give two unrelated tags.
"""

from __future__ import annotations

from warden.errors import UsageError
from warden.hashing.hash_types import HASH_TYPES
from warden.model.hashes import HashKind

EXACT_KINDS: tuple[HashKind, ...] = (HashKind.MD5, HashKind.SHA1, HashKind.SHA256, HashKind.PDQ)
"""The kinds a private-membership list holds and answers for (PDQ as the exact 256 bits)."""

INPUT_PREFIX = b"warden-psi/1\x00"
"""Starts every OPRF input: what the bytes are and the version of their layout."""

_EXACT_NAMES = frozenset(kind.value for kind in EXACT_KINDS)


def is_exact(kind: str) -> bool:
    """Whether a private-membership list holds hashes of ``kind`` (a :class:`HashKind` or a type's name)."""
    return str(kind) in _EXACT_NAMES


def oprf_input(kind: str, value_hex: str) -> bytes:
    """The OPRF input for one hash: :data:`INPUT_PREFIX`, the kind's name, a zero byte, the hash's raw bytes.

    Args:
        kind: one of :data:`EXACT_KINDS` (or its name).
        value_hex: the hash as hex, in any form its hash type accepts (case, spaces, ``0x``).

    Raises:
        UsageError: the kind is not one a list holds, or the value is not a hash of that kind (the message
            shows only a short prefix of it).
    """
    name = str(kind)
    if name not in _EXACT_NAMES:
        allowed = ", ".join(k.value for k in EXACT_KINDS)
        raise UsageError(f"private membership looks up exact hashes only ({allowed}), not {name}")
    try:
        normal = HASH_TYPES.get(name).validate(value_hex)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    return INPUT_PREFIX + name.encode("ascii") + b"\x00" + bytes.fromhex(normal)
