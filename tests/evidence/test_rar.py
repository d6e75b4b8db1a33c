"""RAR archives as evidence containers, on RAR 4 archives written by hand (no free tool writes RAR).

The hand-made archive is checked against an independent reader (``lsar``/``unar`` from Debian's ``unar``)
so that the tests do not only agree with themselves.
"""

from __future__ import annotations

import io
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("rarfile", reason="RAR needs rarfile: pip install 'warden[forensics]'")

import rarfile

from tests.evidence.archives import (
    RarEntry,
    drain,
    expand,
    photos,
    rar4,
    read_all,
    root,
    sha256,
    zip_of,
)
from warden.evidence.base import HEAD_BYTES, ContainerError, Item, Limits, Step
from warden.evidence.members import ENCRYPTED
from warden.evidence.rar import NO_TOOL, RarContainer
from warden.evidence.zip import ZipContainer
from warden.model.states import State

RAR = RarContainer()
needs_unar = pytest.mark.skipif(shutil.which("unar") is None, reason="Debian's unar is not installed")


def test_members_come_out_with_paths_sizes_and_the_exact_bytes() -> None:
    files = {f"photos/{name}": data for name, data in photos(3).items()}
    archive = rar4([RarEntry(name, data) for name, data in files.items()])
    deleted = Item(steps=(Step("file", "a.rar"),), state=State.DELETED)

    digests, items = read_all(RAR.expand(io.BytesIO(archive), deleted, Limits()))

    assert digests == {path: sha256(data) for path, data in files.items()}
    assert [item.path for item in items] == [f"a.rar//{path}" for path in files]
    assert [item.size for item in items] == [len(data) for data in files.values()]
    assert all(item.state is State.DELETED for item in items)
    detail = items[0].steps[-1].detail
    assert detail["archive"] == "rar"
    assert detail["format"] == "rar4"
    assert detail["method"] == "stored"
    assert items[0].mtime == "2021-06-05T14:30:10.000000Z"
    assert detail["mtime_zone"] == "unknown"


@needs_unar
def test_the_hand_made_archive_is_a_valid_rar_to_lsar_and_unar(tmp_path: Path) -> None:
    files = photos(2)
    path = tmp_path / "check.rar"
    path.write_bytes(rar4([RarEntry(name, data) for name, data in files.items()]))
    listing = json.loads(subprocess.run(["lsar", "-j", str(path)], check=True, capture_output=True).stdout)
    assert [entry["XADFileName"] for entry in listing["lsarContents"]] == list(files)
    for name, data in files.items():
        extracted = subprocess.run(
            ["unar", "-q", "-o", "-", str(path), name], check=True, capture_output=True
        )
        assert extracted.stdout == data


@needs_unar
def test_members_that_need_the_tool_are_read_through_unar(monkeypatch: pytest.MonkeyPatch) -> None:
    # rarfile reads stored members itself and hands compressed ones to the tool. No free tool writes
    # compressed RAR, so the stored method is made to look compressed: the member then goes through unar.
    commands: list[list[str]] = []
    popen = rarfile.custom_popen

    def spy(cmd: list[str]) -> Any:
        commands.append(cmd)
        return popen(cmd)

    monkeypatch.setattr(rarfile, "custom_popen", spy)
    monkeypatch.setattr(rarfile, "RAR_M0", -1)
    monkeypatch.setattr(rarfile, "CURRENT_SETUP", None)
    monkeypatch.setattr(rarfile, "UNRAR_TOOL", "/nonexistent/unrar")
    files = photos(2)
    archive = rar4([RarEntry(name, data) for name, data in files.items()])
    digests, _ = read_all(RAR.expand(io.BytesIO(archive), root(), Limits()))
    assert digests == {name: sha256(data) for name, data in files.items()}
    extractions = [command for command in commands if "-o" in command]
    assert len(extractions) == 2
    assert all(Path(command[0]).name == "unar" for command in extractions)


