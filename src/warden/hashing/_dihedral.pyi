"""Types of the C extension behind PDQ's dihedral downscale (see _dihedral.c)."""

from typing import Any, TypeAlias

import numpy as np

_Buffer: TypeAlias = bytes | bytearray | memoryview | np.ndarray[Any, Any]

def dihedral(
    plane: np.ndarray[Any, Any],
    row_indices: _Buffer,
    row_weights: _Buffer,
    column_indices: _Buffer,
    column_weights: _Buffer,
) -> tuple[bytes, tuple[int, int, int, int]]:
    """The PDQ hashes (8 x 32 bytes: for each mirroring, by rows mirrored then columns mirrored, its hash
    then its transpose's) and the qualities of the image (a luma plane, uint8 or float32, or uint8 RGB) and
    its three mirrorings."""
