"""A reveal lasts for one item, one session, and a limited time."""

from __future__ import annotations

from warden.web.reveals import Reveals


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_reveal_lapses_by_itself() -> None:
    clock = Clock()
    reveals = Reveals(30, clock)
    reveals.grant("s1", 7)
    assert reveals.allowed("s1", 7) and not reveals.allowed("s1", 8) and not reveals.allowed("s2", 7)
    clock.now += 29
    assert reveals.allowed("s1", 7)
    clock.now += 1
    assert not reveals.allowed("s1", 7)


def test_moving_on_ends_it_unless_it_is_the_same_item() -> None:
    reveals = Reveals(30, Clock())
    reveals.grant("s1", 7)
    reveals.revoke("s1", keep=7)
    assert reveals.allowed("s1", 7)
    reveals.revoke("s1", keep=8)
    assert not reveals.allowed("s1", 7)
    reveals.grant("s1", 7)
    reveals.grant("s1", 9)
    assert not reveals.allowed("s1", 7) and reveals.allowed("s1", 9)
