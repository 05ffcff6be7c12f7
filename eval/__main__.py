"""`python -m eval`: retrieval modes and the naive baseline on the labelled set, with timings."""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

from assistant.embedding.embedder import SentenceTransformerEmbedder
from assistant.engine import DEFAULT_CORPUS, Engine
from assistant.retrieval.hit import Hit
from eval.baseline import NaiveRetriever
from eval.labelled import QUESTIONS, EvidenceIndex, Location, load_questions
from eval.retrieval import System, evaluate_system

SHOWN = (
    "recall@1",
    "recall@5",
    "recall@10",
    "mrr@10",
    "ndcg@10",
    "coverage@10 (multi-doc)",
    "latency_p50_ms",
    "latency_p95_ms",
)


def _locations(hit: Hit) -> list[Location]:
    return [Location(p.doc_id, p.start, p.end) for p in (hit.passage, *hit.also_at)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval", description=__doc__)
    parser.add_argument("--questions", type=Path, default=QUESTIONS)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--model", default="default")
    parser.add_argument("--json", type=Path, help="also write the numbers to this JSON file")
    args = parser.parse_args(argv)

    questions = load_questions(args.questions)
    evidence = EvidenceIndex(args.corpus)
    embedder = SentenceTransformerEmbedder(args.model)
    with tempfile.TemporaryDirectory() as index_dir:
        started = time.perf_counter()
        engine = Engine.open(args.corpus, Path(index_dir), embedder=embedder, progress=False)
        build_seconds = time.perf_counter() - started
        started = time.perf_counter()
        baseline = NaiveRetriever(args.corpus, embedder)
        baseline_seconds = time.perf_counter() - started
        systems: dict[str, System] = {
            mode: (lambda q, m=mode: [_locations(h) for h in engine.retriever.search(q, 10, mode=m)])
            for mode in ("bm25", "dense", "hybrid")
        }
        systems["baseline (recursive splitter + FAISS)"] = lambda q: [[loc] for loc in baseline.search(q, 10)]
        results = {name: evaluate_system(system, questions, evidence) for name, system in systems.items()}

    answerable = sum(q.answerable for q in questions)
    print(f"labelled set: {len(questions)} questions ({answerable} answerable), corpus {args.corpus}")
    print(
        f"index build: {build_seconds:.1f} s for {len(engine.store.passages)} passages "
        f"(baseline: {baseline_seconds:.1f} s for {len(baseline.chunks)} chunks)\n"
    )
    print(f"{'system':<40}" + "".join(f"{name.split(' ')[0]:>15}" for name in SHOWN))
    for name, result in results.items():
        print(f"{name:<40}" + "".join(f"{result.get(metric, float('nan')):>15.3f}" for metric in SHOWN))
    print(f"\nhybrid missed@5: {' '.join(results['hybrid']['missed@5']) or 'none'}")
    if args.json:
        args.json.write_text(
            json.dumps({"build_seconds": build_seconds, "systems": results}, ensure_ascii=False, indent=1),
            encoding="utf-8",
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
