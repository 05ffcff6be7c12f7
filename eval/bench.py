"""`python -m eval bench DIR`: the project's retrieval components on an external passage benchmark.

A benchmark folder is ours (``corpus.jsonl`` ``{"id","title","text"}``, ``queries.jsonl``
``{"id","question","answers","positive_ids"}``) or BEIR's (``eval/formats.py``); rankings go out as our jsonl
(``--out``) or a TREC run (``--run-out``). Passages are indexed as they are (no chunking), so the numbers measure
the tokenizer, BM25, the embedder and the fusion, not the policy-document pipeline.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import hashlib
import json
import math
import os
import platform
import re
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from tqdm import tqdm

from assistant.corpus import content_hash
from assistant.embedding.embedder import DEFAULT_MODEL, Embedder, SentenceTransformerEmbedder
from assistant.embedding.query_adapter import QueryAdapter
from assistant.indexing.dense import DenseIndex
from assistant.indexing.lexical import BM25Parameters, LexicalIndex
from assistant.indexing.tokenizer import ChineseTokenizer
from assistant.retrieval.fusion import normalized_score_fusion, reciprocal_rank_fusion
from assistant.retrieval.learned_expansion import LearnedExpansion
from assistant.retrieval.retriever import RetrievalSettings
from eval import formats, measures, metrics, significance
from eval.formats import Passage, Query
from eval.measures import QUALITY

RESULTS = Path(__file__).parent / "results"
EXPECTED = Path(__file__).parent / "expected"
CACHE = RESULTS / "cache"
MODES = ("bm25", "dense", "hybrid", "hybrid-rrf", "bm25-adapted", "dense-adapted", "hybrid-adapted")
# Modes whose legs learned from training queries (``Adaptation``) → the plain mode they otherwise are.
ADAPTED = {"bm25-adapted": "bm25", "dense-adapted": "dense", "hybrid-adapted": "hybrid"}
LEXICAL_MODES = ("bm25", "bm25-adapted")
AUTO = "auto"  # --out's choice between hybrid and hybrid-adapted, made on the training queries (choose_out_mode)
# The plain legs: every other mode is tested for a significant difference from the best of them on each metric.
BASELINE_MODES = ("bm25", "dense")
SIGNIFICANCE_METRICS = ("recall@5", "hit@1", "mrr@10", "ndcg@10")
TOLERANCE = 0.01
# Title + text by default: titles (law name + article number, Wikipedia article title) carry terms the text lacks.
SHARD = 1024  # passages per cache shard: the unit a killed run loses at most
SPLITS = ("tune", "check")


def _save_atomic(path: Path, array: np.ndarray) -> None:
    """Write then rename, so a file under its final name is always complete (a killed run leaves only a .tmp)."""
    tmp = path.with_name(path.name + f".{os.getpid()}.tmp")
    with tmp.open("wb") as handle:
        np.save(handle, array)
    os.replace(tmp, path)


def _load_rows(path: Path, rows: int, dimension: int) -> np.ndarray | None:
    """The cached array if it exists and has the expected shape; anything else is recomputed, never trusted."""
    if not path.exists():
        return None
    try:
        array = np.load(path)
    except (OSError, ValueError):
        return None
    return array if array.shape == (rows, dimension) and array.dtype == np.float32 else None


def _read_spent(path: Path) -> dict:
    """Embedding seconds so far and for how many passages; a missing or unreadable record counts as none."""
    try:
        spent = json.loads(path.read_text())
        return {"seconds": float(spent["seconds"]), "passages": int(spent["passages"])}
    except (OSError, ValueError, KeyError, TypeError):
        return {"seconds": 0.0, "passages": 0}


@dataclass
class CachedVectors:
    vectors: np.ndarray
    embedded: int  # passages embedded by this call (0: all came from the cache)
    seconds: float  # spent embedding in this call
    total_seconds: float | None  # the whole corpus, summed over the runs that filled the cache (None: not recorded)


def cached_passage_vectors(
    corpus_file: Path,
    texts: Sequence[str],
    embedder: Embedder,
    text_format: str,
    cache_root: Path = CACHE,
    progress: bool = True,
) -> CachedVectors:
    """Passage vectors from the on-disk cache, embedding only what is missing.

    The key is sha256(corpus file) + model name + text format. Shards are written atomically as they finish,
    so an interrupted first run resumes where it stopped; when all are there they are merged into one file.
    """
    key_text = f"{content_hash(corpus_file)}\n{embedder.name}\n{text_format}"
    key = hashlib.sha256(key_text.encode()).hexdigest()[:24]
    folder = cache_root / f"{corpus_file.parent.name}-{key}"
    folder.mkdir(parents=True, exist_ok=True)
    total, dimension = len(texts), embedder.dimension
    merged, timing = folder / "vectors.npy", folder / "seconds.json"
    spent = _read_spent(timing)
    vectors = _load_rows(merged, total, dimension)
    if vectors is not None:
        return CachedVectors(vectors, 0, 0.0, _whole_corpus_seconds(spent, total))
    (folder / "key.json").write_text(
        json.dumps({"corpus": str(corpus_file), "key": key_text.split("\n"), "passages": total}, indent=1)
    )
    starts = range(0, total, SHARD)
    shards: dict[int, np.ndarray] = {}
    for start in starts:
        shard = _load_rows(folder / f"shard-{start:07d}.npy", min(SHARD, total - start), dimension)
        if shard is not None:
            shards[start] = shard
    done = sum(len(shard) for shard in shards.values())
    if spent["passages"] != done:  # shards from a run that kept no timing: the total cannot be known
        spent = {"seconds": float("nan"), "passages": done}
    seconds = 0.0
    with tqdm(
        total=total, initial=done, unit="passage", desc="embedding", disable=not progress or done == total
    ) as bar:
        for start in starts:
            if start in shards:
                continue
            started = time.perf_counter()
            shard = np.asarray(embedder.encode_passages(list(texts[start : start + SHARD])), dtype=np.float32)
            _save_atomic(folder / f"shard-{start:07d}.npy", shard)
            elapsed = time.perf_counter() - started
            seconds += elapsed
            shards[start] = shard
            spent = {"seconds": spent["seconds"] + elapsed, "passages": spent["passages"] + len(shard)}
            tmp = timing.with_name(f"{timing.name}.{os.getpid()}.tmp")
            tmp.write_text(json.dumps(spent))
            os.replace(tmp, timing)
            bar.update(len(shard))
    vectors = np.concatenate([shards[start] for start in starts]) if total else np.zeros((0, dimension), np.float32)
    _save_atomic(merged, vectors)
    for start in starts:
        (folder / f"shard-{start:07d}.npy").unlink(missing_ok=True)
    return CachedVectors(vectors, total - done, seconds, _whole_corpus_seconds(spent, total))


def _whole_corpus_seconds(spent: dict, total: int) -> float | None:
    known = spent["passages"] == total and not math.isnan(spent["seconds"])  # NaN: a run kept no timing
    return spent["seconds"] if known else None


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


Leg = tuple[np.ndarray, np.ndarray]  # (scores, positions), best first


def top_positions(scores: np.ndarray, depth: int) -> np.ndarray:
    """Positions of the ``depth`` best scores, best first; ties by position, so runs are reproducible."""
    depth = min(depth, len(scores))
    if depth <= 0:
        return np.zeros(0, dtype=np.int64)
    top = np.argpartition(-scores, depth - 1)[:depth]
    return top[np.lexsort((top, -scores[top]))]


SENTENCE = re.compile(r"[^。！？；!?;]+[。！？；!?;]?")


def sentence_texts(passages: Sequence[Passage], text_format: str) -> tuple[list[str], np.ndarray]:
    """Each passage's sentences (formatted like the passage: under its title when titles are indexed) and, per
    sentence, the position of its passage."""
    texts, owners = [], []
    for position, passage in enumerate(passages):
        for sentence in SENTENCE.findall(passage.text):
            if sentence.strip():
                texts.append(Passage(passage.id, passage.title, sentence.strip()).formatted(text_format))
                owners.append(position)
    return texts, np.asarray(owners, dtype=np.int64)


@dataclass(frozen=True)
class SentenceScores:
    """Dense similarity of a passage = ``mix`` x the whole passage's + (1 - mix) x its best sentence's.

    Why: a question usually asks about one sentence; a passage vector averages that sentence with its neighbours,
    so sibling chunks of one article look alike (CMRC2018: 412 of 459 hybrid misses put a sibling first).
    """

    passage_vectors: np.ndarray
    sentence_vectors: np.ndarray
    owners: np.ndarray  # passage position of each sentence row
    mix: float

    def search(self, query_vector: np.ndarray, depth: int) -> Leg:
        whole = self.passage_vectors @ query_vector
        best = np.full(len(whole), -np.inf, dtype=np.float32)
        np.maximum.at(best, self.owners, self.sentence_vectors @ query_vector)
        best = np.where(np.isinf(best), whole, best)  # a passage without sentence text keeps its own score
        scores = (self.mix * whole + (1.0 - self.mix) * best).astype(np.float32)
        top = top_positions(scores, depth)
        return scores[top], top


class BenchIndex:
    """The project's BM25 and FAISS indexes over benchmark passages, searched leg by leg as the Retriever does.

    Not the Retriever itself: its scope, query expansion, diversity and record boost are about policy documents
    and would only blur what the components do on a foreign corpus.
    """

    def __init__(
        self,
        lexical: LexicalIndex,
        dense: DenseIndex | None,
        embedder: Embedder | None,
        depth: int,
        adaptations: CrossFitted | None = None,
        sentences: SentenceScores | None = None,
    ) -> None:
        self.lexical = lexical
        self.dense_index = dense
        self.embedder = embedder
        self.depth = depth
        self.adaptations = adaptations
        self.sentences = sentences

    def bm25(self, question: str, expansion: LearnedExpansion | None = None) -> Leg:
        """Top-``depth`` BM25 matches; like Retriever._bm25, a passage sharing no term with the query is none.
        With an ``expansion`` its learned terms for the question's words are added, weighted."""
        scores = self.lexical.scores(question)
        if expansion is not None:
            scores = scores + self.lexical.weighted_scores(expansion.expand(self.lexical.tokenizer.tokenize(question)))
        top = top_positions(scores, self.depth)
        top = top[scores[top] > 0]
        return scores[top], top

    def dense(self, query_vector: np.ndarray) -> Leg:
        if self.sentences is not None:
            return self.sentences.search(query_vector, self.depth)
        if self.dense_index is None:
            raise RuntimeError("the dense leg was not built")
        return self.dense_index.search(query_vector, self.depth)

    def embed(self, question: str) -> np.ndarray:
        if self.embedder is None:
            raise RuntimeError("the dense leg was not built")
        return self.embedder.encode_queries([question])[0]


