"""Every error class, its exit code, HTTP status and error code, as docs/errors.md tells a user, both ways."""

from __future__ import annotations

import ast
import inspect
import re
from pathlib import Path

from warden import errors
from warden.errors import EXIT_CODES, WardenError

ROOT = Path(__file__).resolve().parent.parent.parent
DOC = (ROOT / "docs" / "errors.md").read_text()
COMMAND_LINE, _, REFUSALS = DOC.partition("## Refusals of the review app")


def classes() -> dict[str, tuple[int, int, str]]:
    """(exit code, HTTP status, error code) of every error class in warden.errors, by name."""
    return {
        name: (cls.exit_code, cls.http_status, cls.code)
        for name, cls in inspect.getmembers(errors, inspect.isclass)
        if issubclass(cls, WardenError)
    }


def documented() -> list[tuple[str, tuple[int, int, str]]]:
    """(class name, (exit code, HTTP status, error code)) for every class a row of the two tables names."""
    found = []
    for exit_code, status, code, names in re.findall(
        r"^\| (\d+) \| (\d{3}) \| `(\w+)` \| [^|]+ \| ([^|]+) \|$", COMMAND_LINE, re.MULTILINE
    ):
        found += [(name, (int(exit_code), int(status), code)) for name in re.findall(r"`(\w+)`", names)]
    for status, code, name in re.findall(
        r"^\| (\d{3}) \| `(\w+)` \| [^|]+ \| `(\w+)` \|$", REFUSALS, re.MULTILINE
    ):
        found.append((name, (1, int(status), code)))  # a refusal never reaches the command line
    return found


def test_every_error_class_is_documented_with_its_exit_code_status_and_code() -> None:
    rows = documented()
    names = [name for name, _ in rows]
    assert sorted(name for name in set(names) if names.count(name) > 1) == []
    assert dict(rows) == classes()


def test_every_exit_code_is_documented() -> None:
    listed = {int(code) for code in re.findall(r"^\| (\d+) \|", COMMAND_LINE, flags=re.MULTILINE)}
    assert listed == set(EXIT_CODES)
    assert {exit_code for exit_code, _, _ in classes().values()} <= set(EXIT_CODES)


def test_refusals_of_a_request_are_http_errors_that_never_set_an_exit_code() -> None:
    for name, (exit_code, status, _) in classes().items():
        if issubclass(getattr(errors, name), errors.RequestRefusedError):
            assert exit_code == 1 and 400 <= status < 500, name


def test_no_error_class_is_declared_outside_the_errors_module() -> None:
    names = set(classes())
    outside = []
    for path in sorted((ROOT / "src" / "warden").rglob("*.py")):
        if path.name == "errors.py" and path.parent.name == "warden":
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.ClassDef):
                bases = {
                    base.id if isinstance(base, ast.Name) else getattr(base, "attr", "")
                    for base in node.bases
                }
                if bases & names:
                    outside.append(f"{path.relative_to(ROOT)}: {node.name}")
    assert outside == []
