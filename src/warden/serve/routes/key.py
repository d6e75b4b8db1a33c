"""``GET /v1/key``: the API key a request carries, as the service sees it (any scope; counted like any
request), so a client can check its key, scopes and the requests it has left this minute."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request

from warden.serve.auth import require_key
from warden.serve.state import ServeState
from warden.servicedb.keys import ApiKey


def router(_state: ServeState) -> APIRouter:
    """``GET /v1/key``."""
    routes = APIRouter(prefix="/v1", tags=["keys"])

    @routes.get("/key", summary="the API key this request carries: name, scopes, rate and what is left")
    def key(request: Request, key: Annotated[ApiKey, Depends(require_key())]) -> dict[str, Any]:
        return {
            "name": key.name,
            "prefix": key.prefix,
            "scopes": sorted(key.scopes),
            "rate_per_minute": key.rate_per_minute,
            "requests_left": request.state.rate_left,
            "expires": key.expires,
        }

    return routes
