"""Failed logins: after five in a row an account waits, and a success forgets them."""

from __future__ import annotations

from warden.web.throttle import LoginThrottle


def test_an_account_is_refused_for_a_while_after_too_many_failures() -> None:
    now = [0.0]
    throttle = LoginThrottle(5, 300, lambda: now[0])
    for _ in range(4):
        throttle.failed("ann")
    assert throttle.refused_for("ann") == 0
    throttle.failed("ann")
    assert throttle.refused_for("ann") == 300
    assert throttle.refused_for("rob") == 0
    now[0] = 299.0
    assert throttle.refused_for("ann") == 1
    now[0] = 300.0
    assert throttle.refused_for("ann") == 0


def test_a_success_forgets_the_failures() -> None:
    throttle = LoginThrottle(2, 300, lambda: 0.0)
    throttle.failed("ann")
    throttle.succeeded("ann")
    throttle.failed("ann")
    assert throttle.refused_for("ann") == 0
