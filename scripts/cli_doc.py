"""Write docs/cli.md from the commands' own ``--help`` (run it after changing a command or its help)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import click

from warden.cli import cli

TARGET = Path(__file__).resolve().parent.parent / "docs" / "cli.md"

WIDTH = 108
"""The width ``warden ... --help`` prints at on a terminal of 110 columns or more."""

HEADER = """# Command-line reference

Every `warden` command and its options, as its own `--help` prints them. This page is written by
`scripts/cli_doc.py`; a test fails when it differs from what the script writes, so run the script after
changing a command. What each exit code means, and the HTTP status the review app answers with, is in
[errors.md](errors.md).
"""


def _helps(command: click.Command, context: click.Context) -> Iterator[tuple[str, str]]:
    """(command path, help text) of ``command`` and of every command under it, subcommands in name order."""
    yield context.command_path, command.get_help(context)
    if isinstance(command, click.Group):
        for name in command.list_commands(context):
            sub = command.get_command(context, name)
            assert sub is not None
            yield from _helps(sub, click.Context(sub, info_name=name, parent=context))


def render() -> str:
    """The page, as the script writes it."""
    root = click.Context(cli, info_name="warden", terminal_width=WIDTH, **cli.context_settings)
    sections = [f"\n## {path}\n\n```text\n{text}\n```\n" for path, text in _helps(cli, root)]
    return HEADER + "".join(sections)


def main() -> None:
    """Rewrite the page."""
    TARGET.write_text(render(), encoding="utf-8")


if __name__ == "__main__":
    main()