def test_without_a_tool_compressed_members_are_listed_and_say_what_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for tool in ("UNRAR_TOOL", "UNAR_TOOL", "SEVENZIP_TOOL", "SEVENZIP2_TOOL", "BSDTAR_TOOL"):
        monkeypatch.setattr(rarfile, tool, f"/nonexistent/{tool.lower()}")
    monkeypatch.setattr(rarfile, "CURRENT_SETUP", None)
    archive = rar4([RarEntry("packed.jpg", b"\x00" * 20, method=0x33), RarEntry("stored.txt", b"stored")])
    digests, items = read_all(RAR.expand(io.BytesIO(archive), root(), Limits()))
    assert items[0].problem == NO_TOOL == "rar archives need the unar tool: apt-get install unar"
    assert items[0].steps[-1].detail["method"] == "normal"
    assert digests == {"stored.txt": sha256(b"stored")}  # stored members need no tool


def test_recognised_by_bytes_only() -> None:
    archive = rar4([RarEntry("a.txt", b"a")])
    assert RAR.sniff(archive[:HEAD_BYTES], len(archive))
    assert RAR.sniff(b"Rar!\x1a\x07\x01\x00" + bytes(20), None)  # RAR 5
    assert not RAR.sniff(b"Rar!\x1a\x07\x02\x00", None)
    assert not RAR.sniff(zip_of({"a": b"a"}), None)


def test_a_zip_member_of_a_rar_sniffs_as_zip() -> None:
    archive = rar4([RarEntry("inner.zip", zip_of(photos(1)))])
    members = RAR.expand(io.BytesIO(archive), root(), Limits())
    member = next(members)
    with member.open() as stream:
        assert ZipContainer().sniff(stream.read(HEAD_BYTES), member.size)
    members.close()


def test_encrypted_members_are_recorded_as_unreadable() -> None:
    archive = rar4([RarEntry("secret.jpg", b"\x17" * 32, flags=0x04), RarEntry("open.txt", b"open")])
    digests, items = read_all(RAR.expand(io.BytesIO(archive), root(), Limits()))
    assert items[0].problem == ENCRYPTED
    assert items[0].size == 32
    assert digests == {"open.txt": sha256(b"open")}


def test_traversal_names_are_sanitised_flagged_and_still_read() -> None:
    archive = rar4([RarEntry("../../boot/photo.jpg", b"evil")])
    digests, items = read_all(RAR.expand(io.BytesIO(archive), root(), Limits()))
    assert digests == {"__/__/boot/photo.jpg": sha256(b"evil")}
    assert items[0].steps[-1].detail["unsafe_name"] is True


def test_members_over_the_limits_are_recorded_and_counted() -> None:
    archive = rar4([RarEntry(f"e{index}", bytes(100 * index)) for index in range(10)])
    items = expand(RAR, archive, Limits(members=5, member_bytes=300))
    assert [item.readable for item in items[:5]] == [True, True, True, True, False]
    assert (items[5].problem or "").startswith(
        "5 more entries not listed: over the limit of 5 members per container"
    )


def test_a_middle_volume_of_a_split_archive_is_listed() -> None:
    # rarfile does not list the tail of a member begun in an earlier volume (nothing of it can be read).
    archive = rar4(
        [
            RarEntry("end.jpg", b"rest of it", flags=0x01),
            RarEntry("whole.jpg", b"whole"),
            RarEntry("start.jpg", b"begin", flags=0x02),
        ]
    )
    digests, items = read_all(RAR.expand(io.BytesIO(archive), root(), Limits()))
    assert [item.steps[-1].name for item in items] == ["whole.jpg", "start.jpg"]
    assert digests == {"whole.jpg": sha256(b"whole")}
    assert items[1].problem == "continues in a later volume of a split archive, which was not given; not read"


def test_a_truncated_rar_gives_the_members_before_the_cut_then_an_error() -> None:
    files = photos(2)
    archive = rar4([RarEntry(name, data) for name, data in files.items()])
    first, second = files
    drained = drain(RAR.expand(io.BytesIO(archive[: len(archive) - 100]), root(), Limits()))
    assert drained.digests == {first: sha256(files[first])}
    assert drained.items[1].problem == "truncated: the archive ends inside it; not read"
    assert str(drained.error) == f"rar archive truncated: it ends inside member {second!r}"


def test_not_a_rar_is_an_error() -> None:
    with pytest.raises(ContainerError):
        expand(RAR, b"Rar!\x1a\x07\x00" + bytes(5))
