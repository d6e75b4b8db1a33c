"""The ``warden`` command: the group, its commands (one module per command group), and ``main``, the one
place errors become exit codes."""

from __future__ import annotations

import sys

import click

from warden import __version__
from warden.errors import EXIT_CODES, InternalError, WardenError


def _exit_code_help() -> str:
    return "\n".join(f"  {code:>3}  {meaning}" for code, meaning in sorted(EXIT_CODES.items()))


CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 110}
"""The context settings of ``warden`` and, through :func:`_same_settings_everywhere`, of every command."""


@click.group(
    context_settings=CONTEXT,
    epilog="\b\nExit codes:\n" + _exit_code_help(),
)
@click.version_option(__version__, prog_name="warden")
def cli() -> None:
    """Find known images in seized media by hash, count them by UK category, and report them as evidence."""


def _attach_commands() -> None:
    # Imported here, after the group, so that `warden.cli` is whole before any command module loads.
    from warden.cli.apikey import apikey_group
    from warden.cli.audit import audit_command
    from warden.cli.crawl import crawl_command
    from warden.cli.exchange import bank_group
    from warden.cli.hash import hash_command
    from warden.cli.hashset import hashset_group
    from warden.cli.report import report_command
    from warden.cli.review import review_command, user_command
    from warden.cli.scan import scan_command
    from warden.cli.sentence import sentence_command
    from warden.cli.serve import serve_command
    from warden.cli.settings import settings_command
    from warden.cli.validate import validate_command
    from warden.cli.webhook import webhook_group

    for command in (
        hash_command,
        hashset_group,
        scan_command,
        crawl_command,
        settings_command,
        sentence_command,
        report_command,
        audit_command,
        validate_command,
        review_command,
        user_command,
        serve_command,
        apikey_group,
        webhook_group,
        bank_group,
    ):
        cli.add_command(command)
    _same_settings_everywhere(cli)


def _same_settings_everywhere(group: click.Group) -> None:
    """Give every command the group's context settings, so that it reads the same (``-h`` and the width)
    whether run as ``warden x`` or called on its own (click keeps the help option a command first made)."""
    for command in group.commands.values():
        command.context_settings = {**CONTEXT, **command.context_settings}
        if isinstance(command, click.Group):
            _same_settings_everywhere(command)


_attach_commands()


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit code (documented in docs/errors.md)."""
    try:
        cli.main(args=argv, prog_name="warden", standalone_mode=False)
    except WardenError as error:
        click.echo(f"warden: error: {error.message}", err=True)
        return error.exit_code
    except (click.exceptions.Abort, KeyboardInterrupt):
        click.echo("warden: interrupted; run the same command again to resume", err=True)
        return 130
    except click.ClickException as error:
        error.show()
        return 2 if isinstance(error, click.UsageError) else error.exit_code
    except click.exceptions.Exit as done:
        return done.exit_code
    except Exception as error:  # the last resort: no traceback ever reaches a user
        mapped = _unexpected(error)
        click.echo(f"warden: error: {mapped.message}", err=True)
        return mapped.exit_code
    return 0


def _unexpected(error: Exception) -> WardenError:
    """The documented error for what escaped the library: a full disk is exit 13, a case database failure
    exit 7, anything else an internal error (exit 1) named in one line."""
    if isinstance(error, OSError):
        from warden.case.storage_errors import as_warden_error, is_no_space

        if is_no_space(error):
            return as_warden_error(error, error.filename or "a folder Warden was writing to", "running")
        where = f" {error.filename}" if error.filename else ""
        return WardenError(f"cannot use{where}: {error.strerror or error}")
    if "sqlalchemy" in sys.modules:
        from sqlalchemy.exc import SQLAlchemyError

        from warden.case.storage_errors import as_warden_error

        if isinstance(error, SQLAlchemyError):
            return as_warden_error(error, "the case", "running")
    text = str(error).strip().splitlines()
    return InternalError(
        f"internal error ({type(error).__name__}{': ' + text[0][:300] if text else ''}): this is a fault in "
        "Warden; please report it with the command that was run"
    )
