"""FAISS inner-product search over normalised passage vectors: exact (flat) or approximate (HNSW, IVF)."""

from __future__ import annotations

import math
import os
from pathlib import Path

import faiss
import numpy as np

INDEX_TYPES = ("auto", "flat", "hnsw", "ivf")
# `auto` stays exact up to this many vectors, then IVF (eval/results/scale.md, one thread, CPU time per query at
# depth 100): flat costs 14 ms at 100k, 45 ms at 300k, 155 ms at 1M. Above the limit IVF probing a quarter of
# its lists answers 3-4x faster at recall@10 ≈ 0.99 (300k: 15 ms, 0.986) and builds in 13 s (300k) or 49 s (1M).
# HNSW queries faster still, but built at ~540 vectors/s here (185 s for 100k, over half an hour for 1M), on
# every index update; it stays a choice (`--dense-index hnsw`) for a large corpus that rarely changes.
AUTO_FLAT_LIMIT = 200_000
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 80
HNSW_EF_SEARCH = 128
IVF_PROBE_FRACTION = 0.25  # of the √n lists; 0.125 gave recall@10 0.925 at 1M, 0.23 gave 0.986 at 300k
# A filtered search over an approximate index scans the allowed vectors exactly when they are this few:
# exact, and faster than walking a graph or lists that mostly hold vectors the filter rejects.
EXACT_SCAN_LIMIT = 50_000


def resolve_index_type(index_type: str, size: int) -> str:
    """The concrete FAISS index for a requested type and corpus size (``auto`` picks by size)."""
    if index_type not in INDEX_TYPES:
        raise ValueError(f"unknown dense index type {index_type!r}; choose one of {', '.join(INDEX_TYPES)}")
    if index_type == "auto":
        return "flat" if size <= AUTO_FLAT_LIMIT else "ivf"
    return index_type


def ivf_lists(size: int) -> tuple[int, int]:
    """IVF lists and how many to probe: √n lists, trained on 40 vectors each (k-means on all of a million vectors
    buys nothing but time), a quarter of them probed."""
    nlist = max(1, min(size // 40, int(math.sqrt(size))))
    return nlist, max(1, math.ceil(nlist * IVF_PROBE_FRACTION))


def _new_index(index_type: str, vectors: np.ndarray, dimension: int) -> faiss.Index:
    if index_type == "flat":
        return faiss.IndexFlatIP(dimension)
    if index_type == "hnsw":
        index = faiss.IndexHNSWFlat(dimension, HNSW_M, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
        index.hnsw.efSearch = HNSW_EF_SEARCH
        return index
    nlist, nprobe = ivf_lists(len(vectors))
    sample = vectors[np.random.default_rng(0).permutation(len(vectors))[: nlist * 40]]
    index = faiss.IndexIVFFlat(faiss.IndexFlatIP(dimension), dimension, nlist, faiss.METRIC_INNER_PRODUCT)
    index.train(np.ascontiguousarray(sample, dtype=np.float32))
    index.nprobe = nprobe
    return index


class DenseIndex:
    """A FAISS index; the type is a setting because exact search stops being cheap at a few hundred thousand."""

    def __init__(self, index: faiss.Index) -> None:
        self.index = index
        if isinstance(index, faiss.IndexIVF):
            index.make_direct_map()  # filtered searches reconstruct the allowed vectors

    @classmethod
    def build(cls, vectors: np.ndarray, dimension: int, index_type: str = "auto") -> DenseIndex:
        kind = resolve_index_type(index_type, len(vectors))
        if kind == "ivf" and not len(vectors):
            kind = "flat"  # nothing to train on
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        faiss.omp_set_num_threads(os.cpu_count() or 1)  # a build uses every core (a search then sets one)
        index = _new_index(kind, vectors, dimension)
        if len(vectors):
            index.add(vectors)
        return cls(index)

    @property
    def size(self) -> int:
        return self.index.ntotal

    @property
    def index_type(self) -> str:
        if isinstance(self.index, faiss.IndexHNSW):
            return "hnsw"
        return "ivf" if isinstance(self.index, faiss.IndexIVF) else "flat"

    def search(self, query: np.ndarray, k: int, allowed: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Top-k (scores, positions) for one query vector, optionally only among ``allowed`` positions."""
        k = min(k, self.size if allowed is None else len(allowed))
        if k <= 0:
            return np.zeros(0, dtype=np.float32), np.zeros(0, dtype=np.int64)
        # One query at a time runs faster on one OpenMP thread than on two (measured here).
        faiss.omp_set_num_threads(1)
        query = np.asarray(query, dtype=np.float32).reshape(1, -1)
        if allowed is not None and self.index_type != "flat" and len(allowed) <= EXACT_SCAN_LIMIT:
            return self._exact_among(query, k, np.asarray(allowed, dtype=np.int64))
        params = None if allowed is None else self._filter(np.asarray(allowed, dtype=np.int64))
        scores, positions = self.index.search(query, k, params=params)
        keep = positions[0] >= 0
        if allowed is not None and keep.sum() < k:  # a graph walk can miss a sparse filter's vectors
            return self._exact_among(query, k, np.asarray(allowed, dtype=np.int64))
        return scores[0][keep], positions[0][keep]

    def _filter(self, allowed: np.ndarray) -> faiss.SearchParameters:
        selector = faiss.IDSelectorBatch(allowed)
        if self.index_type == "hnsw":
            return faiss.SearchParametersHNSW(sel=selector, efSearch=self.index.hnsw.efSearch)
        if self.index_type == "ivf":
            return faiss.SearchParametersIVF(sel=selector, nprobe=self.index.nprobe)
        return faiss.SearchParameters(sel=selector)

    def _exact_among(self, query: np.ndarray, k: int, allowed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        scores = self.index.reconstruct_batch(allowed) @ query[0]
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        return scores[top].astype(np.float32), allowed[top]

    def save(self, path: Path) -> None:
        faiss.write_index(self.index, str(path))

    @classmethod
    def load(cls, path: Path) -> DenseIndex:
        return cls(faiss.read_index(str(path)))
