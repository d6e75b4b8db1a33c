"""The queue's clusters are reused between views only where clustering again would give the same clusters."""

from __future__ import annotations

import random

from tests.grading.test_clusters import flip
from warden.grading.clusters import Candidate, cluster
from warden.web.worklists import QueueClusters


def candidates_of(seed: int) -> list[Candidate]:
    """Groups of near-duplicates, a chain linked only through its middle item, a video and a plain image."""
    rng = random.Random(seed)
    made = []
    for group in range(6):
        base = f"{rng.getrandbits(256):064x}"
        made += [Candidate(group * 10 + copy, flip(base, [copy]), 90) for copy in range(group % 3 + 1)]
    chain = f"{rng.getrandbits(256):064x}"
    made += [
        Candidate(100, chain, 90),
        Candidate(101, flip(chain, list(range(20))), 90),
        Candidate(102, flip(chain, list(range(40))), 90),  # 40 from item 100: linked only through 101
        Candidate(200),
        Candidate(201, chain, 20),
    ]
    return made


def test_the_clusters_are_those_of_clustering_again_after_any_change() -> None:
    everything = candidates_of(1)
    kept = QueueClusters()
    first = kept.groups(everything, threshold=31, alone=set())
    assert first == cluster(everything, threshold=31)
    rng = random.Random(2)
    for _ in range(40):
        # Whole clusters graded, single items graded (the chain's middle one splits it), splits, thresholds.
        groups = cluster(everything, threshold=31)
        gone = {item for group in rng.sample(groups, rng.randint(0, 3)) for item in group}
        gone |= set(rng.sample([c.item_id for c in everything], rng.randint(0, 1)))
        waiting = [c for c in everything if c.item_id not in gone]
        alone = {101} if rng.random() < 0.2 else set()
        threshold = rng.choice([31, 31, 31, 10])
        assert kept.groups(waiting, threshold=threshold, alone=alone) == cluster(
            waiting, threshold=threshold, alone=alone
        )


def test_new_items_are_clustered_with_the_others() -> None:
    everything = candidates_of(3)
    kept = QueueClusters()
    kept.groups(everything[:-4], threshold=31, alone=set())
    assert kept.groups(everything, threshold=31, alone=set()) == cluster(everything, threshold=31)
