"""Answer quality on the labelled set: right answers per question type, refusals, latency.

An answer is right when it is given (not refused), its first line cites a passage that
overlaps the gold evidence of that line's document, and at least 80 % of its lines do.
An unanswerable question is handled right when it is refused.
"""

from __future__ import annotations

import time
from collections import defaultdict
from statistics import mean

from assistant.answering.answer import Answer
from assistant.answering.answerer import Answerer
from eval import metrics
from eval.labelled import EvidenceIndex, LabelledQuestion, Location, satisfied_units

LINE_PRECISION = 0.8


def line_relevance(answer: Answer, spans: dict[str, list[tuple[int, int]]]) -> list[bool]:
    relevant = []
    for line in answer.lines:
        citation = answer.citations[line.citations[0] - 1]
        places = [citation.hit.passage, *citation.hit.also_at]
        relevant.append(bool(satisfied_units([Location(p.doc_id, p.start, p.end) for p in places], spans)))
    return relevant


def is_right(answer: Answer, question: LabelledQuestion, evidence: EvidenceIndex) -> bool:
    if not question.answerable:
        return not answer.answerable
    if not answer.answerable or not answer.lines:
        return False
    relevant = line_relevance(answer, evidence.spans(question))
    return relevant[0] and mean(relevant) >= LINE_PRECISION


def evaluate_answers(answerer: Answerer, questions: list[LabelledQuestion], evidence: EvidenceIndex) -> dict:
    """Accuracy per type, refusal recall, false-refusal rate and latency percentiles (ms)."""
    right: dict[str, list[bool]] = defaultdict(list)
    refused_unanswerable, refused_answerable, latencies, wrong = [], [], [], []
    for question in questions:
        answerer.retriever.forget_queries()  # time what a new question costs
        started = time.perf_counter()
        answer = answerer.answer(question.question)
        latencies.append((time.perf_counter() - started) * 1000)
        ok = is_right(answer, question, evidence)
        right[question.type].append(ok)
        if not ok:
            wrong.append(question.id)
        if question.answerable:
            refused_answerable.append(not answer.answerable)
        else:
            refused_unanswerable.append(not answer.answerable)
    result: dict = {f"accuracy[{kind}]": mean(values) for kind, values in sorted(right.items())}
    factual = [ok for kind in ("who", "when", "number") for ok in right.get(kind, [])]
    result["accuracy[who+when+number]"] = mean(factual) if factual else float("nan")
    result["refusal_recall"] = mean(refused_unanswerable) if refused_unanswerable else float("nan")
    result["false_refusal_rate"] = mean(refused_answerable) if refused_answerable else float("nan")
    result["latency_p50_ms"] = metrics.percentile(latencies, 50)
    result["latency_p95_ms"] = metrics.percentile(latencies, 95)
    result["wrong"] = wrong
    return result
