"""``warden audit verify CASE``: check the case's hash-chained audit log and name the first broken entry."""

from __future__ import annotations

import re
from pathlib import Path

import click

from warden.case import DB_URL_HELP
from warden.errors import AuditBrokenError, KeyFileError, UsageError


def _anchor(text: str | None) -> tuple[int, str] | None:
    if text is None:
        return None
    match = re.fullmatch(r"\s*(\d+)\s*:\s*([0-9a-fA-F]{64})\s*", text)
    if match is None:
        raise UsageError("--anchor is ENTRY:HASH, e.g. 42:9f86d081884c7d659a2feaa0c55ad015...")
    return int(match[1]), match[2].lower()


@click.group("audit")
def audit_command() -> None:
    """Check a case's audit log (every import, scan, grade, review, export and login, chained and keyed)."""


@audit_command.command("verify")
@click.argument("case_dir", type=click.Path(path_type=Path, file_okay=False, exists=True))
@click.option(
    "--anchor",
    help="ENTRY:HASH quoted earlier (in a court report, or by this command): also check that entry is "
    "still there unchanged, which finds a log cut short after it.",
)
@click.option("--db", "db_url", help=DB_URL_HELP)
def verify_command(case_dir: Path, anchor: str | None, db_url: str | None) -> None:
    """Check the audit log of CASE_DIR: the chain of entries, the keyed head record naming the last one (so a
    log cut short shows), and every grade, item, match, error, review, split, evidence record, hash set and
    account the entries cover. Prints "audit log verified: N entries", or names the first altered or missing
    entry (id, time, action, why) and exits with code 10; without the audit key the case was made with, it
    exits with code 14."""
    from warden.case.audit_verify import check_chain
    from warden.case.folder import Case

    wanted = _anchor(anchor)
    case = Case.open(case_dir, db_url=db_url)
    with case.engine.connect() as connection:
        status = check_chain(connection, wanted)
    if status.fault is not None:
        raise AuditBrokenError(f"audit log of case {case.id} is broken at {status.fault.describe()}")
    if status.unchecked is not None:
        raise KeyFileError(f"audit log of case {case.id} cannot be checked: {status.unchecked}")
    click.echo(f"audit log verified: {status.entries} entries")
    if status.keyed_from is None:
        click.echo("not keyed: every entry is a plain SHA-256 chain (a case from before format 4)")
    else:
        earlier = "; entries before it are a plain SHA-256 chain" if status.keyed_from > 1 else ""
        click.echo(f"keyed with audit key {status.key_id} from entry {status.keyed_from}{earlier}")
    if status.last_id is not None:
        click.echo(f"last entry: {status.last_id}:{status.last_hash}")
