"""UDF-only disc images (no ISO 9660 bridge), read through 7-Zip: every photo at its path on the disc with the
source photo's MD5, the same as the bridge disc read as ISO 9660; damage, a truncated image and a missing
7-Zip are "not examined" with the reason, never a crash."""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

import pytest
import pytsk3

from tests.evidence import udf_disc
from tests.evidence.images import MTIME, file_item, photo_bytes
from warden.clock import from_timestamp
from warden.evidence.base import HEAD_BYTES, Limits
from warden.evidence.containers import register_built_in
from warden.evidence.udf import program
from warden.evidence.walk import Found, recognise, walk

pytestmark = pytest.mark.skipif(program() is None, reason="7-Zip is not installed (apt-get install 7zip)")


@pytest.fixture(scope="module")
def disc() -> Path:
    register_built_in()
    return udf_disc.discs().path


def photos(path: Path, limits: Limits | None = None) -> dict[str, str]:
    """Each readable file inside the evidence file at ``path``: its path below the file, and its MD5."""
    found = {}
    for f in walk([file_item(path)], limits or Limits()):  # read each as the walk reaches it
        if f.depth >= 1 and f.item.readable and f.container is None:
            found[f.item.path.split("//", 1)[1]] = hashlib.md5(f.item.open().read()).hexdigest()
    return found


def not_examined(found: list[Found]) -> list[Found]:
    return [f for f in found if f.item.not_examined and f.item.steps[-1].kind == "error"]


def sources() -> dict[str, str]:
    return {path: hashlib.md5(photo_bytes(name)).hexdigest() for path, name in udf_disc.LIVE.items()}


def test_the_disc_has_no_iso_9660_left_for_the_sleuth_kit(disc: Path) -> None:
    data = disc.read_bytes()
    assert recognise(data[:HEAD_BYTES], len(data)).name == "udf"  # type: ignore[union-attr]
    bridge = udf_disc.bridge_of(udf_disc.discs()).read_bytes()
    assert recognise(bridge[:HEAD_BYTES], len(bridge)).name == "iso9660"  # type: ignore[union-attr]
    with pytest.raises(OSError, match="file system type"):
        pytsk3.FS_Info(pytsk3.Img_Info(str(disc)))


def test_each_photo_comes_out_at_its_path_with_the_source_md5(disc: Path) -> None:
    assert photos(disc) == sources()
    found = list(walk([file_item(disc)], Limits()))
    assert found[0].container == "udf"
    [item] = [f.item for f in found if f.item.path.endswith("volcano.jpg")]
    assert item.path == f"{disc.name}//Pictures/2021/summer/volcano.jpg"
    assert item.size == len(photo_bytes("volcano"))
    assert item.mtime == from_timestamp(MTIME)
    detail = item.steps[-1].detail
    assert (detail["file_system"], detail["volume"]) == ("udf", "WARDEN")
    assert not not_examined(found)


def test_the_same_photos_as_the_bridge_disc_read_as_iso_9660(disc: Path) -> None:
    assert photos(udf_disc.bridge_of(udf_disc.discs())) == photos(disc) == sources()


def test_a_disc_inside_an_archive_is_read_from_a_copy_in_the_spool(disc: Path, tmp_path: Path) -> None:
    archive = tmp_path / "discs.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as handle:
        handle.write(disc, "burnt/udf.img")
    assert photos(archive) == {f"burnt/udf.img//{path}": md5 for path, md5 in sources().items()}


def damaged(source: Path, target: Path, sector: int) -> Path:
    data = bytearray(source.read_bytes())
    data[sector * udf_disc.SECTOR : (sector + 1) * udf_disc.SECTOR] = bytes(udf_disc.SECTOR)
    target.write_bytes(bytes(data))
    return target


def test_a_damaged_anchor_is_not_examined_with_7_zips_reason(disc: Path, tmp_path: Path) -> None:
    found = list(walk([file_item(damaged(disc, tmp_path / "disc.img", 256))], Limits()))
    assert found[0].container == "udf"  # still recognised: never an opaque file
    [fact] = not_examined(found)
    assert fact.item.problem is not None
    assert fact.item.problem.startswith(
        "cannot be read as udf: UDF disc image (no ISO 9660 bridge) cannot be"
    )
    assert "Cannot open the file as [Udf] archive" in fact.item.problem
    assert fact.item.steps[-1].detail["container"] == "udf"
    assert len(found) == 2


def test_a_truncated_disc_gives_what_it_lists_and_says_it_ends_early(disc: Path, tmp_path: Path) -> None:
    cut = tmp_path / "cut.img"
    cut.write_bytes(disc.read_bytes()[: 300 * udf_disc.SECTOR])  # the file data lies past the cut
    found = list(walk([file_item(cut)], Limits()))
    [fact] = not_examined(found)
    assert "Unexpected end of archive" in str(fact.item.problem)
    files = [f.item for f in found if f.depth == 1 and f.item.steps[-1].kind == "member"]
    assert {item.path.split("//", 1)[1] for item in files} == set(udf_disc.LIVE)
    for item in files:  # listed, and each one's read error recorded: no bytes passed off as the file
        assert item.problem is not None and "7-Zip" in item.problem


def test_without_7_zip_the_disc_is_not_examined_naming_the_package(
    disc: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    found = list(walk([file_item(disc)], Limits()))
    assert found[0].container == "udf"
    [fact] = not_examined(found)
    assert "needs 7-Zip, which is not installed (apt-get install 7zip)" in str(fact.item.problem)


def test_the_member_limit_stops_the_listing_with_one_item_saying_so(disc: Path) -> None:
    found = list(walk([file_item(disc)], Limits(members=2)))
    inside = [f.item for f in found if f.depth == 1]
    assert len(inside) == 3
    assert [item.readable for item in inside] == [True, True, False]
    assert "max_members=2" in str(inside[-1].problem)


def test_a_file_over_the_member_size_limit_is_refused_unread(disc: Path) -> None:
    limit = len(photo_bytes("goldfish")) + 1  # the smallest photo; the others are larger
    walked = walk([file_item(disc)], Limits(member_bytes=limit))
    found = {f.item.path.split("//", 1)[1]: f.item for f in walked if f.depth == 1}
    assert found["DCIM/100CANON/IMG_0002.JPG"].readable
    assert "over the member size limit" in str(found["DCIM/100CANON/IMG_0001.JPG"].problem)
