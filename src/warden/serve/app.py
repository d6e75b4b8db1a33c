"""The service's factory: one FastAPI app per worker process, with the routers of the roles switched on,
every endpoint but ``/status*`` behind an API key, one JSON error shape, and a log that holds no hash of
content unless ``WARDEN_SERVE_LOG_HASHES`` says so."""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request, Response

from warden import __version__
from warden.serve import http_errors
from warden.serve.config import ServeConfig
from warden.serve.routes import ROUTERS
from warden.serve.routes import key as key_routes
from warden.serve.routes import status as status_routes
from warden.serve.state import ServeState
from warden.servicedb.database import open_service_db

LOG = logging.getLogger("warden.serve")

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}


def create_app(config: ServeConfig) -> FastAPI:
    """The service for ``config``: its database opened (created or upgraded), its roles' routers included.

    Raises:
        CaseError: the service database cannot be opened or upgraded.
    """
    state = ServeState(config=config, engine=open_service_db(config.db_url))

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        try:
            for start in state.on_startup:
                start()
            yield
        finally:
            for stop in reversed(state.on_shutdown):
                stop()
            state.engine.dispose()

    app = FastAPI(
        title="Warden matching service",
        version=__version__,
        description="Hash uploads and match them against banks of known content. Every endpoint but "
        "/status* needs an API key (`Authorization: Bearer <key>` or `X-API-Key`); see docs/serve.md.",
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json",
        lifespan=lifespan,
    )
    app.state.serve = state
    http_errors.install(app)
    app.include_router(status_routes.router(state))
    app.include_router(key_routes.router(state))
    for role in sorted(config.roles):
        for factory in ROUTERS[role]:
            app.include_router(factory(state))

    @app.middleware("http")
    async def headers_and_log(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        began = time.monotonic()
        response = await call_next(request)
        response.headers.update(SECURITY_HEADERS)
        key = getattr(request.state, "api_key", None)
        # The path only: a query string may hold a hash being looked up.
        where = str(request.url.path) + (
            f"?{request.url.query}" if config.log_hashes and request.url.query else ""
        )
        LOG.info(
            "%s %s %d key=%s %.0f ms",
            request.method,
            where[:300],
            response.status_code,
            key.name if key is not None else "-",
            (time.monotonic() - began) * 1000,
        )
        return response

    return app


def app_from_settings() -> FastAPI:
    """The service as the environment configures it (``WARDEN_SERVE_*``): uvicorn's factory in each worker."""
    if not LOG.handlers:  # the service's own lines, with the worker's process id; libraries keep theirs
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(process)d %(levelname)s %(message)s"))
        LOG.addHandler(handler)
        LOG.setLevel(logging.INFO)
        LOG.propagate = False
    return create_app(ServeConfig.from_settings())
