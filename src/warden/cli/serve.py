"""``warden serve``: the matching service (hash uploads, look hashes up, manage banks) on gunicorn and
uvicorn (see :mod:`warden.serve.server`)."""

from __future__ import annotations

import importlib.util
import os

import click

from warden import settings
from warden.errors import DependencyMissingError, UsageError


@click.command("serve")
@click.option("--host", help="Address to listen on (default: WARDEN_SERVE_HOST, 127.0.0.1).")
@click.option("--port", type=click.IntRange(1, 65535), help="Port (default: WARDEN_SERVE_PORT, 8787).")
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    help="Processes answering requests (default: WARDEN_SERVE_WORKERS, 2); they share the database.",
)
@click.option(
    "--roles",
    help="Parts to switch on, comma-separated: hasher, matcher, curator, psi (default: WARDEN_SERVE_ROLES: "
    "the first three; psi serves a built list, see warden psi serve).",
)
@click.option(
    "--db",
    "db_url",
    help="Service database URL (default: WARDEN_SERVE_DB, else serve/service.db under WARDEN_HOME; "
    "postgresql+psycopg://user@host/db for PostgreSQL).",
)
@click.option(
    "--allow-remote",
    is_flag=True,
    help="Allow a --host other than loopback (plain HTTP on the network: put TLS in front of it).",
)
def serve_command(
    host: str | None,
    port: int | None,
    workers: int | None,
    roles: str | None,
    db_url: str | None,
    allow_remote: bool,
) -> None:
    """Start the matching service, until interrupted (Ctrl-C).

    Every endpoint but /status and /status/live needs an API key made with `warden apikey create`; the API
    is described at /openapi.json. Settings come from WARDEN_SERVE_* (docs/settings.md); the options here
    override them.
    """
    from warden.serve.config import parse_roles

    require_serve()
    # Every worker process reads its settings from the environment it inherits.
    if roles is not None:
        os.environ[settings.SERVE_ROLES.env_var] = ",".join(sorted(parse_roles(roles)))
    else:
        parse_roles(settings.get_str(settings.SERVE_ROLES))
    run_service(host, port, workers, db_url, allow_remote)


def require_serve() -> None:
    """Check the ``serve`` extra's packages are installed.

    Raises:
        DependencyMissingError: one is not; the message names the extra.
    """
    for package in ("fastapi", "uvicorn", "gunicorn", "uvicorn_worker", "python_multipart"):
        if importlib.util.find_spec(package) is None:
            raise DependencyMissingError(package.replace("_", "-"), "serve", "the matching service")


def run_service(
    host: str | None, port: int | None, workers: int | None, db_url: str | None, allow_remote: bool
) -> None:
    """Start the service the environment's ``WARDEN_SERVE_*`` settings describe (its roles set already),
    on ``host:port`` with ``workers`` processes, until interrupted.

    Raises:
        UsageError: a host other than loopback without ``allow_remote``, or a bad setting.
        CaseError: the service database cannot be created or upgraded.
    """
    from warden.addresses import is_loopback
    from warden.serve import server
    from warden.serve.config import ServeConfig
    from warden.serve.config import db_url as configured_db_url
    from warden.servicedb.database import open_service_db

    host = host or settings.get_str(settings.SERVE_HOST)
    port = port or settings.get_int(settings.SERVE_PORT)
    workers = workers or max(1, settings.get_int(settings.SERVE_WORKERS))
    if not is_loopback(host) and not allow_remote:
        raise UsageError(
            f"--host {host} is not loopback: the service listens on this machine only unless --allow-remote "
            "is given (then put TLS in front of it)"
        )
    if db_url:
        os.environ[settings.SERVE_DB.env_var] = db_url
    url = configured_db_url()
    if url.startswith("sqlite:///"):
        from pathlib import Path

        from warden.private import make_private_dir

        make_private_dir(Path(url.removeprefix("sqlite:///")).parent)
    ServeConfig.from_settings()  # a bad setting is refused here, with its name
    # Created or upgraded here, with a clear error if it cannot be, before the master builds the app.
    open_service_db(url).dispose()
    click.echo(f"warden serve: http://{host}:{port}/ ({workers} workers); Ctrl-C stops it", err=True)
    server.run(host, port, workers)