class NoTrainingPairsError(ValueError):
    """The adapted modes were asked for, but the training queries name no passage of the corpus."""


@dataclass(frozen=True)
class Adaptation:
    """What training queries teach the legs: BM25 terms learned for everyday words, and (with a dense leg) a query
    adapter that moves question vectors toward the passages that answer such questions."""

    expansion: LearnedExpansion
    adapter: QueryAdapter | None


class CrossFitted:
    """Adaptations fitted on a benchmark's training queries, never applied to a query they were fitted on.

    A query that is also a training query (the default run, on the benchmark's own queries.jsonl) gets the one
    fitted on the other half (``split_of``), so every reported number is out-of-sample; any other query (a held-out
    file given with ``--queries``) gets the one fitted on all training queries.
    """

    def __init__(self, training: Sequence[Query], fit: Callable[[list[int]], Adaptation]) -> None:
        halves = {split: [i for i, query in enumerate(training) if split_of(query.id) != split] for split in SPLITS}
        self._training_ids = {query.id for query in training}
        self._by_split = {split: fit(rows) for split, rows in halves.items()}
        self._all = fit(list(range(len(training))))

    def for_query(self, query: Query) -> Adaptation:
        return self._by_split[split_of(query.id)] if query.id in self._training_ids else self._all


def fit_adaptations(
    training: Sequence[Query],
    passages: Sequence[Passage],
    texts: Sequence[str],
    lexical: LexicalIndex,
    query_vectors: np.ndarray | None = None,
    passage_vectors: np.ndarray | None = None,
) -> CrossFitted:
    """Cross-fitted adaptations from ``training``; the query adapter only when vectors are given."""
    position = {passage.id: row for row, passage in enumerate(passages)}
    positives = [[position[p] for p in sorted(query.positives) if p in position] for query in training]
    if not any(positives):
        raise NoTrainingPairsError("no training query has a positive passage in this corpus: nothing to learn from")
    tokenize = lexical.tokenizer.tokenize
    question_words = [tokenize(query.question) for query in training]
    answer_words = {row: tokenize(texts[row]) for rows in positives for row in rows}

    def fit(rows: list[int]) -> Adaptation:
        answers = [[word for passage in positives[i] for word in answer_words[passage]] for i in rows]
        expansion = LearnedExpansion.fit([question_words[i] for i in rows], answers, lexical.idf)
        adapter = None
        if query_vectors is not None and passage_vectors is not None:
            adapter = QueryAdapter.fit(query_vectors[rows], passage_vectors, [positives[i] for i in rows])
        return Adaptation(expansion, adapter)

    return CrossFitted(training, fit)


