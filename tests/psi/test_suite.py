"""The OPRF suite: RFC 9497's test vectors, a second implementation (libsodium's ristretto255, through rbcl)
that agrees with voprf, the blind/evaluate/finalize round trip, a proof from another key refused, and a server
key that stays secret."""

from __future__ import annotations

import hashlib
import json
import os
import stat
import sys
from pathlib import Path
from typing import Any

import pytest
import rbcl
from voprf import ristretto

from warden.errors import DependencyMissingError, KeyFileError, PsiProofError, PsiServiceError
from warden.psi.suite import SUITE_ID, ServerKey, batch_output_bytes, finalize_batch

VECTORS: dict[str, Any] = json.loads(
    (Path(__file__).resolve().parent.parent / "data" / "rfc9497_voprf_ristretto255.json").read_text()
)
CONTEXT = SUITE_ID.encode("ascii")
RFC_KEY = ServerKey(bytes.fromhex(VECTORS["seed"]), bytes.fromhex(VECTORS["key_info"]))


def rfc_cases() -> list[tuple[str, str]]:
    """(Input, Output) of every vector, batch vectors' items included."""
    return [
        (data, output)
        for vector in VECTORS["vectors"]
        for data, output in zip(vector["input"], vector["output"], strict=True)
    ]


# ------------------------------------------------------------------ the RFC's vectors, through voprf


def test_the_suite_is_the_one_the_vectors_are_for() -> None:
    assert CONTEXT.hex() == VECTORS["context_string_hex"]


def test_derive_key_pair_gives_the_rfc_public_key() -> None:
    assert RFC_KEY.public_key().hex() == VECTORS["pkSm"]


@pytest.mark.parametrize(("data", "output"), rfc_cases())
def test_evaluate_gives_the_rfc_output(data: str, output: str) -> None:
    assert RFC_KEY.tag(bytes.fromhex(data)).hex() == output


# ------------------------------------------- a second implementation: libsodium's ristretto255 via rbcl


