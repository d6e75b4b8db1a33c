"""How a PDQ index cuts hashes into chunks, and which chunk radii a query at a given threshold probes.

Multi-index hashing: a hash of 256 bits is cut into ``chunks`` pieces of ``chunk_bits`` bits each, one table
per piece. If a query gives table ``t`` a radius ``r_t`` (or -1 to skip it) with ``sum(r_t + 1) > threshold``,
then any hash within ``threshold`` bits has at least one piece within ``r_t`` bits of the query's piece: were
every piece further, the distances would add up to more than the threshold. Probing every value within ``r_t``
of each piece therefore finds every match, exactly; the full distance of each candidate then decides.

The costs below are a model measured on a 2-core AMD EPYC: a probe or a candidate is about one cache miss,
a linear scan about 2.5 ns per hash. They only choose between exact plans, so a poor estimate costs speed,
never a match.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from math import comb

from warden import settings

HASH_BITS = 256
MAX_THRESHOLD = HASH_BITS
MAX_RADIUS = 8

_MISS_NS = 25.0
_SCAN_NS = 2.5
_MIN_BITS, _MAX_BITS = 8, 24
# Offsets may take up to this many bytes per indexed hash (or 1 MiB for small sets) before a wider chunk
# is refused: beyond it a faster query costs more memory than the hashes themselves.
_OFFSET_BYTES_PER_HASH = 32
_OFFSET_BYTES_FLOOR = 1 << 20


@dataclass(frozen=True, slots=True)
class PdqLayout:
    """How hashes are cut into chunks: ``chunks`` tables of ``chunk_bits`` bits; no tables means scan.

    Attributes:
        chunk_bits: bits per chunk (each table has ``2**chunk_bits`` buckets).
        chunks: number of chunks and tables; bits past ``chunks * chunk_bits`` are not indexed.
    """

    chunk_bits: int
    chunks: int

    def __post_init__(self) -> None:
        if self.chunks < 0 or (self.chunks and not 1 <= self.chunk_bits <= 30):
            raise ValueError(f"bad PDQ layout: {self.chunks} chunks of {self.chunk_bits} bits")
        if self.chunks * self.chunk_bits > HASH_BITS:
            raise ValueError(f"{self.chunks} chunks of {self.chunk_bits} bits do not fit in {HASH_BITS} bits")

    @property
    def buckets(self) -> int:
        """Buckets per table (0 without tables)."""
        return 1 << self.chunk_bits if self.chunks else 0


SCAN = PdqLayout(chunk_bits=0, chunks=0)


def even_radii(chunks: int, threshold: int) -> tuple[int, ...]:
    """Radii spreading ``threshold + 1`` units as evenly as possible over ``chunks`` tables, -1 for unused.

    Spreading evenly is cheapest because the number of values within ``r`` bits grows faster than ``r``.
    """
    units = threshold + 1
    used = min(units, chunks)
    base, extra = divmod(units, used)
    return tuple(base + (1 if t < extra else 0) - 1 for t in range(used)) + (-1,) * (chunks - used)


def estimated_ns(size: int, layout: PdqLayout, radii: tuple[int, ...] | None) -> float:
    """Modelled time of one query: probes plus candidates for tables, or a scan when ``radii`` is None."""
    if radii is None or not layout.chunks:
        return _SCAN_NS * size
    per_bucket = size / layout.buckets
    probes = sum(sum(comb(layout.chunk_bits, k) for k in range(r + 1)) for r in radii if r >= 0)
    # Each probe costs about one miss (its offsets), each candidate one more (its hash).
    return _MISS_NS * probes * (1.0 + per_bucket)


def choose_layout(size: int, threshold: int | None = None) -> PdqLayout:
    """The layout with the cheapest modelled query at ``threshold`` (the ``pdq_threshold`` setting when None)
    for ``size`` hashes, within the cap."""
    threshold = settings.get_int(settings.PDQ_THRESHOLD) if threshold is None else threshold
    # Tables must at least halve the modelled time to be worth their memory and build time.
    best, best_ns = SCAN, estimated_ns(size, SCAN, None) / 2
    offset_budget = max(_OFFSET_BYTES_PER_HASH * size, _OFFSET_BYTES_FLOOR)
    for bits in range(_MIN_BITS, _MAX_BITS + 1):
        chunks = HASH_BITS // bits
        if chunks * ((1 << bits) + 1) * 4 > offset_budget:
            continue
        layout = PdqLayout(chunk_bits=bits, chunks=chunks)
        radii = even_radii(chunks, threshold)
        if max(radii) > MAX_RADIUS:
            continue
        cost = estimated_ns(size, layout, radii)
        if cost < best_ns:
            best, best_ns = layout, cost
    return best


@lru_cache(maxsize=1024)
def plan_radii(size: int, layout: PdqLayout, threshold: int) -> tuple[int, ...] | None:
    """Radii for a query at ``threshold``, or None when scanning every hash is cheaper (or the only way).

    Raises:
        ValueError: the threshold is outside 0-256.
    """
    if not 0 <= threshold <= MAX_THRESHOLD:
        raise ValueError(f"a PDQ threshold is 0-{MAX_THRESHOLD} bits, got {threshold}")
    if not layout.chunks:
        return None
    radii = even_radii(layout.chunks, threshold)
    if max(radii) > min(MAX_RADIUS, layout.chunk_bits):
        return None
    if estimated_ns(size, layout, radii) >= estimated_ns(size, layout, None):
        return None
    return radii
