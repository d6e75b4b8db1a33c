"""The app answers every Warden error with its class's HTTP status and code, in the one error shape."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from warden.errors import (
    CaseBusyError,
    HashSetNotFoundError,
    KeyFileError,
    NoSpaceError,
    NotRevealedError,
    UsageError,
    WardenError,
)
from warden.web.http_errors import install


@pytest.mark.parametrize(
    ("error", "status", "code"),
    [
        (UsageError("a dispute needs a reason"), 400, "usage"),
        (HashSetNotFoundError("no hash set 'x'"), 404, "hashset_not_found"),
        (CaseBusyError("case 7 is being scanned by process 12"), 409, "case_busy"),
        (NoSpaceError("no space left on the disk holding the case"), 507, "no_space"),
        (KeyFileError("the audit key is not this case's"), 500, "key_file"),
        (NotRevealedError("reveal the item first"), 403, "not_revealed"),
    ],
)
def test_an_error_is_answered_with_its_class_status(error: WardenError, status: int, code: str) -> None:
    app = FastAPI()
    install(app)

    @app.get("/fails")
    def fails() -> None:
        raise error

    response = TestClient(app).get("/fails")
    assert response.status_code == status
    assert response.json() == {"error": {"status": status, "code": code, "message": error.message}}
