"""`python -m eval scale`: how the indexes behave from 10k to 1M chunks, to choose the default index type.

Real material first: the bundled corpus's passage vectors and the labelled questions' query vectors (the real
model), STARD passages as BM25 text. Beyond that the corpus grows synthetically: a vector is a random mixture
of three real passage vectors plus noise (nearest-neighbour cosine ≈ 0.88, as between real passages; more
noise makes the data isotropic and every IVF list alike), a BM25 document joins halves of two real token
lists. Embedding a million texts would take more than a day here.

Single queries run on one OpenMP thread at the retriever's depth (100), as in the assistant. Approximate
indexes are scored by recall@10 against the exact (flat) top 10 of the same query.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import bm25s
import faiss
import numpy as np
from tqdm import tqdm

from assistant.embedding.embedder import SentenceTransformerEmbedder
from assistant.engine import DEFAULT_CORPUS, DEFAULT_INDEX, Engine
from assistant.indexing.dense import AUTO_FLAT_LIMIT, IVF_PROBE_FRACTION, DenseIndex, ivf_lists
from assistant.indexing.lexical import LexicalIndex
from assistant.indexing.store import passage_index_text
from assistant.indexing.tokenizer import ChineseTokenizer
from assistant.retrieval.expansion import expand_query
from eval import metrics
from eval.labelled import QUESTIONS, EvidenceIndex, Location, load_questions
from eval.retrieval import evaluate_system

RESULTS = Path(__file__).parent / "results"
STARD = Path(__file__).resolve().parents[2] / "shared" / "bench" / "stard" / "corpus.jsonl"
SIZES = (10_000, 30_000, 100_000, 300_000, 1_000_000)
MILVUS_SIZES = (10_000, 100_000, 1_000_000)
DEPTH = 100  # what the retriever asks each leg for
HNSW_EF = (32, 64, 128)
IVF_PROBES = (16, 32, 64, 128)
BUDGET_SECONDS = 400.0  # a build predicted to take longer than this (from the last measured rate) is skipped
NOISE = 0.02
STARD_PASSAGES = 20_000  # real BM25 documents (jieba runs at a few hundred passages/s on these shared cores)
QUIET = not sys.stderr.isatty()


def rss_bytes() -> int:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def synthetic_vectors(bases: np.ndarray, count: int, seed: int) -> np.ndarray:
    """``count`` unit vectors among the real ones: Dirichlet mixtures of three, plus Gaussian noise."""
    rng = np.random.default_rng(seed)
    out = np.empty((count, bases.shape[1]), dtype=np.float32)
    for start in range(0, count, 100_000):
        n = min(100_000, count - start)
        weights = rng.dirichlet([0.5, 0.5, 0.5], n).astype(np.float32)
        mixed = np.einsum("nk,nkd->nd", weights, bases[rng.integers(0, len(bases), (n, 3))])
        mixed += rng.standard_normal(mixed.shape, dtype=np.float32) * NOISE
        out[start : start + n] = mixed / np.linalg.norm(mixed, axis=1, keepdims=True)
    return out


def synthetic_documents(real: list[list[str]], count: int, seed: int) -> list[list[str]]:
    """The real token lists first, then documents joining the first half of one and the second half of another."""
    rng = np.random.default_rng(seed)
    documents = real[:count]
    pairs = rng.integers(0, len(real), (max(0, count - len(real)), 2))
    documents += [real[i][: len(real[i]) // 2] + real[j][len(real[j]) // 2 :] for i, j in pairs.tolist()]
    return documents


def latencies(search: Callable[[int], object], queries: int) -> dict[str, float]:
    """Wall-clock and this thread's CPU time per query: on cores shared with other work (and under nice) the
    wall clock mostly measures waiting for a core; CPU time is what the search itself costs."""
    for i in range(min(5, queries)):  # warm-up
        search(i)
    wall, cpu = [], []
    for i in range(queries):
        started, cpu_started = time.perf_counter(), time.thread_time()
        search(i)
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.thread_time() - cpu_started) * 1000)
    return {
        "p50_ms": metrics.percentile(wall, 50),
        "p95_ms": metrics.percentile(wall, 95),
        "cpu_p50_ms": metrics.percentile(cpu, 50),
        "cpu_p95_ms": metrics.percentile(cpu, 95),
    }


def recall_at_10(found: Sequence[np.ndarray], truth: np.ndarray) -> float:
    return float(
        np.mean([len(set(f[:10].tolist()) & set(t[:10].tolist())) / 10 for f, t in zip(found, truth, strict=True)])
    )


def measure_faiss(vectors: np.ndarray, queries: np.ndarray, kinds: Sequence[str]) -> list[dict]:
    """Build and query each index type over ``vectors``; one row per index (and HNSW efSearch)."""
    size = len(vectors)
    faiss.omp_set_num_threads(os.cpu_count() or 1)
    truth = faiss.IndexFlatIP(vectors.shape[1])
    truth.add(vectors)
    exact = truth.search(queries, 10)[1]
    del truth
    rows = []
    for kind in kinds:
        gc.collect()
        before = rss_bytes()
        started = time.perf_counter()
        index = DenseIndex.build(vectors, vectors.shape[1], kind)
        build = time.perf_counter() - started
        memory = rss_bytes() - before
        probes = sorted({*IVF_PROBES, index.index.nprobe}) if kind == "ivf" else []  # the sweep and the default
        settings = {"hnsw": [("ef", ef) for ef in HNSW_EF], "ivf": [("nprobe", n) for n in probes]}
        for name, value in settings.get(kind, [("", 0)]):
            if name == "ef":
                index.index.hnsw.efSearch = value
            elif name == "nprobe":
                index.index.nprobe = value
            found = [index.search(query, DEPTH)[1] for query in queries]
            row = {
                "index": kind + (f" {name}{value}" if name else ""),
                "size": size,
                "build_s": build,
                "build_per_s": size / build,
                "rss_growth_mb": memory / 2**20,
                "index_mb": faiss.serialize_index(index.index).nbytes / 2**20,
                "recall@10": recall_at_10(found, exact),
                **latencies(lambda i, index=index: index.search(queries[i % len(queries)], DEPTH), len(queries)),
            }
            rows.append(row)
            print(_line(row), flush=True)
        del index
    return rows


def over_budget(rows: list[dict], prefix: str, size: int, budget: float) -> str:
    """Why a build is skipped: its time predicted from the last measured rate (a lower bound: rates fall)."""
    built = [row for row in rows if row["index"].startswith(prefix)]
    if not built or size / built[-1]["build_per_s"] <= budget:
        return ""
    rate = built[-1]["build_per_s"]
    return f"{prefix} at {size:,}: build predicted {size / rate:,.0f} s at the measured {rate:,.0f}/s > {budget:.0f} s"


def measure_bm25(documents: list[list[str]], questions: list[str], tokenizer: ChineseTokenizer) -> dict:
    gc.collect()
    before = rss_bytes()
    started = time.perf_counter()
    retriever = bm25s.BM25(k1=1.2, b=0.75)
    retriever.index(documents, show_progress=False)
    build = time.perf_counter() - started
    lexical = LexicalIndex(retriever, tokenizer, len(documents))

    def search(i: int) -> np.ndarray:  # what the retriever's BM25 leg does: tokenise, score all, take the top
        scores = lexical.scores(expand_query(questions[i % len(questions)]))
        return np.argpartition(-scores, DEPTH - 1)[:DEPTH]

    row = {
        "index": "bm25s",
        "size": len(documents),
        "build_s": build,
        "build_per_s": len(documents) / build,
        "rss_growth_mb": (rss_bytes() - before) / 2**20,
        **latencies(search, len(questions)),
    }
    print(_line(row), flush=True)
    return row


def _line(row: dict) -> str:
    recall = f" recall@10 {row['recall@10']:.3f}" if "recall@10" in row else ""
    nan = float("nan")
    return (
        f"{row['index']:<14} {row['size']:>9,} build {row['build_s']:8.1f} s ({row['build_per_s']:9,.0f}/s) "
        f"rss +{row['rss_growth_mb']:7.0f} MB  p50 {row['p50_ms']:7.2f} ms  p95 {row['p95_ms']:7.2f} ms  "
        f"cpu p50 {row.get('cpu_p50_ms', nan):7.2f} ms  p95 {row.get('cpu_p95_ms', nan):7.2f} ms{recall}"
    )


def measure_milvus(vectors: np.ndarray, queries: np.ndarray, size: int, index_type: str, directory: Path) -> dict:
    """Insert ``size`` vectors into a milvus-lite collection and query it as the Milvus backend does."""
    from pymilvus import DataType, MilvusClient

    client = MilvusClient(str(directory / f"bench-{size}-{index_type}.db"))
    schema = client.create_schema(auto_id=False)
    schema.add_field("pk", DataType.INT64, is_primary=True)
    schema.add_field("vector", DataType.FLOAT_VECTOR, dim=vectors.shape[1])
    schema.add_field("doc_id", DataType.VARCHAR, max_length=32)
    indexes = client.prepare_index_params()
    indexes.add_index("vector", index_type=index_type, metric_type="IP")
    indexes.add_index("doc_id", index_type="INVERTED")
    client.create_collection("bench", schema=schema, index_params=indexes)
    started = time.perf_counter()
    batch = 5_000
    for start in tqdm(range(0, size, batch), desc=f"milvus-lite {size:,}", leave=False, disable=QUIET):
        part = vectors[start : min(size, start + batch)]
        client.insert(
            "bench",
            [
                {"pk": start + i, "vector": vector, "doc_id": f"d{(start + i) // 500}"}
                for i, vector in enumerate(part.tolist())
            ],
        )
    client.flush("bench")
    client.load_collection("bench")
    build = time.perf_counter() - started
    truth = faiss.IndexFlatIP(vectors.shape[1])
    truth.add(vectors[:size])
    exact = truth.search(queries, 10)[1]
    documents = json.dumps([f"d{i}" for i in range(0, size // 500, 10)])  # a scope of a tenth of the documents

    def search(i: int, expression: str = "") -> np.ndarray:
        hits = client.search("bench", [queries[i % len(queries)].tolist()], limit=DEPTH, filter=expression)[0]
        return np.array([hit["pk"] for hit in hits])

    found = [search(i) for i in range(len(queries))]
    row = {
        "index": f"milvus-lite {index_type}",
        "size": size,
        "build_s": build,
        "build_per_s": size / build,
        "rss_growth_mb": float("nan"),
        "recall@10": recall_at_10(found, exact),
        **latencies(search, len(queries)),
        "filtered": latencies(lambda i: search(i, f"doc_id in {documents}"), len(queries)),
    }
    del row["cpu_p50_ms"], row["cpu_p95_ms"]
    client.close()
    print(_line(row) + f"  filtered p50 {row['filtered']['p50_ms']:.2f} ms", flush=True)
    return row


def compare_lexical(engine: Engine, directory: Path) -> dict:
    """bm25s (jieba + domain dictionary) against Milvus's own BM25 (jieba analyzer) on the labelled set."""
    from pymilvus import DataType, Function, FunctionType, MilvusClient

    store = engine.store
    texts = [passage_index_text(p, store.documents[p.doc_id]) for p in store.passages]
    client = MilvusClient(str(directory / "bm25.db"))
    schema = client.create_schema(auto_id=False)
    schema.add_field("pk", DataType.INT64, is_primary=True)
    analyzer = {"tokenizer": "jieba"}
    schema.add_field("text", DataType.VARCHAR, max_length=8192, enable_analyzer=True, analyzer_params=analyzer)
    schema.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
    schema.add_function(Function("bm25", FunctionType.BM25, input_field_names=["text"], output_field_names=["sparse"]))
    indexes = client.prepare_index_params()
    indexes.add_index("sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25")
    client.create_collection("lexical", schema=schema, index_params=indexes)
    client.insert("lexical", [{"pk": i, "text": text} for i, text in enumerate(texts)])
    client.flush("lexical")
    client.load_collection("lexical")

    def locations(positions: Sequence[int]) -> list[list[Location]]:
        return [[Location(p.doc_id, p.start, p.end)] for p in (store.passages[i] for i in positions)]

    def bm25s_system(question: str) -> list[list[Location]]:
        scores = store.lexical.scores(expand_query(question))
        top = np.argsort(-scores, kind="stable")[:10]
        return locations([i for i in top.tolist() if scores[i] > 0])

    def milvus_system(question: str) -> list[list[Location]]:
        hits = client.search("lexical", [expand_query(question)], anns_field="sparse", limit=10)[0]
        return locations([hit["pk"] for hit in hits])

    questions = load_questions(QUESTIONS)
    evidence = EvidenceIndex(DEFAULT_CORPUS)
    shown = ("recall@1", "recall@5", "recall@10", "mrr@10", "latency_p50_ms", "latency_p95_ms")
    result = {}
    for name, system in (("bm25s (jieba + domain words)", bm25s_system), ("milvus-lite BM25 (jieba)", milvus_system)):
        scores = evaluate_system(system, questions, evidence)
        result[name] = {metric: scores[metric] for metric in shown}
        print(f"{name:<30}" + "".join(f"{metric} {scores[metric]:.3f}  " for metric in shown), flush=True)
    client.close()
    return result


