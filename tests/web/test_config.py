"""Which hosts the app answers as: loopback names for a loopback address, refusing any other."""

from __future__ import annotations

from warden.addresses import is_every_address, is_loopback
from warden.web.config import host_names


def test_loopback_is_recognised() -> None:
    assert (
        is_loopback("127.0.0.1")
        and is_loopback("localhost")
        and is_loopback("::1")
        and is_loopback("127.5.0.1")
    )
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.5") and not is_loopback("example.org")


def test_a_loopback_app_answers_to_its_loopback_names_only() -> None:
    assert host_names("127.0.0.1", 8765) == {"127.0.0.1:8765", "localhost:8765", "[::1]:8765"}
    assert host_names("10.0.0.2", 9000) == {"10.0.0.2:9000"}
    assert "[fd00::1]:80" in host_names("fd00::1", 80)


def test_every_address_is_recognised() -> None:
    assert is_every_address("0.0.0.0") and is_every_address("::") and is_every_address("[::]")
    assert not is_every_address("127.0.0.1") and not is_every_address("review.lab.example")
