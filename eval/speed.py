"""`python -m eval speed`: index build time and search/ask latency on the corpus, measured in one run.

Latencies are per question with the query-embedding cache emptied first, after a warm-up,
so they are what a new question costs. BM25-only search is the in-run baseline the other
numbers are divided by (ratios travel between machines better than milliseconds).
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from assistant.answering.answerer import Answerer
from assistant.embedding.embedder import SentenceTransformerEmbedder
from assistant.engine import Engine
from eval import metrics
from eval.labelled import load_questions

WARM_UP = 5


def _latencies(run: Callable[[str], object], questions: list[str], clear: Callable[[], None]) -> list[float]:
    for question in questions[:WARM_UP]:
        run(question)
    timings = []
    for question in questions:
        clear()
        started = time.perf_counter()
        run(question)
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def run_speed(corpus: Path, questions_file: Path, model: str) -> dict:
    embedder = SentenceTransformerEmbedder(model)
    questions = [q.question for q in load_questions(questions_file)]
    with tempfile.TemporaryDirectory() as index_dir:
        started = time.perf_counter()
        engine = Engine.open(corpus, Path(index_dir), embedder=embedder, progress=False)
        build = time.perf_counter() - started
        started = time.perf_counter()
        Engine.open(corpus, Path(index_dir), embedder=embedder, progress=False)
        reopen = time.perf_counter() - started
    retriever = engine.retriever
    answerer = Answerer(retriever)
    clear = retriever.forget_queries
    result = {"passages": len(engine.store.passages), "build_seconds": build, "reopen_seconds": reopen}
    runs = {
        "search bm25": lambda q: retriever.search(q, 10, mode="bm25"),
        "search hybrid": lambda q: retriever.search(q, 10),
        "ask (extractive)": answerer.answer,
    }
    for name, run in runs.items():
        timings = _latencies(run, questions, clear)
        result[name] = {"p50_ms": metrics.percentile(timings, 50), "p95_ms": metrics.percentile(timings, 95)}
    baseline = result["search bm25"]["p50_ms"]
    for name in runs:
        result[name]["p50_vs_bm25"] = result[name]["p50_ms"] / baseline
    return result


def print_speed(result: dict) -> None:
    print(
        f"index build: {result['build_seconds']:.1f} s for {result['passages']} passages; "
        f"reopen with nothing changed: {result['reopen_seconds']:.2f} s"
    )
    print(f"{'':<20}{'p50 ms':>10}{'p95 ms':>10}{'p50 / bm25':>12}")
    for name in ("search bm25", "search hybrid", "ask (extractive)"):
        row = result[name]
        print(f"{name:<20}{row['p50_ms']:>10.1f}{row['p95_ms']:>10.1f}{row['p50_vs_bm25']:>12.1f}")
