"""An upload streamed from the request into a spool file as it arrives, never held whole in memory and
never past the size limit: ``multipart/form-data`` with the file in the field ``file``, or the file itself
as the body (``image/*``, ``video/*``, ``application/octet-stream``). What the bytes are is decided later
from the bytes themselves, never from a declared type or name."""

from __future__ import annotations

import os

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import ClientDisconnect, Request

from warden.errors import RequestRefusedError, UnsupportedMediaTypeError, UploadTooLargeError

FIELD = "file"
"""The multipart field that holds the upload."""

FORM_SLACK = 64 << 10
"""Bytes a multipart body may hold beyond the file (boundaries, part headers, small fields)."""


class _FilePart:
    """Callbacks of the multipart parser: write the part named :data:`FIELD` to a file, ignore the rest."""

    def __init__(self, descriptor: int) -> None:
        self.descriptor = descriptor
        self.written = 0
        self.found = False
        self._in_file = False
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
        self._in_file = options.get(b"name") == FIELD.encode() and not self.found
        self.found = self.found or self._in_file

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self._in_file:
            self.written += os.write(self.descriptor, data[start:end])

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
    """Write the request's upload to ``descriptor``; returns its size in bytes.

    Raises:
        UploadTooLargeError: the upload (or the whole body) is over ``limit`` (refused as soon as it is
            known: from ``Content-Length``, else as the bytes arrive).
        UnsupportedMediaTypeError: the body is neither a form nor a file.
        RequestRefusedError: a form without the field ``file``, a damaged form, or an empty upload.
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
    part = _FilePart(descriptor)
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
            raise RequestRefusedError(f"the form has no field {FIELD!r} holding the file")
    if part.written > limit:
        raise _too_large(limit)
    if part.written == 0:
        raise RequestRefusedError("the upload is empty")
    return part.written
