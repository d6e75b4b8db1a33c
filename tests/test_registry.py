"""Plug-ins are found as installed Python packages declare them (entry points), the built-ins first; a
plug-in that fails to load, or takes a name already registered, is reported and never silences another."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from warden.registry import PluginProblem, Registry

GROUP = "warden.test_plugins"


@pytest.fixture
def installed(tmp_path: Path) -> Iterator[Path]:
    """A folder on sys.path where the test installs packages by hand: a module and its .dist-info."""
    sys.path.insert(0, str(tmp_path))
    try:
        yield tmp_path
    finally:
        sys.path.remove(str(tmp_path))
        for name in [n for n in sys.modules if n.startswith("toy_plugin")]:
            del sys.modules[name]


def install(folder: Path, distribution: str, module: str, source: str, points: dict[str, str]) -> None:
    (folder / f"{module}.py").write_text(source)
    info = folder / f"{distribution}-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {distribution}\nVersion: 1.0\n")
    lines = "".join(f"{name} = {value}\n" for name, value in points.items())
    (info / "entry_points.txt").write_text(f"[{GROUP}]\n{lines}")


def test_installed_plug_ins_register_after_the_built_ins_which_they_never_silence(installed: Path) -> None:
    (installed / "toy_plugin_broken.py").write_text("import a_library_nobody_installed\n")
    points = {"built-in": "toy_plugin:WORD", "third": "toy_plugin:WORD", "broken": "toy_plugin_broken:X"}
    install(installed, "toy-plugin", "toy_plugin", "WORD = 'from the plug-in'\n", points)
    registry: Registry[str] = Registry("toy")
    registry.register("built-in", "Warden's own")

    problems = registry.load_entry_points(GROUP, str)

    assert registry.get("built-in") == "Warden's own"
    assert registry.get("third") == "from the plug-in"
    assert "broken" not in registry
    assert problems == [
        PluginProblem(GROUP, "broken", "needs a_library_nobody_installed"),
        PluginProblem(GROUP, "built-in", "a toy named 'built-in' is already registered"),
    ]


def test_the_built_ins_order_is_kept_and_loading_twice_changes_nothing(installed: Path) -> None:
    install(
        installed,
        "toy-plugin",
        "toy_plugin",
        "A, B, C = 'a', 'b', 'c'\n",
        {"zeta": "toy_plugin:A", "alpha": "toy_plugin:B", "mid": "toy_plugin:C"},
    )
    registry: Registry[str] = Registry("toy")
    assert registry.load_entry_points(GROUP, str, first=("zeta", "mid")) == []
    assert registry.names() == ["zeta", "mid", "alpha"]
    assert registry.load_entry_points(GROUP, str, first=("zeta", "mid")) == []
    assert registry.names() == ["zeta", "mid", "alpha"]


def test_warden_declares_its_built_ins_as_entry_points_in_their_order() -> None:
    """Every registry is filled from Warden's own entry points (pyproject.toml), in the order it needs."""
    import tomllib

    from warden.evidence.base import CONTAINERS, SOURCES
    from warden.evidence.containers import BUILT_IN as CONTAINER_ORDER
    from warden.evidence.containers import register_built_in
    from warden.evidence.sources import source_for
    from warden.hashing.hash_types import HASH_TYPES
    from warden.hashsets.readers import BUILT_IN as FORMAT_ORDER
    from warden.hashsets.readers import FORMATS
    from warden.report.writers import BUILT_IN as WRITER_ORDER
    from warden.report.writers import WRITERS

    register_built_in()
    assert source_for(Path(__file__)).name == "file"
    declared = tomllib.loads((Path(__file__).parent.parent / "pyproject.toml").read_text())["project"]
    groups = {name: list(points) for name, points in declared["entry-points"].items()}
    assert groups["warden.containers"] == list(CONTAINER_ORDER) == CONTAINERS.names()[: len(CONTAINER_ORDER)]
    assert groups["warden.hashset_formats"] == list(FORMAT_ORDER) == FORMATS.names()[: len(FORMAT_ORDER)]
    assert groups["warden.hash_types"] == HASH_TYPES.names()[:5] == ["md5", "sha1", "sha256", "pdq", "vpdq"]
    assert groups["warden.sources"] == SOURCES.names()[:2]
    assert groups["warden.report_writers"] == list(WRITER_ORDER) == WRITERS.names()[: len(WRITER_ORDER)]
