"""Reciprocal rank fusion: combines BM25 and dense rankings without calibrating their scores."""

from __future__ import annotations

from collections.abc import Sequence

RRF_K = 60


def reciprocal_rank_fusion(
    rankings: Sequence[Sequence[int]], weights: Sequence[float] | None = None, k: int = RRF_K
) -> dict[int, float]:
    """Fused score per item: sum over rankings of weight / (k + rank), rank starting at 1."""
    weights = weights or [1.0] * len(rankings)
    fused: dict[int, float] = {}
    for ranking, weight in zip(rankings, weights, strict=True):
        for rank, item in enumerate(ranking, start=1):
            fused[item] = fused.get(item, 0.0) + weight / (k + rank)
    return fused


def normalized_score_fusion(
    legs: Sequence[tuple[Sequence[float], Sequence[int]]], weights: Sequence[float]
) -> dict[int, float]:
    """Weighted sum of each leg's scores, min-max normalised over that leg's candidates.

    Unlike RRF this keeps how far ahead a leg's best match is, which matters when one leg
    (BM25 on exact policy wording) is much stronger than the other.
    """
    fused: dict[int, float] = {}
    for (scores, items), weight in zip(legs, weights, strict=True):
        if len(items) == 0:
            continue
        low, high = min(scores), max(scores)
        span = (high - low) or 1.0
        for score, item in zip(scores, items, strict=True):
            fused[item] = fused.get(item, 0.0) + weight * (score - low) / span
    return fused
