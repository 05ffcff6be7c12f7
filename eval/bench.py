"""`python -m eval bench DIR`: the project's retrieval components on an external passage benchmark.

A benchmark folder holds ``corpus.jsonl`` (``{"id","title","text"}``) and ``queries.jsonl``
(``{"id","question","answers","positive_ids"}``). Passages are indexed as they are (no chunking), so the
numbers measure the tokenizer, BM25, the embedder and the fusion, not the policy-document pipeline.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tqdm import tqdm

from assistant.embedding.embedder import Embedder

RESULTS = Path(__file__).parent / "results"
CACHE = RESULTS / "cache"
# Title + text by default: titles (law name + article number, Wikipedia article title) carry terms the text lacks.
TEXT_FORMATS = ("title+text", "text")
SHARD = 1024  # passages per cache shard: the unit a killed run loses at most


@dataclass(frozen=True)
class Passage:
    id: str
    title: str
    text: str

    def formatted(self, text_format: str) -> str:
        if text_format == "title+text":
            return f"{self.title}\n{self.text}" if self.title else self.text
        if text_format == "text":
            return self.text
        raise ValueError(f"unknown text format {text_format!r}; choose one of {', '.join(TEXT_FORMATS)}")


def read_jsonl(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def load_corpus(path: Path) -> list[Passage]:
    return [Passage(str(row["id"]), str(row.get("title") or ""), str(row["text"])) for row in read_jsonl(path)]


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


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


def cached_passage_vectors(
    corpus_file: Path,
    texts: Sequence[str],
    embedder: Embedder,
    text_format: str,
    cache_root: Path = CACHE,
    progress: bool = True,
) -> tuple[np.ndarray, float]:
    """Passage vectors from the on-disk cache, embedding only what is missing; returns (vectors, seconds spent).

    The key is sha256(corpus file) + model name + text format. Shards are written atomically as they finish,
    so an interrupted first run resumes where it stopped; when all are there they are merged into one file.
    """
    key_text = f"{file_sha256(corpus_file)}\n{embedder.name}\n{text_format}"
    key = hashlib.sha256(key_text.encode()).hexdigest()[:24]
    folder = cache_root / f"{corpus_file.parent.name}-{key}"
    folder.mkdir(parents=True, exist_ok=True)
    total, dimension = len(texts), embedder.dimension
    merged = folder / "vectors.npy"
    vectors = _load_rows(merged, total, dimension)
    if vectors is not None:
        return vectors, 0.0
    (folder / "key.json").write_text(
        json.dumps({"corpus": str(corpus_file), "key": key_text.split("\n"), "passages": total}, indent=1)
    )
    starts = range(0, total, SHARD)
    shards: dict[int, np.ndarray] = {}
    for start in starts:
        shard = _load_rows(folder / f"shard-{start:07d}.npy", min(SHARD, total - start), dimension)
        if shard is not None:
            shards[start] = shard
    started = time.perf_counter()
    done = sum(len(shard) for shard in shards.values())
    with tqdm(total=total, initial=done, unit="passage", desc="embedding", disable=not progress or done == total) as bar:
        for start in starts:
            if start in shards:
                continue
            shard = np.asarray(embedder.encode_passages(list(texts[start : start + SHARD])), dtype=np.float32)
            _save_atomic(folder / f"shard-{start:07d}.npy", shard)
            shards[start] = shard
            bar.update(len(shard))
    seconds = time.perf_counter() - started
    vectors = np.concatenate([shards[start] for start in starts]) if total else np.zeros((0, dimension), np.float32)
    _save_atomic(merged, vectors)
    for start in starts:
        (folder / f"shard-{start:07d}.npy").unlink(missing_ok=True)
    return vectors, seconds
