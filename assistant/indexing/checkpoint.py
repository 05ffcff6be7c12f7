"""Embedding batches saved as they finish, so a build killed midway does not embed them again.

Embedding is the slow part of a build (about 10 passages/s on two cores): a large corpus takes hours, and a
crash must cost at most one batch. A batch is keyed by the model and its exact texts, so a stale entry can
never be used; the folder is emptied once a build has written its generation.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import numpy as np
from tqdm import tqdm

from assistant.embedding.embedder import Embedder

FOLDER = "embedding-checkpoint"
BATCH = 256


class EmbeddingCheckpoint:
    def __init__(self, index_dir: Path, embedder: Embedder, batch: int = BATCH) -> None:
        self.directory = index_dir / FOLDER
        self.embedder = embedder
        self.batch = batch
        self.embedded = 0  # passages this process embedded (the rest came from the checkpoint)

    def encode_passages(self, texts: list[str], progress: bool = False) -> np.ndarray:
        """Vectors for ``texts``, one batch at a time, each read back from disk if an earlier run finished it."""
        self.directory.mkdir(parents=True, exist_ok=True)
        parts = []
        starts = range(0, len(texts), self.batch)
        for start in tqdm(starts, desc="embedding", unit="batch", disable=not progress or len(starts) < 2):
            parts.append(self._batch(texts[start : start + self.batch]))
        if not parts:
            return np.zeros((0, self.embedder.dimension), dtype=np.float32)
        return np.concatenate(parts)

    def _batch(self, texts: list[str]) -> np.ndarray:
        key = hashlib.sha256("\0".join([self.embedder.name, *texts]).encode()).hexdigest()[:32]
        path = self.directory / f"{key}.npy"
        try:
            vectors = np.load(path)
            if vectors.shape == (len(texts), self.embedder.dimension):
                return vectors
        except (OSError, ValueError):
            pass  # missing or torn: embed again
        vectors = np.asarray(self.embedder.encode_passages(texts), dtype=np.float32)
        partial = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        with partial.open("wb") as handle:
            np.save(handle, vectors)
        os.replace(partial, path)  # a file under its final name is always complete
        self.embedded += len(texts)
        return vectors

    def clear(self) -> None:
        """Called once the vectors are safe in a written generation."""
        shutil.rmtree(self.directory, ignore_errors=True)
