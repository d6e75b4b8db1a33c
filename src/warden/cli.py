"""The ``warden`` command: thin shells over the library, and the one place errors become exit codes."""

from __future__ import annotations

import errno
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from warden import __version__, settings
from warden.case import DB_URL_HELP
from warden.errors import EXIT_CODES, WardenError

NO_SPACE_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT})

if TYPE_CHECKING:
    from warden.hashsets.store import HashSetStore


def _echo_json(value: Any) -> None:
    click.echo(json.dumps(value, ensure_ascii=False, sort_keys=True))


def _exit_code_help() -> str:
    return "\n".join(f"  {code:>3}  {meaning}" for code, meaning in sorted(EXIT_CODES.items()))


@click.group(
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110},
    epilog="\b\nExit codes:\n" + _exit_code_help(),
)
@click.version_option(__version__, prog_name="warden")
def cli() -> None:
    """Find known images in seized media by hash, count them by UK category, and report them as evidence."""


# ---------------------------------------------------------------- hash
@cli.command("hash")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--exact-pdq", is_flag=True, help="Decode images in full before PDQ (the reference way, slower)."
)
@click.option("--variants", is_flag=True, help="Also print the PDQ of every rotation/flip and trimmed form.")
def hash_command(files: tuple[Path, ...], exact_pdq: bool, variants: bool) -> None:
    """Print one JSON object per FILE: media type, digests, PDQ and quality, size; vPDQ frames for video."""
    from warden.hashing.item import HashOptions, hash_file

    options = HashOptions(exact_pdq=exact_pdq)
    for path in files:
        result = hash_file(path, options).to_json()
        if not variants:
            result.pop("pdq_variants", None)
        _echo_json(result)


# ---------------------------------------------------------------- hashset
@cli.group("hashset")
def hashset_group() -> None:
    """Import, inspect and export hash sets (kept encrypted in the hash-set store)."""


def _store() -> HashSetStore:
    from warden.hashsets.store import HashSetStore

    return HashSetStore.from_settings()


@hashset_group.command("import")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@click.option("--name", required=True, help="Name to store the set under (letters, digits, . _ -).")
@click.option("--format", "format_name", help="Format of FILE; detected from its bytes when omitted.")
@click.option(
    "--profile", help="Category profile (built-in name, name in $WARDEN_HOME/profiles, or a JSON file)."
)
@click.option(
    "--category",
    help="Category for every entry of a list that carries none (md5sum, PDQ text): A, B, C, not_indecent, "
    "known_good.",
)
def hashset_import(
    file: Path, name: str, format_name: str | None, profile: str | None, category: str | None
) -> None:
    """Import FILE as hash set NAME; a malformed file is rejected whole, naming the line or record."""
    store = _store()
    try:
        manifest = store.import_file(
            file, name=name, format_name=format_name, profile=profile, category=category
        )
    except OSError as error:
        if error.errno not in NO_SPACE_ERRNOS:
            raise
        from warden.case.storage_errors import no_space

        raise no_space(f"the hash-set store {store.root}", error) from error
    if store.key_created:
        click.echo(
            f"created the hash-set key {store.key_file}; keep it safe and outside case folders", err=True
        )
    click.echo(
        f"imported {manifest['entries']} entries from {file.name} as {manifest['name']!r} "
        f"(format {manifest['format']}, sha256 {manifest['source_sha256']})"
    )


@hashset_group.command("list")
def hashset_list() -> None:
    """List the hash sets in the store."""
    for manifest in _store().manifests():
        click.echo(
            f"{manifest['name']}\t{manifest['entries']} entries\t{manifest['format']}\t{manifest['source']}"
        )


@hashset_group.command("info")
@click.argument("name")
def hashset_info(name: str) -> None:
    """Print what the store knows of hash set NAME (counts by category and hash kind, source checksum)."""
    _echo_json(_store().info(name))


@hashset_group.command("export")
@click.argument("name")
@click.option("--format", "format_name", default="csv", show_default=True, help="csv or vics.")
@click.option("--profile", help="Category profile for formats with numeric categories (vics).")
@click.option(
    "-o", "--output", type=click.Path(path_type=Path, dir_okay=False), help="File to write (default: stdout)."
)
def hashset_export(name: str, format_name: str, profile: str | None, output: Path | None) -> None:
    """Write hash set NAME in clear text (treat the output as sensitive)."""
    store = _store()
    if output is None:
        store.export(name, sys.stdout, format_name=format_name, profile=profile)
    else:
        with output.open("w", encoding="utf-8", newline="") as stream:
            store.export(name, stream, format_name=format_name, profile=profile)
        click.echo(f"wrote {output}", err=True)


@hashset_group.command("remove")
@click.argument("name")
def hashset_remove(name: str) -> None:
    """Delete hash set NAME and its index from the store."""
    _store().remove(name)
    click.echo(f"removed {name}")


@hashset_group.command("formats")
def hashset_formats() -> None:
    """List the hash-set formats Warden reads (and writes)."""
    from warden.hashsets.readers import FORMATS

    for fmt in FORMATS:
        mode = "read/write" if fmt.can_write else "read"
        click.echo(f"{fmt.name}\t{mode}\t{fmt.description}")


@hashset_group.command("profiles")
def hashset_profiles() -> None:
    """List the category profiles (built-in and the user's)."""
    from warden.hashsets.profiles import list_profiles

    for profile in list_profiles():
        click.echo(f"{profile.name}\t{profile.origin}\t{profile.description}")


