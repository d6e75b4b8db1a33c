"""``warden bank fetch``: fill a bank (a hash set in the store) from ThreatExchange, NCMEC hash sharing or
StopNCII, through python-threatexchange's clients; a later fetch brings only what changed."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

import click

from warden.errors import DependencyMissingError, UsageError

if TYPE_CHECKING:
    from warden.serve.exchange_banks import Published
    from warden.serve.exchanges import FetchResult

EXCHANGE_NAMES = ("threatexchange", "ncmec", "stopncii")


@click.group("bank")
def bank_group() -> None:
    """Banks of `warden serve` filled from hash exchanges."""


@bank_group.command("fetch")
@click.argument("name")
@click.option("--from", "exchange", required=True, type=click.Choice(EXCHANGE_NAMES), help="The exchange.")
@click.option(
    "--collaboration",
    help="NCMEC: the environment (NGO, Industry, test_NGO, ...; default NGO). ThreatExchange: the privacy "
    "group's number (required).",
)
@click.option(
    "--credentials-file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="File with the exchange's credentials in python-threatexchange's form: NCMEC user:password, "
    "StopNCII fetch_key,subscription_key, ThreatExchange the app token. Default: where that library looks "
    "(TX_NCMEC_CREDENTIALS, TX_STOPNCII_KEYS, TX_ACCESS_TOKEN, or ~/.tx_ncmec_credentials, "
    "~/.tx_stopncii_keys, ~/.txtoken).",
)
@click.option("--base-url", help="The exchange's API at another address (its test environment, a mirror).")
@click.option(
    "--profile",
    help="Category profile (name or .json path) for the exchange's opinions and tags "
    "(default: threatexchange).",
)
@click.option(
    "--db",
    "db_url",
    help="The matching service's database, whose bank NAME gets what was fetched (default: WARDEN_SERVE_DB, "
    "else serve/service.db under WARDEN_HOME).",
)
@click.option("--json", "as_json", is_flag=True, help="Print what the fetch did as JSON.")
def fetch_command(
    name: str,
    exchange: str,
    collaboration: str | None,
    credentials_file: Path | None,
    base_url: str | None,
    profile: str | None,
    db_url: str | None,
    as_json: bool,
) -> None:
    """Create bank NAME from an exchange, or bring it up to date from its last checkpoint.

    NAME is a bank of the matching service (UPPER_WITH_UNDERSCORE): what the exchange holds is published to
    it through its change log, so a running `warden serve` matches it within a poll, no restart needed.

    Nothing changes unless the whole fetch comes in: an exchange that refuses, is unreachable, too slow,
    endless or malformed leaves the bank as it was (exit 15).
    """
    try:
        from warden.serve.exchange_types import FetchOptions
        from warden.serve.exchanges import fetch_bank
    except ImportError as error:
        if error.name and error.name.split(".")[0] in ("threatexchange", "dacite", "requests"):
            raise DependencyMissingError(
                "threatexchange", "exchanges", "fetching from hash exchanges"
            ) from None
        raise
    from warden.hashsets.store import HashSetStore

    credentials = None
    if credentials_file is not None:
        try:
            credentials = credentials_file.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise UsageError(f"cannot read the credentials file {credentials_file}: {exc.strerror}") from None
    from warden.cli.service_db import service_engine
    from warden.serve.banks import Banks, check_bank_name
    from warden.serve.exchange_banks import publish

    check_bank_name(name)
    options = FetchOptions(credentials, base_url, collaboration, profile)
    store = HashSetStore.from_settings()
    result = fetch_bank(store, name, exchange, options)
    engine = service_engine(db_url)
    try:
        published = publish(Banks.from_settings(engine), name, store.load(name).entries)
    finally:
        engine.dispose()
    if as_json:
        click.echo(json.dumps(asdict(result) | {"service_bank": asdict(published)}, indent=2))
    else:
        click.echo(_lines(result) + "\n" + _published(published))


def _published(published: Published) -> str:
    made = "made and " if published.created else ""
    return (
        f"service bank {published.bank}: {made}{published.added} added or changed, {published.removed} "
        f"removed, {published.content} in all (a running warden serve matches them within a poll)"
    )


def _lines(result: FetchResult) -> str:
    how = "in full" if result.full else "since the last fetch"
    lines = [
        f"bank {result.bank}: {result.entries} entries from {result.exchange} ({how}: {result.added} "
        f"added or updated, {result.removed} removed, {result.requests} requests)"
    ]
    lines += [f"  not taken: {count} {reason}" for reason, count in sorted(result.skipped.items())]
    lines += [f"  {problem}" for problem in result.problems]
    return "\n".join(lines)
