"""The hashing process: receives file paths, returns their hashes; one item in flight at a time.

Messages are JSON bytes both ways (nothing is unpickled). The process limits its own address space so a
decompression bomb or a hostile video fails inside it, as an item error, instead of exhausting the machine.
Plug-in hash types registered in the parent are named in the options (``hash_types``, see
:func:`with_hash_types`); the worker imports them and adds their values to each result.
"""

from __future__ import annotations

import json
import resource
import signal
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from warden.hashing import hash_types
from warden.hashing.digests import ListedPath, listed_identity
from warden.hashing.item import HashOptions, hash_file

HASH_TYPES_OPTION = "hash_types"
"""The option naming the plug-in hash types a worker imports (``module:Class`` each)."""


def limit_memory(megabytes: int) -> None:
    """Cap this process's address space (0 leaves it alone)."""
    if megabytes <= 0:
        return
    limit = megabytes * 1024 * 1024
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


Hasher = Callable[[str, dict[str, Any]], dict[str, Any]]


def with_hash_types(options: dict[str, Any]) -> dict[str, Any]:
    """``options`` naming the plug-in hash types registered in this process, for the workers to import."""
    specs = hash_types.plug_in_specs()
    return {**options, HASH_TYPES_OPTION: specs} if specs else options


def hash_one(path: str, options: dict[str, Any]) -> dict[str, Any]:
    """Hash one file with ``HashOptions(**options)``, then with each plug-in hash type; every failure comes
    back as data.

    A :class:`~warden.hashing.digests.ListedPath` is opened only if it is still the file that was listed.
    """
    options = dict(options)
    specs = options.pop(HASH_TYPES_OPTION, ())
    try:
        result = hash_file(Path(path), HashOptions(**options), identity=listed_identity(path)).to_json()
    except MemoryError:
        return {"errors": [{"stage": "hash", "message": "out of memory (worker memory limit reached)"}]}
    except Exception as exc:
        return {"errors": [{"stage": "hash", "message": f"{type(exc).__name__}: {exc}"}]}
    if specs:
        _plug_in_values(Path(path), result, specs)
    return result


def _plug_in_values(path: Path, result: dict[str, Any], specs: list[str]) -> None:
    """Add each plug-in hash type's values to ``result`` (``hash_values``), or its failure to the errors."""
    try:
        hash_types.load(specs)
    except Exception as exc:
        result["errors"].append({"stage": "hash type", "message": f"{type(exc).__name__}: {exc}"})
        return
    values: dict[str, list[list[str]]] = {}
    for hash_type in hash_types.HASH_TYPES:
        if hash_type.name in hash_types.BUILT_IN:
            continue
        try:
            computed = hash_type.compute(path, result)
            values[hash_type.name] = [[variant, hash_type.validate(value)] for variant, value in computed]
        except MemoryError:
            result["errors"].append({"stage": hash_type.name, "message": "out of memory"})
        except Exception as exc:
            result["errors"].append({"stage": hash_type.name, "message": f"{type(exc).__name__}: {exc}"})
    if any(values.values()):
        result["hash_values"] = {name: pairs for name, pairs in values.items() if pairs}


def worker_main(
    connection: Connection, options: dict[str, Any], memory_mb: int, hasher: Hasher = hash_one
) -> None:
    """Serve hashing requests until the parent closes the pipe.

    Args:
        connection: the pipe to the parent.
        options: keyword arguments for the hasher.
        memory_mb: address-space limit of this process.
        hasher: what to run per file (tests put a misbehaving one here).
    """
    # The parent decides about Ctrl-C; a worker dying on it would be recorded as a failed item.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    limit_memory(memory_mb)
    while True:
        try:
            request = json.loads(connection.recv_bytes())
        except (EOFError, OSError):
            return
        identity = request.get("identity")
        path = ListedPath(request["path"], (int(identity[0]), int(identity[1])) if identity else None)
        result = hasher(path, options)
        try:
            connection.send_bytes(json.dumps({"task": request["task"], "result": result}).encode("utf-8"))
        except (BrokenPipeError, OSError):
            return
