"""What every encrypted volume shares: unlocked with a secret from ``--key-file``, then walked like a disk.

An encrypted volume (BitLocker, LUKS, FileVault 2 on Core Storage) is recognised by its header's bytes. With
a secret that opens it (:attr:`Limits.keys <warden.evidence.base.Limits>`, of the kinds its format takes),
its decrypted media is walked by :func:`warden.evidence.disk.disk_items` (file systems, deleted files,
carving), and every item inside carries, in its volume's step, which key-file line opened it
(``unlocked_with``: the secret's ``source``, never the secret). Without one, the volume is a "not examined"
fact: ``encrypted (LUKS volume): no key given``, or ``... none of the 2 keys given opens it``: never silent,
never hashed as one opaque file and forgotten.

The readers are libyal's (``pybde``, ``pyluksde``, ``pyfvde``, in ``warden[vdisk]``), imported when a volume
is opened: a format whose reader is missing is still recognised and recorded "not examined" naming the extra.
Each attempt gets a fresh handle: a reader refused one secret may refuse the right one after it.

The same formats can be opened where they are a partition of a disk image: each module has a volume reader
(``luks_items``...) of the shape :mod:`warden.evidence.volumes` calls for a partition in which The Sleuth Kit
finds no file system.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, replace
from typing import Any, BinaryIO

from warden.evidence.base import ContainerError, Item, Limits, Step
from warden.evidence.disk import disk_items
from warden.evidence.keys import Keys, Secret
from warden.evidence.virtual_disk import MAX_MEDIA_BYTES, binding, own_stream, reason

NO_KEY = "no key given (warden scan --key-file)"
_SECTOR = 512


@dataclass(frozen=True, slots=True)
class Volume:
    """One volume of an encrypted container, open and maybe unlocked.

    Attributes:
        step: its own provenance step below the container (a Core Storage logical volume), or None when the
            container is the volume (BitLocker, LUKS).
        handle: the reader's volume object: ``is_locked``, ``get_size``, ``read_buffer_at_offset``.
        secret: the secret that unlocked it; None when it was not locked or is still locked.
    """

    step: Step | None
    handle: Any
    secret: Secret | None = None


class VolumeMedia:
    """An unlocked volume's decrypted bytes as :class:`~warden.evidence.virtual_disk.Media`."""

    def __init__(self, handle: Any, label: str) -> None:
        self.handle = handle
        self.label = label
        self.size = int(handle.get_size())

    def read(self, offset: int, length: int) -> bytes:
        """Decrypted bytes at ``offset`` (fewer at the end).

        Raises:
            OSError: the reader cannot give them (a damaged or truncated volume).
        """
        # Whole sectors only: libluksde gives wrong bytes for a read that starts inside a sector.
        start = offset - offset % _SECTOR
        end = min(self.size, -(-(offset + length) // _SECTOR) * _SECTOR)
        if end <= offset:
            return b""
        try:
            data: bytes = self.handle.read_buffer_at_offset(end - start, start)
        except (OSError, ValueError, MemoryError) as error:
            raise OSError(f"{self.label} cannot be read at byte {offset}: {reason(error)}") from None
        return data[offset - start : offset - start + length]


class EncryptedVolumeContainer:
    """An encrypted volume unlocked with a given secret. Subclasses set ``name``, ``label``, ``module``,
    ``package`` and ``kinds``, and implement ``sniff`` and ``open_volumes`` (and ``unlock`` where the reader
    does not take secrets the libyal way)."""

    name = "encrypted-volume"
    label = "encrypted volume"
    module = ""
    """The reader's Python module (``pyluksde``)."""
    package = ""
    """The PyPI package that installs it (``libluksde-python``)."""
    kinds: tuple[str, ...] = ("password", "recovery-key")
    """The kinds of secret (:data:`warden.evidence.keys.KINDS`) the format takes."""

    def __init__(self, *, carve_unallocated: bool = True) -> None:
        self.carve_unallocated = carve_unallocated

    def sniff(self, head: bytes, size: int | None) -> bool:
        """Whether ``head`` starts this format (by its signature only)."""
        raise NotImplementedError

    def check(self, source: BinaryIO) -> None:
        """Refuse, before the reader sees it, a header the reader would spend unbounded time or memory on.

        Raises:
            ContainerError: the header declares a variant Warden does not open or a cost past its bounds.
        """

    def open_volumes(self, stack: ExitStack, reader: Any, source: BinaryIO) -> list[Volume]:
        """Open the container with ``reader`` (the imported module), closing what it opens with ``stack``.

        Raises:
            ContainerError: the header is damaged or of a variant the reader does not take.
        """
        raise NotImplementedError

    def unlock(self, handle: Any, secret: Secret) -> bool:
        """Try one secret on a locked volume; True when it opens it. The libyal readers take a password
        (``set_password``) and, where :attr:`kinds` allows one, a recovery key (``set_recovery_password``)."""
        if secret.kind == "recovery-key":
            handle.set_recovery_password(secret.value)
        else:
            handle.set_password(secret.value)
        return bool(handle.unlock())

    @classmethod
    def volume_reader(
        cls, stream: BinaryIO, size: int, container: Item, limits: Limits, carve: bool
    ) -> Iterator[Item]:
        """The format as a volume reader (:class:`warden.evidence.volumes.VolumeReader`): the volume as a
        partition of a disk image, or a logical volume.

        Raises:
            ContainerError: as :meth:`expand`.
        """
        yield from cls(carve_unallocated=carve).expand(stream, container, limits)

    def expand(self, stream: BinaryIO, container: Item, limits: Limits) -> Iterator[Item]:
        """Every file of the unlocked volume(s), then carved files.

        Raises:
            ContainerError: the reader is missing, the header is damaged, or no secret given opens it.
        """
        with ExitStack() as stack:
            yield from self._walk(stack, own_stream(stack, stream, container), container, limits)

    def _walk(self, stack: ExitStack, source: BinaryIO, container: Item, limits: Limits) -> Iterator[Item]:
        reader = binding(self.module, self.package, self.label)
        self.check(source)
        volumes = self._unlocked(stack, reader, source, limits.keys)
        single = len(volumes) == 1 and volumes[0].step is None
        for volume in volumes:
            if volume.handle.is_locked():
                problem = self._locked(limits.keys)
                if single:
                    raise ContainerError(problem)
                assert volume.step is not None
                step = volume.step
                yield Item(
                    (*container.steps, step), state=container.state, problem=problem, not_examined=True
                )
                continue
            media = VolumeMedia(volume.handle, self.label)
            if not 0 < media.size <= MAX_MEDIA_BYTES:
                raise ContainerError(
                    f"{self.label} declares {media.size} bytes (a damaged or hostile header)"
                )
            # Encryption adds bytes, never removes them: a volume larger than what holds it is damaged or cut.
            holding = source.seek(0, os.SEEK_END)
            if media.size > holding:
                raise ContainerError(
                    f"{self.label} declares {media.size} bytes, more than the {holding} holding it "
                    "(a damaged header or a cut-off image)"
                )
            inner = _unlocked_item(container, volume)
            yield from disk_items(
                media.read, media.size, inner, limits, carve_unallocated=self.carve_unallocated
            )

    def _unlocked(self, stack: ExitStack, reader: Any, source: BinaryIO, keys: Keys) -> list[Volume]:
        """The volumes, each unlocked with the first secret that opens it (a fresh handle per attempt)."""
        volumes = self.open_volumes(stack, reader, source)
        secrets = keys.of_kind(*self.kinds)
        done = []
        for index, volume in enumerate(volumes):
            if not volume.handle.is_locked() or not secrets:
                done.append(volume)
                continue
            for attempt, secret in enumerate(secrets):
                handle = (
                    volume.handle if attempt == 0 else self.open_volumes(stack, reader, source)[index].handle
                )
                if self._try(handle, secret):
                    done.append(replace(volume, handle=handle, secret=secret))
                    break
            else:
                done.append(volume)
        return done

    def _try(self, handle: Any, secret: Secret) -> bool:
        try:
            return self.unlock(handle, secret)
        except (OSError, ValueError, TypeError):
            return False  # a secret the reader cannot take (a NUL in a password) opens nothing

    def _locked(self, keys: Keys) -> str:
        """Why a volume is still locked, naming how many secrets were tried, never what they are."""
        tried = len(keys.of_kind(*self.kinds))
        if not tried:
            others = len(keys.secrets)
            taken = " or ".join(self.kinds)
            also = f" ({others} given, none a {taken})" if others else ""
            return f"encrypted ({self.label}): {NO_KEY}{also}"
        if tried == 1:
            return f"encrypted ({self.label}): the one key given does not open it"
        return f"encrypted ({self.label}): none of the {tried} keys given opens it"


def _unlocked_item(container: Item, volume: Volume) -> Item:
    """The item the volume's contents are walked under: its own step (or the container's last one) with
    the facts of how it was opened (which key-file line; never the secret)."""
    facts: dict[str, str | int | float | bool | None] = {}
    if volume.secret is not None:
        facts["unlocked_with"] = volume.secret.source
    else:
        facts["encrypted"] = False  # a Core Storage volume, or BitLocker with a clear key: nothing to unlock
    steps = container.steps if volume.step is None else (*container.steps, volume.step)
    last = steps[-1]
    steps = (*steps[:-1], Step(last.kind, last.name, {**last.detail, **facts}))
    return Item(steps, state=container.state, size=container.size)


def open_handle(stack: ExitStack, handle: Any, source: BinaryIO, label: str) -> Any:
    """Open a libyal volume ``handle`` on ``source``, closed with ``stack``.

    Raises:
        ContainerError: the reader refuses the header.
    """
    try:
        source.seek(0)
        handle.open_file_object(source)
    except (OSError, ValueError, MemoryError) as error:
        raise ContainerError(f"{label} header is damaged: {reason(error)}") from None
    stack.callback(handle.close)
    return handle
