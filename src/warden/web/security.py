"""The one gate every request passes: right host, same origin, a live session, a CSRF token, safe headers.

Enforced in one ASGI middleware, before any route runs, so no route can forget it:

- a request from a trusted reverse proxy is taken as the browser made it (scheme, host and address from the
  proxy's ``X-Forwarded-*`` headers, :mod:`warden.web.proxy`); any other peer's such headers are ignored;
- the ``Host`` header must be one the app was started for (refuses DNS rebinding);
- a request from another origin is refused: an ``Origin`` or ``Referer`` of another origin, or a browser's
  ``Sec-Fetch-Site`` other than ``same-origin``/``none``; a POST must positively show it comes from the app's
  own pages (``Origin``, ``Referer`` or ``Sec-Fetch-Site: same-origin``);
- every path but ``/login``, ``/health`` and the static script and style sheet needs a live session (the
  cookie's token, looked up by its SHA-256); an account that must change its password reaches only
  ``/password`` and ``/logout``;
- every POST carries the session's CSRF token (form field ``csrf_token`` or header ``X-CSRF-Token``); the
  login form, which has no session yet, echoes a random cookie instead;
- every response gets a strict Content-Security-Policy (no inline script), ``X-Frame-Options: DENY``,
  ``Referrer-Policy: no-referrer`` and ``Cache-Control: no-store`` among others, errors included: a request
  that fails unexpectedly is answered here, with a 500 in the app's one error shape, never a bare traceback.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

from fastapi import Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from warden.errors import (
    CrossOriginError,
    CsrfError,
    NotLoggedInError,
    PasswordChangeRequiredError,
    RequestRefusedError,
    RequestTooLargeError,
    UnsupportedMediaTypeError,
    WrongHostError,
)
from warden.web.http_errors import INTERNAL, error_response, wants_html
from warden.web.proxy import apply_forwarded, normal_host
from warden.web.sessions import Session, find_session, login_cookie, session_cookie
from warden.web.state import ReviewState

_LOG = logging.getLogger("warden.review")

PUBLIC_PATHS = frozenset({"/login", "/health"})
"""Paths that answer without a session."""
STATIC_PREFIX = "/static/"
"""The app's own script and style sheet (no case data): the login page needs them."""
PASSWORD_PATHS = frozenset({"/password", "/logout"})
"""All an account that must change its password may reach."""
MAX_BODY = 64 * 1024
"""Largest request body: the app takes short forms only."""
FORM_TYPE = "application/x-www-form-urlencoded"
SAFE_METHODS = frozenset({"GET", "HEAD"})

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'; media-src 'none'"
)
SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"cache-control", b"no-store"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), display-capture=()"),
)
_OURS = {name for name, _ in SECURITY_HEADERS}


