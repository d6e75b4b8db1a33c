"""The review app's factory: one FastAPI app over one open case, every route behind the security gate."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from warden import settings
from warden.case import accounts
from warden.case.folder import Case
from warden.evidence.containers import limits_from_settings, register_built_in
from warden.web import http_errors
from warden.web.config import ReviewConfig
from warden.web.previews import Previews
from warden.web.reveals import Reveals
from warden.web.routes import auth, items, leads, previews, queue, reviews, users
from warden.web.security import Guard
from warden.web.state import ReviewState
from warden.web.throttle import LoginThrottle

STATIC = Path(__file__).resolve().parent / "static"


def create_app(case: Case, config: ReviewConfig | None = None) -> FastAPI:
    """The review app for ``case``.

    Args:
        case: the open case (its database holds accounts, sessions, grades and the audit log).
        config: the app's settings; defaults suit ``127.0.0.1:8765``.
    """
    config = config or ReviewConfig()
    # Previews reach items inside containers the way the scan found them, with the same formats and bounds.
    register_built_in()
    state = ReviewState(
        case=case,
        config=config,
        previews=Previews(
            case.engine,
            limits_from_settings(),
            cache_bytes=config.preview_cache_bytes,
            max_pixels=settings.get_int(settings.MAX_IMAGE_PIXELS),
            max_bytes=settings.get_int(settings.MAX_IMAGE_BYTES),
        ),
        reveals=Reveals(config.reveal_seconds),
        throttle=LoginThrottle(
            case.engine,
            attempts=config.login_attempts,
            client_attempts=config.client_attempts,
            seconds=config.lockout_seconds,
        ),
    )
    state.throttle.forget_expired()
    accounts.warm_up()
    app = FastAPI(title="Warden review", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.review = state
    http_errors.install(app)
    for area in (auth, queue, leads, items, previews, reviews, users):
        app.include_router(area.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.add_middleware(Guard, state=state)
    return app
