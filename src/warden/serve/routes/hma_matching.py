"""HMA's matching endpoints (role matcher, scope ``match``): ``/m/raw_lookup``, ``/m/lookup``, ``/m/compare``
and ``/m/index/status``, in HMA's shapes (the distance a string), over Warden's live index."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from starlette.concurrency import run_in_threadpool

from warden.errors import RequestRefusedError, ServiceBusyError
from warden.hashing.hash_types import HASH_TYPES
from warden.serve.live_index import IndexState
from warden.serve.lookup import BankMatch, Query, cheap, lookup
from warden.serve.matching import Matching, matching
from warden.serve.routes.hma import (
    NO_URL,
    SIGNAL_TYPES,
    HmaRoute,
    content_id_json,
    distance_text,
    hash_upload,
    names,
    require_scopes,
    warden_kind,
)
from warden.serve.state import ServeState
from warden.servicedb.keys import ApiKey

LOG = logging.getLogger("warden.serve")


async def hma_matches(
    part: Matching, signal_type: str, signal: str, **draw: Any
) -> tuple[str, list[BankMatch]]:
    """(the Warden kind, the matches) of one HMA signal; ``draw``: lookup's banks, seed and bypass_ratio.

    Raises:
        RequestRefusedError: an unknown type or a bad value (HMA's messages).
        ServiceBusyError: the index is still loading (HMA's 503 ``index not yet ready``).
    """
    kind = warden_kind(signal_type)
    if part.index.state is IndexState.LOADING:
        raise ServiceBusyError("index not yet ready")
    queries = [Query(kind, signal)]
    if cheap(queries):
        (answer,) = lookup(part.index, queries, **draw)
    else:
        (answer,) = await run_in_threadpool(lookup, part.index, queries, **draw)
    if answer.error is not None:
        raise RequestRefusedError(f"invalid signal: {answer.error}")
    return kind, list(answer.matches)


def with_distance(kind: str, match: BankMatch) -> dict[str, Any]:
    """HMA's ``{"bank_content_id": ..., "distance": "<str>"}``."""
    distance = distance_text(kind, match.distance)
    return {"bank_content_id": content_id_json(match.content_id), "distance": distance}


def by_bank(kind: str, matches: Sequence[BankMatch]) -> dict[str, list[dict[str, Any]]]:
    """HMA's lookup answer: bank name -> its matches."""
    answer: dict[str, list[dict[str, Any]]] = {}
    for match in matches:
        answer.setdefault(match.bank, []).append(with_distance(kind, match))
    return answer


def signal_types() -> dict[str, str]:
    """Every signal type ``/m/index/status`` reports: HMA's names, then Warden's other types."""
    shown = dict(SIGNAL_TYPES)
    shown.update({name: name for name in HASH_TYPES.names() if name not in SIGNAL_TYPES.values()})
    return shown


def compare_pair(signal_type: str, pair: object) -> list[Any]:
    """HMA's comparison of two hashes: ``[match, {"distance": n}]`` (``{}`` for an exact digest).

    Raises:
        RequestRefusedError: not a list of two valid hashes of a known type (HMA's messages).
    """
    if not isinstance(pair, list):
        raise RequestRefusedError(f"Comparison hashes for {signal_type} was not a list")
    if len(pair) != 2:
        raise RequestRefusedError("Comparison hash list length must be exactly 2")
    hash_type = HASH_TYPES.get(warden_kind(signal_type))
    try:
        left, right = (hash_type.validate(str(value)) for value in pair)
        result = hash_type.compare(left, right)
    except ValueError as error:
        raise RequestRefusedError(f"Invalid {signal_type} hash: {error}") from None
    if not hash_type.perceptual:
        return [result.match, {}]
    distance = result.distance
    return [result.match, {"distance": int(distance) if float(distance).is_integer() else distance}]


MatchKey = Annotated[ApiKey, Depends(require_scopes("match"))]
"""An API key with the ``match`` scope."""
MatchHashKey = Annotated[ApiKey, Depends(require_scopes("match", "hash"))]
"""An API key with the ``match`` and ``hash`` scopes."""


def router(state: ServeState) -> APIRouter:
    """HMA's ``/m`` endpoints over this worker's live index."""
    part = matching(state)
    routes = APIRouter(prefix="/m", tags=["HMA-compatible"], route_class=HmaRoute)

    @routes.get("/raw_lookup", summary="HMA: look up one hash (no enabled ratio draw)")
    async def raw_lookup(
        _key: MatchKey,
        signal: str,
        signal_type: str,
        banks: str | None = None,
        include_distance: bool = False,
    ) -> dict[str, Any]:
        kind, found = await hma_matches(part, signal_type, signal, banks=names(banks), bypass_ratio=True)
        if include_distance:
            return {"matches": [with_distance(kind, match) for match in found]}
        return {"matches": [content_id_json(match.content_id) for match in found]}

    @routes.get("/lookup", summary="HMA: look up one hash, banks drawn by their enabled ratio")
    async def lookup_get(
        _key: MatchKey,
        signal: str | None = None,
        signal_type: str | None = None,
        url: str | None = None,
        banks: str | None = None,
        seed: str | None = None,
        bypass_coinflip: bool = False,
    ) -> dict[str, Any]:
        if url:
            raise RequestRefusedError(NO_URL)
        if not signal or not signal_type:
            raise RequestRefusedError("Either url or both signal and signal_type are required")
        kind, found = await hma_matches(
            part, signal_type, signal, banks=names(banks), seed=seed, bypass_ratio=bypass_coinflip
        )
        return by_bank(kind, found)

    @routes.post(
        "/lookup",
        summary="HMA: hash an upload and look it up",
        description="multipart/form-data, the file in the field `photo` or `video`; needs the `match` and "
        "`hash` scopes and the hasher role. Answer: signal type -> bank -> matches.",
    )
    async def lookup_post(
        request: Request,
        _key: MatchHashKey,
        banks: str | None = None,
        seed: str | None = None,
        bypass_coinflip: bool = False,
    ) -> dict[str, Any]:
        signals, _fields = await hash_upload(state, request)
        answer: dict[str, Any] = {}
        for name, value in signals.items():
            kind, found = await hma_matches(
                part, name, value, banks=names(banks), seed=seed, bypass_ratio=bypass_coinflip
            )
            answer[name] = by_bank(kind, found)
        return answer

    @routes.post("/compare", summary="HMA: compare pairs of hashes")
    async def compare(request: Request, _key: MatchKey) -> dict[str, Any]:
        try:
            pairs = await request.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise RequestRefusedError("Request input was not a dict") from None
        if not isinstance(pairs, dict):
            raise RequestRefusedError("Request input was not a dict")
        return {str(name): compare_pair(str(name), pair) for name, pair in pairs.items()}

    @routes.get("/index/status", summary="HMA: the index's state per signal type")
    def index_status(_key: MatchKey, signal_type: str | None = None) -> dict[str, Any]:
        shown = signal_types()
        if signal_type is not None:
            if signal_type not in shown:
                raise RequestRefusedError(f"No such signal type '{signal_type}'")
            shown = {signal_type: shown[signal_type]}
        snapshot = part.index.snapshot
        present = part.index.state is not IndexState.LOADING
        size = sum(view.count() for view in snapshot.banks.values())
        status = {
            "present": present,
            "built_to": int(snapshot.loaded_at) if present else -1,
            "size": size if present else 0,
        }
        return {name: dict(status) for name in shown}

    return routes
