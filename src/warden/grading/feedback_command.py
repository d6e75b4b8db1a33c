"""``warden hashset from-grades CASE --name NAME``: a case's examiner grades as a hash set in the store."""

from __future__ import annotations

from pathlib import Path

import click

from warden.case import DB_URL_HELP


@click.command("from-grades")
@click.argument("case_dir", type=click.Path(path_type=Path, file_okay=False, exists=True))
@click.option("--name", required=True, help="Name to store the set under (letters, digits, . _ -).")
@click.option(
    "--include-disputed",
    is_flag=True,
    help="Also take grades a second reviewer disputes (left out by default).",
)
@click.option("--db", "db_url", help=DB_URL_HELP)
def from_grades_command(case_dir: Path, name: str, include_disputed: bool, db_url: str | None) -> None:
    """Store the current grades of CASE_DIR (A, B, C, not indecent; confirmed or not yet reviewed) as hash set
    NAME, so later scans find those images. Export it with `warden hashset export NAME --format vics
    --profile uk` to submit it upstream."""
    from warden.case.folder import Case
    from warden.grading.feedback import add_grades_to_store
    from warden.hashsets.store import HashSetStore

    store = HashSetStore.from_settings()
    feedback, manifest = add_grades_to_store(
        Case.open(case_dir, db_url=db_url), store, name, include_disputed=include_disputed
    )
    if store.key_created:
        click.echo(
            f"created the hash-set key {store.key_file}; keep it safe and outside case folders", err=True
        )
    counts = ", ".join(f"{category} {count}" for category, count in feedback.counts().items())
    click.echo(
        f"stored {manifest['entries']} entries as {manifest['name']!r} ({counts}) "
        f"from {feedback.graded} grades"
    )
    if feedback.left_out_disputed:
        click.echo(f"left out {feedback.left_out_disputed} disputed grades (--include-disputed takes them)")
    if feedback.left_out_no_digest:
        click.echo(f"left out {feedback.left_out_no_digest} graded items without digests (unreadable)")
    if feedback.conflicting:
        click.echo(
            f"{len(feedback.conflicting)} images were graded differently in different copies: "
            "the most serious grade was used"
        )
