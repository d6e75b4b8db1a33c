"""API keys at the door: every endpoint but ``/status*`` depends on :func:`require_scope`.

A key is sent as ``Authorization: Bearer KEY`` (the standard form, which every HTTP client and OpenAPI tool
knows) or as ``X-API-Key: KEY`` (for clients that can set only a plain header); two different keys in one
request are refused. The key is found by its SHA-256, checked for expiry, revocation and scope, then its
request counted against its rate, in that order: a request with no usable key never touches a count.

Most requests never wait for the database: the key's record comes from the worker's
:class:`~warden.serve.key_cache.KeyCache` and the request is counted in the worker's memory
(:meth:`~warden.serve.ratelimit.RateLimiter.admit_here`); a key not read for a while, or near its rate, is
read or counted in a thread so that the event loop goes on serving.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from warden.errors import ApiKeyError, ScopeError
from warden.serve.state import ServeState
from warden.servicedb.keys import SCOPES, ApiKey

_bearer = HTTPBearer(auto_error=False, description="Authorization: Bearer <API key>")
_header = APIKeyHeader(name="X-API-Key", auto_error=False, description="the API key, as a plain header")


def serve_state(request: Request) -> ServeState:
    """The service's state in the app answering ``request``."""
    state = request.app.state.serve
    assert isinstance(state, ServeState)
    return state


def _key_text(bearer: HTTPAuthorizationCredentials | None, header: str | None) -> str:
    sent = {
        text.strip() for text in (bearer.credentials if bearer else None, header) if text and text.strip()
    }
    if not sent:
        raise ApiKeyError("this endpoint needs an API key: send  Authorization: Bearer <key>  (or X-API-Key)")
    if len(sent) > 1:
        raise ApiKeyError("the request carries two different API keys; send one")
    return sent.pop()


def require_key() -> Callable[..., Awaitable[ApiKey]]:
    """A FastAPI dependency admitting requests with any usable API key (counted against its rate)."""
    return _admitting(None)


def require_scope(scope: str) -> Callable[..., Awaitable[ApiKey]]:
    """A FastAPI dependency admitting requests whose API key holds ``scope``; it returns the key's record.

    Use: ``key: Annotated[ApiKey, Depends(require_scope("match"))]``.

    Raises:
        ValueError: ``scope`` is not one of :data:`~warden.servicedb.keys.SCOPES` (a programming error).
    """
    if scope not in SCOPES:
        raise ValueError(f"no scope {scope!r}; scopes are {', '.join(SCOPES)}")
    return _admitting(scope)


def _admitting(scope: str | None) -> Callable[..., Awaitable[ApiKey]]:
    async def admitted(
        request: Request,
        bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
        header: Annotated[str | None, Depends(_header)],
    ) -> ApiKey:
        state = serve_state(request)
        assert state.keys is not None and state.limiter is not None
        text = _key_text(bearer, header)
        remembered, key = state.keys.remembered(text)
        if not remembered:
            key = await run_in_threadpool(state.keys.read, text)
        if key is None or not key.usable(time.time()):
            # One answer for unknown, expired and revoked: a caller learns nothing about which keys exist.
            raise ApiKeyError("the API key is unknown, expired or revoked")
        request.state.api_key = key
        if scope is not None and not key.allows(scope):
            raise ScopeError(f"API key {key.name!r} lacks the {scope!r} scope this endpoint needs")
        left = state.limiter.admit_here(key)
        if left is None:
            left = await run_in_threadpool(state.limiter.admit, key)
        request.state.rate_left = left
        return key

    return admitted
