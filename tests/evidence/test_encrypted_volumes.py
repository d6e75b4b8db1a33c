"""Issue 14 point 2: an encrypted volume opened with a secret from a key file gives the same files, with the
same MD5s, as the plain volume it holds; without a working secret it is "not examined: encrypted", never
silent; a hostile header is refused before any key stretching runs."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from tests.evidence import images
from tests.evidence.encrypted import PASSWORD, LuksVolume, luks_volume
from tests.evidence.images import file_item, read_all
from warden.evidence.base import ContainerError, Limits
from warden.evidence.containers import register_built_in
from warden.evidence.disk import disk_items
from warden.evidence.keys import Keys, Secret
from warden.evidence.luks import MAX_ITERATIONS, LuksContainer, header_facts
from warden.evidence.walk import Found, walk

pytest.importorskip("pyluksde", reason="pip install 'warden[vdisk]'")


@pytest.fixture(scope="module")
def luks(tmp_path_factory: pytest.TempPathFactory) -> LuksVolume:
    register_built_in()
    return luks_volume(tmp_path_factory.mktemp("luks"))


def keys(*passwords: str) -> Keys:
    return Keys(tuple(Secret("password", p, f"keys.txt line {n}") for n, p in enumerate(passwords, 1)))


def md5s(found: dict[str, images.Read]) -> dict[str, str | None]:
    return {path: read.data and hashlib.md5(read.data).hexdigest() for path, read in found.items()}


def plain_md5s(plain: images.DiskImage) -> dict[str, str | None]:
    with plain.path.open("rb") as stream:
        return md5s(read_all(disk_items(lambda o, n: _read(stream, o, n), plain.path.stat().st_size,
                                        file_item(plain.path), Limits())))  # fmt: skip


def _read(stream: object, offset: int, length: int) -> bytes:
    stream.seek(offset)  # type: ignore[attr-defined]
    data: bytes = stream.read(length)  # type: ignore[attr-defined]
    return data


def walked(path: Path, given: Keys) -> list[Found]:
    return list(walk([file_item(path)], Limits(keys=given)))


def test_with_its_password_the_volume_gives_the_plain_volumes_files_and_md5s(luks: LuksVolume) -> None:
    container = LuksContainer()
    with luks.path.open("rb") as stream:
        found = read_all(container.expand(stream, file_item(luks.path), Limits(keys=keys("wrong", PASSWORD))))
    assert md5s(found) == plain_md5s(luks.plain)
    tench = found["DCIM/100CANON/IMG_0001.JPG"]
    assert hashlib.md5(tench.data or b"").hexdigest() == hashlib.md5(images.photo_bytes("tench")).hexdigest()
    # Which key-file line opened it is in every item's provenance; the secret is nowhere.
    assert tench.item.steps[0].detail == {"unlocked_with": "keys.txt line 2"}
    assert PASSWORD not in repr(tench.item)


@pytest.mark.parametrize(
    ("given", "reason"),
    [
        (Keys(), "encrypted (LUKS volume): no key given"),
        (keys("not it"), "encrypted (LUKS volume): the one key given does not open it"),
        (keys("not it", "nor this"), "encrypted (LUKS volume): none of the 2 keys given opens it"),
        (
            Keys((Secret("recovery-key", "1234-5678-90AB-CDEF-1234-5678", "k line 1"),)),
            "no key given (warden scan --key-file) (1 given, none a password)",
        ),
    ],
)
def test_without_a_working_password_the_volume_is_not_examined(
    given: Keys, reason: str, luks: LuksVolume
) -> None:
    found = walked(luks.path, given)
    assert [f.container for f in found] == ["luks", None]
    fact = found[1].item
    assert fact.not_examined and fact.path == "secret.img//(unreadable)"
    assert reason in str(fact.problem)


def test_a_luks_partition_of_a_disk_image_is_opened_with_its_key_and_named_without(
    luks: LuksVolume, tmp_path: Path
) -> None:
    # A disk image whose first partition is the LUKS volume: The Sleuth Kit finds no file system there, and
    # the volume's own reader (warden.evidence.volumes) opens it with the scan's keys.
    disk = tmp_path / "disk.img"
    volume = luks.path.read_bytes()
    sectors = -(-len(volume) // 512)
    with disk.open("wb") as handle:
        handle.truncate((2048 + sectors + 2048) * 512)
        handle.seek(2048 * 512)
        handle.write(volume)
    images.run("sfdisk", "-q", disk, stdin=f"label: dos\nstart=2048, size={sectors}, type=83\n")
    found = walked(disk, keys(PASSWORD))
    inside = {
        item.path.split("//p1//", 1)[1]: item for item in (f.item for f in found) if "//p1//" in item.path
    }
    assert set(plain_md5s(luks.plain)) <= set(inside)
    assert inside["DCIM/new.jpg"].steps[1].detail["unlocked_with"] == "keys.txt line 1"
    [locked] = [f.item for f in walked(disk, Keys()) if f.item.path.startswith("disk.img//p1")]
    assert locked.not_examined and "encrypted (LUKS volume): no key given" in str(locked.problem)


def test_a_header_asking_endless_key_stretching_is_refused_before_any_runs(
    luks: LuksVolume, tmp_path: Path
) -> None:
    header = bytearray(luks.path.read_bytes()[:1024])
    cipher, iterations = header_facts(bytes(header))
    assert cipher == "aes-xts-plain64" and 0 < iterations <= MAX_ITERATIONS
    header[208 + 4 : 208 + 8] = (0xFFFFFFF0).to_bytes(4, "big")  # key slot 0: four billion iterations
    hostile = tmp_path / "hostile.img"
    shutil.copy(luks.path, hostile)
    with hostile.open("r+b") as handle:
        handle.write(header)
    [_, fact] = walked(hostile, keys(PASSWORD))
    assert "PBKDF2 iterations per passphrase (a damaged or hostile header" in str(fact.item.problem)
    header[208 + 4 : 208 + 8] = (1000).to_bytes(4, "big")
    header[208 + 44 : 208 + 48] = (0xFFFFFFF0).to_bytes(4, "big")  # key slot 0: four billion stripes
    with hostile.open("r+b") as handle:
        handle.write(header)
    with pytest.raises(ContainerError, match="stripes"):
        header_facts(bytes(header))


def test_a_truncated_volume_is_not_examined_never_a_crash(luks: LuksVolume, tmp_path: Path) -> None:
    cut = tmp_path / "cut.img"
    cut.write_bytes(luks.path.read_bytes()[:8192])
    found = walked(cut, keys(PASSWORD))
    assert found[0].container == "luks"
    problems = [f.item.problem for f in found if f.item.problem]
    assert problems and all(isinstance(problem, str) for problem in problems)
