"""Paired tests between two systems' per-query scores."""

import numpy as np
import pytest
from scipy import stats

from eval import significance


def test_identical_systems_are_never_significantly_different() -> None:
    same = [1.0, 0.0, 0.5, 1.0]
    assert significance.compare(same, same) == significance.Comparison(0.0, 1.0, 1.0)


def test_randomisation_is_exact_on_few_queries() -> None:
    # 3 queries, each a win for a: of the 8 equally likely sign patterns, only all-plus and all-minus are as extreme
    result = significance.compare([1.0, 1.0, 0.5], [0.0, 0.0, 0.0])
    assert result.difference == pytest.approx(2.5 / 3)
    assert result.randomisation_p == pytest.approx(2 / 8)


def test_a_consistent_gain_is_significant_and_noise_is_not() -> None:
    rng = np.random.default_rng(0)
    base = rng.random(400)
    better = significance.compare(base + 0.05 + rng.normal(0, 0.05, 400), base)
    assert better.randomisation_p < 0.001 and better.t_test_p < 0.001 and better.difference > 0
    noise = significance.compare(base + rng.normal(0, 0.05, 400), base)
    assert noise.randomisation_p > 0.05 and noise.t_test_p > 0.05


def test_unpaired_lengths_are_refused() -> None:
    with pytest.raises(ValueError, match="same queries"):
        significance.compare([1.0, 0.0], [1.0])


def test_randomisation_agrees_with_scipys_permutation_test() -> None:
    """The same null (each query's two scores may swap) as scipy's paired permutation test, within sampling error."""
    rng = np.random.default_rng(7)
    a, b = rng.random(200), rng.random(200)
    a[:100] += 0.08  # a gap whose p lies well inside (0, 1)
    scipy_p = stats.permutation_test(
        (a, b),
        lambda x, y, axis: np.mean(x - y, axis=axis),
        permutation_type="samples",
        vectorized=True,
        n_resamples=significance.RESAMPLES,
        rng=np.random.default_rng(1),
    ).pvalue
    ours = significance.compare(a, b)
    assert 0.001 < scipy_p < 0.5
    assert ours.randomisation_p == pytest.approx(scipy_p, abs=0.02)
    assert ours.t_test_p == pytest.approx(stats.ttest_rel(a, b).pvalue)