def fuse(mode: str, bm25: Leg, dense: Leg, settings: RetrievalSettings) -> list[int]:
    """The project's fusion with RetrievalSettings' weights: score fusion (``hybrid``) or RRF (``hybrid-rrf``)."""
    weights = [settings.bm25_weight, settings.dense_weight]
    if mode == "hybrid":
        fused = normalized_score_fusion([(s.tolist(), p.tolist()) for s, p in (bm25, dense)], weights)
    else:
        fused = reciprocal_rank_fusion([bm25[1].tolist(), dense[1].tolist()], weights)
    return sorted(fused, key=lambda position: (-fused[position], position))


@dataclass
class BenchResult:
    name: str
    passages: int
    queries: list[Query]
    modes: tuple[str, ...]
    model: str = ""  # the embedder's identity, empty for a BM25-only run
    scored_training: bool = False  # the scored queries are exactly the training queries (cross-fitted)
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
) -> BenchResult:
    """Index the benchmark corpus, run every query through each mode, keep rankings, latencies and timings.

    ``embedder`` may be a factory so that a BM25-only run never loads the model. Latency per mode is the sum of the
    legs it uses (each timed once per query: BM25 scoring, query embedding + FAISS) plus its own fusion time.
    The adapted modes learn from ``training_file`` (default the benchmark's own queries.jsonl, which both benchmark
    READMEs mark as free to train on; in a BEIR folder its train split), cross-fitted as ``CrossFitted`` says.
    ``qrels_file`` replaces the positives of the scored queries; ``split`` picks a BEIR folder's qrels;
    ``score_training`` scores the training queries instead (what ``--out``'s automatic choice is made on).
    """
    unknown = set(modes) - set(MODES)
    if unknown:
        raise ValueError(f"unknown mode(s) {', '.join(sorted(unknown))}; choose from {', '.join(MODES)}")
    benchmark = formats.open_benchmark(directory, queries_file, training_file, qrels_file, split)
    corpus_file, passages = benchmark.corpus_file, benchmark.passages
    queries = benchmark.training if score_training else benchmark.queries
    queries = queries[:limit] if limit else queries
    texts = [passage.formatted(text_format) for passage in passages]
    result = BenchResult(directory.resolve().name, len(passages), queries, tuple(modes))
    result.scored_training = [query.id for query in queries] == [query.id for query in benchmark.training]

    started = time.perf_counter()
    lexical = LexicalIndex.build(texts, ChineseTokenizer(), bm25 or BM25Parameters())
    result.timings["bm25_index_s"] = time.perf_counter() - started

    dense_index = None
    model: Embedder | None = None
    passage_vectors = None
    sentences = None
    needs_dense = any(mode not in LEXICAL_MODES for mode in modes)
    if needs_dense:
        started = time.perf_counter()
        model = embedder() if callable(embedder) else embedder
        model = model or SentenceTransformerEmbedder(DEFAULT_MODEL)
        result.timings["model_load_s"] = time.perf_counter() - started
        result.model = model.name
        cached = cached_passage_vectors(corpus_file, texts, model, text_format, cache_root, progress)
        passage_vectors = cached.vectors
        result.timings.update(passages_embedded=cached.embedded, embedding_s=cached.seconds)
        if cached.total_seconds is not None:
            result.timings["embedding_whole_corpus_s"] = cached.total_seconds
        started = time.perf_counter()
        dense_index = DenseIndex.build(cached.vectors, model.dimension)
        result.timings["faiss_build_s"] = time.perf_counter() - started
        if sentence_mix is not None:
            sentence_rows, owners = sentence_texts(passages, text_format)
            vectors = cached_passage_vectors(
                corpus_file, sentence_rows, model, f"{text_format}:sentences", cache_root, progress
            ).vectors
            sentences = SentenceScores(cached.vectors, vectors, owners, sentence_mix)
            result.timings["sentences"] = len(sentence_rows)
    adaptations = None
    if any(mode in ADAPTED for mode in modes):
        started = time.perf_counter()
        training = benchmark.training
        vectors = None
        if model is not None:
            vectors = np.asarray(model.encode_queries([query.question for query in training]), dtype=np.float32)
        adaptations = fit_adaptations(training, passages, texts, lexical, vectors, passage_vectors)
        result.timings["adaptation_training_queries"] = len(training)
        result.timings["adaptation_fit_s"] = time.perf_counter() - started
    settings = RetrievalSettings()
    index = BenchIndex(lexical, dense_index, model, max(k, settings.depth), adaptations, sentences)
    for mode in modes:
        result.rankings[mode], result.latencies[mode] = {}, []
    with one_thread() if needs_dense else contextlib.nullcontext():
        _search_all(index, passages, queries, modes, k, settings, result, progress)
    return result


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


