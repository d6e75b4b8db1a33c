"""The server's side of RFC 9497's VOPRF (ristretto255-SHA512) written on libsodium through ``rbcl``: the
competitor ``bench_psi.py`` times beside ``voprf``.

``blind_evaluate_batch`` is the RFC's ``BlindEvaluate`` for a batch: each blinded element multiplied by the
key, and one DLEQ proof over them all (``GenerateProof`` with ``ComputeCompositesFast``, section 2.2). Its
output is the same bytes ``voprf``'s ``VerifiableBatchOutput.serialize`` gives (the proof's two scalars, then
the evaluated elements), so ``voprf``'s client verifies and finalises it: the benchmark checks that before it
times anything, so the two rates are of the same work.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import rbcl

CONTEXT = b"OPRFV1-\x01-ristretto255-SHA512"
"""RFC 9497's ``contextString`` for the VOPRF mode of the suite."""
ELEMENT = 32
GENERATOR = rbcl.crypto_scalarmult_ristretto255_base((1).to_bytes(32, "little"))


def _prefixed(data: bytes) -> bytes:
    return len(data).to_bytes(2, "big") + data


def expand_message_xmd(message: bytes, dst: bytes, length: int) -> bytes:
    """RFC 9380's ``expand_message_xmd`` with SHA-512 (block 128 bytes, output 64 bytes per round)."""
    dst_prime = dst + bytes([len(dst)])
    b0 = hashlib.sha512(bytes(128) + message + length.to_bytes(2, "big") + b"\x00" + dst_prime).digest()
    blocks = [hashlib.sha512(b0 + b"\x01" + dst_prime).digest()]
    while len(blocks) * 64 < length:
        mixed = bytes(x ^ y for x, y in zip(b0, blocks[-1], strict=True))
        blocks.append(hashlib.sha512(mixed + bytes([len(blocks) + 1]) + dst_prime).digest())
    return b"".join(blocks)[:length]


def hash_to_scalar(message: bytes, dst: bytes = b"HashToScalar-" + CONTEXT) -> bytes:
    """The suite's ``HashToScalar``: 64 uniform bytes reduced modulo the group order."""
    return bytes(rbcl.crypto_core_ristretto255_scalar_reduce(expand_message_xmd(message, dst, 64)))


def derive_key(seed: bytes, info: bytes) -> bytes:
    """The RFC's ``DeriveKeyPair``: the private scalar for ``seed`` and ``info``."""
    derive_input = seed + _prefixed(info)
    for counter in range(256):
        scalar = hash_to_scalar(derive_input + bytes([counter]), b"DeriveKeyPair" + CONTEXT)
        if any(scalar):
            return scalar
    raise ValueError("DeriveKeyPair found no key")  # never: each try is zero with probability 2**-252


def _mul(scalar: bytes, element: bytes) -> bytes:
    return bytes(rbcl.crypto_scalarmult_ristretto255(scalar, element))


def blind_evaluate_batch(key: bytes, blinded: Sequence[bytes]) -> bytes:
    """One proof that all were made with ``key``, then the evaluated elements of ``blinded``: 64 + 32 * n
    bytes, as ``voprf`` serialises a verifiable batch output.

    Raises:
        ValueError: an element is not a valid ristretto255 encoding.
    """
    if not all(rbcl.crypto_core_ristretto255_is_valid_point(element) for element in blinded):
        raise ValueError("a blinded element is not a ristretto255 point")
    evaluated = [_mul(key, element) for element in blinded]
    public = bytes(rbcl.crypto_scalarmult_ristretto255_base(key))
    seed = hashlib.sha512(_prefixed(public) + _prefixed(b"Seed-" + CONTEXT)).digest()
    composite = b""
    for index, (c, d) in enumerate(zip(blinded, evaluated, strict=True)):
        weight = hash_to_scalar(
            _prefixed(seed) + index.to_bytes(2, "big") + _prefixed(c) + _prefixed(d) + b"Composite"
        )
        term = _mul(weight, c)
        composite = term if not composite else bytes(rbcl.crypto_core_ristretto255_add(composite, term))
    z = _mul(key, composite)
    r = bytes(rbcl.crypto_core_ristretto255_scalar_random())
    t2 = _mul(r, GENERATOR)
    t3 = _mul(r, composite)
    challenge = hash_to_scalar(b"".join(_prefixed(x) for x in (public, composite, z, t2, t3)) + b"Challenge")
    response = rbcl.crypto_core_ristretto255_scalar_sub(
        r, rbcl.crypto_core_ristretto255_scalar_mul(challenge, key)
    )
    return challenge + bytes(response) + b"".join(evaluated)
