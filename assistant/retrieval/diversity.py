"""Spread the top of the ranking over documents when the question names no jurisdiction.

Users ask "who is responsible for X" and each jurisdiction's plan has its own answer; a
ranking filled by one document hides the others. Each further hit from a document already
shown has its score multiplied by ``decay``, so strong second hits still rank high.
"""

from __future__ import annotations

from collections.abc import Callable


def diversify(items: list[int], score: dict[int, float], group: Callable[[int], str], decay: float) -> list[int]:
    """Greedy re-ranking: repeatedly take the item with the best decayed score."""
    if decay >= 1.0:
        return items
    remaining = list(items)
    shown: dict[str, int] = {}
    ordered: list[int] = []
    while remaining:
        best = max(remaining, key=lambda item: score[item] * decay ** shown.get(group(item), 0))
        remaining.remove(best)
        shown[group(best)] = shown.get(group(best), 0) + 1
        ordered.append(best)
    return ordered
