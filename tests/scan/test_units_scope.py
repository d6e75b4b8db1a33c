"""How a disk image is split into work units: its partitions read from the table alone, and each unit's
walk taking only its own part, so that the parts together are the whole image, each item once."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.evidence import images
from warden.cli import main
from warden.evidence.base import Item, PartitionedContainer, Step
from warden.evidence.containers import limits_from_settings, register_built_in
from warden.evidence.sources import source_for
from warden.evidence.walk import read_head, recognise, walk
from warden.scan.units import Scope


def test_a_scope_holds_its_part_and_selects_the_way_to_it() -> None:
    one = Scope(only="disk.img//p1")
    rest = Scope(exclude=("disk.img//p1", "disk.img//p2"))
    assert one.holds("disk.img//p1//DCIM/a.jpg") and one.holds("disk.img//p1")
    assert not one.holds("disk.img//p10//a.jpg") and not one.holds("disk.img")
    assert one.selects(_item("disk.img")) and not one.selects(_item("disk.img//p2//a.jpg"))
    assert rest.holds("disk.img") and rest.holds("disk.img//unpartitioned@0x10.jpeg")
    assert not rest.holds("disk.img//p2//a.jpg") and rest.holds("disk.img//p20//a.jpg")
    assert Scope.from_json(rest.to_json()) == rest


def test_the_parts_of_an_image_walk_to_the_whole_image_each_item_once() -> None:
    register_built_in()
    path = Path(images.mbr_disk().path)
    item = next(iter(source_for(path).items(path)))
    container = recognise(read_head(item), item.size)
    assert isinstance(container, PartitionedContainer)
    parts = container.parts(item)
    assert [name for name, _ in parts] == ["p1", "p2"] and all(length > 0 for _, length in parts)
    limits = limits_from_settings()
    whole = [found.item.path for found in walk([item], limits)]
    prefixes = tuple(f"{item.path}//{name}" for name, _ in parts)
    scopes = [*(Scope(only=prefix) for prefix in prefixes), Scope(exclude=prefixes)]
    walked = [
        found.item.path
        for scope in scopes
        for found in walk([item], limits, select=scope.selects)
        if scope.holds(found.item.path)
    ]
    assert sorted(walked) == sorted(whole)
    assert len(set(walked)) == len(walked)


def _item(path: str) -> Item:
    return Item(tuple(Step("file", name) for name in path.split("//")))


def test_a_malformed_evidence_resources_setting_is_refused_before_the_case_is_touched(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "evidence").mkdir()
    hashset = tmp_path / "set.csv"
    hashset.write_text("md5,sha1,sha256,pdq,category,source_id\n" + "0" * 32 + ",,,,A,X\n")
    monkeypatch.setenv("WARDEN_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("WARDEN_KEY_FILE", str(tmp_path / "keys" / "key"))
    monkeypatch.setenv("WARDEN_RAY_EVIDENCE_RESOURCES", "/mnt/a")  # no "=RESOURCE"
    args = ["scan", str(tmp_path / "evidence"), "--hashset", str(hashset), "--case", str(tmp_path / "case")]
    assert main([*args, "--ray", "127.0.0.1:1", "--quiet"]) == 2  # no cluster is asked
    assert "'/mnt/a' is not PREFIX=RESOURCE" in capsys.readouterr().err
    assert not (tmp_path / "case").exists()
