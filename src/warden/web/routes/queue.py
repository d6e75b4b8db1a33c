"""The examiner's queue: clusters of unmatched media, graded a cluster (or a selection) at a time."""

from __future__ import annotations

import math
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from warden.case import grades
from warden.case.items import held_items
from warden.errors import NotFoundError, RequestRefusedError
from warden.model.categories import Category
from warden.web.current import MAX_ID, Anyone, Grader, ItemId, State, local_path
from warden.web.http_errors import wants_html
from warden.web.pages import render
from warden.web.worklists import REVIEWED_MEDIA, review_queue

router = APIRouter()

GRADE_LABELS = {
    Category.A.value: "A",
    Category.B.value: "B",
    Category.C.value: "C",
    Category.NOT_INDECENT.value: "not indecent",
}
SCOPES = ("item", "cluster", "bulk")


def done(request: Request, next_path: str, body: dict[str, object]) -> Response:
    """JSON for the page's script; back to the page for a plain form."""
    if wants_html(request):
        return RedirectResponse(local_path(next_path, "/queue"), status_code=303)
    return JSONResponse(body)


@router.get("/queue")
def queue(
    request: Request,
    state: State,
    session: Anyone,
    matched: Annotated[bool, Query()] = False,
    threshold: Annotated[int | None, Query(ge=0, le=256)] = None,
    page: Annotated[int, Query(ge=1)] = 1,
) -> HTMLResponse:
    """Clusters waiting for a grade, largest first; matched items only when asked for."""
    state.reveals.revoke(session.key)
    distance = state.config.cluster_threshold if threshold is None else threshold
    with state.case.engine.connect() as connection:
        clusters = review_queue(
            connection, threshold=distance, include_matched=matched, clusters=state.clusters
        )
    size = state.config.clusters_per_page
    pages = max(1, math.ceil(len(clusters) / size))
    page = min(page, pages)
    query = f"matched={int(matched)}&threshold={distance}"
    return render(
        request,
        "queue.html",
        {
            "clusters": clusters[(page - 1) * size : page * size],
            "clusters_total": len(clusters),
            "items_total": sum(len(c.members) for c in clusters),
            "matched": matched,
            "threshold": distance,
            "page": page,
            "pages": pages,
            "query": query,
            "here": f"/queue?{query}&page={page}",
            "can_grade": session.account.can_grade,
            "grade_labels": GRADE_LABELS,
            "reveal_seconds": state.config.reveal_seconds,
        },
    )


@router.post("/grades")
def grade(
    request: Request,
    state: State,
    session: Grader,
    items: Annotated[list[int], Form(min_length=1, max_length=5000)],
    category: Annotated[str, Form()],
    scope: Annotated[str, Form()] = "cluster",
    note: Annotated[str, Form(max_length=2000)] = "",
    next_path: Annotated[str, Form(alias="next")] = "/queue",
) -> Response:
    """Grade the items (a cluster, one item, or a selection) in one decision, by the logged-in examiner."""
    if category not in GRADE_LABELS:
        raise RequestRefusedError(f"a grade is one of {', '.join(GRADE_LABELS)}")
    if scope not in SCOPES:
        raise RequestRefusedError(f"scope is one of {', '.join(SCOPES)}")
    wanted = sorted(set(items))
    if not all(1 <= item <= MAX_ID for item in wanted):
        raise NotFoundError("some of those items are not images or videos of this case")
    with state.case.engine.begin() as connection:
        if len(held_items(connection, wanted, media=REVIEWED_MEDIA)) != len(wanted):
            raise NotFoundError("some of those items are not images or videos of this case")
        batch = grades.grade(
            connection,
            wanted,
            Category(category),
            user_id=session.account.id,
            note=note.strip() or None,
            scope=scope,
        )
    state.reveals.revoke(session.key)
    return done(request, next_path, {"graded": wanted, "category": category, "batch": batch})


@router.post("/grades/undo")
def undo(
    request: Request,
    state: State,
    session: Grader,
    next_path: Annotated[str, Form(alias="next")] = "/queue",
) -> Response:
    """Undo the examiner's latest grading decision (again to go further back)."""
    with state.case.engine.begin() as connection:
        restored = grades.undo(connection, user_id=session.account.id)
    state.reveals.revoke(session.key)
    return done(request, next_path, {"restored": restored})


@router.post("/items/{item_id}/split")
def split(
    request: Request,
    state: State,
    session: Grader,
    item_id: ItemId,
    next_path: Annotated[str, Form(alias="next")] = "/queue",
) -> Response:
    """Take one item out of its near-duplicate cluster, to be graded on its own."""
    with state.case.engine.begin() as connection:
        if not held_items(connection, [item_id]):
            raise NotFoundError(f"no item {item_id} in this case")
        grades.split_off(connection, item_id, user_id=session.account.id)
    return done(request, next_path, {"split": item_id})
