"""``warden psi``: private membership. Build a list of OPRF tags from a stored hash set, serve it, and ask
a service whether hashes are listed without sending them (``docs/private-membership.md``)."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from warden import settings
from warden.errors import UsageError

if TYPE_CHECKING:
    from warden.psi.manifest import ListManifest
    from warden.psi.suite import ServerKey

KEY_FILE_HELP = "The list's server key (0600; made when absent). Default: server.key in the list's folder."
MAX_QUERY_FILE_BYTES = 256 << 20


@click.group("psi")
def psi_group() -> None:
    """Private membership: check hashes against a list without either side revealing theirs (RFC 9497
    OPRF; exact hashes only)."""


def _key(name: str, key_file: Path | None) -> tuple[Path, ServerKey]:
    from warden.psi.build import default_key_file
    from warden.psi.suite import ServerKey, require_voprf

    require_voprf()
    path = key_file or default_key_file(name)
    existed = path.exists()
    key = ServerKey.load(path, create=True)
    if not existed:
        click.echo(
            f"created the PSI server key {path}; whoever holds it can test any hash against the list",
            err=True,
        )
    return path, key


def _summary(manifest: ListManifest, folder: Path) -> str:
    counts = ", ".join(f"{count:,} {kind}" for kind, count in manifest.counts.items()) or "none"
    skipped = ", ".join(f"{count:,} {kind}" for kind, count in manifest.skipped.items())
    lines = [
        f"list {manifest.hash_set!r} in {folder}: {manifest.total:,} tags ({counts})",
        f"  categories: {', '.join(manifest.categories) or 'none'}",
        f"  filter: {manifest.filter_size:,} bytes",
        f"  public key: {manifest.public_key}",
        f"  commitment: {manifest.commitment}",
    ]
    if skipped:
        lines.append(f"  not listed (not exact hashes): {skipped}")
    return "\n".join(lines)


def ensure_list(name: str, key_file: Path | None, workers: int | None, *, force: bool) -> Path:
    """The folder of the list built from stored set ``name``, built first when missing, stale (the set
    changed, or another key) or ``force``; what was built is told on standard error.

    Raises:
        HashSetNotFoundError: no such set in the store.
        HashSetKeyError: the hash-set key is missing or wrong.
        KeyFileError: the server key file is readable by others or not a key.
        PsiListError: a tag worker failed; nothing was written.
    """
    from warden.cli.hashset import hashset_store
    from warden.psi.build import build_from_store, list_folder, list_is_current

    store = hashset_store()
    source = str(store.manifest(name).get("source_sha256", ""))  # HashSetNotFoundError when absent
    _path, key = _key(name, key_file)
    folder = list_folder(name)
    if force or not list_is_current(folder, key, source):
        click.echo(f"building the PSI list of {name!r}…", err=True)
        build_from_store(store, name, key, folder, workers)
    return folder


@psi_group.command("build")
@click.argument("name")
@click.option("--key-file", type=click.Path(path_type=Path, dir_okay=False), help=KEY_FILE_HELP)
@click.option("--workers", type=click.IntRange(1, 256), help="Tag worker processes (default: one per CPU).")
@click.option("--force", is_flag=True, help="Build again even when the list is current.")
def psi_build(name: str, key_file: Path | None, workers: int | None, force: bool) -> None:
    """Build the private-membership list of stored hash set NAME into $WARDEN_HOME/psi/NAME: one OPRF tag per
    exact hash (MD5, SHA-1, SHA-256, PDQ), as a filter and a manifest with a commitment."""
    from warden.psi.manifest import ListManifest

    folder = ensure_list(name, key_file, workers, force=force)
    click.echo(_summary(ListManifest.read(folder), folder))


@psi_group.command("serve")
@click.argument("name")
@click.option("--key-file", type=click.Path(path_type=Path, dir_okay=False), help=KEY_FILE_HELP)
@click.option("--host", help="Address to listen on (default: WARDEN_SERVE_HOST, 127.0.0.1).")
@click.option("--port", type=click.IntRange(1, 65535), help="Port (default: WARDEN_SERVE_PORT, 8787).")
@click.option(
    "--workers", type=click.IntRange(1, 64), help="Processes answering (default: WARDEN_SERVE_WORKERS)."
)
@click.option(
    "--db", "db_url", help="Service database URL, for API keys and rates (default: WARDEN_SERVE_DB)."
)
@click.option("--allow-remote", is_flag=True, help="Allow a --host other than loopback (put TLS in front).")
def psi_serve(
    name: str,
    key_file: Path | None,
    host: str | None,
    port: int | None,
    workers: int | None,
    db_url: str | None,
    allow_remote: bool,
) -> None:
    """Serve the private-membership list of stored hash set NAME (built first when missing or stale), until
    interrupted: GET /v1/psi/manifest, GET /v1/psi/filter, POST /v1/psi/evaluate, for API keys with the psi
    scope (warden apikey create NAME --scope psi --rate HASHES_PER_MINUTE). Its log holds counts, never a
    hash."""
    from warden.cli.serve import require_serve, run_service
    from warden.psi.build import open_served

    require_serve()
    folder = ensure_list(name, key_file, None, force=False)
    manifest, _ = open_served(folder, key_file)  # refused here with its reason, not in the server's master
    click.echo(_summary(manifest, folder), err=True)
    os.environ[settings.SERVE_ROLES.env_var] = "psi"
    os.environ[settings.SERVE_PSI_LIST.env_var] = str(folder)
    if key_file is not None:
        os.environ[settings.SERVE_PSI_KEY_FILE.env_var] = str(key_file.resolve())
    else:
        os.environ.pop(settings.SERVE_PSI_KEY_FILE.env_var, None)
    run_service(host, port, workers, db_url, allow_remote)


def _parse_hash(text: str, kind: str | None, where: str) -> tuple[str, str]:
    """``KIND:VALUE`` or a bare value whose kind ``--kind`` gives or its length tells (32 hex MD5, 40 SHA-1,
    64 SHA-256)."""
    from warden.psi.inputs import EXACT_KINDS

    names = [k.value for k in EXACT_KINDS]
    text = text.strip()
    if ":" in text:
        given, value = text.split(":", 1)
        if given.lower() not in names:
            raise UsageError(f"{where}: {given!r} is not a kind a list holds ({', '.join(names)})")
        return given.lower(), value.strip()
    if kind is not None:
        return kind, text
    by_length = {32: "md5", 40: "sha1", 64: "sha256"}
    if len(text) not in by_length:
        raise UsageError(
            f"{where}: give KIND:VALUE (one of {', '.join(names)}) for a hash of {len(text)} characters"
        )
    return by_length[len(text)], text


def _hashes(values: tuple[str, ...], file: Path | None, kind: str | None) -> list[tuple[str, str]]:
    asked = [_parse_hash(text, kind, f"hash {number}") for number, text in enumerate(values, 1)]
    if file is not None:
        try:
            if file.stat().st_size > MAX_QUERY_FILE_BYTES:
                raise UsageError(f"{file} is over {MAX_QUERY_FILE_BYTES >> 20} MiB: split it")
            lines = file.read_text(encoding="utf-8-sig").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(f"{file} cannot be read as text: {exc}") from None
        for number, line in enumerate(lines, 1):
            if line.strip() and not line.lstrip().startswith("#"):
                asked.append(_parse_hash(line, kind, f"{file} line {number}"))
    if not asked:
        raise UsageError("give hashes to look up (arguments or --file)")
    return asked


@psi_group.command("query")
@click.argument("url")
@click.argument("hashes", nargs=-1)
@click.option(
    "--token-file",
    required=True,
    type=click.Path(path_type=Path, dir_okay=False),
    help="File holding the API key (scope psi) on its first line, readable by you only.",
)
@click.option(
    "--file", "hash_file", type=click.Path(path_type=Path, dir_okay=False), help="Hashes, one per line."
)
@click.option(
    "--kind",
    type=click.Choice(["md5", "sha1", "sha256", "pdq"]),
    help="The kind of bare hashes (default: by length; a PDQ hash needs it or pdq:VALUE).",
)
@click.option(
    "--batch", type=click.IntRange(1, 10_000), default=1000, show_default=True, help="Hashes per request."
)
@click.option("--json", "as_json", is_flag=True, help="One JSON document: the list and each answer.")
def psi_query(
    url: str,
    hashes: tuple[str, ...],
    token_file: Path,
    hash_file: Path | None,
    kind: str | None,
    batch: int,
    as_json: bool,
) -> None:
    """Ask the private-membership service at URL whether HASHES are listed (KIND:VALUE, or bare hex), without
    sending them: each is blinded, the server's proof checked against the list's public key, and the answer
    looked up in the list's filter here. Prints listed hashes with their category."""
    from warden.psi.client import PsiClient, read_token_file

    asked = _hashes(hashes, hash_file, kind)
    with PsiClient(url, read_token_file(token_file), batch=batch) as client:
        answers = client.query(asked)
        manifest = client.manifest()
    listed = [answer for answer in answers if answer.listed]
    if as_json:
        document: dict[str, Any] = {
            "list": {
                "hash_set": manifest.hash_set,
                "total": manifest.total,
                "public_key": manifest.public_key,
                "commitment": manifest.commitment,
            },
            "answers": [
                {"kind": a.kind, "value": a.value, "listed": a.listed, "category": a.category}
                for a in answers
            ],
        }
        json.dump(document, sys.stdout, indent=2)
        sys.stdout.write("\n")
        return
    for answer in answers:
        state = f"listed {answer.category}" if answer.listed else "not listed"
        click.echo(f"{state}\t{answer.kind}:{answer.value}")
    click.echo(
        f"{len(listed)} of {len(answers)} listed in {manifest.hash_set!r} "
        f"(commitment {manifest.commitment[:16]}…)",
        err=True,
    )
