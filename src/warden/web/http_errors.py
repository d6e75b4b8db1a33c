"""One error shape for the whole app: ``{"error": {"status", "code", "message"}}`` for API calls, the same
facts on an HTML page for a browser's navigation. A :class:`~warden.errors.WardenError` is answered with its
class's ``http_status`` and ``code`` (``docs/errors.md``)."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from warden.errors import InternalError, WardenError

_CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
}


def error_body(status: int, code: str, message: str) -> dict[str, Any]:
    """The JSON body of every error the app returns."""
    return {"error": {"status": status, "code": code, "message": message}}


INTERNAL = InternalError("the review app failed on this request; the log of `warden review` says why")
"""What a request that failed unexpectedly is answered (the security gate sends it, with its headers)."""


def wants_html(request: Request) -> bool:
    """A browser navigating or submitting a form (not the page's script, which asks for JSON)."""
    return "text/html" in request.headers.get("accept", "")


def error_response(request: Request, status: int, code: str, message: str) -> Response:
    """The error as JSON, or as an HTML page when a browser navigated here."""
    if wants_html(request):
        from warden.web.pages import render

        return render(request, "error.html", {"status": status, "code": code, "message": message}, status)
    return JSONResponse(error_body(status, code, message), status_code=status)


def install(app: FastAPI) -> None:
    """Route every kind of failure through :func:`error_response`."""

    async def warden_error(request: Request, error: Exception) -> Response:
        assert isinstance(error, WardenError)
        return error_response(request, error.http_status, error.code, error.message)

    async def http_error(request: Request, error: Exception) -> Response:
        assert isinstance(error, StarletteHTTPException)
        code = _CODES.get(error.status_code, "error")
        return error_response(request, error.status_code, code, str(error.detail))

    async def invalid(request: Request, error: Exception) -> Response:
        assert isinstance(error, RequestValidationError)
        if any(tuple(e.get("loc", ()))[:1] == ("path",) for e in error.errors()):
            # A path naming no possible item (a word, 0, a number past the database's ids) names nothing.
            return error_response(request, 404, "not_found", f"nothing at {request.url.path[:200]}")
        fields = ", ".join(".".join(str(part) for part in e.get("loc", ())[1:]) for e in error.errors())
        return error_response(request, 422, "invalid_request", f"missing or invalid: {fields or 'request'}")

    app.add_exception_handler(WardenError, warden_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(RequestValidationError, invalid)
