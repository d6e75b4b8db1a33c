"""docs/cli.md is what scripts/cli_doc.py writes from the commands' own --help."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent.parent


def cli_doc() -> ModuleType:
    spec = importlib.util.spec_from_file_location("cli_doc", ROOT / "scripts" / "cli_doc.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_cli_reference_is_what_the_script_writes() -> None:
    written = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    assert written == cli_doc().render(), "docs/cli.md is stale: run  python scripts/cli_doc.py"


def test_the_cli_reference_covers_every_command() -> None:
    written = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    for heading in (
        "## warden scan",
        "## warden hashset from-grades",
        "## warden audit verify",
        "## warden user add",
    ):
        assert f"\n{heading}\n" in written
    assert "Usage: warden sentence [OPTIONS]" in written
