"""`python -m eval`: retrieval modes, the naive baseline and answers on the labelled set, with timings."""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

from assistant.answering.answerer import Answerer
from assistant.embedding.embedder import SentenceTransformerEmbedder
from assistant.engine import DEFAULT_CORPUS, Engine
from assistant.retrieval.hit import Hit
from eval.answers import evaluate_answers
from eval.baseline import NaiveRetriever
from eval.labelled import QUESTIONS, EvidenceIndex, Location, load_questions
from eval.report import EXPECTED, expected_from, regressions, write_report
from eval.retrieval import System, evaluate_system
from eval.speed import print_speed, run_speed

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


def _uncached(engine: Engine, question: str, mode: str) -> list[list[Location]]:
    """Search as a new question would be: no embedding cached from another mode's run."""
    engine.retriever.forget_queries()
    return [_locations(hit) for hit in engine.retriever.search(question, 10, mode=mode)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval", description=__doc__)
    parser.add_argument("--questions", type=Path, default=QUESTIONS)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--model", default="default")
    parser.add_argument("--json", type=Path, help="also write the numbers to this JSON file")
    parser.add_argument("--no-check", action="store_true", help="do not compare with eval/expected/labelled.json")
    parser.add_argument(
        "--record-expected",
        action="store_true",
        help="write this run's scores to eval/expected/labelled.json (a deliberate new baseline)",
    )
    commands = parser.add_subparsers(
        dest="command", metavar="{bench,speed,load,throughput,scale}", help="without one: the labelled set"
    )
    from eval import bench, load, scale, throughput

    bench.add_arguments(commands.add_parser("bench", help="external passage benchmark (see eval/bench.py)"))
    commands.add_parser("speed", help="index build time and search/ask latency p50/p95 on the corpus")
    load.add_arguments(commands.add_parser("load", help="concurrent clients against the real app, index update"))
    throughput.add_arguments(commands.add_parser("throughput", help="embedding passages/s per backend"))
    scale.add_arguments(commands.add_parser("scale", help="index types and backends, 10k to 1M chunks"))
    args = parser.parse_args(argv)
    if args.command == "load":
        return load.run_cli(args)
    if args.command == "bench":
        return bench.run_cli(args, argv)
    if args.command == "scale":
        return scale.run_cli(args, sys.argv[1:] if argv is None else argv)
    if args.command == "throughput":
        return throughput.run_cli(args, argv)
    if args.command == "speed":
        print_speed(run_speed(args.corpus, args.questions, args.model))
        return 0

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
            mode: (lambda q, m=mode: _uncached(engine, q, m)) for mode in ("bm25", "dense", "hybrid")
        }
        systems["baseline (recursive splitter + FAISS)"] = lambda q: [[loc] for loc in baseline.search(q, 10)]
        results = {name: evaluate_system(system, questions, evidence) for name, system in systems.items()}
        answers = evaluate_answers(Answerer(engine.retriever), questions, evidence)

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
    print("\nanswers (extractive):")
    for name, value in answers.items():
        if name != "wrong":
            print(f"  {name:<28}{value:>10.3f}")
    print(f"  not right: {' '.join(answers['wrong']) or 'none'}")
    summary = {"build_seconds": build_seconds, "systems": results, "answers": answers}
    if args.json:
        args.json.write_text(json.dumps(summary, ensure_ascii=False, indent=1), encoding="utf-8")
    written = write_report(summary, "python -m eval " + " ".join(sys.argv[1:] if argv is None else argv))
    print(f"\nreport: {', '.join(str(path) for path in written)}")
    if args.record_expected:
        EXPECTED.parent.mkdir(parents=True, exist_ok=True)
        EXPECTED.write_text(json.dumps(expected_from(summary), indent=1), encoding="utf-8")
        print(f"recorded expected scores in {EXPECTED}")
    elif not args.no_check and (failed := regressions(summary)):
        print("\nREGRESSION against eval/expected/labelled.json:\n  " + "\n  ".join(failed), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
