"""The answerability judge: its logistic regression against a reference optimiser, its file, its verdicts."""

from dataclasses import replace

import numpy as np
import pytest
from scipy.optimize import minimize

from assistant.answering.answerer import NOT_FOUND, Answerer, AnswerSettings
from assistant.answering.judge import SIGNAL_NAMES, Judge, shipped_judge
from assistant.engine import Engine


def _objective(beta: np.ndarray, x: np.ndarray, y: np.ndarray, l2: float) -> float:
    z = x @ beta
    return float(np.sum(np.logaddexp(0, z) - y * z) + l2 / 2 * np.sum(beta[:-1] ** 2))


def test_fit_finds_the_penalised_maximum_likelihood() -> None:
    rng = np.random.default_rng(7)
    rows = rng.normal(size=(300, len(SIGNAL_NAMES))) * rng.uniform(0.1, 5, len(SIGNAL_NAMES))
    truth = rng.normal(size=len(SIGNAL_NAMES))
    labels = rng.random(300) < 1 / (1 + np.exp(-(rows / rows.std(axis=0)) @ truth))
    judge = Judge.fit(rows, labels, l2=2.0)
    x = np.hstack([(rows - rows.mean(axis=0)) / rows.std(axis=0), np.ones((300, 1))])
    reference = minimize(_objective, np.zeros(x.shape[1]), args=(x, labels.astype(float), 2.0), method="BFGS")
    np.testing.assert_allclose(np.append(judge.weights, judge.bias), reference.x, atol=1e-4)
    assert ((judge.probability(rows) > 0.5) == labels).mean() > 0.7


def test_a_judge_file_round_trips_and_refuses_other_signals(tmp_path) -> None:
    judge = Judge.fit(np.eye(len(SIGNAL_NAMES)).repeat(3, axis=0), np.arange(3 * len(SIGNAL_NAMES)) % 2 == 0)
    path = tmp_path / "judge.json"
    judge.with_threshold(0.3, "test").save(path)
    loaded = Judge.load(path)
    assert loaded.threshold == 0.3 and loaded.trained_on == "test"
    np.testing.assert_allclose(loaded.weights, judge.weights)
    path.write_text(path.read_text().replace('"coverage_top"', '"something_else"'))
    with pytest.raises(ValueError, match="train-judge"):
        Judge.load(path)


def test_the_shipped_judge_loads_and_says_what_it_was_trained_on() -> None:
    judge = shipped_judge()
    assert 0 < judge.threshold < 1 and "tune" in judge.trained_on and "check" not in judge.trained_on


@pytest.fixture(scope="module")
def engine_answerer(engine: Engine) -> Answerer:
    return Answerer(engine.retriever, AnswerSettings(judge=True))


def test_the_judge_decides_and_its_verdict_is_reported(engine_answerer: Answerer) -> None:
    answer = engine_answerer.answer("政务新媒体由谁负责")
    assert answer.answerable and answer.judgement is not None and answer.judgement.accepted
    verdict = answer.to_dict()["judgement"]
    assert verdict["probability"] >= verdict["threshold"] and set(verdict["signals"]) == set(SIGNAL_NAMES)
    strict = Answerer(engine_answerer.retriever, judge=replace(shipped_judge(), threshold=1.01))
    refused = strict.answer("政务新媒体由谁负责")
    assert not refused.answerable and NOT_FOUND in refused.text and refused.judgement is not None
    assert not refused.judgement.accepted and refused.nearest_topics  # the refusal still points somewhere


def test_the_judge_refuses_what_the_documents_do_not_say(engine_answerer: Answerer) -> None:
    assert not engine_answerer.answer("公积金怎么提取？").answerable
    assert not engine_answerer.answer("高县政务新媒体的咨询电话是多少？").answerable
    assert engine_answerer.answer("广元市政务新媒体季度抽查比例不低于多少？").answerable


def test_a_figure_of_the_asked_kind_attached_to_something_else_is_refused(engine_answerer: Answerer) -> None:
    """The plans state deadlines, none for announcing assessment results: the answer check reads the question and
    the quoted sentence together and tells the two apart, where word counts see a duration beside 考核."""
    near = engine_answerer.answer("政务公开工作考核结果出来以后，多久能通报？")
    answered = engine_answerer.answer("政务新媒体季度抽查比例不低于多少？")
    assert not near.answerable and answered.answerable
    assert near.judgement is not None and answered.judgement is not None
    assert near.judgement.signals.checked < 0 < answered.judgement.signals.checked
    assert near.judgement.signals.focus_cited < answered.judgement.signals.focus_cited
