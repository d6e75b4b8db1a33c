"""``warden apikey create|list|revoke|expire``: the API keys of ``warden serve``."""

from __future__ import annotations

import json
import re
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import click

from warden import settings
from warden.cli.service_db import iso, service_engine
from warden.errors import UsageError

if TYPE_CHECKING:
    pass

SCOPE_CHOICE = click.Choice(["hash", "match", "curate", "psi", "admin"])
DB_OPTION = click.option(
    "--db",
    "db_url",
    help="Service database URL (default: WARDEN_SERVE_DB, else serve/service.db under WARDEN_HOME).",
)
_SPAN = re.compile(r"^(\d+)([mhd])$")
_SPAN_SECONDS = {"m": 60, "h": 3600, "d": 86400}


def parse_when(text: str, now: float) -> float:
    """``30d``, ``12h``, ``90m`` from now, or an ISO 8601 date or time (UTC unless it says otherwise).

    Raises:
        UsageError: neither form.
    """
    span = _SPAN.match(text.strip())
    if span:
        return now + int(span.group(1)) * _SPAN_SECONDS[span.group(2)]
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise UsageError(
            f"{text!r} is not a time: give 30d, 12h, 90m, or a date such as 2027-01-31"
        ) from None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


@click.group("apikey")
def apikey_group() -> None:
    """Make, list, expire and revoke the API keys of `warden serve` (kept only as SHA-256 hashes)."""


@apikey_group.command("create")
@click.argument("name")
@click.option(
    "--scope", "scopes", multiple=True, required=True, type=SCOPE_CHOICE, help="What it may do (repeatable)."
)
@click.option("--expires", help="When it stops working: 30d, 12h, 90m from now, or a date (UTC).")
@click.option(
    "--rate", type=click.IntRange(1), help="Requests per minute (default: WARDEN_SERVE_RATE_PER_MINUTE, 600)."
)
@DB_OPTION
def create_command(
    name: str, scopes: tuple[str, ...], expires: str | None, rate: int | None, db_url: str | None
) -> None:
    """Make a key NAME and print it, once: it is stored only as a hash and cannot be shown again."""
    from warden.servicedb.keys import check_scopes, create_key

    now = time.time()
    until = parse_when(expires, now) if expires else None
    if until is not None and until <= now:
        raise UsageError("--expires must be in the future")
    engine = service_engine(db_url)
    try:
        with engine.begin() as connection:
            key, record = create_key(
                connection,
                name,
                check_scopes(scopes),
                rate or settings.get_int(settings.SERVE_RATE_PER_MINUTE),
                now,
                until,
            )
    finally:
        engine.dispose()
    click.echo(key)
    click.echo(
        f"API key {record.name!r} (scopes {', '.join(sorted(record.scopes))}, {record.rate_per_minute} "
        f"requests/minute, expires {iso(record.expires) or 'never'}): keep it now, it is not shown again.",
        err=True,
    )


@apikey_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per key.")
@DB_OPTION
def list_command(as_json: bool, db_url: str | None) -> None:
    """List every key (never the key itself: its first characters, scopes, rate and state)."""
    from warden.servicedb.keys import list_keys

    engine = service_engine(db_url)
    try:
        with engine.connect() as connection:
            keys = list_keys(connection)
    finally:
        engine.dispose()
    now = time.time()
    for key in keys:
        scopes = sorted(key.scopes)
        row = {
            "name": key.name,
            "prefix": key.prefix,
            "scopes": scopes,
            "rate_per_minute": key.rate_per_minute,
            "state": key.state(now),
            "created": iso(key.created),
            "expires": iso(key.expires),
            "revoked": iso(key.revoked),
        }
        if as_json:
            click.echo(json.dumps(row, sort_keys=True))
        else:
            click.echo(
                f"{key.name}\t{key.prefix}…\t{','.join(scopes)}\t{key.rate_per_minute}/min\t"
                f"{row['state']}\texpires {row['expires'] or 'never'}"
            )
    if not keys and not as_json:
        click.echo("no API keys yet: warden apikey create NAME --scope hash", err=True)


@apikey_group.command("revoke")
@click.argument("name")
@DB_OPTION
def revoke_command(name: str, db_url: str | None) -> None:
    """Revoke the key NAME for good; requests with it are refused (401) from now on."""
    from warden.servicedb.keys import revoke_key

    engine = service_engine(db_url)
    try:
        with engine.begin() as connection:
            revoke_key(connection, name, time.time())
    finally:
        engine.dispose()
    click.echo(f"API key {name!r} revoked", err=True)


@apikey_group.command("expire")
@click.argument("name")
@click.option("--at", "when", help="When: 30d, 12h, 90m from now, or a date (UTC); default now.")
@DB_OPTION
def expire_command(name: str, when: str | None, db_url: str | None) -> None:
    """Make the key NAME expire now (or --at a later time)."""
    from warden.servicedb.keys import expire_key

    now = time.time()
    moment = parse_when(when, now) if when else now
    engine = service_engine(db_url)
    try:
        with engine.begin() as connection:
            record = expire_key(connection, name, moment)
    finally:
        engine.dispose()
    click.echo(f"API key {name!r} expires {iso(record.expires)}", err=True)
