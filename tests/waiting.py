"""Waiting in tests for something that happens in another thread or process (a server starts, a change
reaches an index): the loop is bounded only so that it ends on a broken build. How fast anything happens is
measured by benchmarks/ and printed there, never asserted in a test."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

import pytest

T = TypeVar("T")

GIVE_UP_AFTER = 120.0
"""Seconds after which a wait stops and fails the test: far beyond what any working build takes."""


def wait_until(check: Callable[[], T], what: str, *, pause: float = 0.02) -> T:
    """``check()`` once it is truthy; the test fails, naming ``what``, if it never is."""
    give_up = time.monotonic() + GIVE_UP_AFTER
    while not (result := check()):
        if time.monotonic() > give_up:
            pytest.fail(f"{what}: never happened (the wait is bounded only to end a broken build)")
        time.sleep(pause)
    return result