def real_material(model: str) -> tuple[Engine, np.ndarray, list[str]]:
    embedder = SentenceTransformerEmbedder(model)
    engine = Engine.open(DEFAULT_CORPUS, DEFAULT_INDEX, embedder=embedder, progress=False)
    questions = [question.question for question in load_questions(QUESTIONS)]
    queries = np.asarray(embedder.encode_queries(questions), dtype=np.float32)
    return engine, queries, questions


def real_token_lists(engine: Engine, stard: Path) -> list[list[str]]:
    tokenizer = engine.store.lexical.tokenizer
    texts = [passage_index_text(p, engine.store.documents[p.doc_id]) for p in engine.store.passages]
    if stard.is_file():
        with stard.open(encoding="utf-8") as lines:
            rows = [json.loads(line) for line, _ in zip(lines, range(STARD_PASSAGES), strict=False)]
        texts += [f"{row['title']}\n{row['text']}" for row in rows]
    return [tokenizer.tokenize(text) or ["\u2400"] for text in tqdm(texts, desc="tokenising", disable=QUIET)]


def run_scale(args: argparse.Namespace) -> dict:
    started = time.perf_counter()
    engine, queries, questions = real_material(args.model)
    bases = engine.store.vectors
    largest = max(args.sizes)
    vectors = synthetic_vectors(bases, largest, seed=0)
    vectors[: len(bases)] = bases
    print(f"real: {len(bases)} passage vectors, {len(queries)} query vectors; synthetic up to {largest:,}", flush=True)
    result: dict = {"faiss": [], "bm25": [], "milvus": [], "skipped": []}
    for size in sorted(args.sizes):
        kinds = ["flat", "ivf"]
        if skipped := over_budget(result["faiss"], "hnsw", size, args.budget):
            result["skipped"].append(skipped)
            print(skipped, flush=True)
        else:
            kinds.append("hnsw")
        result["faiss"] += measure_faiss(vectors[:size], queries, kinds)
    tokens = real_token_lists(engine, args.stard)
    documents = synthetic_documents(tokens, largest, seed=1)
    for size in sorted(args.sizes):
        if skipped := over_budget(result["bm25"], "bm25s", size, args.budget):
            result["skipped"].append(skipped)
            print(skipped, flush=True)
            continue
        result["bm25"].append(measure_bm25(documents[:size], questions, engine.store.lexical.tokenizer))
    del documents, tokens
    gc.collect()
    with tempfile.TemporaryDirectory(prefix="scale-milvus-") as directory:
        result["lexical_legs"] = compare_lexical(engine, Path(directory))
        for size in sorted(args.milvus_sizes):
            if skipped := over_budget(result["milvus"], "milvus-lite", size, args.budget):
                result["skipped"].append(skipped)
                print(skipped, flush=True)
                continue
            result["milvus"].append(measure_milvus(vectors, queries, size, "FLAT", Path(directory)))
    result["seconds"] = time.perf_counter() - started
    result["auto_flat_limit"] = AUTO_FLAT_LIMIT
    result["machine"] = machine()
    return result


