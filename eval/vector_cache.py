"""Benchmark passage vectors on disk, embedded once per corpus file, model and text format.

Why: embedding a benchmark corpus is the slow part of a run (STARD: about an hour on two cores); the index it feeds
may be rebuilt (other BM25 settings, new code) without embedding anything again. Shards are written as they
finish, so a killed run loses at most one.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tqdm import tqdm

from assistant.corpus import content_hash
from assistant.embedding.embedder import Embedder

CACHE = Path(__file__).parent / "results" / "cache"
SHARD = 1024  # passages per cache shard: the unit a killed run loses at most


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


def cached_query_vectors(texts: Sequence[str], embedder: Embedder, cache_root: Path = CACHE) -> np.ndarray:
    """Training questions' vectors, embedded once per model and list of questions.

    Fitting an adaptation needs them on every run; the scored questions are embedded anew by each search, since
    what that costs is measured.
    """
    key = hashlib.sha256("\0".join([embedder.name, *texts]).encode()).hexdigest()[:24]
    path = cache_root / "queries" / f"{key}.npy"
    cached = _load_rows(path, len(texts), embedder.dimension)
    if cached is not None:
        return cached
    vectors = np.asarray(embedder.encode_queries(list(texts)), dtype=np.float32)
    path.parent.mkdir(parents=True, exist_ok=True)
    _save_atomic(path, vectors)
    return vectors
