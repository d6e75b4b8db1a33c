"""The hash-type registry: every type Warden stores and matches, built-in or a plug-in's, by its stable name.

Matching, the hash-set readers and the store go through :data:`HASH_TYPES`; registering a type is all it
takes for it to be read from hash sets and matched. Scan workers are other processes: they import each
plug-in type by :func:`spec` (its module path) with :func:`load`.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable

from warden.hashing.digest_types import ExactHashType
from warden.hashing.hash_type import (
    Comparison,
    Found,
    HashSetIndex,
    HashType,
    IndexKind,
    ItemHashes,
    Thresholds,
)
from warden.hashing.pdq_type import PdqHashType
from warden.hashing.vpdq_type import VpdqHashType
from warden.registry import Registry, instance_of

__all__ = [
    "BUILT_IN",
    "HASH_TYPES",
    "Comparison",
    "ExactHashType",
    "Found",
    "HashSetIndex",
    "HashType",
    "IndexKind",
    "ItemHashes",
    "PdqHashType",
    "Thresholds",
    "VpdqHashType",
    "load",
    "plug_in_specs",
    "spec",
    "thresholds",
]

HASH_TYPES: Registry[HashType] = Registry("hash type")
"""Every hash type by name, in registration order (the order matches are looked for); a plug-in registers
its own the same way."""

HASH_TYPES.load_entry_points(
    "warden.hash_types", instance_of(HashType), first=("md5", "sha1", "sha256", "pdq", "vpdq")
)

BUILT_IN: frozenset[str] = frozenset(HASH_TYPES.names())
"""The names of the types every Warden process registers by itself."""


def spec(hash_type: HashType) -> str:
    """``module:Class`` of a hash type: how another process imports it."""
    cls = type(hash_type)
    return f"{cls.__module__}:{cls.__qualname__}"


def plug_in_specs() -> list[str]:
    """The :func:`spec` of every registered type that is not built in, for the scan's workers."""
    return [spec(hash_type) for hash_type in HASH_TYPES if hash_type.name not in BUILT_IN]


def load(specs: Iterable[str]) -> None:
    """Import and register the types named by ``specs`` that this process does not have yet.

    Raises:
        ImportError: a module cannot be imported.
        AttributeError: the module has no such class.
    """
    for text in specs:
        module, _, qualname = text.partition(":")
        found: object = importlib.import_module(module)
        for part in qualname.split("."):
            found = getattr(found, part)
        hash_type = found() if isinstance(found, type) else found
        if not isinstance(hash_type, HashType):
            raise TypeError(f"{text} is not a hash type")
        if hash_type.name not in HASH_TYPES:
            HASH_TYPES.register(hash_type.name, hash_type)


def thresholds(types: Iterable[HashType] | None = None) -> dict[str, float]:
    """Every registered type's thresholds, read from the settings now: what a scan matches with."""
    merged: dict[str, float] = {}
    for hash_type in HASH_TYPES if types is None else types:
        merged.update(hash_type.thresholds())
    return merged
