"""Health, open to all (no key): ``/status/live`` while the process runs, ``/status`` only when ready."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from warden import __version__
from warden.serve.state import ServeState


def router(state: ServeState) -> APIRouter:
    """``/status`` and ``/status/live``."""
    routes = APIRouter(tags=["status"])

    @routes.get("/status/live", summary="the process is running")
    def live() -> dict[str, str]:
        return {"status": "live"}

    @routes.get(
        "/status",
        summary="ready to answer (503, with the reasons, while an index loads or is stale)",
        responses={503: {"description": "not ready; `reasons` says why"}},
    )
    def status() -> JSONResponse:
        reasons = state.readiness.reasons()
        body = {
            "status": "ready" if not reasons else "not_ready",
            "reasons": reasons,
            "roles": sorted(state.config.roles),
            "version": __version__,
        }
        return JSONResponse(body, status_code=503 if reasons else 200)

    return routes
