"""`python -m eval`: retrieval modes, naive baselines and answers on the seeds' labelled set and on the dev corpus's
blind questions (tune and check halves, side by side)."""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

from assistant.answering.answerer import Answerer, AnswerSettings
from assistant.embedding.embedder import SentenceTransformerEmbedder
from assistant.engine import DEFAULT_CORPUS, Engine
from assistant.retrieval.hit import Hit
from eval.answers import evaluate_answers
from eval.baseline import NaiveBM25Retriever, NaiveChunks, NaiveRetriever
from eval.labelled import (
    DEV_CORPUS,
    DEV_QUESTIONS,
    HALVES,
    QUESTIONS,
    EvidenceIndex,
    LabelledQuestion,
    Location,
    load_questions,
)
from eval.report import EXPECTED, expected_from, regressions, write_report
from eval.retrieval import System, evaluate_system
from eval.speed import print_speed, run_speed


def _locations(hit: Hit) -> list[Location]:
    return [Location(p.doc_id, p.start, p.end) for p in (hit.passage, *hit.also_at)]


def _uncached(engine: Engine, question: str, mode: str) -> list[list[Location]]:
    """Search as a new question would be: no embedding cached from another mode's run."""
    engine.retriever.forget_queries()
    return [_locations(hit) for hit in engine.retriever.search(question, 10, mode=mode)]


BASELINES = ("naive dense (splitter + FAISS)", "naive BM25 (splitter + jieba)")
COMPARED = ("recall@1", "recall@5", "mrr@10")
ANSWERS_SHOWN = (
    "accuracy[who+when+number]",
    "key_facts[who+when+number]",
    "key_facts[answerable]",
    "refusal_recall",
    "false_refusal_rate",
    "latency_p50_ms",
)


def evaluate_set(
    corpus: Path, questions: list[LabelledQuestion], embedder: SentenceTransformerEmbedder, keep: Path | None
) -> dict:
    return evaluate_sets(corpus, {"": questions}, embedder, keep)[""]


def evaluate_sets(
    corpus: Path,
    named: dict[str, list[LabelledQuestion]],
    embedder: SentenceTransformerEmbedder,
    keep: Path | None = None,
) -> dict[str, dict]:
    """Our retrieval modes, the naive baselines and the answers on each question set over one corpus.

    ``keep``: an index folder kept between runs (updated like any index: only new passage texts are embedded).
    """
    evidence = EvidenceIndex(corpus)
    with tempfile.TemporaryDirectory() as scratch:
        index_dir = keep or Path(scratch)
        started = time.perf_counter()
        engine = Engine.open(corpus, index_dir, embedder=embedder, progress=False)
        build_seconds = time.perf_counter() - started
        chunks = NaiveChunks.of_corpus(corpus)
        dense_baseline, bm25_baseline = NaiveRetriever(chunks, embedder), NaiveBM25Retriever(chunks)
        systems: dict[str, System] = {
            mode: (lambda q, m=mode: _uncached(engine, q, m)) for mode in ("bm25", "dense", "hybrid")
        }
        systems[BASELINES[0]] = lambda q: [[loc] for loc in dense_baseline.search(q, 10)]
        systems[BASELINES[1]] = lambda q: [[loc] for loc in bm25_baseline.search(q, 10)]
        results = {}
        for name, questions in named.items():
            results[name] = {
                "corpus": str(corpus),
                "questions": len(questions),
                "answerable": sum(q.answerable for q in questions),
                "passages": len(engine.store.passages),
                "build_seconds": build_seconds,
                "systems": {system: evaluate_system(run, questions, evidence) for system, run in systems.items()},
                "answers": evaluate_answers(Answerer(engine.retriever), questions, evidence),
                # Today's answerer without the learned judge, in the same run: the baseline it must beat.
                "answers_rules": evaluate_answers(
                    Answerer(engine.retriever, AnswerSettings(judge=False)), questions, evidence
                ),
            }
    return results


