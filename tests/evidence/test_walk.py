"""The walk: containers recognised by bytes, opened to the depth allowed, failures recorded beside them."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import BinaryIO

from warden.evidence.base import ContainerError, Item, JsonScalar, Limits, Step
from warden.evidence.walk import Found, walk


class Boxes:
    """A toy container: ``BOX`` then lines ``name=content``; a line ``!`` makes it fail part-way."""

    name = "box"

    def sniff(self, head: bytes, size: int | None) -> bool:
        return head.startswith(b"BOX\n")

    def expand(self, stream: BinaryIO, container: Item, limits: Limits) -> Iterator[Item]:
        lines = stream.read().split(b"\n")[1:]
        for line in lines:
            if line == b"!":
                raise ContainerError("broken box")
            if not line:
                continue
            name, _, content = line.partition(b"=")
            data = content.replace(b"|", b"\n")
            yield Item(
                steps=(*container.steps, Step("member", name.decode())),
                state=container.state,
                size=len(data),
                opener=lambda data=data: _Unseekable(data),
            )

    def describe(self, container: Item) -> dict[str, JsonScalar]:
        return {"format": "box"}


class _Unseekable(io.BytesIO):
    def seekable(self) -> bool:
        return False


def top(name: str, data: bytes) -> Item:
    return Item(steps=(Step("file", name),), size=len(data), opener=lambda: io.BytesIO(data))


def paths(found: list[Found]) -> list[str]:
    return [f.item.path for f in found]


def test_containers_are_walked_after_their_own_item_depth_first() -> None:
    inner = b"BOX|a.txt=hello"
    found = list(
        walk(
            [top("x.box", b"BOX\nin.box=" + inner + b"\nb.txt=bye"), top("plain.txt", b"text")],
            Limits(),
            containers=[Boxes()],
        )
    )
    assert paths(found) == ["x.box", "x.box//in.box", "x.box//in.box//a.txt", "x.box//b.txt", "plain.txt"]
    assert [f.container for f in found] == ["box", "box", None, None, None]
    assert found[2].parent == "x.box//in.box"
    assert found[2].depth == 2
    with found[2].item.open() as stream:
        assert stream.read() == b"hello"


def test_nesting_beyond_the_limit_is_recorded_not_opened() -> None:
    nested = b"BOX\nl1=BOX|l2=deep"
    found = list(walk([top("x.box", nested)], Limits(depth=1), containers=[Boxes()]))
    assert paths(found) == ["x.box", "x.box//l1", "x.box//l1//(unreadable)"]
    assert "nested more than 1 deep" in (found[-1].item.problem or "")


def test_a_container_that_fails_part_way_keeps_what_came_before_and_says_why() -> None:
    found = list(walk([top("x.box", b"BOX\na=1\n!\nb=2")], Limits(), containers=[Boxes()]))
    assert paths(found) == ["x.box", "x.box//a", "x.box//(unreadable)"]
    assert found[-1].item.problem == "cannot be read as box: broken box"


def test_root_containers_are_described_once() -> None:
    described: list[tuple[str, dict[str, JsonScalar]]] = []
    list(
        walk(
            [top("x.box", b"BOX\nin=BOX|a=1")],
            Limits(),
            containers=[Boxes()],
            describe=lambda item, details: described.append((item.path, details)),
        )
    )
    assert described == [("x.box", {"format": "box"})]


def test_items_with_problems_are_passed_on_unread() -> None:
    broken = Item(steps=(Step("file", "locked.zip"),), problem="encrypted")
    found = list(walk([broken], Limits(), containers=[Boxes()]))
    assert [(f.item.path, f.item.problem, f.container) for f in found] == [("locked.zip", "encrypted", None)]
