"""Paired significance of one mode against another on the same queries (scipy's tests, as ranx's ``compare`` runs).

Why paired: both modes answer the same questions, so the per-query differences carry the signal; a gap of 0.02 in
a mean over 1,000 queries can be noise or not, and only the pairing can tell.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

RESAMPLES = 9999  # sign flips for the randomisation test; the smallest p it can give is 1 / (RESAMPLES + 1)
SEED = 20240601  # fixed, so a report's p-values are reproducible


@dataclass(frozen=True)
class Comparison:
    difference: float  # mean(a) - mean(b)
    randomisation_p: float  # Fisher's paired randomisation test (two-sided)
    t_test_p: float  # paired Student's t-test (two-sided)


def _mean_difference(a: np.ndarray, b: np.ndarray, axis: int) -> np.ndarray:
    return np.mean(a - b, axis=axis)


def compare(a: Sequence[float], b: Sequence[float]) -> Comparison:
    """How surely ``a`` and ``b``, scores of two systems on the same queries in the same order, differ."""
    first, second = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if first.shape != second.shape:
        raise ValueError(f"paired scores need the same queries: {first.shape} vs {second.shape}")
    difference = float(np.mean(first - second)) if len(first) else 0.0
    if len(first) < 2 or np.all(first == second):  # no variation: nothing to test, and identical is never significant
        return Comparison(difference, 1.0, 1.0)
    randomised = stats.permutation_test(
        (first, second),
        _mean_difference,
        permutation_type="samples",
        vectorized=True,
        n_resamples=RESAMPLES,
        rng=np.random.default_rng(SEED),
    )
    return Comparison(difference, float(randomised.pvalue), float(stats.ttest_rel(first, second).pvalue))
