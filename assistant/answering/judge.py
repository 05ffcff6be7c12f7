"""Does a composed answer answer its question? A small learned judge over retrieval and extraction signals.

The rule gates (a coverage threshold per passage, a list of detail words) were each fitted alone; the judge
weighs those signals together with the legs' own scores, learned from labelled questions (the seeds' set and
the dev corpus's tune half, never its check half) by ``python -m eval train-judge``. Logistic regression: a
dozen signals and a few hundred labelled questions call for weights one can read, not a deep model.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, fields
from functools import cache
from importlib import resources
from pathlib import Path

import numpy as np

JUDGE_FILE = "judge.json"


@dataclass(frozen=True)
class Signals:
    """What the answerer knows about one composed answer when it decides whether to give it."""

    coverage_top: float  # rarity-weighted share of the question's content words in the top passages
    support_cited: float  # the same share in the best passage an answer line cites
    missing_detail: float  # 1 when every cited passage lacks a detail the question asks (电话, 网址…)
    missing_service: float  # 1 when every cited passage lacks the citizen service the question names (公积金…)
    unknown_share: float  # rarity-weighted share of the content words no passage of the corpus uses
    dense_top: float  # the best cosine of the dense leg among the top passages
    dense_cited: float  # the dense leg's cosine for the first cited passage (0 when outside its top)
    bm25_top: float  # log(1 + the best BM25 score among the top passages)
    bm25_cited: float  # log(1 + the first cited passage's BM25 score)
    about_best: float  # how much of the question the first quoted clause holds
    kind_found: float  # 1 when the first quoted clause holds a figure or date of a kind the question asks
    parts_answered: float  # the share of the question's parts that got a line
    kind_asked: float  # 1 when the question asks a figure or a date (a span of its kind must be quoted)
    named_place: float  # 1 when the question names a jurisdiction the documents cover
    content_words: float  # log(1 + the number of content words): short questions cover easily
    focus_quoted: float  # rarity-weighted share of the asking clauses' content words in the first quoted clause
    focus_cited: float  # the same share in the first cited passage (多久能到账: a passage without 到账 says not)
    checked: float  # the answer check's log-odds that the first quoted sentence answers (answer_check.py)

    def vector(self) -> np.ndarray:
        return np.array([getattr(self, name) for name in SIGNAL_NAMES], dtype=np.float64)


SIGNAL_NAMES = tuple(field.name for field in fields(Signals))


@dataclass(frozen=True)
class Judgement:
    """The judge's verdict on one answer: how likely it answers, and the bar it had to clear."""

    probability: float
    threshold: float
    signals: Signals

    @property
    def accepted(self) -> bool:
        return self.probability >= self.threshold

    def to_dict(self) -> dict:
        return {
            "probability": round(float(self.probability), 4),
            "threshold": round(self.threshold, 4),
            "signals": {name: round(value, 4) for name, value in asdict(self.signals).items()},
        }


@dataclass(frozen=True)
class Judge:
    """Standardised signals → logistic regression → probability that the answer answers the question."""

    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray
    bias: float
    threshold: float
    trained_on: str = ""

    def judge(self, signals: Signals) -> Judgement:
        return Judgement(float(self.probability(signals.vector()[None, :])[0]), self.threshold, signals)

    def probability(self, rows: np.ndarray) -> np.ndarray:
        z = ((rows - self.mean) / self.scale) @ self.weights + self.bias
        return 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))

    @classmethod
    def fit(
        cls, rows: np.ndarray, labels: np.ndarray, l2: float = 1.0, sample_weight: np.ndarray | None = None
    ) -> Judge:
        """L2-regularised logistic regression by Newton's method (exact, a handful of iterations)."""
        mean = rows.mean(axis=0)
        scale = rows.std(axis=0)
        scale[scale < 1e-9] = 1.0
        x = np.hstack([(rows - mean) / scale, np.ones((len(rows), 1))])
        y = labels.astype(np.float64)
        w = np.ones(len(rows)) if sample_weight is None else sample_weight
        beta = np.zeros(x.shape[1])
        penalty = np.full(x.shape[1], l2)
        penalty[-1] = 0.0  # the bias is not shrunk
        for _ in range(50):
            p = 1.0 / (1.0 + np.exp(-np.clip(x @ beta, -30, 30)))
            gradient = x.T @ (w * (p - y)) + penalty * beta
            hessian = (x * (w * p * (1 - p))[:, None]).T @ x + np.diag(penalty)
            step = np.linalg.solve(hessian, gradient)
            beta -= step
            if np.abs(step).max() < 1e-8:
                break
        return cls(mean, scale, beta[:-1], float(beta[-1]), 0.5)

    def with_threshold(self, threshold: float, trained_on: str = "") -> Judge:
        return Judge(self.mean, self.scale, self.weights, self.bias, threshold, trained_on or self.trained_on)

    def save(self, path: Path) -> None:
        data = {
            "signals": list(SIGNAL_NAMES),
            "mean": self.mean.tolist(),
            "scale": self.scale.tolist(),
            "weights": self.weights.tolist(),
            "bias": self.bias,
            "threshold": self.threshold,
            "trained_on": self.trained_on,
        }
        path.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: Path | None = None) -> Judge:
        """The judge trained by ``python -m eval train-judge`` (shipped in the package), or the one at ``path``."""
        resource = resources.files("assistant.answering") / "resources" / JUDGE_FILE
        data = json.loads(path.read_text(encoding="utf-8") if path else resource.read_text(encoding="utf-8"))
        if tuple(data["signals"]) != SIGNAL_NAMES:
            raise ValueError(f"{path or JUDGE_FILE} was trained on other signals; run python -m eval train-judge")
        return cls(
            np.array(data["mean"]),
            np.array(data["scale"]),
            np.array(data["weights"]),
            float(data["bias"]),
            float(data["threshold"]),
            data.get("trained_on", ""),
        )


@cache
def shipped_judge() -> Judge:
    """The packaged judge, read once per process (an answerer is made per web request)."""
    return Judge.load()


def log_score(value: float) -> float:
    """BM25 scores grow with the question's length; their log is a steadier signal."""
    return math.log1p(max(value, 0.0))
