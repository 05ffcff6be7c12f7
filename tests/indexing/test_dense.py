"""FAISS index types: `auto` picks by size, approximate indexes find what flat finds, filters hold."""

from pathlib import Path

import numpy as np
import pytest

from assistant.indexing import dense
from assistant.indexing.dense import AUTO_FLAT_LIMIT, DenseIndex, resolve_index_type


def _unit_vectors(count: int, seed: int = 0) -> np.ndarray:
    """Clustered unit vectors (like passages of a few documents), not uniform noise."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((20, 64)).astype(np.float32)
    vectors = centres[rng.integers(0, 20, count)] + 0.5 * rng.standard_normal((count, 64)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


@pytest.fixture(scope="module")
def vectors() -> np.ndarray:
    return _unit_vectors(4000)


def test_auto_is_exact_up_to_the_limit_then_ivf() -> None:
    assert resolve_index_type("auto", 0) == "flat"
    assert resolve_index_type("auto", AUTO_FLAT_LIMIT) == "flat"
    assert resolve_index_type("auto", AUTO_FLAT_LIMIT + 1) == "ivf"
    assert resolve_index_type("hnsw", 10) == "hnsw"
    with pytest.raises(ValueError, match="unknown dense index type"):
        resolve_index_type("lsh", 10)


def test_auto_builds_flat_for_a_small_corpus_and_ivf_above_the_limit(
    vectors: np.ndarray, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert DenseIndex.build(vectors, 64).index_type == "flat"
    monkeypatch.setattr(dense, "AUTO_FLAT_LIMIT", 1000)
    index = DenseIndex.build(vectors, 64)
    assert index.index_type == "ivf"
    assert index.index.nlist == 63 and index.index.nprobe == 16  # √4000 lists, a quarter of them probed
    assert DenseIndex.build(vectors[:0], 64, "ivf").size == 0  # nothing to train on: an empty flat index


@pytest.mark.parametrize("kind", ["hnsw", "ivf"])
def test_approximate_indexes_find_what_flat_finds(vectors: np.ndarray, kind: str, tmp_path: Path) -> None:
    flat = DenseIndex.build(vectors, 64, "flat")
    approximate = DenseIndex.build(vectors, 64, kind)
    assert approximate.index_type == kind and approximate.size == len(vectors)
    queries = _unit_vectors(50, seed=1)
    overlap = [
        len(set(flat.search(q, 10)[1].tolist()) & set(approximate.search(q, 10)[1].tolist())) / 10 for q in queries
    ]
    assert np.mean(overlap) >= 0.9
    approximate.save(tmp_path / "index.faiss")
    loaded = DenseIndex.load(tmp_path / "index.faiss")
    assert loaded.index_type == kind
    np.testing.assert_array_equal(loaded.search(queries[0], 10)[1], approximate.search(queries[0], 10)[1])


@pytest.mark.parametrize("kind", ["flat", "hnsw", "ivf"])
@pytest.mark.parametrize("exact_scan_limit", [dense.EXACT_SCAN_LIMIT, 0])
def test_filtered_search_returns_the_best_allowed_positions(
    vectors: np.ndarray, kind: str, exact_scan_limit: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both filter paths: an exact scan of few allowed vectors, and FAISS's selector inside the index."""
    monkeypatch.setattr(dense, "EXACT_SCAN_LIMIT", exact_scan_limit)
    index = DenseIndex.build(vectors, 64, kind)
    allowed = np.arange(1000, 3000, dtype=np.int64)
    query = vectors[2500]
    scores, positions = index.search(query, 10, allowed)
    assert len(positions) == 10 and set(positions.tolist()) <= set(allowed.tolist())
    assert positions[0] == 2500 and scores[0] == pytest.approx(1.0, abs=1e-4)
    assert list(scores) == sorted(scores, reverse=True)
    expected = allowed[np.argsort(-(vectors[allowed] @ query))[:10]]
    assert len(set(positions.tolist()) & set(expected.tolist())) >= 8
    assert index.search(query, 10, np.array([7], dtype=np.int64))[1].tolist() == [7]
