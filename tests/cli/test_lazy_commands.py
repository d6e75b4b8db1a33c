"""`warden --help` lists every command without importing any of them (nor the libraries they need), and
the list says what each command's own help says."""

from __future__ import annotations

import subprocess
import sys

import click
import pytest

from warden.cli import _COMMANDS, cli


@pytest.mark.parametrize("name", sorted(_COMMANDS))
def test_the_listed_summary_is_the_commands_own(name: str) -> None:
    context = click.Context(cli, info_name="warden")
    command = cli.get_command(context, name)
    assert command is not None
    listed = click.Command(name, help=_COMMANDS[name][2])
    for limit in (45, 80, 96, 200):
        assert listed.get_short_help_str(limit) == command.get_short_help_str(limit)


def test_every_command_is_in_the_table() -> None:
    context = click.Context(cli, info_name="warden")
    assert cli.list_commands(context) == sorted(_COMMANDS)


def test_help_imports_no_command_and_no_heavy_library() -> None:
    probe = (
        "import sys\n"
        "from warden.cli import main\n"
        "code = main(['--help'])\n"
        "loaded = [m for m in sys.modules if m.startswith('warden.cli.') or m.split('.')[0] in "
        "('numpy', 'sqlalchemy', 'PIL', 'fastapi', 'ray')]\n"
        "print(code, sorted(loaded), file=sys.stderr)\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert "Commands:" in done.stdout and "scan " in done.stdout
    assert done.stderr.strip() == "0 []"


def test_a_command_run_on_its_own_first_still_has_the_groups_help_options() -> None:
    probe = (
        "import click\n"
        "from click.testing import CliRunner\n"
        "from warden.cli import cli\n"
        "from warden.cli.sentence import sentence_command\n"
        "CliRunner().invoke(sentence_command, ['--help'])\n"  # as a test calling the command's object does
        "context = click.Context(cli, info_name='warden', **cli.context_settings)\n"
        "command = cli.get_command(context, 'sentence')\n"
        "print(command.get_help(click.Context(command, info_name='sentence', parent=context)))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert "-h, --help" in done.stdout, done.stdout + done.stderr
