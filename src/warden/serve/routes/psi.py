"""Private membership (role ``psi``, scope ``psi``): the list's manifest and filter, and blinded hashes
evaluated with the list's key (RFC 9497 VOPRF, :mod:`warden.psi`). See ``docs/private-membership.md``.

- ``GET /v1/psi/manifest``: the manifest (public key, counts, categories, filter size and SHA-256,
  commitment); it holds no hash and no tag.
- ``GET /v1/psi/filter``: the filter file, ``ETag`` its SHA-256 (``If-None-Match`` answered 304).
- ``POST /v1/psi/evaluate``: ``n`` blinded elements of 32 bytes (``application/octet-stream``) in, the ``n``
  evaluated elements and one DLEQ proof (``32 * n + 64`` bytes) out. The key's rate counts every element.

The server sees blinded elements only, each a random group element whatever the hash, and never learns
which hashes are listed (the client looks its tags up in the filter). Its log holds the key's name, the
batch's size, the status and the time: never an element.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from warden.errors import PsiListError, UsageError
from warden.psi.build import key_of
from warden.psi.manifest import ListManifest
from warden.psi.suite import ELEMENT_BYTES, ServerKey, batch_output_bytes, require_voprf
from warden.serve.auth import require_scope
from warden.serve.state import ServeState
from warden.servicedb.keys import ApiKey

LOG = logging.getLogger("warden.serve")

MAX_ITEMS = 10_000
"""The most blinded elements one request may carry (320,000 bytes); a larger body is a 413."""

MAX_EVALUATE_BYTES = MAX_ITEMS * ELEMENT_BYTES
"""The largest ``POST /v1/psi/evaluate`` body."""

OCTETS = "application/octet-stream"
_CHUNK = 1 << 20


@dataclass(frozen=True)
class ServedList:
    """The list one worker serves: its manifest, where its filter is, and its key (checked to be the
    manifest's)."""

    manifest: ListManifest
    filter_fd: int
    key: ServerKey

    def filter_chunks(self) -> Iterator[bytes]:
        """The filter's bytes, from the file opened at start: a list built again meanwhile (its file
        replaced) is not mixed with the manifest served."""
        offset = 0
        while offset < self.manifest.filter_size:
            chunk = os.pread(self.filter_fd, min(_CHUNK, self.manifest.filter_size - offset), offset)
            if not chunk:
                return
            offset += len(chunk)
            yield chunk


def load_served_list(state: ServeState) -> ServedList:
    """The list ``WARDEN_SERVE_PSI_LIST`` names, its filter checked against its manifest and its key file
    against the manifest's public key.

    Raises:
        UsageError: no list is named.
        PsiListError: the list is missing or damaged, or the key is not the one it was built with.
        KeyFileError: the key file is missing, readable by others or not a key.
        DependencyMissingError: ``voprf`` (the ``psi`` extra) is not installed.
    """
    require_voprf()
    folder = state.config.psi_list
    if folder is None:
        raise UsageError(
            "the psi role serves a built list: set WARDEN_SERVE_PSI_LIST to its folder, or run "
            "warden psi serve SET"
        )
    # The filter is checked once, through the descriptor it is served from (not by path, then again).
    manifest = ListManifest.read(folder)
    key = key_of(manifest, folder, state.config.psi_key_file)
    path = folder / manifest.filter_file
    try:
        descriptor = os.open(path, os.O_RDONLY)
    except OSError as exc:
        raise PsiListError(f"the PSI filter {path} cannot be opened: {exc.strerror or exc}") from None
    served = ServedList(manifest, descriptor, key)
    digest = hashlib.sha256()
    for chunk in served.filter_chunks():  # the bytes served, whatever replaces the file later
        digest.update(chunk)
    if digest.hexdigest() != manifest.filter_sha256 or os.fstat(descriptor).st_size != manifest.filter_size:
        os.close(descriptor)
        raise PsiListError(
            f"the PSI filter {path} is not the one its manifest names (size or SHA-256 differ)"
        )
    return served


def router(state: ServeState) -> APIRouter:
    """The three routes of the list ``WARDEN_SERVE_PSI_LIST`` names, loaded (and checked) once here."""
    served = load_served_list(state)

    def close() -> None:
        with contextlib.suppress(OSError):
            os.close(served.filter_fd)

    state.on_shutdown.append(close)
    manifest_json = served.manifest.to_dict()
    etag = f'"{served.manifest.filter_sha256}"'
    routes = APIRouter(prefix="/v1/psi", tags=["psi"])

    @routes.get(
        "/manifest",
        summary="the list's public description: public key, counts, categories, filter, commitment",
    )
    def manifest(_key: Annotated[ApiKey, Depends(require_scope("psi"))]) -> dict[str, Any]:
        return manifest_json

    @routes.get(
        "/filter",
        summary="the list's filter (fingerprints of its tags), ETag its SHA-256",
        response_class=StreamingResponse,
    )
    def filter_file(request: Request, _key: Annotated[ApiKey, Depends(require_scope("psi"))]) -> Response:
        if request.headers.get("if-none-match") == etag:
            return Response(status_code=304, headers={"ETag": etag})
        return StreamingResponse(
            served.filter_chunks(),
            media_type=OCTETS,
            headers={"ETag": etag, "Content-Length": str(served.manifest.filter_size)},
        )

    @routes.post(
        "/evaluate",
        summary="evaluate a batch of blinded elements with the list's key, with one proof",
        description=(
            f"The body is 1 to {MAX_ITEMS:,} blinded ristretto255 elements of {ELEMENT_BYTES} bytes "
            f"({OCTETS}); the answer is the evaluated elements in the same order and one DLEQ proof, "
            f"{ELEMENT_BYTES} * n + 64 bytes. The key's rate counts every element. 400 for a body that is "
            "not whole elements or holds a value that is not one; 413 over the limit."
        ),
        response_class=Response,
    )
    async def evaluate(request: Request, key: Annotated[ApiKey, Depends(require_scope("psi"))]) -> Response:
        began = time.monotonic()
        body = await request.body()
        count = len(body) // ELEMENT_BYTES
        if len(body) % ELEMENT_BYTES or not 1 <= count <= MAX_ITEMS:
            raise UsageError(
                f"the body must be 1 to {MAX_ITEMS:,} blinded elements of {ELEMENT_BYTES} bytes, "
                f"got {len(body):,} bytes"
            )
        limiter = state.limiter
        assert limiter is not None
        if count > 1:  # the request itself was counted as one
            request.state.rate_left = await run_in_threadpool(limiter.admit_more, key, count - 1)
        try:
            answer = await run_in_threadpool(served.key.evaluate_blinded, body)
        except ValueError as error:
            raise UsageError(str(error)) from None
        assert len(answer) == batch_output_bytes(count)
        LOG.info("psi evaluate key=%s items=%d %.0f ms", key.name, count, (time.monotonic() - began) * 1000)
        return Response(answer, media_type=OCTETS)

    return routes
