"""``warden review CASE`` (the review app on loopback) and ``warden user add|list`` (its accounts)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import click

from warden import settings
from warden.case import DB_URL_HELP
from warden.errors import DependencyMissingError, UsageError

ROLES = ("examiner", "reviewer", "viewer", "admin")
"""The roles of ``warden.case.accounts`` (imported only when used: it needs argon2, of the ``web`` extra)."""
CASE_DIR = click.Path(path_type=Path, file_okay=False, exists=True)


@click.command("review")
@click.argument("case_dir", type=CASE_DIR)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (loopback only).")
@click.option("--port", default=8765, show_default=True, type=click.IntRange(1, 65535), help="Port.")
@click.option(
    "--allow-remote",
    is_flag=True,
    help="Allow a --host other than loopback (plain HTTP on the network: put TLS in front of it).",
)
@click.option(
    "--hostname",
    "hostnames",
    multiple=True,
    help="A name or address browsers use to reach the app, or the TLS proxy in front of it "
    "(review.example, or review.example:8443 off the default port; repeatable). Requests naming any other "
    "host are refused.",
)
@click.option(
    "--trusted-proxy",
    "trusted_proxies",
    multiple=True,
    help="Address or network of a reverse proxy in front of the app (repeatable; default: "
    "WARDEN_REVIEW_TRUSTED_PROXIES): only its X-Forwarded-Proto, -Host and -For are believed.",
)
@click.option(
    "--threshold",
    type=click.IntRange(0, 256),
    help="Largest PDQ distance between near-duplicates grouped in one cluster "
    "(default: WARDEN_PDQ_THRESHOLD, 31).",
)
@click.option("--db", "db_url", help=DB_URL_HELP)
def review_command(
    case_dir: Path,
    host: str,
    port: int,
    allow_remote: bool,
    hostnames: tuple[str, ...],
    trusted_proxies: tuple[str, ...],
    threshold: int | None,
    db_url: str | None,
) -> None:
    """Start the review app of CASE_DIR on this machine and print its address.

    Examiners grade what no hash set knew, near-duplicates a cluster at a time, with previews blurred and
    greyscale until one is revealed; a second reviewer confirms or disputes. The first run creates the
    account `admin` and prints its one-time password.
    """
    from warden.addresses import is_every_address, is_loopback
    from warden.web.config import ReviewConfig, host_names, split_host
    from warden.web.proxy import normal_host, parse_proxies

    for package in ("fastapi", "uvicorn", "multipart", "jinja2"):
        if importlib.util.find_spec(package) is None:
            raise DependencyMissingError(package, "web", "the review app")
    proxies = parse_proxies(trusted_proxies or [settings.get_str(settings.REVIEW_TRUSTED_PROXIES)])
    if not is_loopback(host):
        if not allow_remote:
            raise UsageError(
                f"--host {host} is not loopback: the review app shows evidence, so it listens on this "
                "machine only unless --allow-remote is given"
            )
        if is_every_address(host) and not hostnames:
            raise UsageError(
                f"--host {host} listens on every address: give the name browsers will use with --hostname"
            )
        click.echo(
            f"warden: warning: listening on {host}: anyone who can reach it can try to log in, and HTTP is "
            "not encrypted; put a TLS proxy in front of it",
            err=True,
        )
    import uvicorn

    from warden.case import accounts
    from warden.case.folder import Case
    from warden.web.app import create_app

    case = Case.open(case_dir, db_url=db_url)
    case.check_audit_key()  # every login and grade is logged: refuse to serve what could not be recorded
    with case.engine.begin() as connection:
        password = accounts.ensure_admin(connection)
    if password is not None:
        click.echo(
            f"first run: created the account 'admin' with the one-time password  {password}\n"
            "  it is shown only now, and must be changed at the first login"
        )
    distance = threshold if threshold is not None else settings.get_int(settings.PDQ_THRESHOLD)
    allowed = host_names(host, port).union(*(host_names(split_host(name)[0], port) for name in hostnames))
    config = ReviewConfig(
        allowed_hosts=allowed,
        cluster_threshold=distance,
        port=port,
        trusted_proxies=proxies,
        public_hosts=frozenset(normal_host(name, "https") for name in hostnames),
    )
    shown = f"[{host}]" if ":" in host else host
    click.echo(f"Warden review of {case_dir} at http://{shown}:{port}/  (Ctrl-C stops it)")
    sys.stdout.flush()
    uvicorn.run(
        create_app(case, config),
        host=host,
        port=port,
        log_level="warning",
        access_log=False,
        server_header=False,
        proxy_headers=False,
    )


@click.group("user")
def user_command() -> None:
    """Accounts of a case's review app (examiner, reviewer, viewer, admin)."""


@user_command.command("add")
@click.argument("case_dir", type=CASE_DIR)
@click.argument("name")
@click.option("--role", required=True, type=click.Choice(ROLES), help="What the account may do.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input (first line).")
@click.option(
    "--temporary", is_flag=True, help="The account's owner must change the password at first login."
)
@click.option("--db", "db_url", help=DB_URL_HELP)
def user_add(
    case_dir: Path, name: str, role: str, password_stdin: bool, temporary: bool, db_url: str | None
) -> None:
    """Add the account NAME to CASE_DIR (the password is asked for, never given as an argument)."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    from warden.case import accounts
    from warden.case.folder import Case, operator_name

    case = Case.open(case_dir, db_url=db_url)
    with case.engine.begin() as connection:
        account = accounts.create(connection, name, role, password, by=operator_name(), must_change=temporary)
    click.echo(f"added {account.name} ({account.role})")


@user_command.command("list")
@click.argument("case_dir", type=CASE_DIR)
@click.option("--db", "db_url", help=DB_URL_HELP)
def user_list(case_dir: Path, db_url: str | None) -> None:
    """List the accounts of CASE_DIR: name, role, and whether a password change is due or it is disabled."""
    from warden.case import accounts
    from warden.case.folder import Case

    case = Case.open(case_dir, db_url=db_url)
    with case.engine.connect() as connection:
        listed = accounts.all_accounts(connection)
    for account in listed:
        flags = [
            flag
            for flag, on in (
                ("must change password", account.must_change_password),
                ("disabled", account.disabled),
            )
            if on
        ]
        click.echo(f"{account.name}\t{account.role}" + (f"\t{', '.join(flags)}" if flags else ""))
