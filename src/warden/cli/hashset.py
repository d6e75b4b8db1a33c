"""``warden hashset``: import, list, inspect, export and remove hash sets; store a case's grades as one."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from warden.case import DB_URL_HELP

if TYPE_CHECKING:
    from warden.hashsets.store import HashSetStore


@click.group("hashset")
def hashset_group() -> None:
    """Import, inspect and export hash sets (kept encrypted in the hash-set store)."""


def hashset_store() -> HashSetStore:
    """The hash-set store the settings name (``WARDEN_HOME``, the key file)."""
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
    store = hashset_store()
    try:
        manifest = store.import_file(
            file, name=name, format_name=format_name, profile=profile, category=category
        )
    except OSError as error:
        from warden.case.storage_errors import is_no_space, no_space

        if not is_no_space(error):
            raise

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
    for manifest in hashset_store().manifests():
        click.echo(
            f"{manifest['name']}\t{manifest['entries']} entries\t{manifest['format']}\t{manifest['source']}"
        )


@hashset_group.command("info")
@click.argument("name")
def hashset_info(name: str) -> None:
    """Print what the store knows of hash set NAME (counts by category and hash kind, source checksum)."""
    click.echo(json.dumps(hashset_store().info(name), ensure_ascii=False, sort_keys=True))


@hashset_group.command("export")
@click.argument("name")
@click.option("--format", "format_name", default="csv", show_default=True, help="csv or vics.")
@click.option("--profile", help="Category profile for formats with numeric categories (vics).")
@click.option(
    "-o", "--output", type=click.Path(path_type=Path, dir_okay=False), help="File to write (default: stdout)."
)
def hashset_export(name: str, format_name: str, profile: str | None, output: Path | None) -> None:
    """Write hash set NAME in clear text (treat the output as sensitive)."""
    store = hashset_store()
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
    hashset_store().remove(name)
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


@hashset_group.command("from-grades")
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
    from warden.case.grades_to_store import add_grades_to_store

    store = hashset_store()
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
