"""Types of the C extension behind the PDQ range index (see _mih.c)."""

from typing import Any, TypeAlias

import numpy as np

_Buffer: TypeAlias = bytes | bytearray | memoryview | np.ndarray[Any, Any]

class Searcher:
    """Exact range search over one index's hashes and multi-index-hashing tables (held, not copied)."""

    def __init__(
        self, hashes: _Buffer, offsets: _Buffer, positions: _Buffer, width: int, count: int
    ) -> None: ...
    def search(self, queries: _Buffer, threshold: int, radii: _Buffer) -> tuple[bytes, bytes, bytes]:
        """(int64 limits, uint32 positions, uint8 distances) as bytes; empty radii scan every hash."""

def build_tables(hashes: _Buffer, width: int, count: int, offsets: _Buffer, positions: _Buffer) -> None:
    """Fill writable offsets and positions buffers with the tables of ``hashes``."""
