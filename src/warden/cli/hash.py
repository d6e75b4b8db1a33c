"""``warden hash FILE...``: every hash Warden computes for a file, as one JSON object per file."""

from __future__ import annotations

import json
from pathlib import Path

import click


@click.command("hash")
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
        click.echo(json.dumps(result, ensure_ascii=False, sort_keys=True))
