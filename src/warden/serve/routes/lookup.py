"""``POST /v1/lookup`` and ``POST /v1/match`` (role matcher, scope ``match``): hashes looked up in the live
index, one or a batch; an upload hashed (as ``/v1/hash`` hashes it) and looked up in one call, its matches
recorded and their webhooks queued when the platform names the upload. Hashes travel only in bodies, never in
a URL (the path is logged). The webhook sender runs in every worker with this role."""

from __future__ import annotations

import logging
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from warden.errors import ServiceBusyError, UsageError
from warden.hashing.hash_types import ItemHashes, thresholds
from warden.model.hashes import EXACT_KINDS, HashKind, VpdqFrame
from warden.model.records import MatchKind, MatchRecord
from warden.serve.auth import require_scope
from warden.serve.hasher import attach_hasher, hasher_of
from warden.serve.live_index import IndexState, LiveIndex
from warden.serve.lookup import (
    MAX_BATCH,
    BankMatch,
    HashLookup,
    Query,
    cheap,
    draw_banks,
    lookup,
    match_views,
)
from warden.serve.match_records import MAX_CONTENT_ID, record_upload
from warden.serve.matching import matching
from warden.serve.state import ServeState
from warden.serve.upload import FIELD, receive_form, upload_body
from warden.serve.webhooks import DeliveryWorker
from warden.servicedb.keys import ApiKey

LOG = logging.getLogger("warden.serve")

CONTENT_ID_FIELD = "content_id"
"""The form field (or query parameter, for a raw body) naming the upload on the platform."""

MAX_LOOKUP_BYTES = 32 << 20
"""The largest lookup body: room for 1,000 vPDQ hashes of ten-minute videos; a larger one is a 413."""

_WEBHOOKS = "webhooks"
_RECORDED = ("md5", "sha1", "sha256", "pdq")
"""The upload's hashes a match record keeps."""

_MATCH_BODY = upload_body({CONTENT_ID_FIELD: {"type": "string", "maxLength": MAX_CONTENT_ID}})


class HashQuery(BaseModel):
    """One hash to look up."""

    kind: str = Field(description="a hash type: md5, sha1, sha256, pdq, vpdq or a plug-in's", max_length=40)
    value: str = Field(
        description="the value (hex; vPDQ as hex:quality:timestamp frames)", max_length=200_000
    )
    quality: int | None = Field(None, ge=0, le=100, description="PDQ quality when known")


class LookupRequest(BaseModel):
    """Up to 1,000 hashes of any kinds, and which banks to match."""

    hashes: list[HashQuery] = Field(description=f"at most {MAX_BATCH}")
    banks: list[str] | None = Field(None, description="only these banks (default: all)")
    seed: str | None = Field(None, description="seeds the matching_enabled_ratio draw")
    bypass_ratio: bool = Field(False, description="every bank takes part, whatever its ratio")


def match_json(match: BankMatch) -> dict[str, Any]:
    """One match as the API answers it."""
    return {
        "bank": match.bank,
        "content_id": match.content_id,
        "category": match.category.value,
        "hash_kind": match.hash_kind,
        "distance": match.distance,
        "variant": match.variant,
    }


def item_of(answer: dict[str, Any]) -> ItemHashes:
    """What matching needs from an upload's hashes as :class:`UploadHasher` answers them."""
    digests = {kind: answer[kind.value] for kind in EXACT_KINDS if answer.get(kind.value)}
    variants = [(v["variant"], v["pdq"], int(v["quality"])) for v in answer.get("pdq_variants") or []]
    if not variants and answer.get("pdq") and answer.get("pdq_quality") is not None:
        variants = [("original", answer["pdq"], int(answer["pdq_quality"]))]
    frames = tuple(
        VpdqFrame(pdq=f["pdq"], quality=int(f["quality"]), timestamp=float(f["timestamp"]))
        for f in answer.get("vpdq") or []
    )
    values = {
        str(name): [(str(variant), str(value)) for variant, value in pairs]
        for name, pairs in (answer.get("hash_values") or {}).items()
    }
    return ItemHashes(digests=digests, pdq_variants=variants, video=frames or None, values=values)


def match_record(match: BankMatch) -> MatchRecord:
    """``match`` as the scan's record of a match (what :func:`record_upload` stores)."""
    exact = {kind.value for kind in EXACT_KINDS}
    kind = (
        MatchKind.EXACT
        if match.hash_kind in exact
        else MatchKind(match.hash_kind)
        if match.hash_kind in (HashKind.PDQ.value, HashKind.VPDQ.value)
        else match.hash_kind
    )
    return MatchRecord(
        match.bank, kind, match.hash_kind, match.distance, match.variant, match.content_id, match.category
    )


