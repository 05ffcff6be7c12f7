"""Ranking metrics over graded units, each returning a number per question (averaged by the caller).

A question's relevant "units" are what must be found: one per document that answers it.
A ranked list is a list of sets of units each hit satisfies (a hit can satisfy none).
Recall@k is capped (found / min(k, relevant)), so a question needing three documents can
still score 1 at k=1; ``coverage`` is the uncapped share, for multi-document questions.
"""

from __future__ import annotations

import math
from collections.abc import Sequence


def _found(ranked: Sequence[set[str]], k: int) -> set[str]:
    found: set[str] = set()
    for units in ranked[:k]:
        found |= units
    return found


def recall_at(ranked: Sequence[set[str]], relevant: set[str], k: int) -> float:
    if not relevant:
        return 0.0
    return len(_found(ranked, k) & relevant) / min(k, len(relevant))


def coverage_at(ranked: Sequence[set[str]], relevant: set[str], k: int) -> float:
    """Uncapped Recall@k, found / |relevant|: trec_eval's recall (external benchmarks use ``eval/measures.py``)."""
    return len(_found(ranked, k) & relevant) / len(relevant) if relevant else 0.0


def hit_at(ranked: Sequence[set[str]], relevant: set[str], k: int) -> float:
    return 1.0 if _found(ranked, k) & relevant else 0.0


def reciprocal_rank(ranked: Sequence[set[str]], relevant: set[str], k: int = 10) -> float:
    for rank, units in enumerate(ranked[:k], start=1):
        if units & relevant:
            return 1.0 / rank
    return 0.0


def ndcg_at(ranked: Sequence[set[str]], relevant: set[str], k: int = 10) -> float:
    """Binary-gain nDCG where each unit earns gain once, at the first hit that finds it."""
    if not relevant:
        return 0.0
    seen: set[str] = set()
    dcg = 0.0
    for rank, units in enumerate(ranked[:k], start=1):
        new = (units & relevant) - seen
        if new:
            dcg += len(new) / math.log2(rank + 1)
            seen |= new
    ideal = sum(1.0 / math.log2(rank + 1) for rank in range(1, min(k, len(relevant)) + 1))
    return dcg / ideal


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0–100) of a non-empty sequence."""
    ordered = sorted(values)
    index = max(0, math.ceil(q / 100 * len(ordered)) - 1)
    return ordered[index]
