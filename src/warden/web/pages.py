"""Server-rendered pages: the Jinja2 templates (autoescaped) and what every page is given."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from warden import __version__
from warden.web.sessions import Session

_ENV = Environment(
    loader=PackageLoader("warden.web", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def _size(value: int | None) -> str:
    if value is None:
        return "?"
    size = float(value)
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:.0f} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{value} bytes"  # pragma: no cover


_ENV.filters["size"] = _size


def session_of(request: Request) -> Session | None:
    """The request's session, as the security middleware found it (None on the login page)."""
    session = request.scope.get("state", {}).get("session")
    return session if isinstance(session, Session) else None


def render(request: Request, template: str, context: dict[str, Any], status: int = 200) -> HTMLResponse:
    """Render ``template`` with ``context``, the logged-in account, its CSRF token and the tool version."""
    session = session_of(request)
    values = {
        "session": session,
        "account": session.account if session else None,
        "csrf": session.csrf if session else "",
        "path": request.url.path,
        "version": __version__,
        **context,
    }
    return HTMLResponse(_ENV.get_template(template).render(values), status_code=status)
