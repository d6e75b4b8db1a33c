"""``/v1/banks`` (role curator, scope ``curate``): banks created, listed, configured and deleted; their
content added entry by entry or from a list file in any supported format, paged through, disabled,
enabled and removed. Every change is seen by every worker's lookups within one poll
(``WARDEN_SERVE_POLL_SECONDS``)."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from warden.errors import UsageError
from warden.model.categories import Category
from warden.private import make_private_dir
from warden.serve import bank_jobs
from warden.serve.auth import require_scope
from warden.serve.banks import BankContent, BankRow
from warden.serve.matching import matching
from warden.serve.state import ServeState
from warden.serve.upload import FIELD, receive_form, upload_body
from warden.servicedb.keys import ApiKey

PAGE_LIMIT = 1000
"""The most content one page lists."""

_LIST_BODY = upload_body(
    {
        "format": {"type": "string", "description": "the list's format (default: detected)"},
        "profile": {"type": "string", "description": "a category profile's name or path"},
        "category": {"type": "string", "description": "category of entries without one"},
    },
    raw=False,
)

Curator = Annotated[ApiKey, Depends(require_scope("curate"))]


class NewBank(BaseModel):
    """A bank to create."""

    name: str = Field(description="UPPER_WITH_UNDERSCORE, 1-40 characters", max_length=40)
    matching_enabled_ratio: float = Field(1.0, description="the share of lookups it takes part in, 0-1")


class Ratio(BaseModel):
    """A bank's new ``matching_enabled_ratio``."""

    matching_enabled_ratio: float = Field(description="0-1")


class NewContent(BaseModel):
    """One content to add: its hashes by type, its category and (optionally) its id."""

    hashes: dict[str, str] = Field(description='hash values by type name, e.g. {"pdq": "..."}', max_length=20)
    category: str = Field("", description="A, B, C, not_indecent, known_good or empty (uncategorised)")
    content_id: str | None = Field(
        None, description="its id (made when not given; an existing id is replaced)"
    )


def bank_json(row: BankRow, size: int | None) -> dict[str, Any]:
    """A bank as the API shows it (``size``: its content in this worker's index, None until loaded)."""
    return {
        "name": row.name,
        "matching_enabled_ratio": row.matching_enabled_ratio,
        "created_at": row.created_at,
        "size": size,
    }


def content_json(content: BankContent) -> dict[str, Any]:
    """One content of a bank as the API shows it."""
    return {
        "content_id": content.content_id,
        "category": content.category.value,
        "enabled": content.enabled,
        "hashes": dict(content.hashes),
    }


def _category(text: str) -> Category:
    try:
        return Category.parse(text)
    except ValueError as error:
        raise UsageError(str(error)) from None


def router(state: ServeState) -> APIRouter:
    """The ``/v1/banks`` endpoints."""
    part = matching(state)
    banks = part.banks
    routes = APIRouter(prefix="/v1/banks", tags=["curator"])

    def size(name: str) -> int | None:
        view = part.index.snapshot.banks.get(name)
        return None if view is None else view.count()

    @contextlib.contextmanager
    def spooled() -> Iterator[tuple[int, Path]]:
        parent = state.config.spool or Path(tempfile.gettempdir())
        make_private_dir(parent, tighten=False)
        with tempfile.TemporaryDirectory(prefix="warden-list-", dir=parent) as folder:  # mode 0700
            path = Path(folder) / "list"
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            try:
                yield descriptor, path
            finally:
                with contextlib.suppress(OSError):
                    os.close(descriptor)

    @routes.post("", status_code=201, summary="create a bank")
    def create(body: NewBank, _key: Curator) -> dict[str, Any]:
        return bank_json(banks.create(body.name, body.matching_enabled_ratio), 0)

    @routes.get("", summary="every bank")
    def list_banks(_key: Curator) -> dict[str, Any]:
        return {"banks": [bank_json(row, size(row.name)) for row in banks.list_banks()]}

    @routes.get("/{name}", summary="one bank")
    def get(name: str, _key: Curator) -> dict[str, Any]:
        return bank_json(banks.get(name), size(name))

    @routes.delete("/{name}", summary="delete a bank and its content")
    def delete(name: str, _key: Curator) -> dict[str, Any]:
        banks.delete(name)
        return {"deleted": name}

    @routes.put("/{name}/ratio", summary="set the share of lookups the bank takes part in")
    def ratio(name: str, body: Ratio, _key: Curator) -> dict[str, Any]:
        banks.set_ratio(name, body.matching_enabled_ratio)
        return bank_json(banks.get(name), size(name))

    @routes.post("/{name}/content", status_code=201, summary="add one content")
    def add(name: str, body: NewContent, _key: Curator) -> dict[str, Any]:
        content_id = banks.add(name, body.hashes, _category(body.category), body.content_id)
        return {"bank": name, "content_id": content_id}

    @routes.post(
        "/{name}/list",
        summary="add every entry of a list file",
        description=(
            f"The list as multipart/form-data in the field `{FIELD}`, in any format Warden reads (detected "
            "from its bytes, or named in `format`), with an optional category `profile` and a default "
            "`category`; at most WARDEN_SERVE_MAX_UPLOAD_BYTES. Nothing is added if the list is malformed."
        ),
        openapi_extra=_LIST_BODY,
    )
    async def fill(name: str, request: Request, _key: Curator) -> dict[str, Any]:
        banks.get(name)
        with spooled() as (descriptor, path):
            _size, fields = await receive_form(request, descriptor, state.config.max_upload_bytes)
            added = await run_in_threadpool(
                bank_jobs.fill,
                banks,
                state.config.db_url,
                name,
                path,
                format_name=fields.get("format") or None,
                profile=fields.get("profile") or None,
                category=fields.get("category") or None,
            )
        return {"bank": name, "added": added}

    @routes.get("/{name}/content", summary="one page of the bank's content")
    def content(
        name: str,
        _key: Curator,
        offset: Annotated[int, Query(ge=0)] = 0,
        limit: Annotated[int, Query(ge=1, le=PAGE_LIMIT)] = 100,
    ) -> dict[str, Any]:
        total, page = banks.content(name, offset=offset, limit=limit)
        return {"bank": name, "total": total, "offset": offset, "content": [content_json(c) for c in page]}

    @routes.post("/{name}/content/{content_id}/disable", summary="keep the content but stop matching it")
    def disable(name: str, content_id: str, _key: Curator) -> dict[str, Any]:
        banks.disable(name, content_id)
        return {"bank": name, "content_id": content_id, "enabled": False}

    @routes.post("/{name}/content/{content_id}/enable", summary="match disabled content again")
    def enable(name: str, content_id: str, _key: Curator) -> dict[str, Any]:
        banks.enable(name, content_id)
        return {"bank": name, "content_id": content_id, "enabled": True}

    @routes.delete("/{name}/content/{content_id}", summary="remove the content from the bank")
    def remove(name: str, content_id: str, _key: Curator) -> dict[str, Any]:
        banks.remove(name, [content_id])
        return {"bank": name, "content_id": content_id, "removed": True}

    return routes