# ---------------------------------------------------------------- scan
@cli.command("scan")
@click.argument("evidence", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--hashset",
    "hashsets",
    multiple=True,
    required=True,
    help="Hash set to match: a name in the store, or a file (imported into the store first). Repeatable.",
)
@click.option(
    "--case", "case_dir", required=True, type=click.Path(path_type=Path, file_okay=False), help="Case folder."
)
@click.option(
    "--workers", type=int, default=0, show_default=True, help="Hashing processes; 0 = one per CPU core."
)
@click.option("--exact-pdq", is_flag=True, help="Decode images in full before PDQ (slower).")
@click.option("--quiet", is_flag=True, help="No progress bar.")
@click.option("--db", "db_url", help=DB_URL_HELP)
@click.option(
    "--raise-limit",
    "raise_limits",
    multiple=True,
    metavar="EXHIBIT:LIMIT=VALUE",
    help="Raise one container limit for one exhibit (its label or path), e.g. 'disk.img.gz:max_ratio=5000' "
    "or 'backup.zip:max_container_bytes=200G' (sizes take K, M, G, T). LIMIT is max_members, "
    "max_member_bytes, max_ratio, max_container_bytes, max_container_items or max_container_seconds. What "
    "the lower limit refused is examined again, and the report says so. Repeatable.",
)
def scan_command(
    evidence: tuple[Path, ...],
    hashsets: tuple[str, ...],
    case_dir: Path,
    workers: int,
    exact_pdq: bool,
    quiet: bool,
    db_url: str | None,
    raise_limits: tuple[str, ...],
) -> None:
    """Hash EVIDENCE (folders or files), match it against hash sets, and record and report it in a case.

    Run the same command again after an interruption to resume: items already recorded are not redone
    (except those a limit refused, when it is raised for their exhibit with --raise-limit).
    """
    from warden.progress_display import progress_for_terminal
    from warden.scan.run import ScanOptions, run_scan

    options = ScanOptions(
        evidence=list(evidence),
        hashsets=list(hashsets),
        case_dir=case_dir,
        workers=workers,
        exact_pdq=exact_pdq,
        db_url=db_url,
        raise_limits=list(raise_limits),
    )
    result = run_scan(options, _store(), progress_for_terminal(quiet))
    for warning in result.warnings:
        click.echo(f"warden: warning: {warning}", err=True)
    summary = result.report["summary"]
    _print_summary(summary)
    click.echo(f"report: {result.written['json']}")
    for name, path in sorted(result.written.items()):
        if name != "json":
            click.echo(f"        {path}")


def _print_summary(summary: dict[str, Any]) -> None:
    click.echo(
        f"{summary['files_total']} files, {summary['media_total']} images or videos, "
        f"{summary['unmatched_media']} unmatched, {summary['known_good']} known good, "
        f"{summary['errors']} errors, {summary.get('not_examined', 0)} not examined, "
        f"{summary.get('zero_byte_files', 0)} of zero bytes"
    )
    click.echo("category  stills(files/distinct)  movies(files/distinct)")
    for name, counts in summary["by_category"].items():
        click.echo(
            f"{name:<9} {counts['stills_files']:>7} / {counts['stills_unique']:<12} "
            f"{counts['movies_files']:>7} / {counts['movies_unique']}"
        )
    found_where = []
    for state in ("deleted", "carved", "thumbnail"):
        categories = summary.get("by_state", {}).get(state, {})
        files = sum(c["stills_files"] + c["movies_files"] for c in categories.values())
        if files:
            found_where.append(f"{files} {state}")
    if found_where:
        click.echo(
            "of the matched, found "
            + ", ".join(found_where)
            + " (deleted and carved are in the counts above; thumbnails are counted apart)"
        )


# ---------------------------------------------------------------- settings
@cli.command("settings")
def settings_command() -> None:
    """List every setting, its environment variable, current value and meaning."""
    for setting in settings.SETTINGS.values():
        click.echo(f"{setting.env_var}={setting.raw()}\n    {setting.help}")


def _attach_commands() -> None:
    # Commands that live with their own package, attached here so `warden --help` lists them.
    from warden.case.audit_command import audit_command
    from warden.grading.feedback_command import from_grades_command
    from warden.report.command import report_command
    from warden.sentencing.command import sentence_command
    from warden.validation.command import validate_command
    from warden.web.command import review_command, user_command

    cli.add_command(sentence_command)
    cli.add_command(report_command)
    cli.add_command(audit_command)
    cli.add_command(validate_command)
    cli.add_command(review_command)
    cli.add_command(user_command)
    hashset_group.add_command(from_grades_command)


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
        from warden.case.storage_errors import as_warden_error

        if error.errno in NO_SPACE_ERRNOS:
            return as_warden_error(error, error.filename or "a folder Warden was writing to", "running")
        where = f" {error.filename}" if error.filename else ""
        return WardenError(f"cannot use{where}: {error.strerror or error}")
    if "sqlalchemy" in sys.modules:
        from sqlalchemy.exc import SQLAlchemyError

        from warden.case.storage_errors import as_warden_error

        if isinstance(error, SQLAlchemyError):
            return as_warden_error(error, "the case", "running")
    text = str(error).strip().splitlines()
    return WardenError(
        f"internal error ({type(error).__name__}{': ' + text[0][:300] if text else ''}): this is a fault in "
        "Warden; please report it with the command that was run"
    )


if __name__ == "__main__":
    sys.exit(main())
