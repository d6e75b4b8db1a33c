"""The service's factory: one FastAPI app per worker process, with the routers of the roles switched on,
every endpoint but ``/status*`` behind an API key, one JSON error shape, and a log that holds no hash of
content unless ``WARDEN_SERVE_LOG_HASHES`` says so."""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from warden import __version__
from warden.errors import RequestTooLargeError
from warden.serve import http_errors
from warden.serve.config import ServeConfig
from warden.serve.routes import ROUTERS
from warden.serve.routes import key as key_routes
from warden.serve.routes import status as status_routes
from warden.serve.routes.lookup import MAX_LOOKUP_BYTES
from warden.serve.routes.psi import MAX_EVALUATE_BYTES
from warden.serve.state import ServeState
from warden.servicedb.database import open_service_db

LOG = logging.getLogger("warden.serve")

BODY_IDLE_SECONDS = 30.0
"""The longest a request's body may stop arriving."""

BODY_SECONDS = 600.0
"""The longest a request's body may take to arrive in all."""

FORM_OVERHEAD = 1 << 20
"""Bytes a multipart upload may carry beyond the file itself (boundaries, headers, small fields)."""

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}


class HeadersAndLog:
    """Adds :data:`SECURITY_HEADERS` to every answer and logs one line per request: method, path (the query
    string only with ``log_query``: it may hold a hash), status, key name and milliseconds. Plain ASGI, not
    Starlette's ``BaseHTTPMiddleware``, which would cost every request a task and a stream."""

    def __init__(self, app: ASGIApp, log_query: bool) -> None:
        self._app = app
        self._log_query = log_query

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        began = time.monotonic()
        status = [500]

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = int(message["status"])
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers[name] = value
            await send(message)

        try:
            await self._app(scope, receive, sending)
        finally:
            query = scope.get("query_string", b"").decode("latin-1")
            where = str(scope.get("path", "")) + (f"?{query}" if self._log_query and query else "")
            key = getattr(scope.get("state", {}).get("api_key"), "name", None)
            LOG.info(
                "%s %s %d key=%s %.0f ms",
                scope.get("method", ""),
                where[:300],
                status[0],
                key or "-",
                (time.monotonic() - began) * 1000,
            )


class BodyLimit:
    """Bounds every request's body: ``limit`` bytes, or a path's own limit in ``by_path``. A declared
    ``Content-Length`` over it is answered 413 at once, before a byte is read; a body sent without one is
    counted as it arrives and refused (413, ``too_large``) when it passes the limit, so no
    route ever holds more than the limit in memory."""

    def __init__(self, app: ASGIApp, limit: int, by_path: dict[str, int]) -> None:
        self._app = app
        self._limit = limit
        self._by_path = by_path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        limit = self._by_path.get(str(scope.get("path", "")), self._limit)
        message = f"the request body is over {limit:,} bytes, the most this endpoint takes"
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = limit + 1
                if declared > limit:
                    await http_errors.warden_error_response(RequestTooLargeError(message))(
                        scope, receive, send
                    )
                    return
        seen = 0
        deadline = time.monotonic() + BODY_SECONDS
        complete = False

        async def counting() -> Message:
            nonlocal seen, complete
            if complete:  # past the body only a disconnect can come, whenever it comes
                return await receive()
            wait = min(BODY_IDLE_SECONDS, deadline - time.monotonic())
            try:
                async with asyncio.timeout(max(wait, 0.001)):  # no task per message, unlike wait_for
                    got = await receive()
            except TimeoutError:
                raise StarletteHTTPException(
                    408, f"the request body stopped arriving (or took over {BODY_SECONDS:g} s)"
                ) from None
            if got["type"] == "http.request":
                complete = not got.get("more_body", False)
                seen += len(got.get("body", b""))
                if seen > limit:
                    # As an HTTPException: FastAPI passes those on from reading a body, and turns any
                    # other error there into a 400.
                    raise StarletteHTTPException(RequestTooLargeError.http_status, message)
            return got

        await self._app(scope, counting, send)


def create_app(config: ServeConfig) -> FastAPI:
    """The service for ``config``: its database opened (created or upgraded), its roles' routers included.

    Raises:
        CaseError: the service database cannot be opened or upgraded.
    """
    state = ServeState(config=config, engine=open_service_db(config.db_url))
    assert state.limiter is not None
    state.on_startup.append(state.limiter.start)
    state.on_shutdown.append(state.limiter.stop)

    built_in = os.getpid()

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if os.getpid() != built_in:
            # A worker forked from the process that built the app: the database connections it inherited
            # belong to that process; drop them unclosed and open its own.
            state.engine.dispose(close=False)
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

    app.add_middleware(
        BodyLimit,
        limit=config.max_upload_bytes + FORM_OVERHEAD,
        by_path={"/v1/lookup": MAX_LOOKUP_BYTES, "/v1/psi/evaluate": MAX_EVALUATE_BYTES},
    )
    app.add_middleware(HeadersAndLog, log_query=config.log_hashes)
    return app


def app_from_settings() -> FastAPI:
    """The service as the environment configures it (``WARDEN_SERVE_*``), built once by the master process
    (see :mod:`warden.serve.server`)."""
    if not LOG.handlers:  # the service's own lines, with the worker's process id; libraries keep theirs
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(process)d %(levelname)s %(message)s"))
        LOG.addHandler(handler)
        LOG.setLevel(logging.INFO)
        LOG.propagate = False
    return create_app(ServeConfig.from_settings())