class Guard:
    """The security middleware (see the module's docstring)."""

    def __init__(self, app: ASGIApp, state: ReviewState) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            # The app has no websocket; none may be opened, with or without a session.
            await send({"type": "websocket.close", "code": 1008})
            return
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False
        secured = _with_security_headers(send)

        async def tracked(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await secured(message)

        forwarded = apply_forwarded(scope, self.state.config.trusted_proxies)
        request = Request(scope)
        try:
            try:
                response, body = await self._check(request, receive, forwarded)
            except RequestRefusedError as refusal:
                response, body = (
                    error_response(request, refusal.http_status, refusal.code, refusal.message),
                    b"",
                )
            if response is not None:
                await response(scope, receive, tracked)
                return
            await self.app(scope, _replay(body, receive), tracked)
        except Exception as error:
            # A fault of the app (or of the database under it): the examiner gets the one error shape, with
            # the security headers; the operator's log gets one line saying what failed.
            _LOG.error("%s %s failed: %s: %s", request.method, request.url.path, type(error).__name__, error)
            _LOG.debug("the failure in full", exc_info=True)
            if started:
                return
            failure = error_response(request, INTERNAL.http_status, INTERNAL.code, INTERNAL.message)
            await failure(scope, receive, tracked)

    async def _check(
        self, request: Request, receive: Receive, forwarded: bool
    ) -> tuple[Response | None, bytes]:
        """None and the body read when the request may go on; else the response that refuses it."""
        self._same_origin(request, forwarded)
        method, path = request.method, request.url.path
        port = self.state.config.port
        body = b"" if method in SAFE_METHODS else await _read_body(request, receive)
        if path in PUBLIC_PATHS or (path.startswith(STATIC_PREFIX) and method in SAFE_METHODS):
            if path == "/login" and method == "POST":
                _check_token(request.cookies.get(login_cookie(port), ""), request, body, "the login form")
            return None, body
        session = await run_in_threadpool(self._session, request.cookies.get(session_cookie(port), ""))
        if session is None:
            if method in SAFE_METHODS and wants_html(request):
                return RedirectResponse("/login", status_code=303), body
            raise NotLoggedInError("log in first")
        if session.account.must_change_password and path not in PASSWORD_PATHS:
            if method in SAFE_METHODS and wants_html(request):
                return RedirectResponse("/password", status_code=303), body
            raise PasswordChangeRequiredError("change the one-time password first")
        if method not in SAFE_METHODS:
            _check_token(session.csrf, request, body, "this session")
        request.scope.setdefault("state", {})["session"] = session
        return None, body

    def _session(self, token: str) -> Session | None:
        with self.state.case.engine.connect() as connection:
            return find_session(connection, token)

    def _same_origin(self, request: Request, forwarded: bool) -> None:
        config = self.state.config
        scheme = request.url.scheme
        host = request.headers.get("host", "")
        # The names browsers use for the proxy are answered only through the proxy.
        names = config.allowed_hosts | (config.public_hosts if forwarded else frozenset())
        if normal_host(host, scheme) not in {normal_host(name, scheme) for name in names}:
            shown = ", ".join(sorted(names))
            raise WrongHostError(f"this app answers as {shown} only")
        own = f"{scheme}://{normal_host(host, scheme)}"
        origin = request.headers.get("origin")
        origin = _origin_of(origin) if origin not in (None, "null") else origin
        referer = request.headers.get("referer")
        referer_origin = _origin_of(referer) if referer else None
        site = request.headers.get("sec-fetch-site")
        if origin not in (None, "null", own) or referer_origin not in (None, own):
            raise CrossOriginError("a request from another origin is refused")
        if site is not None and site not in ("same-origin", "none"):
            raise CrossOriginError(f"a {site} request is refused")
        if (
            request.method not in SAFE_METHODS
            and own not in (origin, referer_origin)
            and site != "same-origin"
        ):
            raise CrossOriginError("a form must be sent from the app's own pages (no Origin)")


def _origin_of(url: str) -> str:
    """The origin of a URL, written as a browser writes ``Origin``; a URL that cannot be read as itself."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    return f"{parts.scheme}://{normal_host(parts.netloc, parts.scheme)}"


async def _read_body(request: Request, receive: Receive) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > MAX_BODY):
        raise RequestTooLargeError(f"a request body may have at most {MAX_BODY} bytes")
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY:
            raise RequestTooLargeError(f"a request body may have at most {MAX_BODY} bytes")
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    body = b"".join(chunks)
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if body and kind != FORM_TYPE:
        raise UnsupportedMediaTypeError(f"send forms as {FORM_TYPE}")
    return body


def _check_token(expected: str, request: Request, body: bytes, what: str) -> None:
    given = request.headers.get("x-csrf-token")
    if given is None:
        fields = parse_qs(body.decode("utf-8", "replace"), max_num_fields=1000)
        given = (fields.get("csrf_token") or [""])[0]
    if not expected or not hmac.compare_digest(given.encode(), expected.encode()):
        raise CsrfError(f"the form's token does not match {what}: reload the page and try again")


def _replay(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that gives the already-read body once, then the connection's own messages."""
    done = False

    async def replay() -> Message:
        nonlocal done
        if not done:
            done = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


def _with_security_headers(send: Send) -> Callable[[Message], Awaitable[None]]:
    async def secured(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers: list[Any] = [(k, v) for k, v in message.get("headers", []) if k.lower() not in _OURS]
            message = {**message, "headers": [*headers, *SECURITY_HEADERS]}
        await send(message)

    return secured
