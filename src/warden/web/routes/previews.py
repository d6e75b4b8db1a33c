"""Preview images: blurred by default; the clear image only after a deliberate, audited reveal."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from warden.case import audit
from warden.case.items import read_item
from warden.errors import NotFoundError, NotRevealedError
from warden.web.current import Anyone, ItemId, State
from warden.web.http_errors import wants_html
from warden.web.previews import Preview

router = APIRouter()


def _image(preview: Preview | None, item_id: int, kind: str) -> Response:
    if preview is None:
        raise NotFoundError(f"no item {item_id} in this case")
    headers = {"X-Warden-Preview": kind if preview.problem is None else "unavailable"}
    return Response(preview.data, media_type=preview.media_type, headers=headers)


@router.get("/previews/{item_id}")
def blurred(state: State, session: Anyone, item_id: ItemId) -> Response:
    """The blurred, greyscale preview (a keyframe strip for a video)."""
    return _image(state.previews.blurred(item_id), item_id, "blurred")


@router.get("/previews/{item_id}/clear")
def clear(state: State, session: Anyone, item_id: ItemId) -> Response:
    """The clear image, only while this session's reveal of this item lasts."""
    if not state.reveals.allowed(session.key, item_id):
        raise NotRevealedError("reveal the item first (the reveal ends when you move on)")
    return _image(state.previews.clear(item_id), item_id, "clear")


@router.post("/previews/{item_id}/reveal")
def reveal(request: Request, state: State, session: Anyone, item_id: ItemId) -> Response:
    """Reveal one item on purpose: recorded in the audit log with who and which item."""
    with state.case.engine.begin() as connection:
        item = read_item(connection, item_id)
        if item is None:
            raise NotFoundError(f"no item {item_id} in this case")
        audit.append(
            connection,
            session.account.name,
            "preview.reveal",
            {"item": item_id, "evidence": item.evidence, "path": item.path},
        )
    state.reveals.grant(session.key, item_id)
    if wants_html(request):
        return RedirectResponse(f"/items/{item_id}", status_code=303)
    return JSONResponse(
        {"item": item_id, "url": f"/previews/{item_id}/clear", "seconds": state.config.reveal_seconds}
    )
