"""Benchmark metrics per query from trec_eval itself (pytrec_eval), so reported numbers are the ones evaluators get.

Recall@k is trec_eval's (uncapped: found / all positives), Hit@k its ``success``, MRR@10 its ``recip_rank`` over the
top 10, nDCG@10 ``ndcg_cut_10``, MAP@100 ``map_cut_100``. A query with no ranking, or no positive at all, scores 0
on every measure: the mean is over the queries asked, not only those trec_eval can judge.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pytrec_eval

Qrels = Mapping[str, Mapping[str, int]]  # query id → passage id → relevance (> 0: relevant)
RECALL_KS = (1, 5, 10, 20, 100)
HIT_KS = (1, 5, 10, 20)  # Hit@20 too: both benchmark READMEs quote it for their BM25 baseline
QUALITY = (*(f"recall@{k}" for k in RECALL_KS), *(f"hit@{k}" for k in HIT_KS), "mrr@10", "ndcg@10", "map@100")
# trec_eval's name for each of ours, and the depth of the run it is computed on (MRR@10 needs the run cut at 10).
_TREC_NAMES = {
    **{f"recall@{k}": (f"recall_{k}", None) for k in RECALL_KS},
    **{f"hit@{k}": (f"success_{k}", None) for k in HIT_KS},
    "ndcg@10": ("ndcg_cut_10", None),
    "map@100": ("map_cut_100", None),
    "mrr@10": ("recip_rank", 10),
}
_MEASURES = {
    "recall." + ",".join(map(str, RECALL_KS)),
    "success." + ",".join(map(str, HIT_KS)),
    "ndcg_cut.10",
    "map_cut.100",
}


def as_trec_run(ranked: Sequence[str], depth: int | None = None) -> dict[str, float]:
    """Scores that keep our order: trec_eval sorts by score and breaks ties by passage id, not by our rank."""
    ids = list(dict.fromkeys(ranked))[:depth]  # a passage listed twice counts once, at its first rank
    return {passage_id: float(len(ids) - rank) for rank, passage_id in enumerate(ids)}


def per_query(qrels: Qrels, rankings: Mapping[str, Sequence[str]], query_ids: Sequence[str]) -> dict[str, list[float]]:
    """Every ``QUALITY`` measure for each of ``query_ids``, in that order."""
    judged = {qid: dict(qrels[qid]) for qid in query_ids if qrels.get(qid)}
    runs = {qid: as_trec_run(rankings.get(qid, ())) for qid in judged}
    full = pytrec_eval.RelevanceEvaluator(judged, _MEASURES).evaluate(runs)
    top10 = {qid: as_trec_run(rankings.get(qid, ()), 10) for qid in judged}
    cut = pytrec_eval.RelevanceEvaluator(judged, {"recip_rank"}).evaluate(top10)
    table: dict[str, list[float]] = {}
    for name, (trec_name, depth) in _TREC_NAMES.items():
        source = cut if depth else full
        table[name] = [source.get(qid, {}).get(trec_name, 0.0) for qid in query_ids]
    return {name: table[name] for name in QUALITY}


def means(table: Mapping[str, Sequence[float]]) -> dict[str, float]:
    return {name: sum(values) / len(values) if values else 0.0 for name, values in table.items()}
