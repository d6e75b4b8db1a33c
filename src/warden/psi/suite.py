"""The OPRF suite Warden uses (RFC 9497 VOPRF over ristretto255 with SHA-512) and the server's key.

The key is a 32-byte seed turned into the OPRF key pair by the RFC's ``DeriveKeyPair`` (through ``voprf``,
imported when first needed so Warden runs without the ``psi`` extra). Whoever holds the seed can compute
the tag of any hash and so test any hash against the list: it is kept in a 0600 key file beside the built
list, never in argv, the environment, a repr or a log.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import sys
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from warden.errors import DependencyMissingError, KeyFileError, PsiProofError, PsiServiceError, UsageError
from warden.private import KEY_BYTES, make_private_dir, read_key_file

if TYPE_CHECKING:
    from voprf import ristretto

SUITE_ID = "OPRFV1-\x01-ristretto255-SHA512"
"""RFC 9497's ``contextString`` for the VOPRF mode (0x01) of the ristretto255-SHA512 suite."""

SEED_BYTES = KEY_BYTES
KEY_INFO = b"warden psi list key/1"
"""The ``info`` of ``DeriveKeyPair``: public, fixed, so that the seed alone is the key."""

ELEMENT_BYTES = 32
"""A serialised ristretto255 element: a blinded input, an evaluated element, the public key."""
PROOF_BYTES = 64
"""A DLEQ proof: two scalars."""
TAG_BYTES = 64
"""An OPRF output (SHA-512 in the suite's ``Finalize``): what the list holds, one per hash."""
MAX_BATCH = 65_535
"""The most elements one proof may cover (the RFC's two-byte length prefix)."""

KEY_WHAT = "PSI server key"


def require_voprf() -> None:
    """Check that ``voprf`` can be imported (each use imports ``voprf.ristretto`` itself, typed).

    Raises:
        DependencyMissingError: it is not installed; the message names the ``psi`` extra.
    """
    try:
        import voprf  # noqa: F401
    except ImportError:
        raise DependencyMissingError("voprf", "psi", "private membership (warden psi)") from None


def batch_output_bytes(count: int) -> int:
    """The size of a serialised verifiable batch output for ``count`` blinded inputs."""
    return ELEMENT_BYTES * count + PROOF_BYTES


@dataclass(frozen=True)
class ServerKey:
    """The server's OPRF key: a secret 32-byte seed and the public ``info`` it is derived with.

    Attributes:
        seed: the secret; never shown (the repr leaves it out).
        info: the ``info`` of ``DeriveKeyPair``.
    """

    seed: bytes = field(repr=False)
    info: bytes = KEY_INFO

    def __post_init__(self) -> None:
        if len(self.seed) != SEED_BYTES:
            raise UsageError(f"a PSI server key's seed must be {SEED_BYTES} bytes, got {len(self.seed)}")

    def __reduce__(self) -> str | tuple[object, ...]:
        raise TypeError("a PSI server key is never pickled: hand its seed over a pipe")

    @classmethod
    def generate(cls) -> ServerKey:
        """A new random key."""
        return cls(secrets.token_bytes(SEED_BYTES))

    @classmethod
    def load(cls, path: Path, *, create: bool = False) -> ServerKey:
        """The key kept (as hex) in ``path``; made there (0600, in a 0700 folder) when absent and ``create``.

        Raises:
            KeyFileError: absent (and not to be created), readable by others, not a key, or not creatable.
        """
        try:
            seed, _ = read_key_file(path, KEY_WHAT, create=create)
        except FileNotFoundError:
            raise KeyFileError(f"the {KEY_WHAT} {path} does not exist") from None
        return cls(seed)

    def save(self, path: Path) -> None:
        """Write this key to a new file ``path`` (0600, in a 0700 folder), never over an existing one.

        Raises:
            KeyFileError: ``path`` exists or cannot be written.
        """
        try:
            make_private_dir(path.parent, tighten=False)
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        except FileExistsError:
            raise KeyFileError(f"the {KEY_WHAT} {path} exists already; it is never overwritten") from None
        except OSError as exc:
            raise KeyFileError(f"the {KEY_WHAT} {path} cannot be created: {exc.strerror or exc}") from exc
        with os.fdopen(descriptor, "w", encoding="ascii") as stream:
            stream.write(self.seed.hex() + "\n")
            stream.flush()
            os.fsync(stream.fileno())

    @cached_property
    def evaluator(self) -> ristretto.Evaluator:
        """The RFC's server for this key (``DeriveKeyPair(seed, info)``), made once."""
        require_voprf()
        from voprf import ristretto

        return ristretto.Evaluator.from_seed(self.seed, self.info)

    def public_key(self) -> bytes:
        """The serialised public key ``pkS`` (32 bytes) clients check proofs with."""
        return self.evaluator.public_key.serialize()

    def tag(self, oprf_input: bytes) -> bytes:
        """The OPRF output of a known input (the RFC's ``Evaluate``): the 64-byte tag the list holds."""
        return self.evaluator.evaluate_known_input(oprf_input)

    def evaluate_blinded(self, body: bytes) -> bytes:
        """Evaluate ``n`` concatenated 32-byte blinded elements as one batch with one proof.

        Returns:
            ``VerifiableBatchOutput.serialize()``: ``n`` evaluated elements and the proof, 32*n + 64 bytes.

        Raises:
            ValueError: the body is empty, not a whole number of elements, over :data:`MAX_BATCH`, or holds
                bytes that are not an element (the message says which; never the bytes).
        """
        count, extra = divmod(len(body), ELEMENT_BYTES)
        if extra or not 1 <= count <= MAX_BATCH:
            raise ValueError(
                f"the body must be 1 to {MAX_BATCH} blinded elements of {ELEMENT_BYTES} bytes, "
                f"got {len(body)} bytes"
            )
        require_voprf()
        from voprf import ristretto

        blinded = []
        for number in range(count):
            try:
                blinded.append(
                    ristretto.BlindedInput.deserialize(
                        body[number * ELEMENT_BYTES : (number + 1) * ELEMENT_BYTES]
                    )
                )
            except ValueError:
                raise ValueError(
                    f"blinded element {number + 1} of {count} is not a ristretto255 element"
                ) from None
        return self.evaluator.evaluate_batch(blinded).serialize()


