import numpy as np
import pytest

from assistant.embedding.query_adapter import QueryAdapter


def _unit(rows: np.ndarray) -> np.ndarray:
    return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)


def _shifted_pairs(seed: int, count: int, dimension: int = 32) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Passages, and questions that are a fixed rotation of their passage plus noise: the everyday-vs-official gap."""
    rng = np.random.default_rng(seed)
    passages = _unit(rng.normal(size=(count, dimension)))
    rotation, _ = np.linalg.qr(np.random.default_rng(0).normal(size=(dimension, dimension)))
    questions = _unit(passages @ rotation + 0.3 * rng.normal(size=(count, dimension)) / np.sqrt(dimension))
    return questions, passages, rotation


def _top1_accuracy(questions: np.ndarray, passages: np.ndarray) -> float:
    return float(np.mean(np.argmax(questions @ passages.T, axis=1) == np.arange(len(questions))))


def test_fitted_adapter_closes_a_systematic_gap_on_unseen_questions() -> None:
    train_questions, train_passages, _ = _shifted_pairs(seed=1, count=400)
    test_questions, test_passages, _ = _shifted_pairs(seed=2, count=200)
    adapter = QueryAdapter.fit(train_questions, train_passages, [[i] for i in range(400)], ridge=0.1, keep=0.0)

    before = _top1_accuracy(test_questions, test_passages)
    after = _top1_accuracy(adapter.apply(test_questions), test_passages)
    assert before < 0.2
    assert after > 0.9


def test_several_positives_pull_toward_their_mean_and_outputs_are_unit_length() -> None:
    _, passages, rotation = _shifted_pairs(seed=3, count=300)
    positives = [[i, (i + 1) % 300] for i in range(300)]
    questions = _unit(np.stack([passages[pair].mean(axis=0) for pair in positives]) @ rotation)
    adapted = QueryAdapter.fit(questions, passages, positives, ridge=0.1, keep=0.0).apply(questions)
    np.testing.assert_allclose(np.linalg.norm(adapted, axis=1), 1.0, atol=1e-5)
    top_two = np.argsort(-(adapted @ passages.T), axis=1)[:, :2]
    assert np.mean([set(top) == set(wanted) for top, wanted in zip(top_two.tolist(), positives, strict=True)]) > 0.9


def test_keeping_all_of_the_original_vector_changes_nothing() -> None:
    questions, passages, _ = _shifted_pairs(seed=4, count=50)
    adapter = QueryAdapter.fit(questions, passages, [[i] for i in range(50)], keep=1.0)
    np.testing.assert_allclose(adapter.apply(questions), questions, atol=1e-6)


def test_a_strong_ridge_stays_near_the_identity() -> None:
    questions, passages, _ = _shifted_pairs(seed=5, count=50)
    adapter = QueryAdapter.fit(questions, passages, [[i] for i in range(50)], ridge=1e6, keep=0.0)
    np.testing.assert_allclose(adapter.matrix, np.eye(questions.shape[1]), atol=1e-3)


def test_questions_without_positives_are_skipped_and_bad_input_is_refused() -> None:
    questions, passages, _ = _shifted_pairs(seed=6, count=10)
    QueryAdapter.fit(questions, passages, [[i] if i % 2 else [] for i in range(10)])
    with pytest.raises(ValueError, match="nothing to fit"):
        QueryAdapter.fit(questions, passages, [[] for _ in range(10)])
    with pytest.raises(ValueError, match="lists of positives"):
        QueryAdapter.fit(questions, passages, [[0]])
    with pytest.raises(ValueError, match="ridge"):
        QueryAdapter.fit(questions, passages, [[i] for i in range(10)], ridge=0)


def test_contrastive_fit_also_closes_the_gap_on_unseen_questions() -> None:
    train_questions, train_passages, _ = _shifted_pairs(seed=1, count=400)
    test_questions, test_passages, _ = _shifted_pairs(seed=2, count=200)
    positives = [[i] for i in range(400)]
    adapter = QueryAdapter.fit_contrastive(train_questions, train_passages, positives, steps=200, learning_rate=1e-2)
    before = _top1_accuracy(test_questions, test_passages)
    after = _top1_accuracy(adapter.apply(test_questions), test_passages)
    assert after > before + 0.3
    np.testing.assert_allclose(np.linalg.norm(adapter.apply(test_questions), axis=1), 1.0, atol=1e-5)
