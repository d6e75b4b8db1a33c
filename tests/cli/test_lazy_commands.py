"""`warden --help` lists every command without importing any of them (nor the libraries they need), and
the list says what each command's own help says."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import click
import pytest
from PIL import Image

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


def test_hash_of_a_photo_imports_only_what_hashing_a_still_needs(tmp_path: Path) -> None:
    photo = tmp_path / "photo.jpg"
    Image.new("RGB", (120, 90), (40, 120, 200)).save(photo)
    probe = (
        "import json, sys\n"
        "from warden.cli import main\n"
        f"code = main(['hash', {str(photo)!r}])\n"
        "print(json.dumps([code, sorted(sys.modules)]), file=sys.stderr)\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    code, modules = json.loads(done.stderr.strip().splitlines()[-1])
    assert code == 0 and json.loads(done.stdout)["pdq_quality"] == 0  # a flat colour: hashed, too plain
    loaded = set(modules)
    assert {"warden.cli.hash", "warden.hashing.item", "warden.hashing.dihedral", "numpy"} <= loaded
    # Other commands, the video side of hashing, the plug-in registries' entry points, and the libraries of
    # storage, reports and servers: none of it is needed to hash a still, and all of it costs start-up time.
    assert sorted(name for name in loaded if _not_for_a_still(name)) == []


NOT_FOR_A_STILL = ("importlib.metadata", "vpdq", "warden.hashing.hash_types")
NOT_FOR_A_STILL += tuple(
    f"warden.hashing.video{part}" for part in ("", "_bars", "_frames", "_variants", "_match")
)
NOT_FOR_A_STILL += tuple(
    f"warden.{part}" for part in ("case", "scan", "report", "web", "serve", "crawl", "index")
)
NOT_FOR_A_STILL += ("sqlalchemy", "fastapi", "jinja2", "httpx", "rich", "weasyprint", "ray")
NOT_FOR_A_STILL += ("PIL",)  # a common JPEG is decoded by libjpeg-turbo alone (hashing/jpeg_header.py)


def _not_for_a_still(module: str) -> bool:
    if module.startswith("warden.cli."):  # another command
        return module != "warden.cli.hash"
    return any(module == name or module.startswith(f"{name}.") for name in NOT_FOR_A_STILL)
