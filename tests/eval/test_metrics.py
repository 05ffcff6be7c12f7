import math
import random

import pytest

from eval import measures, metrics

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


def test_coverage_is_recall_not_capped_at_k() -> None:
    # relevant {a, b, c}: rank 1 finds nothing, rank 2 finds a, rank 3 adds b, rank 5 adds c
    assert metrics.coverage_at(RANKED, {"a", "b", "c"}, 1) == 0.0
    assert metrics.coverage_at(RANKED, {"a", "b", "c"}, 2) == pytest.approx(1 / 3)  # capped recall gives 1/2
    assert metrics.coverage_at(RANKED, {"a", "b", "c"}, 3) == pytest.approx(2 / 3)
    assert metrics.coverage_at(RANKED, {"a", "b", "c"}, 5) == 1.0
    assert metrics.coverage_at(RANKED, {"a", "d"}, 10) == 0.5
    assert metrics.coverage_at(RANKED, set(), 10) == 0.0


def test_our_metrics_agree_with_trec_eval_on_random_runs() -> None:
    """One id per rank (the benchmark case), random runs with repeats, misses and empty rankings: our functions
    and trec_eval (through eval/measures.py, which the benchmark reports) give the same number for every query."""
    rng = random.Random(15)
    pool = [f"p{i}" for i in range(40)]
    qrels, rankings, ours = {}, {}, {}
    for q in range(300):
        qid = f"q{q}"
        relevant = set(rng.sample(pool, rng.randint(1, 6)))
        ranked = [rng.choice(pool) for _ in range(rng.randint(0, 30))]  # repeats: counted once, at the first rank
        qrels[qid], rankings[qid] = dict.fromkeys(relevant, 1), ranked
        units = [{p} for p in dict.fromkeys(ranked)]
        ours[qid] = {
            **{f"recall@{k}": metrics.coverage_at(units, relevant, k) for k in measures.RECALL_KS},
            **{f"hit@{k}": metrics.hit_at(units, relevant, k) for k in measures.HIT_KS},
            "mrr@10": metrics.reciprocal_rank(units, relevant, 10),
            "ndcg@10": metrics.ndcg_at(units, relevant, 10),
        }
    ids = [*qrels, "unjudged"]  # a query with no positive scores 0 in both
    trec = measures.per_query(qrels, rankings, ids)
    for name in ours["q0"]:
        expected = [ours[qid][name] for qid in qrels] + [0.0]
        assert trec[name] == pytest.approx(expected, abs=1e-9), name
    assert 0 < sum(trec["recall@5"]) < len(ids) and 0 < sum(trec["mrr@10"]) < len(ids)  # not trivially 0 or 1
