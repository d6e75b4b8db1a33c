"""Second review: a reviewer confirms or disputes someone else's grade; disputes are listed for everyone."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from warden.case import grades
from warden.errors import RequestRefusedError
from warden.web.current import Anyone, ItemId, Reviewer, State
from warden.web.pages import render
from warden.web.routes.queue import GRADE_LABELS, done
from warden.web.worklists import awaiting_review, disputes

router = APIRouter()


@router.get("/reviews")
def review_page(request: Request, state: State, session: Reviewer) -> HTMLResponse:
    """Graded items no one has reviewed yet, other than the reviewer's own grades."""
    state.reveals.revoke(session.key)
    with state.case.engine.connect() as connection:
        waiting = awaiting_review(connection, session.account.id)
    return render(
        request,
        "reviews.html",
        {"waiting": waiting, "grade_labels": GRADE_LABELS, "reveal_seconds": state.config.reveal_seconds},
    )


@router.post("/reviews/{item_id}")
def review(
    request: Request,
    state: State,
    session: Reviewer,
    item_id: ItemId,
    verdict: Annotated[str, Form()],
    note: Annotated[str, Form(max_length=2000)] = "",
    next_path: Annotated[str, Form(alias="next")] = "/reviews",
) -> Response:
    """Confirm or dispute the item's current grade (a dispute needs a reason)."""
    if verdict not in grades.VERDICTS:
        raise RequestRefusedError(f"a verdict is {' or '.join(grades.VERDICTS)}")
    with state.case.engine.begin() as connection:
        grades.review(connection, item_id, verdict, user_id=session.account.id, note=note.strip() or None)
    return done(request, next_path, {"item": item_id, "verdict": verdict})


@router.get("/disputes")
def dispute_page(request: Request, state: State, session: Anyone) -> HTMLResponse:
    """Every item whose current grade a reviewer disputes, to be resolved by a new grade."""
    state.reveals.revoke(session.key)
    with state.case.engine.connect() as connection:
        listed = disputes(connection)
    return render(request, "disputes.html", {"disputes": listed, "grade_labels": GRADE_LABELS})
