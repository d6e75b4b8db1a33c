"""HMA's curation endpoints (role curator, scope ``curate``): ``/c/banks``, ``/c/bank/<name>``,
``/c/bank/<name>/content`` and ``/c/bank/<name>/signal``, in HMA's shapes, over Warden's banks.

Content added here gets an integer id, as HMA's has: a random one below 2**53 (JavaScript's exact integers),
since Warden's content ids are per bank and made by any worker without a shared counter.
"""

from __future__ import annotations

import logging
import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict
from starlette.concurrency import run_in_threadpool

from warden.errors import (
    ForbiddenError,
    HashSetExistsError,
    HashSetNotFoundError,
    NotFoundError,
    RequestRefusedError,
)
from warden.hashing.hash_types import HASH_TYPES
from warden.serve.banks import BankRow
from warden.serve.matching import Matching, matching
from warden.serve.routes.hma import HmaRoute, hash_upload, require_scopes, warden_kind
from warden.serve.state import ServeState
from warden.servicedb.keys import ApiKey

LOG = logging.getLogger("warden.serve")

NOTE_LIMIT = 255
"""HMA's longest note."""


class BankCreate(BaseModel):
    """HMA's ``BankCreateRequest``."""

    model_config = ConfigDict(extra="ignore")
    name: str
    enabled_ratio: float | None = None
    enabled: bool | None = None


class BankUpdate(BaseModel):
    """HMA's ``BankUpdateRequest``."""

    model_config = ConfigDict(extra="ignore")
    name: str | None = None
    enabled_ratio: float | None = None
    enabled: bool | None = None


def bank_json(row: BankRow) -> dict[str, Any]:
    """HMA's ``BankConfig``."""
    return {"name": row.name, "matching_enabled_ratio": row.matching_enabled_ratio}


def new_content_id() -> str:
    """An integer content id, as HMA's are (see the module's note)."""
    return str(secrets.randbelow(2**53 - 1) + 1)


def check_note(note: object) -> None:
    """HMA's rule for a note: a string of at most 255 characters (Warden does not keep it).

    Raises:
        RequestRefusedError: it is not one.
    """
    if note and (not isinstance(note, str) or len(note) > NOTE_LIMIT):
        raise RequestRefusedError(f"note should be a string of at most {NOTE_LIMIT} characters")


def add_signals(part: Matching, bank: str, signals: dict[str, Any]) -> dict[str, Any]:
    """Add one content of ``signals`` (HMA signal type -> value) to ``bank``: HMA's ``{"id", "signals"}``.

    Raises:
        RequestRefusedError: no signal, an unknown type or a bad value (HMA's messages).
        HashSetNotFoundError: no such bank.
    """
    if not signals:
        raise RequestRefusedError("No signals given")
    values: dict[str, str] = {}
    shown: dict[str, str] = {}
    for name, text in signals.items():
        try:
            kind = warden_kind(name)
        except RequestRefusedError:
            raise RequestRefusedError(f"No such signal type {name}") from None
        try:
            values[kind] = HASH_TYPES.get(kind).validate(str(text))
        except ValueError as error:
            raise RequestRefusedError(f"Invalid {name} signal: {error}") from None
        shown[name] = values[kind]
    content_id = part.banks.add(bank, values, content_id=new_content_id())
    return {"id": int(content_id), "signals": shown}


CurateKey = Annotated[ApiKey, Depends(require_scopes("curate"))]
"""An API key with the ``curate`` scope."""
CurateHashKey = Annotated[ApiKey, Depends(require_scopes("curate", "hash"))]
"""An API key with the ``curate`` and ``hash`` scopes."""


def router(state: ServeState) -> APIRouter:
    """HMA's ``/c`` bank endpoints over the service's banks."""
    part = matching(state)
    routes = APIRouter(prefix="/c", tags=["HMA-compatible"], route_class=HmaRoute)

    def need(name: str, message: str | None = None) -> BankRow:
        try:
            return part.banks.get(name)
        except HashSetNotFoundError:
            raise NotFoundError(message or f"bank '{name}' not found") from None

    @routes.get("/banks", summary="HMA: list banks")
    def banks_index(_key: CurateKey) -> list[dict[str, Any]]:
        return [bank_json(row) for row in part.banks.list_banks()]

    @routes.post("/banks", status_code=201, summary="HMA: create a bank")
    def bank_create(body: BankCreate, key: CurateKey) -> dict[str, Any]:
        ratio = body.enabled_ratio
        if ratio is None:
            ratio = 1.0 if body.enabled is None or body.enabled else 0.0
        try:
            row = part.banks.create(body.name, ratio)
        except HashSetExistsError:
            raise ForbiddenError("Bank already exists") from None
        LOG.info("HMA bank %s created by key %r", row.name, key.name)
        return bank_json(row)

    @routes.get("/bank/{bank_name}", summary="HMA: get a bank")
    def bank_show(bank_name: str, _key: CurateKey) -> dict[str, Any]:
        return bank_json(need(bank_name))

    @routes.put("/bank/{bank_name}", summary="HMA: update a bank (its enabled ratio; no renaming)")
    def bank_update(bank_name: str, body: BankUpdate, _key: CurateKey) -> dict[str, Any]:
        row = need(bank_name, "Bank not found")
        if body.name is not None and body.name != row.name:
            raise RequestRefusedError("Warden does not rename banks: create a new bank and fill it")
        ratio = body.enabled_ratio
        if ratio is None and body.enabled is not None:
            ratio = 1.0 if body.enabled else 0.0
        if ratio is not None:
            part.banks.set_ratio(row.name, ratio)
        return bank_json(need(bank_name))

    @routes.delete("/bank/{bank_name}", summary="HMA: delete a bank (an absent one too)")
    def bank_delete(bank_name: str, key: CurateKey) -> dict[str, str]:
        try:
            part.banks.delete(bank_name)
            LOG.info("HMA bank %s deleted by key %r", bank_name, key.name)
        except HashSetNotFoundError:
            pass  # HMA answers the same for a bank that is not there
        return {"message": "Done"}

    @routes.post(
        "/bank/{bank_name}/content",
        summary="HMA: add uploaded content to a bank",
        description="multipart/form-data, the file in the field `photo` or `video` (HMA's form); needs the "
        "`curate` and `hash` scopes and the hasher role. `url=` is refused: Warden fetches nothing.",
    )
    async def bank_add_content(
        bank_name: str,
        request: Request,
        _key: CurateHashKey,
        types: str | None = None,
    ) -> dict[str, Any]:
        await run_in_threadpool(need, bank_name)
        signals, fields = await hash_upload(state, request, types)
        check_note(fields.get("note"))
        return await run_in_threadpool(add_signals, part, bank_name, signals)

    @routes.post("/bank/{bank_name}/signal", summary="HMA: add content to a bank by its hashes")
    async def bank_add_signal(bank_name: str, request: Request, _key: CurateKey) -> dict[str, Any]:
        await run_in_threadpool(need, bank_name)
        try:
            body = await request.json()
        except ValueError:
            raise RequestRefusedError("the body must be a JSON object of signal type -> hash") from None
        if not isinstance(body, dict):
            raise RequestRefusedError("the body must be a JSON object of signal type -> hash")
        check_note(body.pop("note", None))
        return await run_in_threadpool(add_signals, part, bank_name, body)

    return routes
