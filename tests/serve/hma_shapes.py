"""HMA's documented request and response shapes, written down as data for the compatibility tests.

Source: Meta's Hasher-Matcher-Actioner (Open Media Match), github.com/facebook/ThreatExchange at commit
baefb4ed67b6cdc1d4c82dbaef858d50866ac424: ``website/content/hma/api.md`` (the API documentation), the
blueprints ``hasher-matcher-actioner/src/OpenMediaMatch/blueprints/{hashing,matching,curation}.py`` and
their schemas (``schemas/*.py``), and the examples in its tests (``src/OpenMediaMatch/tests/test_api.py``,
``test_api_banks.py``, ``test_match_api.py``, ``test_e2e_workflow.py``). HMA is BSD-licensed (Copyright (c)
Meta Platforms, Inc. and affiliates); only the documented values and shapes are restated here, no code.
"""

from __future__ import annotations

from typing import Any

PDQ_EXAMPLE = "d811ac390bfa6005d08543fe27fd5a11f6b55bdd2603000dc26476fc79fc76b5"
"""api.md's sample PDQ."""

HASH_RESPONSE: dict[str, Any] = {"pdq": PDQ_EXAMPLE}
"""``GET|POST /h/hash``: signal type -> value (api.md)."""

LOOKUP_GET_RESPONSE: dict[str, Any] = {"TEST_BANK": [{"bank_content_id": 1, "distance": "0"}]}
"""``GET /m/lookup?signal_type=&signal=``: bank -> matches, the distance a string (api.md)."""

LOOKUP_POST_RESPONSE: dict[str, Any] = {"pdq": {"TEST_BANK": [{"bank_content_id": 1, "distance": "0"}]}}
"""``POST /m/lookup`` (multipart, field ``photo``): signal type -> bank -> matches (api.md)."""

RAW_LOOKUP_RESPONSE: dict[str, Any] = {"matches": [1]}
"""``GET /m/raw_lookup``: content ids (schemas/matching.py ``RawLookupResponse``)."""

RAW_LOOKUP_DISTANCE_RESPONSE: dict[str, Any] = {"matches": [{"bank_content_id": 1, "distance": "0"}]}
"""``GET /m/raw_lookup?include_distance=true`` (``MatchWithDistance``: ``distance: str``)."""

COMPARE_SPECIMENS = (
    "facd8bcb2a49bcebdec1985298d5fe84bcd006c187c598c720c3c087b3fdb318",
    "facd8bcb2a49bcebdec1985228d5ae84bcd006c187c598c720c2b087b3fdb318",
)
COMPARE_REQUEST: dict[str, Any] = {"pdq": list(COMPARE_SPECIMENS)}
COMPARE_RESPONSE: dict[str, Any] = {"pdq": [True, {"distance": 9}]}
"""``POST /m/compare`` (test_api.py ``test_compare_hashes``)."""

COMPARE_BAD_REQUESTS: list[Any] = [
    ["banana"],
    {"pdq": "banana"},
    {"pdq": []},
    {"pdq": ["banana", "banana"]},
    {"pdq": [COMPARE_SPECIMENS[0], COMPARE_SPECIMENS[1], COMPARE_SPECIMENS[0]]},
]
"""Each answered 400 (test_api.py)."""

INDEX_STATUS_ENTRY: dict[str, Any] = {"built_to": 1700146048, "present": True, "size": 591}
"""One signal type of ``GET /m/index/status`` (matching.py's docstring)."""

BANK_CREATE_REQUEST: dict[str, Any] = {"name": "MY_TEST_BANK_01"}
BANK_CREATE_RESPONSE: dict[str, Any] = {"matching_enabled_ratio": 1.0, "name": "MY_TEST_BANK_01"}
"""``POST /c/banks``: 201 (test_api_banks.py); a bad name 400, an existing one 403."""

BAD_BANK_NAMES = ("01_TEST_BANK", "my_test_bank")
"""Refused with 400 (test_api_banks.py: must not start with a digit, no lower case)."""

BANK_UPDATES: list[tuple[dict[str, Any], float]] = [({"enabled": False}, 0), ({"enabled_ratio": 0.5}, 0.5)]
"""``PUT /c/bank/<name>`` bodies and the ``matching_enabled_ratio`` each leaves (test_api_banks.py)."""

DELETE_RESPONSE: dict[str, Any] = {"message": "Done"}
"""``DELETE /c/bank/<name>``: 200, for an absent bank too (curation.py, test_api_banks.py)."""

ADD_CONTENT_RESPONSE: dict[str, Any] = {"id": 1, "signals": {"pdq": PDQ_EXAMPLE}}
"""``POST /c/bank/<name>/content`` and ``/signal``: 200, the content id and its signals (tests/utils.py)."""

ERROR_RESPONSE: dict[str, Any] = {"message": "bank 'X' not found"}
"""Every HMA error body (utils/flask_utils.py ``api_error_handler``; schemas/shared.py ``ErrorResponse``)."""


def shape(value: Any) -> Any:
    """The skeleton of a JSON value: the same keys, types in place of values, one element per list."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [shape(value[0])] if value else []
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    return type(value).__name__
