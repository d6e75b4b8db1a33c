"""One error shape for the whole service: ``{"error": {"status", "code", "message"}}`` (the review app's), a
:class:`~warden.errors.WardenError` answered with its class's ``http_status`` and ``code``
(``docs/errors.md``); a 429 also carries ``Retry-After``, a 401 ``WWW-Authenticate``."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from warden.errors import ApiKeyError, InternalError, RateLimitedError, WardenError

LOG = logging.getLogger("warden.serve")

_CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    408: "request_timeout",
    413: "too_large",
    415: "unsupported_media_type",
}

INTERNAL = InternalError("the service failed on this request; its log says why")


def error_body(status: int, code: str, message: str) -> dict[str, Any]:
    """The JSON body of every error the service returns."""
    return {"error": {"status": status, "code": code, "message": message}}


def error_response(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> Response:
    """The error as JSON."""
    return JSONResponse(error_body(status, code, message), status_code=status, headers=headers)


def warden_error_response(error: WardenError) -> Response:
    """The answer to ``error``, with the headers its kind calls for."""
    headers: dict[str, str] = {}
    if isinstance(error, RateLimitedError):
        headers["Retry-After"] = str(error.retry_after)
    if isinstance(error, ApiKeyError):
        headers["WWW-Authenticate"] = 'Bearer realm="warden"'
    return error_response(error.http_status, error.code, error.message, headers)


def install(app: FastAPI) -> None:
    """Route every kind of failure through :func:`error_response`."""

    async def warden_error(_request: Request, error: Exception) -> Response:
        assert isinstance(error, WardenError)
        return warden_error_response(error)

    async def http_error(_request: Request, error: Exception) -> Response:
        assert isinstance(error, StarletteHTTPException)
        code = _CODES.get(error.status_code, "error")
        return error_response(error.status_code, code, str(error.detail), dict(error.headers or {}))

    async def invalid(_request: Request, error: Exception) -> Response:
        assert isinstance(error, RequestValidationError)
        fields = ", ".join(".".join(str(part) for part in e.get("loc", ())) for e in error.errors())
        return error_response(422, "invalid_request", f"missing or invalid: {fields or 'request'}")

    async def unexpected(request: Request, error: Exception) -> Response:
        LOG.error("%s %s failed: %s: %s", request.method, request.url.path, type(error).__name__, error)
        return warden_error_response(INTERNAL)

    app.add_exception_handler(WardenError, warden_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(RequestValidationError, invalid)
    app.add_exception_handler(Exception, unexpected)
