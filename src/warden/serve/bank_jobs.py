"""A bank's merges and fills run in a child process of the worker that asks for them.

A merge reads the bank's whole list into memory to write its new base (hundreds of bytes an entry), and a
Python process keeps most of what it once allocated: done in a worker, a 1M-entry fill would leave that
worker several hundred megabytes larger for the rest of its life, and a 10M-entry one several gigabytes.
Done in a child (a fresh interpreter, ``python -m warden.serve.bank_jobs``), the memory goes back to the
system when the child exits, and every worker stays the size of its own requests.

The job travels as JSON on the child's standard input and the answer as JSON on its standard output: the
result, or the error's code and message, raised again in the worker as the same :class:`WardenError` (so the
HTTP answer is what it would have been in the worker). The child inherits the worker's environment, so it
reads the same settings; the service database, the store, its key file and the rows folder are named in the
job, as the worker's :class:`~warden.serve.banks.Banks` has them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from warden.errors import InternalError, WardenError
from warden.serve.banks import Banks

_ANSWER_LIMIT = 1 << 20


def _error_classes() -> dict[str, type[WardenError]]:
    found: dict[str, type[WardenError]] = {}
    todo: list[type[WardenError]] = [WardenError]
    while todo:
        cls = todo.pop()
        found.setdefault(cls.code, cls)
        todo.extend(cls.__subclasses__())
    return found


def error_from(code: str, message: str) -> WardenError:
    """The error a child reported, as the class with ``code`` (an :class:`InternalError` if none fits)."""
    cls = _error_classes().get(code)
    if cls is not None:
        try:
            return cls(message)
        except TypeError:  # a class made from other arguments than a message
            pass
    return InternalError(message)


def run_job(job: dict[str, Any]) -> Any:
    """Run ``job`` in a child process and return its result.

    Raises:
        WardenError: the one the job raised (same class and message), or an :class:`InternalError` when the
            child died without an answer.
    """
    done = subprocess.run(
        [sys.executable, "-m", "warden.serve.bank_jobs"],
        input=json.dumps(job).encode("utf-8"),
        capture_output=True,
        env=os.environ.copy(),
        check=False,
    )
    try:
        answer = json.loads(done.stdout[-_ANSWER_LIMIT:].decode("utf-8").strip().splitlines()[-1])
    except (ValueError, IndexError):
        tail = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["no output"]
        raise InternalError(
            f"the bank {job.get('op')} process ended with status {done.returncode} and no answer: {tail[0]}"
        ) from None
    if "error" in answer:
        raise error_from(str(answer["error"]["code"]), str(answer["error"]["message"]))
    return answer["result"]


def _where(banks: Banks, db_url: str) -> dict[str, str]:
    return {
        "db_url": db_url,
        "store": str(banks.store.root),
        "key_file": str(banks.store.key_file),
        "rows": str(banks.rows_root),
    }


def merge(banks: Banks, db_url: str, bank: str) -> bool:
    """``banks.merge(bank)`` (no wait) in a child process; ``db_url`` is ``banks``' database."""
    return bool(run_job({"op": "merge", **_where(banks, db_url), "bank": bank}))


def fill(
    banks: Banks,
    db_url: str,
    bank: str,
    path: Path,
    *,
    format_name: str | None = None,
    profile: str | None = None,
    category: str | None = None,
) -> int:
    """``banks.fill(...)`` in a child process; returns how many entries were added."""
    job = {
        "op": "fill",
        **_where(banks, db_url),
        "bank": bank,
        "path": str(path),
        "format": format_name,
        "profile": profile,
        "category": category,
    }
    return int(run_job(job))


def _do(job: dict[str, Any]) -> Any:
    from warden.hashsets.store import HashSetStore
    from warden.servicedb.database import open_service_db

    engine = open_service_db(str(job["db_url"]))
    try:
        store = HashSetStore(Path(job["store"]), Path(job["key_file"]))
        banks = Banks(engine, store, Path(job["rows"]))
        if job["op"] == "merge":
            return banks.merge(str(job["bank"]))
        if job["op"] == "fill":
            return banks.fill(
                str(job["bank"]),
                Path(job["path"]),
                format_name=job.get("format"),
                profile=job.get("profile"),
                category=job.get("category"),
            )
        raise InternalError(f"no bank job {job['op']!r}")
    finally:
        engine.dispose()


def main() -> int:
    """The child: one job from standard input, its answer on standard output."""
    try:
        answer: dict[str, Any] = {"result": _do(json.loads(sys.stdin.buffer.read()))}
    except WardenError as error:
        answer = {"error": {"code": error.code, "message": str(error)}}
    except Exception as error:
        answer = {"error": {"code": InternalError.code, "message": f"{type(error).__name__}: {error}"}}
    sys.stdout.write(json.dumps(answer) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
