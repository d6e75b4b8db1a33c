"""Container limits are declared once, in the settings: ``Limits()`` holds the settings' defaults."""

from __future__ import annotations

import pytest

from warden import settings
from warden.evidence.base import Limits
from warden.evidence.containers import limits_from_settings
from warden.evidence.limits import RAISABLE


def test_the_default_limits_are_the_settings_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    for _, setting in RAISABLE.values():
        monkeypatch.delenv(setting.env_var, raising=False)
    assert Limits() == limits_from_settings()
    monkeypatch.setenv(settings.MAX_RATIO.env_var, "7")
    assert limits_from_settings().ratio == 7
