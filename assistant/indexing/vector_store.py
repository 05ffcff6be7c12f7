"""The dense leg behind one interface, so the embedded FAISS index and a Milvus collection are interchangeable.

Retrieval only asks a vector store for the top-k positions among the allowed ones; which engine holds the
vectors is a setting (``IndexSettings.backend``), recorded in the manifest so a change rebuilds that part.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from assistant.indexing.dense import INDEX_TYPES, DenseIndex

BACKENDS = ("faiss", "milvus")
FAISS_FILE = "dense.faiss"


class VectorStore(Protocol):
    """What retrieval needs from the dense leg."""

    @property
    def size(self) -> int: ...

    def search(self, query: np.ndarray, k: int, allowed: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Top-k (inner-product scores, passage positions), best first, among ``allowed`` positions if given."""
        ...


@dataclass(frozen=True)
class IndexSettings:
    """Where the vectors live. FAISS (the default) keeps them in the index folder; Milvus in a collection.

    ``milvus_uri`` is a Milvus server (``http://host:19530``) or a milvus-lite file; empty means
    ``milvus.db`` inside the index folder. ``milvus_index`` is the Milvus index type (AUTOINDEX, HNSW,
    IVF_FLAT, FLAT…); ``dense_type`` is FAISS's (``auto`` picks flat or HNSW by size, see dense.py).
    """

    backend: str = "faiss"
    dense_type: str = "auto"
    milvus_uri: str = ""
    milvus_collection: str = "policy_qa"
    milvus_index: str = "AUTOINDEX"
    milvus_token: str = ""

    def __post_init__(self) -> None:
        if self.backend not in BACKENDS:
            raise ValueError(f"unknown index backend {self.backend!r}; choose one of {', '.join(BACKENDS)}")
        if self.dense_type not in INDEX_TYPES:
            raise ValueError(f"unknown dense index type {self.dense_type!r}; choose one of {', '.join(INDEX_TYPES)}")

    def fingerprint(self) -> dict:
        """What the manifest records: a different value means the vector store must be rebuilt."""
        if self.backend == "faiss":
            return {"backend": "faiss", "dense_type": self.dense_type}
        settings = asdict(self)
        del settings["dense_type"], settings["milvus_token"]  # a secret never goes to disk
        return settings


@dataclass(frozen=True)
class PassageRows:
    """Per passage position: a key stable across builds (document content hash + ordinal) and its metadata."""

    keys: list[str]
    doc_ids: list[str]
    doc_hashes: list[str]
    regions: list[str]
    years: list[int]


def build_vector_store(
    settings: IndexSettings, index_dir: Path, vectors: np.ndarray, rows: PassageRows, progress: bool = False
) -> VectorStore:
    """A vector store holding exactly these vectors (a Milvus collection is brought in step incrementally)."""
    if settings.backend == "faiss":
        return DenseIndex.build(vectors, vectors.shape[1], settings.dense_type)
    from assistant.indexing.milvus_store import MilvusVectorStore

    return MilvusVectorStore.sync(settings, index_dir, vectors, rows, progress)


def save_vector_store(store: VectorStore, generation: Path) -> None:
    """What an index generation keeps of its vector store: the FAISS file, or where the Milvus rows are."""
    store.save(generation / FAISS_FILE if isinstance(store, DenseIndex) else generation)


def load_vector_store(settings: IndexSettings, index_dir: Path, generation: Path, rows: PassageRows) -> VectorStore:
    if settings.backend == "faiss":
        return DenseIndex.load(generation / FAISS_FILE)
    from assistant.indexing.milvus_store import MilvusVectorStore

    return MilvusVectorStore.load(settings, index_dir, generation, rows)