def _search_all(
    index: BenchIndex,
    passages: list[Passage],
    queries: list[Query],
    modes: Sequence[str],
    k: int,
    settings: RetrievalSettings,
    result: BenchResult,
    progress: bool,
) -> None:
    needs_dense = index.embedder is not None
    if index.embedder is not None:
        index.embedder.encode_queries(["预热"])  # the first call pays one-off set-up that no real query would
    for query in tqdm(queries, unit="query", desc="searching", disable=not progress):
        adaptation = index.adaptations.for_query(query) if index.adaptations is not None else None
        seconds: dict[str, float] = {}
        legs: dict[str, Leg] = {}
        started = time.perf_counter()
        legs["bm25"] = index.bm25(query.question)
        seconds["bm25"] = time.perf_counter() - started
        if adaptation is not None:
            started = time.perf_counter()
            legs["bm25-adapted"] = index.bm25(query.question, adaptation.expansion)
            seconds["bm25-adapted"] = time.perf_counter() - started
        if needs_dense:
            started = time.perf_counter()
            vector = index.embed(query.question)
            embedded = time.perf_counter()
            legs["dense"] = index.dense(vector)
            seconds["dense"] = time.perf_counter() - started
            if adaptation is not None and adaptation.adapter is not None:
                adapting = time.perf_counter()
                legs["dense-adapted"] = index.dense(adaptation.adapter.apply(vector[None, :])[0])
                seconds["dense-adapted"] = embedded - started + time.perf_counter() - adapting
        for mode in modes:
            if mode in legs:
                positions, elapsed = legs[mode][1].tolist(), seconds[mode]
            else:
                lexical_leg, dense_leg = ("bm25-adapted", "dense-adapted") if mode in ADAPTED else ("bm25", "dense")
                started = time.perf_counter()
                positions = fuse(ADAPTED.get(mode, mode), legs[lexical_leg], legs[dense_leg], settings)
                elapsed = time.perf_counter() - started + seconds[lexical_leg] + seconds[dense_leg]
            result.rankings[mode][query.id] = dedupe([passages[p].id for p in positions])[:k]
            result.latencies[mode].append(elapsed * 1000)


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
    lines = [f"{'mode':<11}" + "".join(f"{head:>11}" for head in heads)]
    for mode, row in scores.items():
        lines.append(f"{mode:<11}" + "".join(f"{row[c]:>11.3f}" for c in columns))
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
        "- Latency per query = the legs a mode uses (BM25 scoring; query embedding + FAISS) + its fusion.\n\n"
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
        choices=(AUTO, *MODES),
        default=AUTO,
        help="the mode --out and --run-out write (default auto: hybrid-adapted when learning from --train-queries "
        "beats hybrid on them, cross-fitted; otherwise hybrid)",
    )
    parser.add_argument("--modes", default=",".join(MODES), help="comma-separated modes to run (default all)")
    parser.add_argument("--k", type=int, default=100, help="passages kept per query (default 100)")
    parser.add_argument("--model", default=DEFAULT_MODEL)
    parser.add_argument("--limit", type=int, help="only the first N queries")
    parser.add_argument("--text-format", choices=formats.TEXT_FORMATS, default="title+text", help="what is indexed")
    parser.add_argument("--bm25-k1", type=float, default=BM25Parameters.k1, help="BM25 k1 (default the library's)")
    parser.add_argument("--bm25-b", type=float, default=BM25Parameters.b, help="BM25 b (default the library's)")
    parser.add_argument(
        "--sentence-mix",
        type=float,
        help="dense similarity = MIX x the passage's + (1 - MIX) x its best sentence's (sentences embedded and cached "
        "too); default: the passage's alone",
    )
    parser.add_argument("--no-check", action="store_true", help="skip the comparison with the expected scores")
    parser.add_argument("--write-expected", action="store_true", help="store this run's scores as the expected ones")
    parser.add_argument("--expected", type=Path, help="expected-scores file (default eval/expected/bench_NAME.json)")
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


def run_cli(args: argparse.Namespace, argv: Sequence[str] | None = None, embedder: Embedder | None = None) -> int:
    """Run, print, write the reports and compare with the expected scores; non-zero on a regression."""
    modes = tuple(mode.strip() for mode in args.modes.split(",") if mode.strip())
    out_modes = ("hybrid", "hybrid-adapted") if args.mode == AUTO else (args.mode,)
    if args.out or args.run_out:
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
    if args.out or args.run_out:
        out_mode = args.mode
        if args.mode == AUTO:
            out_mode, report["out_mode_reason"] = choose_out_mode(result, args, embedder)
            print(f"\n--out/--run-out write {out_mode}: {report['out_mode_reason']}")
        report["out_mode"] = out_mode
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
