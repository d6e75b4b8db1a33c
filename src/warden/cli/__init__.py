"""The ``warden`` command: the group, its commands (one module per command group), and ``main``, the one
place errors become exit codes."""

from __future__ import annotations

import importlib
import sys

import click

from warden import __version__
from warden.errors import EXIT_CODES, InternalError, WardenError


def _exit_code_help() -> str:
    return "\n".join(f"  {code:>3}  {meaning}" for code, meaning in sorted(EXIT_CODES.items()))


CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 110}
"""The context settings of ``warden`` and, through :func:`_same_settings_everywhere`, of every command."""


_COMMANDS: dict[str, tuple[str, str, str]] = {}  # filled below
"""Each command by name: its module, its object there, and the first sentence of its help (what
``warden --help`` lists). Commands are imported only when run (or asked for their own help), so that
``warden --help`` and each command start without importing the rest of Warden; a test checks this table
against the commands themselves."""

_COMMANDS.update(
    {
        "apikey": (
            "warden.cli.apikey",
            "apikey_group",
            "Make, list, expire and revoke the API keys of `warden serve` (kept only as SHA-256 hashes).",
        ),
        "audit": (
            "warden.cli.audit",
            "audit_command",
            "Check a case's audit log (every import, scan, grade, review, export and login, chained and "
            "keyed).",
        ),
        "bank": (
            "warden.cli.exchange",
            "bank_group",
            "Banks of `warden serve` filled from hash exchanges.",
        ),
        "conversations": (
            "warden.cli.conversations",
            "conversations_group",
            "Train the optional conversation text model on a research corpus, and show its scores and what "
            "weighed in them beside the grooming leads (PAN 2012's XML format; no corpus ships with Warden).",
        ),
        "crawl": (
            "warden.cli.crawl",
            "crawl_command",
            "Crawl a website from URLS into a case: every response preserved in WARC "
            "(CASE/capture/*.warc.gz), every failure recorded per URL with its reason, then (with --hashset) "
            "the capture matched and reported as a scan would.",
        ),
        "hash": (
            "warden.cli.hash",
            "hash_command",
            "Print one JSON object per FILE: media type, digests, PDQ and quality, size; vPDQ frames for "
            "video.",
        ),
        "hashset": (
            "warden.cli.hashset",
            "hashset_group",
            "Import, inspect and export hash sets (kept encrypted in the hash-set store).",
        ),
        "psi": (
            "warden.cli.psi",
            "psi_group",
            "Private membership: check hashes against a list without either side revealing theirs (RFC 9497 "
            "OPRF; exact hashes only).",
        ),
        "report": (
            "warden.cli.report",
            "report_command",
            "Write the reports of CASE_DIR from its database: the court report (report.html, report.pdf), "
            "report.json, report.csv and the VICS 2.0 case export (report-vics.json).",
        ),
        "review": (
            "warden.cli.review",
            "review_command",
            "Start the review app of CASE_DIR on this machine and print its address.",
        ),
        "scan": (
            "warden.cli.scan",
            "scan_command",
            "Hash EVIDENCE (folders or files), match it against hash sets, and record and report it in a "
            "case.",
        ),
        "sentence": (
            "warden.cli.sentence",
            "sentence_command",
            "Show where a case sits in the Sentencing Council guideline for indecent photographs of "
            "children.",
        ),
        "serve": (
            "warden.cli.serve",
            "serve_command",
            "Start the matching service, until interrupted (Ctrl-C).",
        ),
        "settings": (
            "warden.cli.settings",
            "settings_command",
            "List every setting, its environment variable, current value and meaning.",
        ),
        "user": (
            "warden.cli.review",
            "user_command",
            "Accounts of a case's review app (examiner, reviewer, viewer, admin).",
        ),
        "validate": (
            "warden.cli.validate",
            "validate_command",
            "Measure Warden on its benign reference media: PDQ and vPDQ conformance with Meta's reference "
            "hashes, and how often edited copies of listed photos are found (and unrelated photos falsely "
            "matched).",
        ),
        "webhook": (
            "warden.cli.webhook",
            "webhook_group",
            "Webhook endpoints of `warden serve`, and the notices they did not take (dead letters).",
        ),
    }
)


class _LazyGroup(click.Group):
    """A group that imports a command's module only when that command is needed."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *_COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in _COMMANDS:
            module, name, _summary = _COMMANDS[cmd_name]
            command: click.Command = getattr(importlib.import_module(module), name)
            _same_settings_everywhere(command)
            self.add_command(command, cmd_name)
        return self.commands.get(cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The list of commands, from :data:`_COMMANDS` for those not imported (as click lists them)."""
        commands = [
            (name, self.commands.get(name) or click.Command(name, help=_COMMANDS[name][2]))
            for name in self.list_commands(ctx)
        ]
        commands = [(name, command) for name, command in commands if not command.hidden]
        if commands:
            limit = formatter.width - 6 - max(len(name) for name, _ in commands)
            with formatter.section("Commands"):
                formatter.write_dl([(name, command.get_short_help_str(limit)) for name, command in commands])


@click.group(
    cls=_LazyGroup,
    context_settings=CONTEXT,
    epilog="\b\nExit codes:\n" + _exit_code_help(),
)
@click.version_option(__version__, prog_name="warden")
def cli() -> None:
    """Find known images in seized media by hash, count them by UK category, and report them as evidence."""


def _same_settings_everywhere(command: click.Command) -> None:
    """Give a command (and every command under it) the group's context settings, so that it reads the same
    (``-h`` and the width) whether run as ``warden x`` or called on its own (click keeps the help option a
    command first made)."""
    command.context_settings = {**CONTEXT, **command.context_settings}
    if hasattr(command, "_help_option"):
        # Click keeps the help option a command first made: one run on its own before (a test calling the
        # command's object) would otherwise keep ``--help`` without ``-h``.
        command._help_option = None
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            _same_settings_everywhere(sub)


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
