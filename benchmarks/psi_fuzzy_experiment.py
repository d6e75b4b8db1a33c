"""Perceptual private matching, an experiment kept out of Warden and off by default: what it would cost to
match PDQ hashes *near* a private list (distance <= 31) rather than equal to one, as ``warden psi`` does.

Two approaches are measured on the benign photos in ``../shared/media`` (``warden.validation.accuracy``'s
sample: listed photos and unrelated ones, seed 1), with the validation's edits of each listed photo plus a
caption band (``bench_captions.caption_below``), every copy hashed as a scan hashes it (all matchable
variants: the eight rotations and mirrors, and the image without bars or a caption band when it has them):

1. **Chunks under the OPRF.** Each 256-bit PDQ hash is cut into k chunks of 256/k bits; the server lists one
   OPRF tag per (k, chunk position, chunk bits) of every listed hash; the client evaluates its chunks through
   the same RFC 9497 VOPRF (``voprf``) and checks the tags locally, as it checks exact tags. A copy is a
   *candidate* where any chunk of any variant equals that chunk of a listed hash. By the pigeonhole principle
   a distance of at most k-1 leaves at least one of k chunks equal, so only k = 32 (8-bit chunks) guarantees
   every match at PDQ's threshold of 31; fewer, longer chunks miss some. Measured per scheme: recall against
   the plain PDQ match at 31, candidates among unrelated photos (and extrapolated to larger lists from the
   measured chance that one unrelated photo shares a chunk with one listed hash), OPRF evaluations and body
   bytes per image, and what the client learns. A real VOPRF round (blind, batch evaluation with its proof,
   verified finalisation, tag lookup) is run on ``--oprf-images`` copies and checked to give the same
   candidates as comparing the chunks in clear, which the full tables use.
2. **A homomorphic Hamming distance with TenSEAL** (CKKS, N = 8192): the client encrypts its hash as +-1
   values, the server multiplies it by its list in clear (a 256 x N matrix) and returns the encrypted dot
   products, from which the client reads every distance. Seconds and bytes per query for lists of 1,000 and
   10,000. This is the cheap part only: a threshold test that hides the distances (a comparison circuit or
   masking) would cost more, and as measured the client learns its distance to every listed hash.

Neither is part of Warden or of ``make bench``. Run it by hand::

    python benchmarks/psi_fuzzy_experiment.py                     # 200 listed, 200 unrelated photos
    python benchmarks/psi_fuzzy_experiment.py --sample 50 --unrelated 50 --no-tenseal

TenSEAL is not a Warden dependency: ``pip install tenseal`` into the same environment to measure it; without
it that part says so. Results are in ``docs/private-membership.md``.
"""

from __future__ import annotations

import argparse
import importlib
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_captions import caption_below
from warden.hashing.item import HashOptions, hash_file
from warden.hashing.robust import best_variant_match, matchable
from warden.validation.accuracy import EDITS, choose

MEDIA = Path(__file__).resolve().parent.parent.parent / "shared" / "media"
THRESHOLD = 31
SCHEMES = (1, 4, 8, 16, 32)
"""Chunk counts measured: 1 chunk of 256 bits is exact PDQ (what ``warden psi`` offers), 32 of 8 bits the
only one the pigeonhole principle makes exact at distance 31."""
LIST_SIZES = (10_000, 1_000_000)
BATCH = 1000
"""Evaluations per request, as ``warden psi``'s client sends them: one 64-byte proof per batch."""
TARGET_RATE = 8000
"""Evaluations per second the exact service is built for, to turn an enumeration into time."""

Hashes = npt.NDArray[np.uint8]
"""PDQ hashes as rows of 32 bytes."""


@dataclass(frozen=True, slots=True)
class Copy:
    """An image the client checks: its matchable variants' hashes, which listed hash it is a copy of (None
    for an unrelated photo), and whether a plain PDQ match at the threshold finds it."""

    edit: str
    variants: Hashes
    original: int | None
    plain_match: bool


def as_rows(hexes: Sequence[str]) -> Hashes:
    """Hex PDQ hashes as an (n, 32) byte array."""
    return np.frombuffer(b"".join(bytes.fromhex(h) for h in hexes), dtype=np.uint8).reshape(-1, 32)


