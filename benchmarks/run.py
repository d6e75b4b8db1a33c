"""Every Warden benchmark in one run, Warden beside the tool it replaces: what ``make bench`` runs."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_crawl
import bench_evidence
import bench_hashing
import bench_index
import bench_indicators
import bench_psi
import bench_replicas
import bench_scale
import bench_serve


def main() -> int:
    """Hashing (12 MP JPEGs vs the HMA way), the index (1M and 10M hashes vs FAISS), a disk-image scan, a
    website crawl (vs wget), the service under load (vs HMA), the grooming-indicator scan (vs a naive loop),
    private membership (vs the same lookup in clear, and libsodium), a scan on one machine beside Ray
    clusters."""
    print("=" * 100)
    print("Hashing: Warden's full item beside the naive pipeline, PDQ alone and the decode ceiling; vPDQ")
    print("=" * 100, flush=True)
    code = bench_hashing.main([])
    print()
    print("=" * 100)
    print("Index: Warden's PDQ range index against FAISS IndexBinaryFlat and IndexBinaryMultiHash (HMA's)")
    print("=" * 100, flush=True)
    code = code or bench_index.main([])
    print()
    print("=" * 100)
    print("Evidence: scanning a disk image, beside reading it and hashing its files with standard tools")
    print("=" * 100, flush=True)
    code = code or bench_evidence.main([])
    print()
    print("=" * 100)
    print("Crawl: `warden crawl` of the local test forum, beside `wget --mirror` of the same site")
    print("=" * 100, flush=True)
    code = code or bench_crawl.main([])
    print()
    print("=" * 100)
    print("Service: `warden serve` under load (1M PDQ hashes) beside Meta's HMA serving the same bank")
    print("=" * 100, flush=True)
    code = code or bench_serve.main([])
    print()
    print("=" * 100)
    print("Replicas: a bank's new index (1M PDQ hashes) copied to a second replica, beside cp -a")
    print("=" * 100, flush=True)
    code = code or bench_replicas.main([])
    print()
    print("=" * 100)
    print("Grooming indicators: the combined scan beside a naive re.search per rule, 200,000 messages")
    print("=" * 100, flush=True)
    code = code or bench_indicators.main([])
    print()
    print("=" * 100)
    print("Private membership: `warden psi` (10M tags built, evaluations, a 1,000-hash batch on the wire)")
    print("beside the same batch in clear through `warden serve` and the OPRF on libsodium")
    print("=" * 100, flush=True)
    code = code or bench_psi.main([])
    print()
    print("=" * 100)
    print("Scale: `warden scan` on this machine beside `warden scan --ray` on Ray clusters of 1 and 2 nodes")
    print("=" * 100, flush=True)
    return code or bench_scale.main([])


if __name__ == "__main__":
    sys.exit(main())
