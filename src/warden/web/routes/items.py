"""The item page: provenance, hashes, matches and grade history, with the preview blurred."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from warden.case import accounts
from warden.errors import NotFoundError
from warden.web.current import Anyone, ItemId, State
from warden.web.item_view import item_view
from warden.web.pages import render
from warden.web.routes.queue import GRADE_LABELS

router = APIRouter()


@router.get("/items/{item_id}")
def item_page(
    request: Request,
    state: State,
    session: Anyone,
    item_id: ItemId,
    show: Annotated[bool, Query()] = False,
) -> HTMLResponse:
    """Everything the case knows of one item; its preview is clear only while this item is revealed.

    An item a hash set matched need not be looked at: its preview is left out unless asked for (``show``).
    """
    state.reveals.revoke(session.key, keep=item_id)
    with state.case.engine.connect() as connection:
        view = item_view(connection, item_id)
        tied = accounts.tied_to(connection, session.account.id)
    if view is None:
        raise NotFoundError(f"no item {item_id} in this case")
    grade = view.grade
    return render(
        request,
        "item.html",
        {
            "item": view,
            "revealed": state.reveals.allowed(session.key, item_id),
            "show_preview": show or not view.matches or view.grade is not None,
            "can_grade": session.account.can_grade,
            "can_review": session.account.can_review and grade is not None and grade.user not in tied,
            "grade_labels": GRADE_LABELS,
            "here": f"/items/{item_id}",
            "reveal_seconds": state.config.reveal_seconds,
        },
    )
