"""Logging in and out, changing a password, and the health check."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from warden.case import accounts, audit
from warden.errors import UsageError
from warden.web.current import Anyone, State
from warden.web.pages import render
from warden.web.sessions import (
    close_other_sessions,
    close_session,
    login_cookie,
    open_session,
    session_cookie,
)

router = APIRouter()

_LOGIN_COOKIE_SECONDS = 1800


def _secure(request: Request, state: State) -> bool:
    """Cookies are ``Secure`` when the browser's scheme is HTTPS (behind a trusted TLS proxy), or always if
    the app was told so."""
    return state.config.secure_cookies or request.url.scheme == "https"


def _client(request: Request) -> str:
    """The browser's address (a trusted proxy's ``X-Forwarded-For`` already applied)."""
    return request.client.host if request.client is not None else "unknown"


def _wait_message(wait: float) -> str:
    return f"try again in {int(wait // 60) + 1} min"


@router.get("/health")
def health() -> dict[str, str]:
    """Whether the app is up (answers without a session, and says nothing about the case)."""
    return {"status": "ok"}


def _login_page(
    request: Request, state: State, message: str | None = None, status: int = 200
) -> HTMLResponse:
    token = secrets.token_urlsafe(32)
    response = render(request, "login.html", {"login_token": token, "message": message}, status)
    response.set_cookie(
        login_cookie(state.config.port),
        token,
        max_age=_LOGIN_COOKIE_SECONDS,
        path="/login",
        httponly=True,
        samesite="strict",
        secure=_secure(request, state),
    )
    return response


@router.get("/login")
def login_form(request: Request, state: State) -> HTMLResponse:
    """The login form."""
    return _login_page(request, state)


@router.post("/login")
def login(
    request: Request,
    state: State,
    name: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=1024)],
) -> Response:
    """Check the name and password; start a session, or say no (and slow down repeated failures).

    The attempt is counted against the name and the client before the password is checked, so guesses sent
    in parallel cannot all be checked; past either limit the password is not checked at all.
    """
    client = _client(request)
    wait = state.throttle.admit(name, client)
    if wait > 0:
        return _login_page(request, state, f"too many failed logins: {_wait_message(wait)}", 429)
    with state.case.engine.begin() as connection:
        account = accounts.authenticate(connection, name, password)
        token = open_session(connection, account, state.config.session_hours)[0] if account else None
    if account is None or token is None:
        return _login_page(request, state, "wrong name or password", 401)
    state.throttle.succeeded(name, client)
    target = "/password" if account.must_change_password else "/queue"
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        session_cookie(state.config.port),
        token,
        max_age=int(state.config.session_hours * 3600),
        path="/",
        httponly=True,
        samesite="strict",
        secure=_secure(request, state),
    )
    response.delete_cookie(login_cookie(state.config.port), path="/login")
    return response


@router.post("/logout")
def logout(request: Request, state: State, session: Anyone) -> Response:
    """End the session (the cookie stops working at once)."""
    with state.case.engine.begin() as connection:
        close_session(connection, session.key)
        audit.append(connection, session.account.name, "logout", {})
    state.reveals.revoke(session.key)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(session_cookie(state.config.port), path="/", secure=_secure(request, state))
    return response


@router.get("/password")
def password_form(request: Request, session: Anyone) -> HTMLResponse:
    """The form to change one's password (the only page until a one-time password is changed)."""
    return render(request, "password.html", {"message": None})


@router.post("/password")
def change_password(
    request: Request,
    state: State,
    session: Anyone,
    current: Annotated[str, Form(max_length=1024)],
    new: Annotated[str, Form(max_length=1024)],
    repeat: Annotated[str, Form(max_length=1024)],
) -> Response:
    """Change the password; every other session of the account ends.

    Checking the current password counts against the account and the client like a login (a stolen session
    cannot guess it), and a wrong one is recorded in the audit log.
    """
    problem = None
    if new != repeat:
        problem = "the two new passwords differ"
    elif new == current:
        problem = "the new password must differ from the current one"
    if problem is not None:
        return render(request, "password.html", {"message": problem}, 400)
    name, client = session.account.name, _client(request)
    wait = state.throttle.admit(name, client)
    if wait > 0:
        message = f"too many wrong passwords: {_wait_message(wait)}"
        return render(request, "password.html", {"message": message}, 429)
    with state.case.engine.begin() as connection:
        verified = accounts.verify_password(connection, session.account.id, current)
        if not verified:
            problem = "the current password is wrong"
            audit.append(connection, name, "account.password.failed", {"reason": "wrong current password"})
        else:
            try:
                accounts.set_password(connection, session.account.id, new)
            except UsageError as error:
                problem = error.message
            else:
                close_other_sessions(connection, session.account.id, session.key)
    if verified:
        state.throttle.succeeded(name, client)
    if problem is not None:
        return render(request, "password.html", {"message": problem}, 400)
    return RedirectResponse("/queue", status_code=303)


@router.get("/")
def home(session: Anyone) -> Response:
    """The queue is the start page."""
    return RedirectResponse("/queue", status_code=303)
