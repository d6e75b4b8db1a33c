"""The measures of ``warden validate --conversations``, pure: F-beta over named authors (PAN 2012's F0.5),
recall when a share of conversations is read in ranked order, and false leads counted by source."""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Sequence
from typing import Any


def f05(named: Collection[str], truth: Collection[str]) -> dict[str, Any]:
    """Precision, recall and F0.5 of the authors a method names against the ground truth, as PAN 2012 scored
    the identification of predators (precision weighed twice as much as recall)."""
    named_set, truth_set = set(named), set(truth)
    hits = len(named_set & truth_set)
    precision = hits / len(named_set) if named_set else 0.0
    recall = hits / len(truth_set) if truth_set else 0.0
    weight = 0.25  # beta squared, beta = 0.5
    denominator = weight * precision + recall
    score = (1 + weight) * precision * recall / denominator if denominator else 0.0
    return {
        "named": len(named_set),
        "true_positives": hits,
        "false_positives": len(named_set) - hits,
        "false_negatives": len(truth_set) - hits,
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f05": round(score, 4),
    }


def recall_at(keys: Sequence[tuple[float, ...]], relevant: Sequence[bool], share: float) -> dict[str, Any]:
    """Recall of the relevant conversations among the first ``share`` of them read in order of ``keys``
    (highest first): ``ceil(share x n)`` conversations, at least one.

    Conversations with equal keys are not told apart by the method, so they are read in no order of its
    making: of a group the cut goes through, each is counted as found with the chance of being read (the
    expected recall over every order of the group), never by the corpus's order.
    """
    total = len(keys)
    wanted = sum(relevant)
    read = min(total, max(1, math.ceil(share * total))) if total else 0
    groups: dict[tuple[float, ...], list[bool]] = {}
    for key, is_relevant in zip(keys, relevant, strict=True):
        groups.setdefault(key, []).append(is_relevant)
    found = 0.0
    left = read
    for key in sorted(groups, reverse=True):
        if left <= 0:
            break
        group = groups[key]
        taken = min(left, len(group))
        found += sum(group) * taken / len(group)
        left -= taken
    return {
        "share_percent": round(share * 100, 2),
        "conversations_read": read,
        "relevant": wanted,
        "found": round(found, 2),
        "recall": round(found / wanted, 4) if wanted else 0.0,
    }


def false_leads(flagged: Iterable[tuple[str, bool]]) -> dict[str, Any]:
    """Leads put forward in conversations without a ground-truth author in them, by source.

    Args:
        flagged: (source, has a ground-truth author) for every conversation the method put forward.
    """
    by_source: dict[str, dict[str, int]] = {}
    for source, true_lead in flagged:
        row = by_source.setdefault(source, {"leads": 0, "false_leads": 0})
        row["leads"] += 1
        row["false_leads"] += not true_lead
    return {
        "leads": sum(row["leads"] for row in by_source.values()),
        "false_leads": sum(row["false_leads"] for row in by_source.values()),
        "by_source": dict(sorted(by_source.items())),
    }
