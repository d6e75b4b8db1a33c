"""Who is asking, and what their role lets them do: dependencies for the routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Request

from warden.errors import ForbiddenError, NotLoggedInError
from warden.web.pages import session_of
from warden.web.sessions import Session
from warden.web.state import ReviewState


def review_state(request: Request) -> ReviewState:
    """The running app's shared state."""
    state = request.app.state.review
    assert isinstance(state, ReviewState)
    return state


def current_session(request: Request) -> Session:
    """The logged-in session (the security middleware has already refused requests without one).

    Raises:
        NotLoggedInError: when there is none (a route reached without the middleware).
    """
    session = session_of(request)
    if session is None:
        raise NotLoggedInError("log in first")
    return session


def grader(request: Request) -> Session:
    """The session of someone who may grade (examiner, reviewer, admin).

    Raises:
        ForbiddenError: for a viewer.
    """
    session = current_session(request)
    if not session.account.can_grade:
        raise ForbiddenError(f"a {session.account.role} cannot grade; viewers only look")
    return session


def reviewer(request: Request) -> Session:
    """The session of someone who may confirm or dispute grades (reviewer, admin).

    Raises:
        ForbiddenError: otherwise.
    """
    session = current_session(request)
    if not session.account.can_review:
        raise ForbiddenError(f"a {session.account.role} cannot review grades")
    return session


def admin(request: Request) -> Session:
    """The session of an admin.

    Raises:
        ForbiddenError: otherwise.
    """
    session = current_session(request)
    if session.account.role != "admin" or session.account.disabled:
        raise ForbiddenError("only an admin manages accounts")
    return session


MAX_ID = 2**63 - 1
"""The largest row id a case database can hold (a signed 64-bit integer in SQLite and PostgreSQL)."""

ItemId = Annotated[int, Path(ge=1, le=MAX_ID)]
"""An item id in a path: one out of range can name no item, and is answered 404 like a missing one."""

State = Annotated[ReviewState, Depends(review_state)]
Anyone = Annotated[Session, Depends(current_session)]
Grader = Annotated[Session, Depends(grader)]
Reviewer = Annotated[Session, Depends(reviewer)]
Admin = Annotated[Session, Depends(admin)]


def local_path(target: str, default: str) -> str:
    """``target`` if it is a path of this app (to go back to after a form), else ``default``."""
    controls = any(ord(character) < 32 for character in target)
    if target.startswith("/") and not target.startswith("//") and "\\" not in target and not controls:
        return target
    return default