def expand_message_xmd(message: bytes, dst: bytes, length: int) -> bytes:
    """RFC 9380 section 5.3.1 with SHA-512 (written here from the RFC, independent of voprf)."""
    dst_prime = dst + bytes([len(dst)])
    first = hashlib.sha512(bytes(128) + message + length.to_bytes(2, "big") + b"\x00" + dst_prime).digest()
    block = hashlib.sha512(first + b"\x01" + dst_prime).digest()
    out = block
    for number in range(2, -(-length // 64) + 1):
        mixed = bytes(a ^ b for a, b in zip(first, block, strict=True))
        block = hashlib.sha512(mixed + bytes([number]) + dst_prime).digest()
        out += block
    return out[:length]


def derive_scalar(seed: bytes, info: bytes) -> bytes:
    """RFC 9497 DeriveKeyPair's skS: HashToScalar(seed || I2OSP(len(info), 2) || info || I2OSP(counter, 1)),
    the first that is not zero."""
    derive_input = seed + len(info).to_bytes(2, "big") + info
    for counter in range(256):
        uniform = expand_message_xmd(derive_input + bytes([counter]), b"DeriveKeyPair" + CONTEXT, 64)
        scalar = rbcl.crypto_core_ristretto255_scalar_reduce(uniform)
        if any(scalar):
            return scalar
    raise AssertionError("no key from 256 counters")


def sodium_evaluate(scalar: bytes, data: bytes) -> bytes:
    """RFC 9497 Evaluate: Finalize's hash of the input and skS * HashToGroup(input)."""
    point = rbcl.crypto_core_ristretto255_from_hash(expand_message_xmd(data, b"HashToGroup-" + CONTEXT, 64))
    element = rbcl.crypto_scalarmult_ristretto255(scalar, point)
    framed = len(data).to_bytes(2, "big") + data + len(element).to_bytes(2, "big") + element + b"Finalize"
    return hashlib.sha512(framed).digest()


def test_the_rfc_key_derived_with_libsodium_is_the_rfc_key() -> None:
    scalar = derive_scalar(bytes.fromhex(VECTORS["seed"]), bytes.fromhex(VECTORS["key_info"]))
    assert scalar.hex() == VECTORS["skSm"]
    assert rbcl.crypto_scalarmult_ristretto255_base(scalar).hex() == VECTORS["pkSm"]


@pytest.mark.parametrize(("data", "output"), rfc_cases())
def test_libsodium_gives_the_rfc_output(data: str, output: str) -> None:
    assert sodium_evaluate(bytes.fromhex(VECTORS["skSm"]), bytes.fromhex(data)).hex() == output


def test_libsodium_and_voprf_agree_on_random_keys_and_inputs() -> None:
    for _ in range(20):
        key = ServerKey(os.urandom(32), os.urandom(int.from_bytes(os.urandom(1), "big") % 40))
        scalar = derive_scalar(key.seed, key.info)
        assert rbcl.crypto_scalarmult_ristretto255_base(scalar) == key.public_key()
        for _ in range(5):
            data = os.urandom(1 + int.from_bytes(os.urandom(1), "big"))
            assert sodium_evaluate(scalar, data) == key.tag(data)


# ------------------------------------------------------------ the online protocol, end to end


def blind_all(inputs: list[bytes]) -> tuple[list[ristretto.Client], bytes]:
    pairs = [ristretto.Client.blind(data) for data in inputs]
    return [client for client, _ in pairs], b"".join(blinded.serialize() for _, blinded in pairs)


def test_blind_evaluate_finalize_gives_the_known_input_tag() -> None:
    key = ServerKey.generate()
    inputs = [os.urandom(40) for _ in range(50)]
    clients, body = blind_all(inputs)
    output = key.evaluate_blinded(body)
    assert len(output) == batch_output_bytes(50)
    assert finalize_batch(clients, output, key.public_key()) == [key.tag(data) for data in inputs]


def test_a_proof_made_with_another_key_is_refused_without_noise(capfd: pytest.CaptureFixture[str]) -> None:
    listed, other = ServerKey.generate(), ServerKey.generate()
    clients, body = blind_all([b"one", b"two", b"three"])
    with pytest.raises(PsiProofError, match="does not verify"):
        finalize_batch(clients, other.evaluate_blinded(body), listed.public_key())
    assert "panicked" not in capfd.readouterr().err


def test_an_answer_of_the_wrong_size_is_a_service_error() -> None:
    key = ServerKey.generate()
    clients, body = blind_all([b"one", b"two"])
    output = key.evaluate_blinded(body)
    with pytest.raises(PsiServiceError, match="127 bytes for 2 inputs, not the 128"):
        finalize_batch(clients, output[:-1], key.public_key())
    with pytest.raises(PsiServiceError, match="cannot be read"):
        finalize_batch(clients, bytes(len(output)), key.public_key())


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"", "1 to 65535"),
        (bytes(33), "1 to 65535"),
        (bytes(32), "element 1 of 1"),
        (b"\xff" * 64, "element 1"),
    ],
)
def test_a_body_that_is_not_blinded_elements_is_refused_without_echoing_it(body: bytes, message: str) -> None:
    with pytest.raises(ValueError, match=message) as refused:
        ServerKey.generate().evaluate_blinded(body)
    assert "ff" not in str(refused.value)


# ------------------------------------------------------------------------------ the key


def test_the_seed_is_never_in_the_repr_and_never_pickled() -> None:
    key = ServerKey.generate()
    assert key.seed.hex() not in repr(key) and repr(key.seed) not in repr(key)
    with pytest.raises(TypeError, match="never pickled"):
        key.__reduce__()


def test_a_key_file_is_made_private_and_read_back(tmp_path: Path) -> None:
    path = tmp_path / "psi" / "server.key"
    made = ServerKey.load(path, create=True)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert ServerKey.load(path) == made
    saved = tmp_path / "saved.key"
    RFC_KEY.save(saved)
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600
    assert ServerKey.load(saved, create=False).seed == RFC_KEY.seed
    with pytest.raises(KeyFileError, match="never overwritten"):
        made.save(saved)


def test_a_key_file_others_may_read_or_that_is_missing_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "server.key"
    ServerKey.generate().save(path)
    path.chmod(0o644)
    with pytest.raises(KeyFileError, match="chmod 600"):
        ServerKey.load(path)
    with pytest.raises(KeyFileError, match="does not exist"):
        ServerKey.load(tmp_path / "absent.key")


def test_without_the_psi_extra_the_error_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "voprf", None)  # what an import finds when voprf is not installed
    with pytest.raises(DependencyMissingError, match=r"warden\[psi\]"):
        ServerKey.generate().public_key()
