"""Hash-set indexes on disk: exact digest lookup and exact PDQ range search, memory-mapped."""

from __future__ import annotations

from warden.index.exact import ExactIndex
from warden.index.hash_index import HashIndex, build_index, open_index
from warden.index.keyed import KeyedTransform
from warden.index.layout import PdqLayout
from warden.index.pdq import PdqHits, PdqIndex

__all__ = [
    "ExactIndex",
    "HashIndex",
    "KeyedTransform",
    "PdqHits",
    "PdqIndex",
    "PdqLayout",
    "build_index",
    "open_index",
]
