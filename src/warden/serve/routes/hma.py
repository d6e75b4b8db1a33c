"""The HMA-compatible layer's common parts and ``/h/hash`` (role hasher, scope ``hash``).

Meta's Hasher-Matcher-Actioner (Open Media Match) answers under ``/h``, ``/m`` and ``/c``; Warden answers
the same paths with HMA's request and response shapes, so an existing HMA client can be pointed at Warden
(with an API key added: HMA has none). Every error under these paths carries HMA's ``{"message": ...}``
beside Warden's ``{"error": {...}}``. Warden never fetches a URL it is given: content comes as an upload.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine, Iterable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse, Response

from warden.errors import ForbiddenError, RequestRefusedError, ScopeError, WardenError
from warden.hashing.hash_types import HASH_TYPES
from warden.model.hashes import Media
from warden.serve.auth import require_scope
from warden.serve.hasher import UploadHasher, hasher_of
from warden.serve.http_errors import error_body, warden_error_response
from warden.serve.state import ServeState
from warden.serve.upload import FIELD, receive_form
from warden.servicedb.keys import ApiKey

LOG = logging.getLogger("warden.serve")

SIGNAL_TYPES = {"pdq": "pdq", "video_md5": "md5"}
"""HMA's default signal types and the Warden hash type each is (a Warden type's own name works too)."""

CONTENT_TYPES = ("photo", "video")
"""HMA's content types: the multipart field an HMA client sends the file in."""

NO_DISTANCE = "-"
"""HMA's distance for a type without one (an exact digest)."""

NO_URL = (
    "Warden does not fetch URLs: POST the file as multipart/form-data in the field 'photo' or 'video' "
    "(HMA's upload form) instead"
)


