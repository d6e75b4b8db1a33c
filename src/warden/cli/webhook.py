"""``warden webhook add|list|disable|dead-letters|retry``: where `warden serve` sends signed match notices."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from warden import settings
from warden.cli.service_db import iso, service_engine
from warden.errors import UsageError

if TYPE_CHECKING:
    pass

DB_OPTION = click.option(
    "--db",
    "db_url",
    help="Service database URL (default: WARDEN_SERVE_DB, else serve/service.db under WARDEN_HOME).",
)
JSON_OPTION = click.option("--json", "as_json", is_flag=True, help="Print JSON instead of lines.")


def _secret(path: Path) -> bytes:
    try:
        secret = path.read_bytes().strip()
    except OSError as exc:
        raise UsageError(f"cannot read the secret file {path}: {exc.strerror}") from None
    return secret


@click.group("webhook")
def webhook_group() -> None:
    """Webhook endpoints of `warden serve`, and the notices they did not take (dead letters)."""


@webhook_group.command("add")
@click.argument("url")
@click.option(
    "--secret-file",
    required=True,
    type=click.Path(path_type=Path, dir_okay=False),
    help="File holding the endpoint's signing secret (16 bytes or more); the receiver keeps the same.",
)
@click.option(
    "--bank", "banks", multiple=True, help="Only matches in this bank (repeatable; default: every bank)."
)
@DB_OPTION
def add_command(url: str, secret_file: Path, banks: tuple[str, ...], db_url: str | None) -> None:
    """Send a signed notice of each match to URL (the secret is sealed with the hash-set key)."""
    from warden.hashsets.sealed import load_key
    from warden.serve.webhooks import add_endpoint

    key, _ = load_key(settings.get_path(settings.KEY_FILE), create=True)
    endpoint = add_endpoint(service_engine(db_url), key, url, _secret(secret_file), banks=banks)
    click.echo(
        f"webhook {endpoint.endpoint_id}: {endpoint.url} ({', '.join(endpoint.banks) or 'every bank'})"
    )


@webhook_group.command("list")
@JSON_OPTION
@DB_OPTION
def list_command(as_json: bool, db_url: str | None) -> None:
    """Every endpoint, disabled ones too (never a secret)."""
    from warden.serve.webhooks import list_endpoints

    endpoints = list_endpoints(service_engine(db_url))
    rows: list[dict[str, Any]] = [
        {
            "id": endpoint.endpoint_id,
            "url": endpoint.url,
            "events": list(endpoint.events),
            "banks": list(endpoint.banks),
            "created": iso(endpoint.created),
            "disabled": iso(endpoint.disabled),
        }
        for endpoint in endpoints
    ]
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    for row in rows:
        state = f"disabled {row['disabled']}" if row["disabled"] else "enabled"
        click.echo(f"{row['id']}\t{row['url']}\t{','.join(row['banks']) or 'every bank'}\t{state}")


@webhook_group.command("disable")
@click.argument("endpoint_id", type=int)
@DB_OPTION
def disable_command(endpoint_id: int, db_url: str | None) -> None:
    """Send nothing more to an endpoint (what it was sent stays listed)."""
    from warden.serve.webhooks import disable_endpoint

    disable_endpoint(service_engine(db_url), endpoint_id)
    click.echo(f"webhook {endpoint_id} disabled")


@webhook_group.command("dead-letters")
@click.option("--limit", default=100, show_default=True, type=click.IntRange(1, 10000))
@JSON_OPTION
@DB_OPTION
def dead_letters_command(limit: int, as_json: bool, db_url: str | None) -> None:
    """Notices given up after their last attempt, the newest first."""
    from warden.serve.webhooks import dead_letters

    rows = [
        {
            "id": dead.delivery_id,
            "endpoint": dead.endpoint_id,
            "url": dead.url,
            "event": dead.event,
            "attempts": dead.attempts,
            "created": iso(dead.created),
            "gave_up": iso(dead.finished),
            "last_status": dead.last_status,
            "last_error": dead.last_error,
        }
        for dead in dead_letters(service_engine(db_url), limit)
    ]
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    for row in rows:
        click.echo(
            f"{row['id']}\t{row['url']}\t{row['attempts']} attempts\t{row['gave_up']}\t{row['last_error']}"
        )


@webhook_group.command("retry")
@click.argument("delivery_id", type=int, required=False)
@click.option("--all", "every", is_flag=True, help="Every dead letter.")
@DB_OPTION
def retry_command(delivery_id: int | None, every: bool, db_url: str | None) -> None:
    """Send a dead letter again, with fresh attempts (the running service's worker sends it)."""
    from warden.serve.webhooks import retry

    if (delivery_id is None) == (not every):
        raise UsageError("give one delivery id, or --all")
    count = retry(service_engine(db_url), delivery_id)
    click.echo(f"{count} notice{'s' if count != 1 else ''} due again")