def print_sets(sets: dict[str, dict]) -> None:
    """One table: a row per system, a column group per question set (seeds, dev tune, dev check)."""
    for name, result in sets.items():
        print(
            f"{name}: {result['questions']} questions ({result['answerable']} answerable) over {result['corpus']}, "
            f"{result['passages']} passages, index built in {result['build_seconds']:.1f} s"
        )
    header = "".join(f"{f'{name} {metric}':>24}" for name in sets for metric in COMPARED)
    print(f"\n{'system':<34}{header}")
    for system in next(iter(sets.values()))["systems"]:
        cells = "".join(f"{sets[name]['systems'][system][metric]:>24.3f}" for name in sets for metric in COMPARED)
        print(f"{system:<34}{cells}")
    answerers = {"answers": "judge", "answers_rules": "rules"}
    print(
        f"\n{'answers (extractive)':<34}" + "".join(f"{f'{name} {a}':>24}" for name in sets for a in answerers.values())
    )
    kinds = sorted({k for result in sets.values() for k in result["answers"] if k.startswith("accuracy[")})
    for metric in (*ANSWERS_SHOWN, *(k for k in kinds if k not in ANSWERS_SHOWN)):
        values = [sets[name][key].get(metric, float("nan")) for name in sets for key in answerers]
        print(f"{metric:<34}" + "".join(f"{value:>24.3f}" for value in values))
    for name, result in sets.items():
        if name.endswith("check"):  # reported, never looked into: no rule may be written from its failures
            continue
        print(f"\n{name}: hybrid missed@5: {' '.join(result['systems']['hybrid']['missed@5']) or 'none'}")
        print(f"{name}: answers not right: {' '.join(result['answers']['wrong']) or 'none'}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval", description=__doc__)
    parser.add_argument("--questions", type=Path, default=QUESTIONS)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--dev-questions", type=Path, default=DEV_QUESTIONS)
    parser.add_argument("--dev-corpus", type=Path, default=DEV_CORPUS)
    parser.add_argument("--seeds-only", action="store_true", help="only the five bundled documents' labelled set")
    parser.add_argument("--keep-index", type=Path, help="keep the indexes here between runs (default: throwaway)")
    parser.add_argument("--model", default="default")
    parser.add_argument("--json", type=Path, help="also write the numbers to this JSON file")
    parser.add_argument("--no-check", action="store_true", help="do not compare with eval/expected/labelled.json")
    parser.add_argument(
        "--record-expected",
        action="store_true",
        help="write this run's scores to eval/expected/labelled.json (a deliberate new baseline)",
    )
    commands = parser.add_subparsers(
        dest="command",
        metavar="{bench,speed,load,throughput,scale,history,train-judge,train-answer-check}",
        help="without one: the labelled set",
    )
    from eval import answer_check, bench, history, judge, load, scale, throughput

    bench.add_arguments(commands.add_parser("bench", help="external passage benchmark (see eval/bench.py)"))
    commands.add_parser("speed", help="index build time and search/ask latency p50/p95 on the corpus")
    load.add_arguments(commands.add_parser("load", help="concurrent clients against the real app, index update"))
    throughput.add_arguments(commands.add_parser("throughput", help="embedding passages/s per backend"))
    scale.add_arguments(commands.add_parser("scale", help="index types and backends, 10k to 1M chunks"))
    judge.add_arguments(commands.add_parser("train-judge", help="fit the answerability judge (eval/judge.py)"))
    answer_check.add_arguments(
        commands.add_parser("train-answer-check", help="train the answer check (eval/answer_check.py)")
    )
    history.add_arguments(commands.add_parser("history", help="conversation history for a hotline shift: sizes"))
    args = parser.parse_args(argv)
    if args.command == "load":
        return load.run_cli(args)
    if args.command == "bench":
        return bench.run_cli(args, argv)
    if args.command == "scale":
        return scale.run_cli(args, sys.argv[1:] if argv is None else argv)
    if args.command == "history":
        return history.run_cli(args)
    if args.command == "throughput":
        return throughput.run_cli(args, argv)
    if args.command == "train-judge":
        return judge.run_cli(args)
    if args.command == "train-answer-check":
        return answer_check.run_cli(args)
    if args.command == "speed":
        print_speed(run_speed(args.corpus, args.questions, args.model))
        return 0

    embedder = SentenceTransformerEmbedder(args.model)
    keep = args.keep_index
    sets = {"seeds": evaluate_set(args.corpus, load_questions(args.questions), embedder, keep and keep / "seeds")}
    if not args.seeds_only:
        dev = load_questions(args.dev_questions)
        halves = {f"dev-{h}": [q for q in dev if q.split == h] for h in HALVES}
        sets.update(evaluate_sets(args.dev_corpus, halves, embedder, keep and keep / "dev"))
    print_sets(sets)
    summary = {"sets": sets}
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