class HmaRoute(APIRoute):
    """A route whose every error (a refused key too) carries HMA's ``message`` beside Warden's ``error``."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def answer(request: Request) -> Response:
            try:
                return await handler(request)
            except WardenError as error:
                plain = warden_error_response(error)  # its headers: Retry-After, WWW-Authenticate
                headers = {k: v for k in ("retry-after", "www-authenticate") if (v := plain.headers.get(k))}
                body = error_body(error.http_status, error.code, error.message)
                return _hma_json(body, error.http_status, headers)
            except StarletteHTTPException as error:
                body = error_body(error.status_code, "error", str(error.detail))
                return _hma_json(body, error.status_code, dict(error.headers or {}))
            except RequestValidationError as error:
                fields = ", ".join(".".join(str(part) for part in e.get("loc", ())) for e in error.errors())
                body = error_body(422, "invalid_request", f"missing or invalid: {fields or 'request'}")
                return _hma_json(body, 422, {})

        return answer


def _hma_json(body: dict[str, Any], status: int, headers: dict[str, str]) -> Response:
    return JSONResponse({"message": body["error"]["message"], **body}, status_code=status, headers=headers)


def warden_kind(signal_type: str) -> str:
    """The Warden hash type an HMA signal type names.

    Raises:
        RequestRefusedError: no such type (HMA's message).
    """
    kind = SIGNAL_TYPES.get(signal_type, signal_type)
    if kind not in HASH_TYPES:
        raise RequestRefusedError(f"No such SignalType '{signal_type}'")
    return kind


def hma_name(kind: str) -> str:
    """The HMA signal type name of a Warden hash type (its own name when HMA has none)."""
    return next((name for name, warden in SIGNAL_TYPES.items() if warden == kind), kind)


def distance_text(kind: str, distance: float) -> str:
    """HMA's distance: a string, ``"-"`` for an exact digest, the integer for PDQ."""
    if HASH_TYPES.get(kind).perceptual:
        return str(int(distance)) if float(distance).is_integer() else str(distance)
    return NO_DISTANCE


def content_id_json(content_id: str) -> int | str:
    """A content id as HMA shows it: an integer when it is one (HMA's are), else the id itself."""
    return int(content_id) if content_id.isdigit() and len(content_id) < 19 else content_id


def _hasher(state: ServeState) -> UploadHasher:
    part = hasher_of(state)
    if part is None:
        raise ForbiddenError("Hashing is disabled, missing role")
    return part


async def hash_upload(
    state: ServeState, request: Request, types: str | None = None
) -> tuple[dict[str, str], dict[str, str]]:
    """The upload in ``request`` hashed in the bounded hashing processes: (HMA signal type -> value, the
    form's other fields).

    A photo gives ``pdq``, a video ``video_md5``, decided by the bytes (not by the field's name).

    Raises:
        ForbiddenError: the hasher role is off.
        RequestRefusedError: no upload, a bad ``types``, or nothing of the selected types.
        WardenError: the upload's own refusals (too large, not media, unhashable, busy).
    """
    if request.query_params.get("url"):
        raise RequestRefusedError(NO_URL)
    hasher = _hasher(state)
    with hasher.spooled() as (descriptor, path):
        _size, fields = await receive_form(
            request, descriptor, state.config.max_upload_bytes, file_fields=(*CONTENT_TYPES, FIELD)
        )
        answer = await run_in_threadpool(hasher.hash_path, path)
    if answer.get("media") == Media.MOVIE.value:
        signals = {"video_md5": str(answer["md5"])}
    else:
        signals = {"pdq": str(answer["pdq"])}
    return select_types(signals, types), fields


def select_types(signals: dict[str, str], types: str | None) -> dict[str, str]:
    """``signals`` limited to HMA's comma-separated ``types``.

    Raises:
        RequestRefusedError: a type that is not there, or none at all (HMA's messages).
    """
    if types is None:
        return signals
    chosen: dict[str, str] = {}
    for name in (part.strip() for part in types.split(",")):
        if not name:
            continue
        if name not in signals:
            raise RequestRefusedError(f"signal type '{name}' doesn't exist or is disabled")
        chosen[name] = signals[name]
    if not chosen:
        raise RequestRefusedError("empty signal type selection")
    return chosen


def require_scopes(*scopes: str) -> Callable[..., ApiKey]:
    """A dependency admitting a key that holds every one of ``scopes`` (the first checked at the door)."""
    first = require_scope(scopes[0])

    door = Depends(first)

    # A default, not Annotated: the annotation is a string, and ``first`` is not a module global.
    def admitted(key: ApiKey = door) -> ApiKey:
        for scope in scopes[1:]:
            if not key.allows(scope):
                raise ScopeError(f"API key {key.name!r} lacks the {scope!r} scope this endpoint needs")
        return key

    return admitted


def names(text: str | None) -> Iterable[str] | None:
    """HMA's comma-separated bank names, None when absent."""
    return None if not text else [part for part in text.split(",") if part]


HashKey = Annotated[ApiKey, Depends(require_scope("hash"))]
"""An API key with the ``hash`` scope."""


def router(state: ServeState) -> APIRouter:
    """HMA's ``/h/hash``: GET with ``url`` is refused (Warden fetches nothing); POST hashes an upload."""
    routes = APIRouter(prefix="/h", tags=["HMA-compatible"], route_class=HmaRoute)

    @routes.get("/hash", summary="HMA: hash content from a URL (refused: Warden fetches nothing)")
    async def hash_url(url: Annotated[str, Query()], _key: HashKey) -> Any:
        raise RequestRefusedError(NO_URL)

    @routes.post(
        "/hash",
        summary="HMA: hash an uploaded file",
        description="multipart/form-data with the file in the field `photo` or `video` (HMA's form): "
        '`{"pdq": "<hex>"}` for a photo, `{"video_md5": "<hex>"}` for a video; `?types=` selects.',
    )
    async def hash_post(request: Request, key: HashKey, types: str | None = None) -> dict[str, str]:
        signals, _fields = await hash_upload(state, request, types)
        LOG.info("HMA hash for key %r: %s", key.name, ", ".join(signals))
        return signals

    return routes
