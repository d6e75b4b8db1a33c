"""Accounts, for an admin: who may use this case's review app, and in which role."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from warden.case import accounts
from warden.errors import UsageError
from warden.web.current import Admin, State
from warden.web.pages import render

router = APIRouter()


def _page(request: Request, state: State, message: str | None = None, status: int = 200) -> HTMLResponse:
    with state.case.engine.connect() as connection:
        listed = accounts.all_accounts(connection)
    return render(
        request, "users.html", {"accounts": listed, "roles": accounts.ROLES, "message": message}, status
    )


@router.get("/users")
def users(request: Request, state: State, session: Admin) -> HTMLResponse:
    """Every account and the form to add one."""
    return _page(request, state)


@router.post("/users")
def add_user(
    request: Request,
    state: State,
    session: Admin,
    name: Annotated[str, Form(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._-]+$")],
    role: Annotated[str, Form()],
    password: Annotated[str, Form(max_length=1024)],
) -> Response:
    """Add an account with a first password that its owner must change at first login."""
    try:
        with state.case.engine.begin() as connection:
            accounts.create(
                connection,
                name,
                role,
                password,
                by=session.account.name,
                must_change=True,
                creator=session.account,
            )
    except UsageError as error:
        return _page(request, state, error.message, 400)
    return RedirectResponse("/users", status_code=303)
