"""An upload streamed from the request into a spool file as it arrives, never held whole in memory and
never past the size limit: ``multipart/form-data`` with the file in the field ``file``, or the file itself
as the body (``image/*``, ``video/*``, ``application/octet-stream``). What the bytes are is decided later
from the bytes themselves, never from a declared type or name."""

from __future__ import annotations

import os
from collections.abc import Collection
from typing import Any

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import ClientDisconnect, Request

from warden.errors import RequestRefusedError, UnsupportedMediaTypeError, UploadTooLargeError

FIELD = "file"
"""The multipart field that holds the upload."""

FORM_SLACK = 64 << 10
"""Bytes a multipart body may hold beyond the file (boundaries, part headers, small fields)."""

MAX_FIELD_BYTES = 4096
"""Longest text field a form may carry beside the file (a content id, a format name...)."""


class _FilePart:
    """Callbacks of the multipart parser: write the part named :data:`FIELD` to a file, keep the other
    parts as short text fields (the first of each name)."""

    def __init__(self, descriptor: int, file_fields: Collection[str] = (FIELD,)) -> None:
        self.descriptor = descriptor
        self._file_names = {name.encode() for name in file_fields}
        self.written = 0
        self.found = False
        self.fields: dict[str, bytes] = {}
        self.oversized: str | None = None
        self._in_file = False
        self._text_name: str | None = None
        self._field = b""
        self._value = b""
        self._disposition = b""

    def on_part_begin(self) -> None:
        self._disposition, self._in_file = b"", False

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._field += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._value += data[start:end]

    def on_header_end(self) -> None:
        if self._field.lower() == b"content-disposition":
            self._disposition = self._value
        self._field, self._value = b"", b""

    def on_headers_finished(self) -> None:
        _kind, options = parse_options_header(self._disposition)
        name = options.get(b"name", b"")
        self._in_file = name in self._file_names and not self.found
        self.found = self.found or self._in_file
        text = name.decode("utf-8", "replace")
        self._text_name = text if not self._in_file and text and text not in self.fields else None
        if self._text_name is not None:
            self.fields[self._text_name] = b""

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self._in_file:
            self.written += os.write(self.descriptor, data[start:end])
        elif self._text_name is not None:
            value = self.fields[self._text_name] + data[start:end]
            if len(value) > MAX_FIELD_BYTES:
                self.oversized = self._text_name
                value = value[:MAX_FIELD_BYTES]
            self.fields[self._text_name] = value

    def callbacks(self) -> dict[str, object]:
        names = (
            "on_part_begin",
            "on_header_field",
            "on_header_value",
            "on_header_end",
            "on_headers_finished",
        )
        return {name: getattr(self, name) for name in (*names, "on_part_data")}


def _too_large(limit: int) -> UploadTooLargeError:
    return UploadTooLargeError(
        f"the upload is larger than the limit of {limit} bytes (WARDEN_SERVE_MAX_UPLOAD_BYTES)"
    )


async def receive_upload(request: Request, descriptor: int, limit: int) -> int:
    """Write the request's upload to ``descriptor``; returns its size in bytes (see :func:`receive_form`)."""
    size, _fields = await receive_form(request, descriptor, limit)
    return size


async def receive_form(
    request: Request, descriptor: int, limit: int, *, file_fields: Collection[str] = (FIELD,)
) -> tuple[int, dict[str, str]]:
    """Write the request's upload to ``descriptor``; returns its size in bytes and the form's other fields
    (short texts by name; none when the file is the body itself). ``file_fields``: the names the file may
    have in a form (HMA's clients call it ``photo`` or ``video``); the first one present is the file.

    Raises:
        UploadTooLargeError: the upload (or the whole body) is over ``limit`` (refused as soon as it is
            known: from ``Content-Length``, else as the bytes arrive).
        UnsupportedMediaTypeError: the body is neither a form nor a file.
        RequestRefusedError: a form without the field ``file``, a damaged form, a text field longer than
            :data:`MAX_FIELD_BYTES` or not UTF-8, or an empty upload.
    """
    kind, options = parse_options_header(request.headers.get("content-type", ""))
    form = kind == b"multipart/form-data"
    raw = kind == b"application/octet-stream" or kind.startswith((b"image/", b"video/"))
    if not form and not raw:
        raise UnsupportedMediaTypeError(
            f"send the file as multipart/form-data in the field {FIELD!r}, or as the body itself "
            "(Content-Type image/*, video/* or application/octet-stream)"
        )
    body_limit = limit + (FORM_SLACK if form else 0)
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > body_limit:
        raise _too_large(limit)
    part = _FilePart(descriptor, file_fields)
    parser: MultipartParser | None = None
    if form:
        boundary = options.get(b"boundary")
        if not boundary:
            raise RequestRefusedError("the multipart form has no boundary")
        parser = MultipartParser(boundary, part.callbacks())  # type: ignore[arg-type]
    received = 0
    try:
        async for chunk in request.stream():
            received += len(chunk)
            if received > body_limit or part.written > limit:
                raise _too_large(limit)
            if parser is not None:
                parser.write(chunk)
            else:
                part.written += os.write(descriptor, chunk)
    except MultipartParseError as error:
        raise RequestRefusedError(f"the multipart form is damaged: {error}") from None
    except ClientDisconnect:
        raise RequestRefusedError("the client went away before the upload was complete") from None
    if parser is not None:
        parser.finalize()
        if not part.found:
            named = " or ".join(repr(name) for name in file_fields)
            raise RequestRefusedError(f"the form has no field {named} holding the file")
    if part.written > limit:
        raise _too_large(limit)
    if part.written == 0:
        raise RequestRefusedError("the upload is empty")
    if part.oversized is not None:
        raise RequestRefusedError(f"the form field {part.oversized!r} is longer than {MAX_FIELD_BYTES} bytes")
    try:
        fields = {name: value.decode("utf-8") for name, value in part.fields.items()}
    except UnicodeDecodeError:
        raise RequestRefusedError("a form field is not UTF-8 text") from None
    return part.written, fields


def upload_body(fields: dict[str, dict[str, Any]] | None = None, *, raw: bool = True) -> dict[str, Any]:
    """The OpenAPI ``requestBody`` of an endpoint taking one file (multipart field ``file``), with ``fields``
    beside it, and (with ``raw``) the file as the body itself."""
    multipart = {
        "schema": {
            "type": "object",
            "properties": {FIELD: {"type": "string", "format": "binary"}, **(fields or {})},
            "required": [FIELD],
        }
    }
    content: dict[str, Any] = {"multipart/form-data": multipart}
    if raw:
        content["application/octet-stream"] = {"schema": {"type": "string", "format": "binary"}}
    return {"requestBody": {"required": True, "content": content}}
