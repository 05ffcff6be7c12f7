"""`python -m eval bench DIR`: the product's retriever on an external passage benchmark.

A benchmark folder is ours (``corpus.jsonl`` ``{"id","title","text"}``, ``queries.jsonl``
``{"id","question","answers","positive_ids"}``) or BEIR's (``eval/formats.py``); rankings go out as our jsonl
(``--out``) or a TREC run (``--run-out``). The passages are indexed as given (``build_passage_index``: no structure
parsing, no chunking) into the same index store and searched by the same ``Retriever``, fusion and
``RetrievalSettings`` as ``python -m assistant search``, with the policy-document steps off; the index folder
(``--index``) keeps those settings and the adaptation ``--mode`` uses, so ``search --index`` ranks as the bench does.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import hashlib
import json
import os
import platform
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
from tqdm import tqdm

from assistant.embedding.embedder import DEFAULT_MODEL, Embedder, SentenceTransformerEmbedder
from assistant.indexing.lexical import BM25Parameters
from assistant.indexing.passage_file import TEXT_FORMATS
from assistant.indexing.store import (
    IndexStore,
    PassageFileSettings,
    build_passage_index,
    passage_file_passages,
    sentence_texts,
)
from assistant.retrieval.adaptation import (
    ADAPTERS,
    DEFAULT_ADAPTER,
    Adaptation,
    AdaptationFitter,
    AnsweredQuestion,
    NoTrainingPairsError,
)
from assistant.retrieval.question import QuestionError, normalize_question
from assistant.retrieval.retriever import QueryVectors, Retriever
from assistant.retrieval.settings import RetrievalSettings
from eval import formats, measures, metrics, significance
from eval.baseline import NaiveBM25Retriever, NaiveChunks, NaiveRetriever
from eval.formats import Query
from eval.labelled import Location
from eval.measures import QUALITY
from eval.vector_cache import CACHE, cached_passage_vectors, cached_query_vectors

RESULTS = Path(__file__).parent / "results"
EXPECTED = Path(__file__).parent / "expected"
# The product's retriever: mode → (Retriever mode, fusion, adapted). The adapted modes use what the training
# queries taught (``Adaptation``), cross-fitted.
PRODUCT_MODES = {
    "bm25": ("bm25", "score", False),
    "dense": ("dense", "score", False),
    "hybrid": ("hybrid", "score", False),
    "hybrid-rrf": ("hybrid", "rrf", False),
    "bm25-adapted": ("bm25", "score", True),
    "dense-adapted": ("dense", "score", True),
    "hybrid-adapted": ("hybrid", "score", True),
}
# Baselines outside the product: the benchmark READMEs' BM25 (bm25s defaults over jieba words of each passage) and
# eval/baseline.py's naive splitter (300/60) + FAISS with the same model, a passage ranked by its best chunk.
NAIVE_MODES = ("bm25-jieba", "naive-dense")
MODES = (*PRODUCT_MODES, *NAIVE_MODES)
ADAPTED = {"bm25-adapted": "bm25", "dense-adapted": "dense", "hybrid-adapted": "hybrid"}  # → the plain mode
AUTO = "auto"  # --out's choice between hybrid and hybrid-adapted, made on the training queries (choose_out_mode)
# Every other mode is tested for a significant difference from the best of these on each metric.
BASELINE_MODES = ("bm25-jieba", "dense", "naive-dense")
SIGNIFICANCE_METRICS = ("recall@5", "hit@1", "mrr@10", "ndcg@10")
TOLERANCE = 0.01
SPLITS = ("tune", "check")
ALL = "all"  # CrossFitted: fitted on every training query
NAIVE_CHUNKS = (300, 60)


def split_of(query_id: str) -> str:
    """A fixed half of the queries, by a hash of the id: settings are chosen on ``tune`` and reported on ``check``
    too, so a choice that only fits the queries it was tuned on shows up as a gap between the halves."""
    return SPLITS[hashlib.sha256(query_id.encode()).digest()[0] % 2]


def dedupe(ids: Sequence[str]) -> list[str]:
    """First occurrence of each id: a passage listed twice must not count twice (or push out another)."""
    return list(dict.fromkeys(ids))


def per_query_scores(rankings: dict[str, Sequence[str]], queries: Sequence[Query]) -> dict[str, list[float]]:
    """Each ``QUALITY`` measure per query, from trec_eval (``eval/measures.py``); a missing ranking scores 0."""
    return measures.per_query(formats.qrels_of(queries), rankings, [query.id for query in queries])


def score_rankings(rankings: dict[str, Sequence[str]], queries: Sequence[Query]) -> dict[str, float]:
    """Mean uncapped Recall@k, Hit@k, MRR@10, nDCG@10 and MAP@100 over the queries."""
    return measures.means(per_query_scores(rankings, queries))


class CrossFitted:
    """Adaptations fitted on a benchmark's training queries, never applied to a query they were fitted on.

    A query that is also a training query (the default run, on the benchmark's own queries.jsonl) gets the one
    fitted on the other half (``split_of``), so every reported number is out-of-sample; any other query (a held-out
    file given with ``--queries``) gets the one fitted on all training queries. Each is fitted when first needed
    (a contrastive fit over STARD's passages takes minutes).
    """

    def __init__(self, training: Sequence[Query], fit: Callable[[list[int]], Adaptation]) -> None:
        self._rows = {split: [i for i, query in enumerate(training) if split_of(query.id) != split] for split in SPLITS}
        self._rows[ALL] = list(range(len(training)))
        self._training_ids = {query.id for query in training}
        self._fit = fit
        self._fitted: dict[str, Adaptation] = {}

    def _on(self, rows: str) -> Adaptation:
        if rows not in self._fitted:
            self._fitted[rows] = self._fit(self._rows[rows])
        return self._fitted[rows]

    def for_query(self, query: Query) -> Adaptation:
        return self._on(split_of(query.id) if query.id in self._training_ids else ALL)

    @property
    def on_all(self) -> Adaptation:
        """Fitted on every training query: what the index keeps for new questions."""
        return self._on(ALL)


@dataclass
class BenchResult:
    name: str
    passages: int
    queries: list[Query]
    modes: tuple[str, ...]
    model: str = ""  # the embedder's identity
    scored_training: bool = False  # the scored queries are exactly the training queries (cross-fitted)
    store: IndexStore | None = None  # the index the product modes searched
    settings: RetrievalSettings | None = None  # and the settings they searched it with
    adaptations: CrossFitted | None = None
    rankings: dict[str, dict[str, list[str]]] = field(default_factory=dict)  # mode → query id → passage ids
    latencies: dict[str, list[float]] = field(default_factory=dict)  # mode → ms per query
    timings: dict[str, float] = field(default_factory=dict)  # what → seconds (or a count)

    def scores(self, split: str | None = None) -> dict[str, dict[str, float]]:
        """Quality metrics plus latency p50/p95 (ms) per mode, over all queries or one split's."""
        chosen = [i for i, query in enumerate(self.queries) if split is None or split_of(query.id) == split]
        table = {}
        for mode in self.modes:
            row = measures.means(self.per_query(mode, split))
            latencies = [self.latencies[mode][i] for i in chosen]
            row["latency_p50_ms"] = metrics.percentile(latencies, 50) if latencies else 0.0
            row["latency_p95_ms"] = metrics.percentile(latencies, 95) if latencies else 0.0
            table[mode] = row
        return table

    def per_query(self, mode: str, split: str | None = None) -> dict[str, list[float]]:
        queries = [query for query in self.queries if split is None or split_of(query.id) == split]
        return per_query_scores(self.rankings[mode], queries)

    def significance(self) -> list[dict]:
        """Each mode against the best baseline mode run (``BASELINE_MODES``) on each of ``SIGNIFICANCE_METRICS``,
        paired over all queries; empty when no baseline mode was run."""
        baselines = [mode for mode in BASELINE_MODES if mode in self.modes]
        if not baselines:
            return []
        tables = {mode: self.per_query(mode) for mode in self.modes}
        rows = []
        for metric in SIGNIFICANCE_METRICS:
            reference = max(baselines, key=lambda mode: sum(tables[mode][metric]))
            for mode in self.modes:
                if mode == reference:
                    continue
                test = significance.compare(tables[mode][metric], tables[reference][metric])
                rows.append(
                    {"mode": mode, "metric": metric, "against": reference, "difference": test.difference}
                    | {"randomisation_p": test.randomisation_p, "t_test_p": test.t_test_p}
                )
        return rows


def run_bench(
    directory: Path,
    queries_file: Path | None = None,
    modes: Sequence[str] = MODES,
    k: int = 100,
    embedder: Embedder | Callable[[], Embedder] | None = None,
    text_format: str = "title+text",
    limit: int | None = None,
    cache_root: Path = CACHE,
    progress: bool = True,
    bm25: BM25Parameters | None = None,
    training_file: Path | None = None,
    sentence_mix: float | None = None,
    qrels_file: Path | None = None,
    split: str | None = None,
    score_training: bool = False,
    index_dir: Path | None = None,
    adapter: str = DEFAULT_ADAPTER,
) -> BenchResult:
    """Index the benchmark's passages as given, run every query through each mode, keep rankings and latencies.

    Latency per query is one ``Retriever.search`` call (query embedding included) or one baseline search. The
    adapted modes learn from ``training_file`` (default the benchmark's own queries.jsonl, which both benchmark
    READMEs mark as free to train on; in a BEIR folder its train split), cross-fitted as ``CrossFitted`` says.
    ``qrels_file`` replaces the positives of the scored queries; ``split`` picks a BEIR folder's qrels;
    ``score_training`` scores the training queries instead (what ``--out``'s automatic choice is made on).
    """
    unknown = set(modes) - set(MODES)
    if unknown:
        raise ValueError(f"unknown mode(s) {', '.join(sorted(unknown))}; choose from {', '.join(MODES)}")
    benchmark = formats.open_benchmark(directory, queries_file, training_file, qrels_file, split)
    queries = benchmark.training if score_training else benchmark.queries
    queries = queries[:limit] if limit else queries
    result = BenchResult(directory.resolve().name, len(benchmark.passages), queries, tuple(modes))
    result.scored_training = [query.id for query in queries] == [query.id for query in benchmark.training]
    settings = bench_settings(k, bm25, sentence_mix)

    started = time.perf_counter()
    model = embedder() if callable(embedder) else embedder
    model = model or SentenceTransformerEmbedder(DEFAULT_MODEL)
    result.timings["model_load_s"] = time.perf_counter() - started
    result.model = model.name
    store, known = _index(benchmark, model, text_format, settings, cache_root, index_dir, progress, result)
    adaptations = None
    if any(mode in ADAPTED for mode in modes):
        started = time.perf_counter()
        answered = [AnsweredQuestion(_read(query), tuple(sorted(query.positives))) for query in benchmark.training]
        dense = any(PRODUCT_MODES[mode][0] != "bm25" for mode in modes if mode in ADAPTED)
        vectors = cached_query_vectors([q.question for q in answered], model, cache_root) if dense else None
        fitter = AdaptationFitter(store, answered, vectors, adapter)
        adaptations = CrossFitted(benchmark.training, fitter.fit)
        for query in queries:  # fitted now, what these queries need only, so no query's latency includes a fit
            adaptations.for_query(query)
        result.timings["adaptation_training_queries"] = len(benchmark.training)
        result.timings["adaptation_fit_s"] = time.perf_counter() - started
    baselines = _baselines(benchmark, model, text_format, modes, known, cache_root, progress)
    for mode in modes:
        result.rankings[mode], result.latencies[mode] = {}, []
    with one_thread():
        _search_all(Searchers(store, model, settings, adaptations, baselines), queries, modes, k, result, progress)
    result.store, result.settings, result.adaptations = store, settings, adaptations
    return result


def _read(query: Query) -> str:
    """The question as ``search`` reads it (``normalize_question``); an unusable one stays as it is."""
    try:
        return normalize_question(query.question)
    except QuestionError:
        return query.question


def bench_settings(k: int, bm25: BM25Parameters | None, sentence_mix: float | None) -> RetrievalSettings:
    """The product's settings with every policy-document step off, and this run's BM25 and sentence mix."""
    bm25 = bm25 or BM25Parameters()
    mix = 1.0 if sentence_mix is None else sentence_mix
    depth = max(k, RetrievalSettings.depth)
    return RetrievalSettings.passages_as_given(depth=depth, bm25_k1=bm25.k1, bm25_b=bm25.b, sentence_mix=mix)


def _index(
    benchmark: formats.Benchmark,
    model: Embedder,
    text_format: str,
    settings: RetrievalSettings,
    cache_root: Path,
    index_dir: Path | None,
    progress: bool,
    result: BenchResult,
) -> tuple[IndexStore, dict[str, np.ndarray]]:
    """The product's index of the passages; vectors come from the content-hash cache (embedded once)."""
    corpus_file, passages = benchmark.corpus_file, benchmark.passages
    texts = [passage.formatted(text_format) for passage in passages]
    cached = cached_passage_vectors(corpus_file, texts, model, text_format, cache_root, progress)
    known = dict(zip(texts, cached.vectors, strict=True))
    result.timings.update(passages_embedded=cached.embedded, embedding_s=cached.seconds)
    if cached.total_seconds is not None:
        result.timings["embedding_whole_corpus_s"] = cached.total_seconds
    sentences = settings.sentence_mix < 1.0
    if sentences:
        rows, _ = sentence_texts(passage_file_passages(corpus_file, passages), text_format)
        vectors = cached_passage_vectors(corpus_file, rows, model, f"{text_format}:sentences", cache_root, progress)
        known.update(zip(rows, vectors.vectors, strict=True))
        result.timings["sentences"] = len(rows)
    key = hashlib.sha256(f"{corpus_file.resolve()}\n{model.name}".encode()).hexdigest()[:12]
    index_dir = index_dir or cache_root / f"index-{corpus_file.parent.name}-{key}"
    started = time.perf_counter()
    indexing = PassageFileSettings(text_format, settings.bm25, sentences)
    store = build_passage_index(index_dir, corpus_file, model, indexing, known, progress)
    result.timings["index_build_s"] = time.perf_counter() - started
    return store, known


@dataclass
class Baselines:
    bm25: NaiveBM25Retriever | None = None
    dense: NaiveRetriever | None = None


def _baselines(
    benchmark: formats.Benchmark,
    model: Embedder,
    text_format: str,
    modes: Sequence[str],
    known: dict[str, np.ndarray],
    cache_root: Path,
    progress: bool,
) -> Baselines:
    """The naive baselines the run asks for; chunks equal to a whole passage reuse its cached vector."""
    named = {passage.id: passage.formatted(text_format) for passage in benchmark.passages}
    baselines = Baselines()
    if "bm25-jieba" in modes:
        baselines.bm25 = NaiveBM25Retriever(NaiveChunks(*_whole(named)))
    if "naive-dense" in modes:
        chunks = NaiveChunks.of_texts(named, *NAIVE_CHUNKS)
        missing = [text for text in dict.fromkeys(chunks.texts) if text not in known]
        label = f"{text_format}:naive-{NAIVE_CHUNKS[0]}-{NAIVE_CHUNKS[1]}"
        embedded = cached_passage_vectors(benchmark.corpus_file, missing, model, label, cache_root, progress).vectors
        vectors = {**known, **dict(zip(missing, embedded, strict=True))}
        matrix = np.stack([vectors[text] for text in chunks.texts]).astype(np.float32)
        baselines.dense = NaiveRetriever(chunks, model, matrix)
    return baselines


def _whole(named: dict[str, str]) -> tuple[list[Location], list[str]]:
    """Each passage as one chunk of its own (the READMEs' BM25 baseline indexes passages as they are)."""
    return [Location(passage_id, 0, len(text)) for passage_id, text in named.items()], list(named.values())


@contextlib.contextmanager
def one_thread() -> Iterator[None]:
    """Queries run one at a time on one torch thread: faster than two for a single short query, and on shared cores
    two spinning OpenMP threads made each query 5-10x slower (measured: ~1 s vs ~0.1-0.2 s per query under load)."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


@dataclass
class Searchers:
    """What answers each mode: the product's retriever (per fusion, per adaptation) and the naive baselines."""

    store: IndexStore
    embedder: Embedder
    settings: RetrievalSettings
    adaptations: CrossFitted | None
    baselines: Baselines
    _retrievers: dict[tuple[str, int], Retriever] = field(default_factory=dict)
    query_vectors: QueryVectors | None = None  # one embedding per question, shared by the product modes

    def retriever(self, fusion: str, adaptation: Adaptation | None) -> Retriever:
        key = (fusion, id(adaptation))
        if key not in self._retrievers:
            settings = replace(self.settings, fusion=fusion)
            self.query_vectors = self.query_vectors or QueryVectors(self.embedder)
            self._retrievers[key] = Retriever(self.store, self.embedder, settings, adaptation, self.query_vectors)
        return self._retrievers[key]

    def embed(self, question: str) -> float:
        """Embed the question once for every product mode; returns the seconds a new question pays for it."""
        self.query_vectors = self.query_vectors or QueryVectors(self.embedder)
        self.query_vectors.forget()
        started = time.perf_counter()
        self.query_vectors.get(question)
        return time.perf_counter() - started

    def rank(self, mode: str, query: Query, question: str, k: int) -> list[str]:
        if mode == "bm25-jieba" and self.baselines.bm25 is not None:
            return [location.doc_id for location in self.baselines.bm25.search(question, k)]
        if mode == "naive-dense" and self.baselines.dense is not None:
            chunks = self.baselines.dense.search(question, k * 3)  # several chunks of one passage count once
            return dedupe([location.doc_id for location in chunks])[:k]
        leg, fusion, adapted = PRODUCT_MODES[mode]
        adaptation = self.adaptations.for_query(query) if adapted and self.adaptations is not None else None
        return [hit.passage.passage_id for hit in self.retriever(fusion, adaptation).search(question, k, mode=leg)]


def _search_all(
    searchers: Searchers, queries: list[Query], modes: Sequence[str], k: int, result: BenchResult, progress: bool
) -> None:
    searchers.embedder.encode_queries(["预热"])  # the first call pays one-off set-up that no real query would
    for query in tqdm(queries, unit="query", desc="searching", disable=not progress):
        question = _read(query) if query.question.strip() else ""
        embedding = searchers.embed(question) if question else 0.0
        for mode in modes:
            started = time.perf_counter()
            ranked = searchers.rank(mode, query, question, k) if question else []
            elapsed = time.perf_counter() - started
            if mode in PRODUCT_MODES and PRODUCT_MODES[mode][0] != "bm25":
                elapsed += embedding  # as a new question: its embedding (done once above) is part of the cost
            result.latencies[mode].append(elapsed * 1000)
            result.rankings[mode][query.id] = dedupe(ranked)[:k]


def variant(args: argparse.Namespace) -> str:
    """What sets this run apart from the default one; results and expected scores are kept per variant."""
    parts = []
    if args.text_format != "title+text":
        parts.append(f"{args.text_format}-only")
    if args.model != DEFAULT_MODEL:
        parts.append(f"model-{Path(args.model).name}")
    if args.queries:
        parts.append(f"queries-{args.queries.stem}")
    if args.beir_split:
        parts.append(f"split-{args.beir_split}")
    if args.qrels:
        parts.append(f"qrels-{args.qrels.stem}")
    if args.train_queries:
        parts.append(f"train-{args.train_queries.stem}")
    if args.sentence_mix is not None:
        parts.append(f"sentences-{args.sentence_mix:g}")
    if args.adapter != DEFAULT_ADAPTER:
        parts.append(f"adapter-{args.adapter}")
    if args.limit:
        parts.append(f"limit-{args.limit}")
    if args.k != 100:
        parts.append(f"k-{args.k}")
    if (args.bm25_k1, args.bm25_b) != (BM25Parameters.k1, BM25Parameters.b):
        parts.append(f"bm25-k1-{args.bm25_k1:g}-b-{args.bm25_b:g}")
    return "_".join(parts)


def check_expected(scores: dict[str, dict[str, float]], expected: dict) -> tuple[list[str], list[str]]:
    """(regressions, improvements): metrics more than the tolerance below / above the expected value."""
    tolerance = float(expected.get("tolerance", TOLERANCE))
    regressions, improvements = [], []
    for mode, wanted in expected["scores"].items():
        if mode not in scores:
            continue
        for metric, value in wanted.items():
            measured = scores[mode].get(metric)
            if measured is None:
                continue
            line = f"{mode} {metric}: measured {measured:.3f}, expected {value:.3f} (tolerance {tolerance})"
            if measured < value - tolerance:
                regressions.append(line)
            elif measured > value + tolerance:
                improvements.append(line)
    return regressions, improvements


def machine_note() -> str:
    import torch

    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    return (
        f"{platform.platform()}, Python {platform.python_version()}, {os.cpu_count()} cores "
        f"(torch threads {torch.get_num_threads()} for passages, 1 for queries), load average at the end {load}; "
        "cores shared with other work and run under nice -n 19, so timings are upper bounds"
    )


def table(scores: dict[str, dict[str, float]], markdown: bool = False) -> str:
    columns = [*QUALITY, "latency_p50_ms", "latency_p95_ms"]
    heads = [column.replace("latency_", "").replace("_ms", " ms") for column in columns]
    if markdown:
        lines = ["| mode | " + " | ".join(heads) + " |", "|---" * (len(columns) + 1) + "|"]
        for mode, row in scores.items():
            cells = [f"{row[c]:.1f}" if c.startswith("latency") else f"{row[c]:.3f}" for c in columns]
            lines.append(f"| {mode} | " + " | ".join(cells) + " |")
        return "\n".join(lines)
    lines = [f"{'mode':<15}" + "".join(f"{head:>11}" for head in heads)]
    for mode, row in scores.items():
        lines.append(f"{mode:<15}" + "".join(f"{row[c]:>11.3f}" for c in columns))
    return "\n".join(lines)


def significance_table(rows: list[dict], markdown: bool = False) -> str:
    """One line per mode and metric: the difference from the best baseline and both tests' p-values."""
    heads = ("mode", "metric", "against", "difference", "randomisation p", "t-test p")
    cells = [
        (
            r["mode"],
            r["metric"],
            r["against"],
            f"{r['difference']:+.3f}",
            f"{r['randomisation_p']:.4f}",
            f"{r['t_test_p']:.4f}",
        )
        for r in rows
    ]
    if markdown:
        lines = ["| " + " | ".join(heads) + " |", "|---" * len(heads) + "|"]
        return "\n".join([*lines, *("| " + " | ".join(row) + " |" for row in cells)])
    lines = [f"{row[0]:<15}{row[1]:<10}{row[2]:<8}" + "".join(f"{c:>17}" for c in row[3:]) for row in [heads, *cells]]
    return "\n".join(lines)


def _number(value: float) -> str:
    return str(value) if isinstance(value, int) else f"{value:.1f}"


def _check_line(check: str | dict) -> str:
    if isinstance(check, str):
        return check
    if check["regressions"]:
        return f"**FAILED** against `{check['expected']}`: " + "; ".join(check["regressions"])
    return f"passed against `{check['expected']}` (tolerance {check['tolerance']})"


def write_report(result: BenchResult, scores: dict, report: dict, results_dir: Path, stem: str) -> tuple[Path, Path]:
    results_dir.mkdir(parents=True, exist_ok=True)
    json_path, md_path = results_dir / f"{stem}.json", results_dir / f"{stem}.md"
    json_path.write_text(json.dumps({**report, "scores": scores}, ensure_ascii=False, indent=1) + "\n", "utf-8")
    timings = "\n".join(f"- {name}: {_number(value)}" for name, value in result.timings.items())
    if "passages_embedded" in result.timings and "embedding_whole_corpus_s" not in result.timings:
        timings += "\n- embedding_whole_corpus_s: not recorded (the cache was filled by a run that kept no timing)"
    tested = report["significance"]
    paired = (
        "## Paired significance against the best baseline\n\n"
        f"Per metric, every mode against the better of {', '.join(BASELINE_MODES)} on it, over all queries: Fisher's "
        f"randomisation test ({significance.RESAMPLES} sign flips) and the paired t-test, both two-sided.\n\n"
        f"{significance_table(tested, markdown=True)}\n\n"
        if tested
        else ""
    )
    halves = "".join(
        f"## The {split} half ({count} queries)\n\n{table(report['scores_by_split'][split], markdown=True)}\n\n"
        for split, count in report["split_sizes"].items()
    )
    md_path.write_text(
        f"# Benchmark `{result.name}`{' (' + report['variant'] + ')' if report['variant'] else ''}\n\n"
        f"- command: `{report['command']}`\n- date: {report['date']}\n- machine: {report['machine']}\n"
        f"- corpus: {result.passages} passages, indexed as `{report['text_format']}`; {len(result.queries)} queries; "
        f"model `{report['model']}`; top {report['k']}\n- regression check: {_check_line(report['check'])}\n"
        "- Recall@k is uncapped (found / all positives); Hit@k: at least one positive in the top k; MRR@10: first "
        "positive; nDCG@10 binary gain; MAP@100. All from trec_eval (pytrec_eval).\n"
        "- Latency per query = one search of the mode (the product's: `Retriever.search`, plus the query's "
        "embedding for modes with a dense leg).\n\n"
        f"{table(scores, markdown=True)}\n\n{paired}{halves}## Timings (seconds, or a count)\n\n{timings}\n",
        "utf-8",
    )
    return json_path, md_path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "directory", type=Path, help="a benchmark folder: ours (corpus.jsonl, queries.jsonl) or BEIR (with qrels/)"
    )
    parser.add_argument("--queries", type=Path, help="queries file (default DIRECTORY/queries.jsonl)")
    parser.add_argument(
        "--beir-split", choices=formats.BEIR_SPLITS, help="a BEIR folder's split to score (default: test, dev, train)"
    )
    parser.add_argument("--qrels", type=Path, help="positives of the scored queries: TREC qrels or BEIR .tsv")
    parser.add_argument("--qrels-out", type=Path, help="write the scored queries' qrels (TREC; BEIR if .tsv)")
    parser.add_argument("--run-out", type=Path, help="write --mode's rankings as a TREC run file")
    parser.add_argument("--beir-out", type=Path, help="write the benchmark as read as a BEIR folder")
    parser.add_argument(
        "--train-queries",
        type=Path,
        help="queries the adapted modes learn from (default DIRECTORY/queries.jsonl; BEIR: its train split)",
    )
    parser.add_argument("--out", type=Path, help='write {"id","ranked":[passage ids]} lines for --mode')
    parser.add_argument(
        "--mode",
        choices=(AUTO, *PRODUCT_MODES),
        default=AUTO,
        help="the mode --out and --run-out write (default auto: hybrid-adapted when learning from --train-queries "
        "beats hybrid on them, cross-fitted; otherwise hybrid)",
    )
    parser.add_argument("--modes", default=",".join(MODES), help="comma-separated modes to run (default all)")
    parser.add_argument("--k", type=int, default=100, help="passages kept per query (default 100)")
    parser.add_argument("--model", default=DEFAULT_MODEL)
    parser.add_argument("--limit", type=int, help="only the first N queries")
    parser.add_argument("--text-format", choices=TEXT_FORMATS, default="title+text", help="what is indexed")
    parser.add_argument("--bm25-k1", type=float, default=BM25Parameters.k1, help="BM25 k1 (default the library's)")
    parser.add_argument("--bm25-b", type=float, default=BM25Parameters.b, help="BM25 b (default the library's)")
    parser.add_argument(
        "--sentence-mix",
        type=float,
        help="dense similarity = MIX x the passage's + (1 - MIX) x its best sentence's (sentences embedded and cached "
        "too); default: the passage's alone",
    )
    parser.add_argument(
        "--adapter", choices=ADAPTERS, default=DEFAULT_ADAPTER, help="how the adapted modes' query adapter is fitted"
    )
    parser.add_argument("--no-check", action="store_true", help="skip the comparison with the expected scores")
    parser.add_argument("--write-expected", action="store_true", help="store this run's scores as the expected ones")
    parser.add_argument("--expected", type=Path, help="expected-scores file (default eval/expected/bench_NAME.json)")
    parser.add_argument(
        "--index",
        type=Path,
        help="the benchmark's index folder (default: under --cache-dir); it keeps the run's retrieval settings and, "
        "when --mode is (or auto chooses) an adapted mode, the adaptation fitted on all training queries, so "
        "`python -m assistant search --index DIR --queries FILE --k K` ranks as --out does",
    )
    parser.add_argument("--results-dir", type=Path, default=RESULTS)
    parser.add_argument("--cache-dir", type=Path, default=CACHE)


def _run(
    args: argparse.Namespace, modes: Sequence[str], embedder: Embedder | None, score_training: bool = False
) -> BenchResult:
    return run_bench(
        args.directory,
        args.queries,
        modes,
        args.k,
        embedder or (lambda: SentenceTransformerEmbedder(args.model)),
        args.text_format,
        args.limit,
        args.cache_dir,
        bm25=BM25Parameters(args.bm25_k1, args.bm25_b),
        training_file=args.train_queries,
        sentence_mix=args.sentence_mix,
        qrels_file=args.qrels,
        split=args.beir_split,
        score_training=score_training,
        index_dir=args.index,
        adapter=args.adapter,
    )


def choose_out_mode(result: BenchResult, args: argparse.Namespace, embedder: Embedder | None) -> tuple[str, str]:
    """hybrid-adapted if it beats hybrid (MRR@10) on the training queries, scored out-of-sample, else hybrid.

    Learning from training questions pays where they share a vocabulary gap with new ones (STARD: laypeople vs
    statutes) and costs where each question is about its own passage (CMRC2018), so --out asks the training data.
    When this run's queries are the training queries their cross-fitted scores decide; otherwise the training
    queries are run once more for the comparison.
    """
    on_training = result if result.scored_training else _run(args, ("hybrid", "hybrid-adapted"), embedder, True)
    scores = on_training.scores()
    plain, adapted = scores["hybrid"]["mrr@10"], scores["hybrid-adapted"]["mrr@10"]
    chosen = "hybrid-adapted" if adapted > plain else "hybrid"
    reason = f"MRR@10 on the training queries (cross-fitted): hybrid-adapted {adapted:.3f}, hybrid {plain:.3f}"
    return chosen, reason


def keep_in_index(result: BenchResult, mode: str | None) -> str:
    """Leave in the index folder what ``search`` needs to rank as ``mode`` does: the settings, and the adaptation
    fitted on all training queries when ``mode`` is adapted (removed otherwise). Returns the folder."""
    if result.store is None or result.settings is None:
        raise ValueError("the run built no index")
    index_dir = result.store.directory.parent
    result.settings.save(index_dir)
    if mode in ADAPTED and result.adaptations is not None:
        result.adaptations.on_all.save(index_dir)
    else:
        Adaptation.remove(index_dir)
    return str(index_dir)


def run_cli(args: argparse.Namespace, argv: Sequence[str] | None = None, embedder: Embedder | None = None) -> int:
    """Run, print, write the reports and compare with the expected scores; non-zero on a regression."""
    modes = tuple(mode.strip() for mode in args.modes.split(",") if mode.strip())
    out_modes = ("hybrid", "hybrid-adapted") if args.mode == AUTO else (args.mode,)
    if args.out or args.run_out or args.index:
        modes = (*modes, *(mode for mode in out_modes if mode not in modes))
    if not (args.directory / "corpus.jsonl").exists():
        print(f"{args.directory} has no corpus.jsonl", file=sys.stderr)
        return 2
    try:
        result = _run(args, modes, embedder)
    except NoTrainingPairsError as error:
        plain = ",".join(mode for mode in MODES if mode not in ADAPTED)
        print(f"{error}; the plain modes run without training queries: --modes {plain}", file=sys.stderr)
        return 2
    scores = result.scores()
    extra = variant(args)
    stem = f"bench_{result.name}" + (f"_{extra}" if extra else "")
    report = {
        "benchmark": result.name,
        "variant": extra,
        "command": "python -m eval " + " ".join(sys.argv[1:] if argv is None else argv),
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "machine": machine_note(),
        "text_format": args.text_format,
        "model": result.model or "(none: BM25 only)",
        "k": args.k,
        "passages": result.passages,
        "queries": len(result.queries),
        "timings": result.timings,
        "split_sizes": {split: sum(split_of(q.id) == split for q in result.queries) for split in SPLITS},
        "scores_by_split": {split: result.scores(split) for split in SPLITS},
        "significance": result.significance(),
    }
    print(f"{result.name}: {result.passages} passages ({args.text_format}), {len(result.queries)} queries")
    print(", ".join(f"{name} {_number(value)}" for name, value in result.timings.items()) + "\n")
    print(table(scores))
    if report["significance"]:
        print(f"\npaired significance against the best of {', '.join(BASELINE_MODES)} per metric")
        print(significance_table(report["significance"]))
    for split in SPLITS:
        print(f"\n{split} half ({report['split_sizes'][split]} queries; settings are chosen on tune)")
        print(table(report["scores_by_split"][split]))
    out_mode = None if args.mode == AUTO else args.mode
    if out_mode is None and (args.out or args.run_out or args.index):
        out_mode, report["out_mode_reason"] = choose_out_mode(result, args, embedder)
        print(f"\n--out/--run-out/--index write {out_mode}: {report['out_mode_reason']}")
    report["out_mode"] = out_mode
    report["index"] = keep_in_index(result, out_mode)
    if args.out or args.run_out:
        rankings = {query.id: result.rankings[out_mode][query.id] for query in result.queries}
        if args.out:
            with args.out.open("w", encoding="utf-8") as out:
                for query_id, ranked in rankings.items():
                    out.write(json.dumps({"id": query_id, "ranked": ranked}, ensure_ascii=False) + "\n")
        if args.run_out:
            formats.write_run(args.run_out, rankings, f"policy-qa-{out_mode}")
    if args.qrels_out:
        formats.write_qrels(args.qrels_out, formats.qrels_of(result.queries))
    if args.beir_out:
        benchmark = formats.open_benchmark(
            args.directory, args.queries, args.train_queries, args.qrels, args.beir_split
        )
        formats.write_beir(args.beir_out, benchmark, args.beir_split or "test")
    expected_path = args.expected or EXPECTED / f"{stem}.json"
    if args.write_expected:
        expected_path.parent.mkdir(parents=True, exist_ok=True)
        rounded = {mode: {m: round(row[m], 3) for m in QUALITY} for mode, row in scores.items()}
        if expected_path.exists():  # modes not run this time keep their stored scores
            rounded = json.loads(expected_path.read_text("utf-8"))["scores"] | rounded
        stored = {"benchmark": result.name, "variant": extra, "command": report["command"], "date": report["date"]}
        stored |= {"tolerance": TOLERANCE, "scores": rounded}
        expected_path.write_text(json.dumps(stored, ensure_ascii=False, indent=1) + "\n", "utf-8")
        print(f"\nexpected scores written to {expected_path}")
    status = 0
    if args.no_check:
        report["check"] = "skipped (--no-check)"
    elif not expected_path.exists():
        report["check"] = f"skipped (no {expected_path})"
    else:
        expected = json.loads(expected_path.read_text("utf-8"))
        regressions, improvements = check_expected(scores, expected)
        report["check"] = {"expected": str(expected_path), "tolerance": expected.get("tolerance", TOLERANCE)}
        report["check"] |= {"regressions": regressions, "improvements": improvements}
        unchecked = sorted(set(expected["scores"]) - set(scores))
        if unchecked:
            print(f"\nnot checked (not run): {', '.join(unchecked)}")
        if improvements:
            print(f"\nbetter than {expected_path.name} (consider updating it):\n  " + "\n  ".join(improvements))
        if regressions:
            bar = "!" * 78
            message = f"\n{bar}\nREGRESSION against {expected_path}:\n  " + "\n  ".join(regressions) + f"\n{bar}"
            print(message)
            print(message, file=sys.stderr)
            status = 1
        else:
            print(f"\nscores match {expected_path.name} within tolerance")
    paths = write_report(result, scores, report, args.results_dir, stem)
    print(f"\nwrote {paths[0]} and {paths[1]}")
    return status


def main(argv: list[str] | None = None, embedder: Embedder | None = None) -> int:
    """Stand-alone entry (tests, scripts); ``python -m eval bench`` goes through eval/__main__.py's parser."""
    parser = argparse.ArgumentParser(prog="python -m eval bench", description=__doc__)
    add_arguments(parser)
    return run_cli(parser.parse_args(argv), ["bench", *argv] if argv is not None else None, embedder)