def machine() -> str:
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    return f"{os.cpu_count()} cores shared with other work, load average at the end {load}: timings are upper bounds"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sizes = lambda text: tuple(int(float(part)) for part in text.split(","))  # noqa: E731
    parser.add_argument("--sizes", type=sizes, default=SIZES, help="corpus sizes for FAISS and BM25")
    parser.add_argument("--milvus-sizes", type=sizes, default=MILVUS_SIZES, help="corpus sizes for milvus-lite")
    parser.add_argument("--stard", type=Path, default=STARD, help="STARD corpus.jsonl (real BM25 text)")
    parser.add_argument("--budget", type=float, default=BUDGET_SECONDS, help="skip a build predicted to be longer")
    parser.add_argument("--results-dir", type=Path, default=RESULTS)


def write_report(result: dict, directory: Path, command: str) -> list[Path]:
    """scale.json (every number), scale.md (tables), scale_latency.png and scale_build.png (curves)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    directory.mkdir(parents=True, exist_ok=True)
    written = [directory / "scale.json", directory / "scale.md", directory / "scale_latency.png"]
    written[0].write_text(json.dumps({"command": command, **result}, ensure_ascii=False, indent=1), encoding="utf-8")
    rows = result["faiss"] + result["bm25"] + result["milvus"]
    nan = float("nan")  # milvus-lite: the search runs in its server, so this thread's CPU time says nothing
    head = (
        "| index | chunks | build s | built/s | RSS growth MB | index MB | CPU p50 ms | CPU p95 ms "
        "| wall p50 ms | wall p95 ms | recall@10 vs flat |"
    )
    lines = [
        "# Scaling: FAISS flat / IVF / HNSW, BM25 (bm25s) and milvus-lite",
        "",
        f"`{command}`, {result['seconds'] / 60:.1f} min; {result['machine']}.",
        "Single queries at depth 100 on one OpenMP thread; recall@10 against the exact top 10 of the same query.",
        *([result["note"]] if "note" in result else []),
        "",
        head,
        "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for row in rows:
        recall = f"{row['recall@10']:.3f}" if "recall@10" in row else ""
        lines.append(
            f"| {row['index']} | {row['size']:,} | {row['build_s']:.1f} | {row['build_per_s']:,.0f} | "
            f"{row['rss_growth_mb']:.0f} | {row.get('index_mb', nan):.0f} | "
            f"{row.get('cpu_p50_ms', nan):.2f} | {row.get('cpu_p95_ms', nan):.2f} | "
            f"{row['p50_ms']:.2f} | {row['p95_ms']:.2f} | {recall} |"
        )
    for row in result["milvus"]:
        filtered = row["filtered"]
        lines.append(
            f"\nmilvus-lite {row['size']:,} with a `doc_id in [...]` filter (a tenth of the documents): "
            f"p50 {filtered['p50_ms']:.2f} ms, p95 {filtered['p95_ms']:.2f} ms"
        )
    lines += [
        "",
        "## Lexical leg on the labelled set: bm25s against Milvus BM25",
        "",
        "| engine | recall@1 | recall@5 | recall@10 | MRR@10 | p50 ms | p95 ms |",
        "|---|--:|--:|--:|--:|--:|--:|",
    ]
    for name, scores in result["lexical_legs"].items():
        lines.append(f"| {name} | " + " | ".join(f"{value:.3f}" for value in scores.values()) + " |")
    lines += ["", "Skipped (bounded run): " + ("; ".join(result["skipped"]) or "nothing"), ""]
    lines += [
        "## Default",
        "",
        f"`auto` (assistant/indexing/dense.py): flat up to {AUTO_FLAT_LIMIT:,} chunks, then IVF with √n lists of "
        f"which {IVF_PROBE_FRACTION:.0%} are probed (the default nprobe rows above); HNSW on request.",
        "",
    ]
    written[1].write_text("\n".join(lines), encoding="utf-8")
    written.append(_write_milvus_report(result, directory / "milvus.md", command))
    figure, (latency, build) = plt.subplots(1, 2, figsize=(12, 4.5))
    for name in dict.fromkeys(map(_series, rows)):
        series = [row for row in rows if _series(row) == name]
        sizes = [row["size"] for row in series]
        style = "-" if name in ("flat", "bm25s") or "default" in name else ":"
        latency.plot(sizes, [row.get("cpu_p50_ms", row["p50_ms"]) for row in series], style, marker="o", label=name)
    for kind in dict.fromkeys(row["index"].split(" nprobe")[0].split(" ef")[0] for row in rows):
        series = {row["size"]: row["build_s"] for row in rows if row["index"].startswith(kind)}
        build.plot(list(series), list(series.values()), marker="o", label=kind)
    for axis, title in ((latency, "query p50 ms (CPU; milvus-lite: wall), depth 100"), (build, "build time (s)")):
        axis.set(xscale="log", yscale="log", xlabel="chunks", title=title)
        axis.grid(True, which="both", alpha=0.3)
    latency.legend(fontsize=7, loc="upper left", ncol=2)
    build.legend(fontsize=7, loc="upper left")
    figure.tight_layout()
    figure.savefig(written[2], dpi=110)
    plt.close(figure)
    return written


def _series(row: dict) -> str:
    """A curve per index setting, the default IVF probing (a quarter of √n lists, so nprobe grows) as one."""
    if row["index"] == f"ivf nprobe{ivf_lists(row['size'])[1]}":
        return "ivf default nprobe"
    return row["index"]


def _write_milvus_report(result: dict, path: Path, command: str) -> Path:
    """The issue-6 view: the same queries against FAISS (flat, exact as Milvus FLAT) and milvus-lite per size."""
    lines = [
        "# FAISS against milvus-lite (the Milvus backend's engine here)",
        "",
        f"From `{command}` (all numbers in scale.md/scale.json); {result['machine']}. Wall-clock ms per single "
        "query at depth 100; build = insert + flush + load for milvus-lite, index construction for FAISS.",
        *([result["note"]] if "note" in result else []),
        "",
        "| chunks | engine | build s | built/s | p50 ms | p95 ms | filtered p50 ms | filtered p95 ms | recall@10 |",
        "|--:|---|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for row in result["milvus"]:
        flat = next((f for f in result["faiss"] if f["index"] == "flat" and f["size"] == row["size"]), None)
        for name, line in (("FAISS flat", flat), (row["index"], row)):
            if line is None:
                continue
            filtered = line.get("filtered", {})
            lines.append(
                f"| {row['size']:,} | {name} | {line['build_s']:.1f} | {line['build_per_s']:,.0f} | "
                f"{line['p50_ms']:.2f} | {line['p95_ms']:.2f} | {filtered.get('p50_ms', float('nan')):.2f} | "
                f"{filtered.get('p95_ms', float('nan')):.2f} | {line['recall@10']:.3f} |"
            )
    skipped = [note for note in result["skipped"] if note.startswith("milvus")]
    lines += ["", "Skipped: " + ("; ".join(skipped) or "nothing"), ""]
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def run_cli(args: argparse.Namespace, argv: Sequence[str]) -> int:
    result = run_scale(args)
    for path in write_report(result, args.results_dir, "python -m eval " + " ".join(argv)):
        print(f"wrote {path}")
    return 0