def _ready(index: LiveIndex) -> LiveIndex:
    """The index, if it has loaded: a lookup before then would answer "no match" for everything."""
    if index.state is IndexState.LOADING:
        raise ServiceBusyError("the index is still loading; ask again shortly (see /status)")
    return index


def _content_id(text: str | None) -> str | None:
    """The platform's id of an upload, checked before the upload is hashed (None: not given).

    Raises:
        UsageError: it is longer than a record holds, or not printable.
    """
    if not text:
        return None
    if len(text) > MAX_CONTENT_ID or not text.isprintable():
        raise UsageError(f"a content_id is 1 to {MAX_CONTENT_ID} printable characters")
    return text


def router(state: ServeState) -> APIRouter:
    """``POST /v1/lookup`` and ``POST /v1/match``; the webhook sender (and, without the hasher role, the
    hashing processes) start and stop with the worker."""
    part = matching(state)

    attach_hasher(state)

    def start() -> None:
        worker = DeliveryWorker(state.engine, part.banks.key)
        worker.start()
        state.parts[_WEBHOOKS] = worker

    def stop() -> None:
        worker = state.parts.pop(_WEBHOOKS, None)
        if isinstance(worker, DeliveryWorker):
            worker.stop()

    state.on_startup.append(start)
    state.on_shutdown.append(stop)
    routes = APIRouter(prefix="/v1", tags=["matcher"])

    @routes.post(
        "/lookup",
        summary="look up one hash or a batch",
        description=(
            f"Up to {MAX_BATCH} hashes of any kinds, each answered in order with its matches (bank, content "
            "id, category, hash kind, distance, variant), nearest first, or with an `error` for a hash that "
            f"is not one. 503 while the index is loading; 413 for a body over {MAX_LOOKUP_BYTES >> 20} MiB."
        ),
    )
    async def lookup_hashes(
        body: LookupRequest, _key: Annotated[ApiKey, Depends(require_scope("match"))]
    ) -> dict[str, Any]:
        queries = [Query(h.kind, h.value, h.quality) for h in body.hashes]
        index = _ready(part.index)

        def answer() -> list[HashLookup]:
            return lookup(index, queries, banks=body.banks, seed=body.seed, bypass_ratio=body.bypass_ratio)

        answers = answer() if cheap(queries) else await run_in_threadpool(answer)
        return {
            "results": [
                {
                    "kind": answer.query.kind,
                    "matches": [match_json(m) for m in answer.matches],
                    **({"error": answer.error} if answer.error else {}),
                }
                for answer in answers
            ]
        }

    @routes.post(
        "/match",
        summary="hash an upload and look it up in one call",
        description=(
            f"The file as multipart/form-data in the field `{FIELD}` (or as the body itself), hashed as "
            "`/v1/hash` hashes it, every hash and variant looked up. With a `content_id` (a form field, or "
            "a query parameter for a raw body) naming the upload on the platform, each match is recorded "
            "and a signed `match` webhook queued. The answer holds the upload's hashes and its matches."
        ),
        openapi_extra=_MATCH_BODY,
    )
    async def match_upload(request: Request, key: Annotated[ApiKey, Depends(require_scope("match"))]) -> Any:
        index = _ready(part.index)
        content_id = _content_id(request.query_params.get(CONTENT_ID_FIELD))
        hasher = hasher_of(state)
        assert hasher is not None  # started with the worker
        with hasher.spooled() as (descriptor, path):
            size, fields = await receive_form(request, descriptor, state.config.max_upload_bytes)
            if CONTENT_ID_FIELD in fields:
                content_id = _content_id(fields[CONTENT_ID_FIELD])
            answer = await run_in_threadpool(hasher.hash_path, path)
        views = draw_banks(index.snapshot)
        matches = match_views(views, item_of(answer), thresholds())
        records = []
        if content_id and matches:
            hashes = {name: str(answer[name]) for name in _RECORDED if answer.get(name)}
            records = await run_in_threadpool(
                record_upload,
                state.engine,
                part.banks.key,
                content_id,
                hashes,
                [match_record(m) for m in matches],
            )
        LOG.info(
            "matched an upload for key %r: %d bytes, %d matches, %d recorded, sha256 %s",
            key.name,
            size,
            len(matches),
            len(records),
            state.config.hash_for_log(answer.get("sha256")),
        )
        return {
            "hashes": answer,
            "matches": [match_json(m) for m in matches],
            "content_id": content_id,
            "records": [record.record_id for record in records],
        }

    return routes