def chunked(rows: Hashes, chunks: int) -> Hashes:
    """(n, chunks, 32 / chunks): each hash cut into ``chunks`` equal runs of bits (whole bytes)."""
    return rows.reshape(len(rows), chunks, 32 // chunks)


def shared_chunks(a: Hashes, b: Hashes, chunks: int) -> npt.NDArray[np.bool_]:
    """(len(a), len(b), chunks): which chunk positions of each pair of hashes are equal."""
    equal: npt.NDArray[np.bool_] = np.all(chunked(a, chunks)[:, None] == chunked(b, chunks)[None, :], axis=3)
    return equal


def chunk_input(chunks: int, position: int, value: bytes) -> bytes:
    """The OPRF input for one chunk: domain separated from ``warden psi``'s exact inputs and from other
    chunk sizes, so a tag says which scheme, position and bits it stands for."""
    return b"warden-psi-fuzzy/1\x00" + bytes((chunks, position)) + value


def load_copies(
    listed: Sequence[Path], unrelated: Sequence[Path], say: Callable[[str], None]
) -> tuple[Hashes, list[Copy]]:
    """The list (reference PDQ of each listed photo) and every copy the client checks."""
    reference = HashOptions(exact_pdq=True, variants=False, video=False)
    scan = HashOptions(video=False)
    originals = [hash_file(photo, reference).pdq or "" for photo in listed]
    kept = [i for i, pdq in enumerate(originals) if pdq]
    listed_rows = as_rows([originals[i] for i in kept])
    edits: list[tuple[str, Callable[[Path, Path], None]]] = [(e.name, e.apply) for e in EDITS]

    def _captioned(photo: Path, copy: Path) -> None:
        with Image.open(photo) as image:
            caption_below(image.convert("RGB")).save(copy, "JPEG", quality=90)

    edits.append(("caption band below 15%", _captioned))
    copies: list[Copy] = []
    with tempfile.TemporaryDirectory(prefix="warden-fuzzy-") as temp:
        path = Path(temp) / "copy"
        for name, apply in edits:
            for row, index in enumerate(kept):
                apply(listed[index], path)
                variants = matchable(hash_file(path, scan).pdq_variants)
                if not variants:
                    continue
                plain = best_variant_match(variants, originals[index], threshold=THRESHOLD) is not None
                copies.append(Copy(name, as_rows([v.pdq for v in variants]), row, plain))
            say(f"  {name}: {sum(c.edit == name for c in copies)} copies hashed")
    for photo in unrelated:
        variants = matchable(hash_file(photo, scan).pdq_variants)
        if variants:
            plain = any(
                best_variant_match(variants, pdq, threshold=THRESHOLD) for pdq in (originals[i] for i in kept)
            )
            copies.append(Copy("unrelated", as_rows([v.pdq for v in variants]), None, plain))
    return listed_rows, copies


def per_edit(listed: Hashes, copies: Sequence[Copy]) -> None:
    """Print, per edit, how many copies plain PDQ finds and how many each chunk scheme makes candidates."""
    head = f"{'edit':32} {'copies':>6} {'PDQ<=31':>7} " + " ".join(f"{f'{k}x{256 // k}':>7}" for k in SCHEMES)
    print("\n" + head + "\n" + "-" * len(head))
    for edit in dict.fromkeys(c.edit for c in copies if c.original is not None):
        mine = [c for c in copies if c.edit == edit]
        found = [
            sum(bool(shared_chunks(c.variants, listed[[c.original or 0]], k).any()) for c in mine)
            for k in SCHEMES
        ]
        plain = sum(c.plain_match for c in mine)
        print(f"{edit:32} {len(mine):>6} {plain:>7} " + " ".join(f"{n:>7}" for n in found))


def chunk_rows(listed: Hashes, copies: Sequence[Copy]) -> list[dict[str, Any]]:
    """One row per chunk scheme: recall, candidates, cost and leakage, compared in clear."""
    rows = []
    edited = [c for c in copies if c.original is not None]
    unrelated = [c for c in copies if c.original is None]
    variants = statistics.mean(len(c.variants) for c in copies)
    for chunks in SCHEMES:
        bits = 256 // chunks
        found = [bool(shared_chunks(c.variants, listed[[c.original or 0]], chunks).any()) for c in edited]
        plain = [c.plain_match for c in edited]
        recall = sum(f and p for f, p in zip(found, plain, strict=True)) / max(1, sum(plain))
        pairs = [shared_chunks(c.variants, listed, chunks) for c in unrelated]
        per_photo = [p.any(axis=(0, 2)) for p in pairs]  # which listed hashes each unrelated photo touches
        candidates = sum(bool(p.any()) for p in per_photo)
        pair_rate = float(np.mean(np.concatenate(per_photo))) if per_photo else 0.0
        hit_positions = [int(p.any(axis=1).sum()) for p in pairs]  # (variant, position) pairs found listed
        uniform = 1 - (1 - 2.0**-bits) ** (chunks * variants)
        rows.append(
            {
                "scheme": f"{chunks} x {bits} bits",
                "chunks": chunks,
                "guaranteed_distance": chunks - 1,
                "found": sum(found),
                "plain": sum(plain),
                "edited": len(edited),
                "recall_vs_plain": recall,
                "unrelated": len(unrelated),
                "unrelated_candidates": candidates,
                "pair_rate": pair_rate,
                "uniform_pair_rate": uniform,
                "at_size": {n: 1 - (1 - max(pair_rate, uniform)) ** n for n in LIST_SIZES},
                "positions_learned": statistics.mean(hit_positions) if hit_positions else 0.0,
                "evaluations": chunks * variants,
                "body_bytes": chunks * variants * 64 + 64 * chunks * variants / BATCH,
                "enumeration": chunks * 2**bits if bits <= 32 else None,
            }
        )
    return rows


def oprf_round(listed: Hashes, copies: Sequence[Copy], chunks: int, images: int) -> dict[str, Any]:
    """A real VOPRF round per image for one scheme, checked against the clear comparison.

    Returns tags built per second, seconds per image (blind, evaluate, verify, finalize, look up: one process,
    no network), request and response body bytes per image, and whether the candidates agree.
    """
    from voprf import ristretto

    server = ristretto.Evaluator.from_seed(os.urandom(32), b"warden-psi-fuzzy-experiment")
    started = time.perf_counter()
    tags = {
        server.evaluate_known_input(chunk_input(chunks, position, bytes(value)))
        for row in chunked(listed, chunks)
        for position, value in enumerate(row)
    }
    build_rate = len(listed) * chunks / (time.perf_counter() - started)
    sample = [c for c in copies if c.original is not None][:images] + [
        c for c in copies if c.original is None
    ][:images]
    seconds: list[float] = []
    sent = received = 0
    agree = True
    for copy in sample:
        inputs = [
            chunk_input(chunks, position, bytes(value))
            for row in chunked(copy.variants, chunks)
            for position, value in enumerate(row)
        ]
        started = time.perf_counter()
        blinded = [ristretto.Client.blind(item) for item in inputs]
        request = b"".join(b.serialize() for _, b in blinded)
        response = server.evaluate_batch(
            [ristretto.BlindedInput.deserialize(request[i : i + 32]) for i in range(0, len(request), 32)]
        ).serialize()
        outputs = ristretto.Client.finalize_batch(
            [c for c, _ in blinded],
            ristretto.VerifiableBatchOutput.deserialize(response),
            server.public_key,
        )
        hits = [output in tags for output in outputs]
        seconds.append(time.perf_counter() - started)
        sent += len(request)
        received += len(response)
        clear = shared_chunks(copy.variants, listed, chunks).any(axis=1).reshape(-1)  # variant-major, as sent
        agree = agree and hits == clear.tolist()
    return {
        "chunks": chunks,
        "images": len(sample),
        "tags_per_second": build_rate,
        "seconds_per_image": statistics.median(seconds),
        "request_bytes": sent / len(sample),
        "response_bytes": received / len(sample),
        "agree": agree,
    }


def tenseal_rows(sizes: Sequence[int], repeats: int = 3) -> list[dict[str, Any]] | str:
    """Seconds and bytes per homomorphic Hamming query against lists of ``sizes`` random hashes, or why
    not."""
    try:
        ts: Any = importlib.import_module("tenseal")
    except ImportError:
        return "TenSEAL is not installed (pip install tenseal): the homomorphic rows were not measured"
    context = ts.context(ts.SCHEME_TYPE.CKKS, poly_modulus_degree=8192, coeff_mod_bit_sizes=[60, 40, 40, 60])
    context.global_scale = 2**40
    context.generate_galois_keys()
    public = context.copy()
    public.make_context_public()
    keys = len(public.serialize(save_galois_keys=True))
    slots = 8192 // 2
    rng = np.random.default_rng(1)
    rows = []
    for size in sizes:
        listed = rng.integers(0, 2, (size, 256))
        query = listed[size // 2].copy()
        query[:20] ^= 1
        blocks = [(1 - 2 * listed[i : i + slots]).T.astype(float).tolist() for i in range(0, size, slots)]
        timings = []
        for _ in range(repeats):
            started = time.perf_counter()
            request = ts.ckks_vector(context, (1 - 2 * query).astype(float).tolist()).serialize()
            client = time.perf_counter() - started
            started = time.perf_counter()
            vector = ts.ckks_vector_from(public, request)
            responses = [vector.mm(block).serialize() for block in blocks]
            server = time.perf_counter() - started
            started = time.perf_counter()
            dots = np.concatenate([ts.ckks_vector_from(context, r).decrypt() for r in responses])
            client += time.perf_counter() - started
            timings.append((client, server))
        distances = np.rint((256 - dots[:size]) / 2).astype(int)
        expected = np.count_nonzero(listed != query, axis=1)
        rows.append(
            {
                "size": size,
                "client_seconds": statistics.median(t[0] for t in timings),
                "server_seconds": statistics.median(t[1] for t in timings),
                "request_bytes": len(request),
                "response_bytes": sum(len(r) for r in responses),
                "key_bytes": keys,
                "correct": bool(np.array_equal(distances, expected)),
            }
        )
    return rows


def _per_day(evaluations: int) -> str:
    seconds = evaluations / TARGET_RATE
    return f"{seconds:,.0f} s" if seconds < 86400 else f"{seconds / 86400:,.0f} days"


def print_tables(rows: Sequence[dict[str, Any]], rounds: Sequence[dict[str, Any]], he: Any) -> None:
    """The experiment's tables, in the order docs/private-membership.md quotes them."""
    first = rows[0]
    print(
        f"\n{first['edited']} edited copies of listed photos ({first['plain']} matched by plain PDQ at "
        f"{THRESHOLD}); {first['unrelated']} unrelated photos"
    )
    head = (
        f"{'scheme':15} {'exact at d<=':>12} {'found':>6} {'recall vs PDQ':>13} {'unrelated cand.':>15}"
        f" {'P(pair)':>9} {'uniform':>9} {'cand. @10k':>10} {'@1M':>6} {'evals/img':>9} {'bytes/img':>9}"
        f" {'list enumerated in':>19}"
    )
    print(head)
    print("-" * len(head))
    for row in rows:
        enumeration = "-" if row["enumeration"] is None else _per_day(row["enumeration"])
        print(
            f"{row['scheme']:15} {row['guaranteed_distance']:>12} {row['found']:>6}"
            f" {100 * row['recall_vs_plain']:>12.1f}%"
            f" {row['unrelated_candidates']:>6} of {row['unrelated']:<5}"
            f" {row['pair_rate']:>9.2e} {row['uniform_pair_rate']:>9.2e}"
            f" {100 * row['at_size'][10_000]:>9.1f}% {100 * row['at_size'][1_000_000]:>5.0f}%"
            f" {row['evaluations']:>9.1f} {row['body_bytes']:>9,.0f} {enumeration:>19}"
        )
    print(
        "P(pair): measured chance that one unrelated photo (any variant) shares a chunk with one listed hash;"
        " uniform: the same for random hashes. Candidates at 10k/1M listed hashes: 1-(1-P)^N with the larger."
        f" Enumeration: every (position, value) tried at {TARGET_RATE:,} evaluations/s."
    )
    for row in rows:
        print(
            f"  {row['scheme']}: an unrelated photo's check reveals {row['positions_learned']:.3f} listed"
            " chunk"
            " (variant, position) pairs on average"
        )
    for done in rounds:
        print(
            f"VOPRF round, {done['chunks']} chunks, {done['images']} images:"
            f" {done['tags_per_second']:,.0f} tags/s"
            f" built, {1000 * done['seconds_per_image']:.1f} ms per image (one process), request"
            f" {done['request_bytes']:,.0f} B and response {done['response_bytes']:,.0f} B per image;"
            f" same candidates as in clear: {'yes' if done['agree'] else 'NO'}"
        )
    if isinstance(he, str):
        print(he)
        return
    print(
        "\nTenSEAL CKKS (N=8192), one 256-bit query against N random listed hashes, all distances returned:"
    )
    for row in he:
        print(
            f"  N={row['size']:>6,}: server {row['server_seconds']:.2f} s,"
            f" client {row['client_seconds']:.3f} s, request {row['request_bytes']:,} B,"
            f" response {row['response_bytes']:,} B, public and Galois keys"
            f" {row['key_bytes']:,} B once; distances exact: {row['correct']}"
        )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the experiment and print its tables; returns the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sample", type=int, default=200, help="listed photos (default 200)")
    parser.add_argument("--unrelated", type=int, default=200, help="unrelated photos (default 200)")
    parser.add_argument("--oprf-images", type=int, default=20, help="copies per side put through real VOPRF")
    parser.add_argument("--no-tenseal", action="store_true", help="skip the homomorphic rows")
    args = parser.parse_args(argv)
    photos = sorted((MEDIA / "photos").glob("*.jpg"))
    listed, unrelated = choose(photos, args.sample, args.unrelated, seed=1)
    print(
        f"{len(listed)} listed and {len(unrelated)} unrelated photos from {MEDIA};"
        f" load {os.getloadavg()[0]:.2f}"
    )
    listed_rows, copies = load_copies(listed, unrelated, lambda text: print(text, flush=True))
    rows = chunk_rows(listed_rows, copies)
    rounds = [oprf_round(listed_rows, copies, chunks, args.oprf_images) for chunks in (16, 32)]
    he = "not run (--no-tenseal)" if args.no_tenseal else tenseal_rows((1_000, 10_000))
    per_edit(listed_rows, copies)
    print_tables(rows, rounds, he)
    print(f"load after: {os.getloadavg()[0]:.2f}")
    return 0 if all(done["agree"] for done in rounds) else 1


if __name__ == "__main__":
    sys.exit(main())
