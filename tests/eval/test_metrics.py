import math

import pytest

from eval import metrics

RANKED = [set(), {"a"}, {"a", "b"}, set(), {"c"}]


def test_recall_is_capped_at_k() -> None:
    assert metrics.recall_at(RANKED, {"a", "b", "c"}, 1) == 0.0
    assert metrics.recall_at(RANKED, {"a", "b", "c"}, 2) == pytest.approx(1 / 2)
    assert metrics.recall_at(RANKED, {"a", "b", "c"}, 3) == pytest.approx(2 / 3)
    assert metrics.recall_at(RANKED, {"a", "b", "c"}, 5) == 1.0
    assert metrics.coverage_at(RANKED, {"a", "b", "c", "d"}, 5) == 0.75


def test_mrr_hit_and_ndcg_by_hand() -> None:
    assert metrics.reciprocal_rank(RANKED, {"b"}) == pytest.approx(1 / 3)
    assert metrics.reciprocal_rank(RANKED, {"z"}) == 0.0
    assert metrics.hit_at(RANKED, {"c"}, 4) == 0.0 and metrics.hit_at(RANKED, {"c"}, 5) == 1.0
    # a found at rank 2, b at rank 3 (a again at 3 earns nothing); ideal: ranks 1 and 2
    expected = (1 / math.log2(3) + 1 / math.log2(4)) / (1 / math.log2(2) + 1 / math.log2(3))
    assert metrics.ndcg_at(RANKED, {"a", "b"}, 10) == pytest.approx(expected)


def test_percentile_nearest_rank() -> None:
    assert metrics.percentile([5, 1, 3, 2, 4], 50) == 3
    assert metrics.percentile(list(range(1, 101)), 95) == 95


def test_plain_recall_is_not_capped_at_k() -> None:
    # relevant {a, b, c}: rank 1 finds nothing, rank 2 finds a, rank 3 adds b, rank 5 adds c
    assert metrics.plain_recall_at(RANKED, {"a", "b", "c"}, 1) == 0.0
    assert metrics.plain_recall_at(RANKED, {"a", "b", "c"}, 2) == pytest.approx(1 / 3)  # capped recall gives 1/2
    assert metrics.plain_recall_at(RANKED, {"a", "b", "c"}, 3) == pytest.approx(2 / 3)
    assert metrics.plain_recall_at(RANKED, {"a", "b", "c"}, 5) == 1.0
    assert metrics.plain_recall_at(RANKED, {"a", "d"}, 10) == 0.5
    assert metrics.plain_recall_at(RANKED, set(), 10) == 0.0
