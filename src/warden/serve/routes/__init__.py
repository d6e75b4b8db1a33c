"""The service's routers, by role: a role switched on (``WARDEN_SERVE_ROLES``) gets every router its
factories make. Another part of the service adds its own with one line in :data:`ROUTERS`.

A factory takes the worker's :class:`~warden.serve.state.ServeState` (settings, database, readiness, and
``parts`` and ``on_startup``/``on_shutdown`` for what it loads) and returns an ``APIRouter``; its endpoints
depend on :func:`warden.serve.auth.require_scope`.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter

from warden.serve.routes import banks as bank_routes
from warden.serve.routes import hash as hash_routes
from warden.serve.routes import hma, hma_curation, hma_matching
from warden.serve.routes import lookup as lookup_routes
from warden.serve.routes import psi as psi_routes
from warden.serve.state import ServeState

RouterFactory = Callable[[ServeState], APIRouter]

ROUTERS: dict[str, list[RouterFactory]] = {
    "hasher": [hash_routes.router, hma.router],
    "matcher": [lookup_routes.router, hma_matching.router],
    "curator": [bank_routes.router, hma_curation.router],
    "psi": [psi_routes.router],
}
"""Router factories per role, in the order they are included."""