_STDERR_LOCK = threading.Lock()


@contextlib.contextmanager
def _quiet_stderr() -> Iterator[None]:
    """Standard error (the file descriptor, where Rust's panic hook writes) sent to /dev/null meanwhile."""
    with _STDERR_LOCK:
        sys.stderr.flush()
        saved = os.dup(2)
        try:
            with open(os.devnull, "wb") as sink:
                os.dup2(sink.fileno(), 2)
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)


def finalize_batch(clients: Sequence[ristretto.Client], output: bytes, public_key: bytes) -> list[bytes]:
    """The tags of a batch the server evaluated, its proof checked with ``public_key`` first.

    ``voprf`` answers a proof that does not verify with a Rust panic (an exception Python's ``except
    Exception`` does not catch) after printing the panic on standard error; this keeps that text from the
    user (standard error is silenced for the call, about a millisecond per 10 items) and raises an error
    of Warden's instead.

    Args:
        clients: the ``Client`` of each blinded input, in the order they were sent.
        output: the server's ``VerifiableBatchOutput``, serialised (32 * len(clients) + 64 bytes).
        public_key: the list's published public key (32 bytes).

    Raises:
        PsiServiceError: the output is not a batch output for that many inputs.
        PsiProofError: the public key is not one, or the proof does not verify with it.
    """
    require_voprf()
    from voprf import ristretto

    if len(output) != batch_output_bytes(len(clients)):
        raise PsiServiceError(
            f"the server answered {len(output)} bytes for {len(clients)} inputs, "
            f"not the {batch_output_bytes(len(clients))} of a batch output"
        )
    try:
        key = ristretto.PublicKey.deserialize(public_key)
    except ValueError:
        raise PsiProofError("the list's published public key is not a ristretto255 element") from None
    try:
        batch = ristretto.VerifiableBatchOutput.deserialize(output)
    except ValueError as exc:
        raise PsiServiceError(f"the server's batch output cannot be read: {exc}") from None
    try:
        with _quiet_stderr():
            return ristretto.Client.finalize_batch(clients, batch, key)
    except ValueError as exc:
        raise PsiServiceError(f"the server's batch output does not fit the inputs sent: {exc}") from None
    except BaseException as exc:
        if type(exc).__name__ != "PanicException":  # KeyboardInterrupt and the like go on as they are
            raise
        raise PsiProofError(
            "the server's proof does not verify with the list's published public key: its answers were not "
            "computed with the list's key, so none is reported"
        ) from None
