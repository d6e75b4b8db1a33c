"""``warden scan EVIDENCE --hashset SET --case DIR``: hash, match and record evidence, then report it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from warden.case import DB_URL_HELP
from warden.cli.hashset import hashset_store


@click.command("scan")
@click.argument("evidence", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--hashset",
    "hashsets",
    multiple=True,
    help="Hash set to match: a name in the store, or a file (imported into the store first). Repeatable. "
    "At least one, or --psi.",
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
    "or 'backup.zip:max_container_bytes=200G' (sizes take K, M, G, T). LIMIT is max_nesting, max_members, "
    "max_member_bytes, max_ratio, max_container_bytes, max_container_items or max_container_seconds. What "
    "the lower limit refused is examined again, and the report says so. Repeatable.",
)
@click.option(
    "--key-file",
    "key_files",
    multiple=True,
    type=click.Path(path_type=Path, dir_okay=False),
    metavar="FILE",
    help="Secrets that open encrypted volumes (BitLocker, LUKS, FileVault 2) and encrypted iOS backups: one "
    "a line, 'password: ...', 'recovery-key: ...' or 'key: HEX', '#' comments (docs/keys.md). Each volume "
    "is tried with every secret of the kinds it takes; the report says which file and line opened it, never "
    "the secret. A malformed file is refused whole, naming the line, before the case is touched. "
    "Repeatable; WARDEN_EVIDENCE_KEY_FILES names more.",
)
@click.option(
    "--ray",
    "ray",
    metavar="auto|ADDRESS",
    help="Hash on a Ray cluster instead of this machine's processes: 'auto' connects to the running cluster "
    "(RAY_ADDRESS, or one 'ray start' began here) or starts a local one; ADDRESS is the head node's "
    "host:port or ray://host:port. Every node must see the evidence and the spool (WARDEN_SPOOL) at the same "
    "paths: one machine, or shared storage; with several machines, use a PostgreSQL case database (--db). "
    "Needs pip install 'warden[ray]'. Default: WARDEN_RAY_ADDRESS.",
)
@click.option(
    "--conversations/--no-conversations",
    "conversations",
    default=None,
    help="After the items are recorded, read the app databases among them (WhatsApp, iMessage/SMS, Android "
    "SMS) for conversations, store them in the case, and link attachments to matched items: the report's "
    "distribution section (docs/conversations.md). Default: WARDEN_SCAN_CONVERSATIONS (on).",
)
@click.option(
    "--conversation-mapping",
    "conversation_mappings",
    multiple=True,
    metavar="PATTERN=MAPPING.json",
    help="Read the items whose path matches PATTERN (shell-style; '*' also crosses folders and containers, "
    "so '*.csv' is every CSV file) as a chat export in CSV or JSON lines, through MAPPING.json, which says "
    "which column holds the chat, sender, time, text and attachment (docs/conversations.md). For exports "
    "Warden has no reader of its own for; the case's log names the mapping and its SHA-256. Repeatable: the "
    "first matching pattern is used.",
)
@click.option(
    "--device-zone",
    metavar="ZONE",
    help="The IANA time zone (e.g. Europe/London) the device kept local times in: exports that write local "
    "times without a zone (WhatsApp .txt, a mapped export without its own 'zone') get UTC only with it.",
)
@click.option(
    "--psi",
    "psi_url",
    metavar="URL",
    help="Match exact hashes (MD5, SHA-1, SHA-256, PDQ bit for bit) against the list of a private-membership "
    "service (warden psi serve) without receiving the list or sending a hash (docs/private-membership.md). "
    "Matches carry the list's name and category; near-duplicates need a local --hashset.",
)
@click.option(
    "--psi-token-file",
    type=click.Path(path_type=Path, dir_okay=False),
    metavar="FILE",
    help="The API key (scope psi) of the --psi service, on the first line of a file readable by you only.",
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
    key_files: tuple[Path, ...],
    ray: str | None,
    conversations: bool | None,
    conversation_mappings: tuple[str, ...],
    device_zone: str | None,
    psi_url: str | None,
    psi_token_file: Path | None,
) -> None:
    """Hash EVIDENCE (folders or files), match it against hash sets, and record and report it in a case.

    Run the same command again after an interruption to resume: items already recorded are not redone
    (except those a limit refused, when it is raised for their exhibit with --raise-limit).
    """
    from warden.case.storage_errors import case_storage
    from warden.progress_display import progress_for_terminal
    from warden.report.case_report import write_reports
    from warden.scan.run import ScanOptions, run_scan

    options = ScanOptions(
        evidence=list(evidence),
        hashsets=list(hashsets),
        case_dir=case_dir,
        workers=workers,
        exact_pdq=exact_pdq,
        db_url=db_url,
        raise_limits=list(raise_limits),
        key_files=list(key_files),
        ray=ray,
        conversations=conversations,
        conversation_mappings=list(conversation_mappings),
        device_zone=device_zone,
        psi_url=psi_url,
        psi_token_file=psi_token_file,
    )
    result = run_scan(options, hashset_store(), progress_for_terminal(quiet))
    for warning in result.warnings:
        click.echo(f"warden: warning: {warning}", err=True)
    with case_storage(result.where, "writing the reports"):
        report, written = write_reports(result.case)
    print_summary(report["summary"])
    click.echo(f"report: {written['json']}")
    for name, path in sorted(written.items()):
        if name != "json":
            click.echo(f"        {path}")


def print_summary(summary: dict[str, Any]) -> None:
    """The counts a scan (or the scan of a crawl's capture) prints when it ends."""
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
