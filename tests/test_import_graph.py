"""The package graph has no loops: every import of Warden's own code goes down the layers that
docs/architecture.md writes down (the one place they are declared; this test reads them from there)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "src" / "warden"
MAP = ROOT / "docs" / "architecture.md"


def layers() -> dict[str, int]:
    """Each package or top-level module by its layer, from the ```layers block of the architecture map."""
    block = re.search(r"```layers\n(.*?)```", MAP.read_text(), re.S)
    assert block, "docs/architecture.md has no ```layers block"
    found: dict[str, int] = {}
    for line in block.group(1).splitlines():
        number, *names = line.split()
        for name in names:
            assert name not in found, f"{name} is in two layers"
            found[name] = int(number)
    return found


def unit(module: str) -> str:
    """The package or top-level module of ``warden.x.y`` (``x``); ``warden`` itself is ``__init__``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def imports() -> list[tuple[str, str, str]]:
    """(importing unit, imported unit, file) for every import of Warden's code, at any depth in a file."""
    found = []
    for path in sorted(SOURCE.rglob("*.py")):
        here = unit(".".join(path.relative_to(SOURCE.parent).with_suffix("").parts))
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                targets = [node.module]
                if node.module == "warden":  # from warden import settings
                    names = {alias.name for alias in node.names}
                    targets = [
                        f"warden.{n}" for n in names if (SOURCE / f"{n}.py").exists() or (SOURCE / n).is_dir()
                    ]
                    targets += ["warden"] if names - {t.split(".")[1] for t in targets} else []
            for target in targets:
                if target == "warden" or target.startswith("warden."):
                    there = unit(target)
                    if there != here:
                        found.append((here, there, str(path.relative_to(ROOT))))
    return found


def test_every_package_is_in_one_layer() -> None:
    units = {
        p.stem if p.is_file() else p.name
        for p in SOURCE.iterdir()
        if p.suffix == ".py" or (p / "__init__.py").exists()
    }
    assert units == set(layers())


def test_imports_only_go_down_the_layers() -> None:
    level = layers()
    upward = sorted(
        f"{file}: {here} (layer {level[here]}) imports {there} (layer {level[there]})"
        for here, there, file in imports()
        if level[there] >= level[here]
    )
    assert upward == []


def test_the_model_imports_nothing_else_of_warden() -> None:
    assert [(there, file) for here, there, file in imports() if here == "model"] == []
