"""Retrieval quality on the labelled set: Recall@1/5/10, MRR@10, nDCG@10, coverage, latency."""

from __future__ import annotations

import time
from collections.abc import Callable
from statistics import mean

from eval import metrics
from eval.labelled import EvidenceIndex, LabelledQuestion, Location, satisfied_units

# A system maps a question to ranked hits, each hit being the locations it stands at.
System = Callable[[str], list[list[Location]]]
CUTOFFS = (1, 5, 10)


def evaluate_system(system: System, questions: list[LabelledQuestion], evidence: EvidenceIndex) -> dict:
    """Named metrics averaged over the answerable questions, plus latency percentiles in ms."""
    rows: dict[str, list[float]] = {}
    latencies: list[float] = []
    failures: list[str] = []
    for question in questions:
        if not question.answerable:
            continue
        started = time.perf_counter()
        ranked_locations = system(question.question)
        latencies.append((time.perf_counter() - started) * 1000)
        spans = evidence.spans(question)
        relevant = set(question.doc_ids)
        ranked = [satisfied_units(locations, spans) for locations in ranked_locations]
        for k in CUTOFFS:
            rows.setdefault(f"recall@{k}", []).append(metrics.recall_at(ranked, relevant, k))
        rows.setdefault("mrr@10", []).append(metrics.reciprocal_rank(ranked, relevant, 10))
        rows.setdefault("ndcg@10", []).append(metrics.ndcg_at(ranked, relevant, 10))
        if len(relevant) > 1:
            rows.setdefault("coverage@10 (multi-doc)", []).append(metrics.coverage_at(ranked, relevant, 10))
        if metrics.recall_at(ranked, relevant, 5) < 1.0:
            failures.append(question.id)
    result = {name: mean(values) for name, values in rows.items()}
    result["questions"] = len(latencies)
    result["latency_p50_ms"] = metrics.percentile(latencies, 50)
    result["latency_p95_ms"] = metrics.percentile(latencies, 95)
    result["missed@5"] = failures
    return result
