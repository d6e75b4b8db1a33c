"""``POST /v1/hash`` (role hasher, scope ``hash``): every hash Warden computes for an uploaded image or
video."""

from __future__ import annotations

import logging
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from starlette.concurrency import run_in_threadpool

from warden.serve.auth import require_scope
from warden.serve.hasher import attach_hasher, hasher_of
from warden.serve.state import ServeState
from warden.serve.upload import FIELD, receive_upload, upload_body
from warden.servicedb.keys import ApiKey

LOG = logging.getLogger("warden.serve")

_UPLOAD_BODY = upload_body()


def router(state: ServeState) -> APIRouter:
    """``POST /v1/hash``; its hashing processes start and stop with the worker."""

    attach_hasher(state)
    routes = APIRouter(prefix="/v1", tags=["hasher"])

    @routes.post(
        "/hash",
        summary="hash an uploaded image or video",
        description=(
            f"The file as multipart/form-data in the field `{FIELD}`, or as the body itself. The "
            "answer holds MD5, SHA-1, SHA-256, PDQ with its quality and the PDQ of every rotation, mirror "
            "and trimmed form for an image, vPDQ frames for a video. The upload is hashed in a bounded "
            "worker process and deleted straight after."
        ),
        openapi_extra=_UPLOAD_BODY,
    )
    async def hash_upload(request: Request, key: Annotated[ApiKey, Depends(require_scope("hash"))]) -> Any:
        hasher = hasher_of(state)
        assert hasher is not None  # started with the worker
        with hasher.spooled() as (descriptor, path):
            size = await receive_upload(request, descriptor, state.config.max_upload_bytes)
            answer = await run_in_threadpool(hasher.hash_path, path)
        LOG.info(
            "hashed an upload for key %r: %s, %d bytes, sha256 %s",
            key.name,
            answer.get("format") or answer.get("media"),
            size,
            state.config.hash_for_log(answer.get("sha256")),
        )
        return answer

    return routes
