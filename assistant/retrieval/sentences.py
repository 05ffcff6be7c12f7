"""Sentence-level dense scores: a passage scored by its own vector and by its best sentence's.

Why: a question usually asks about one sentence; a passage vector averages that sentence with its neighbours, so
sibling chunks of one article look alike (CMRC2018: 412 of 459 hybrid misses put a sibling first), and a long
record or article matches a short question less than its one answering sentence does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

SENTENCE_ENDS = "。！？；!?;"
SENTENCE = re.compile(f"[^{SENTENCE_ENDS}]+[{SENTENCE_ENDS}]?")


def split_sentences(text: str) -> list[str]:
    """The sentences of a passage, cut after 。！？； (and their ASCII forms), stripped, empty ones dropped."""
    return [sentence.strip() for sentence in SENTENCE.findall(text) if sentence.strip()]


def sentence_around(text: str, clause: str) -> str:
    """The sentence(s) of ``text`` that ``clause`` stands in, from the end of the sentence before to the end mark
    after it; a line break ends one too (a record's fields are lines). The clause itself when it is not in ``text``."""
    at = text.find(clause)
    if at < 0 or not clause:
        return clause
    ends = f"{SENTENCE_ENDS}\n"
    start = max(text.rfind(mark, 0, at) for mark in ends) + 1
    after = [found for mark in ends if (found := text.find(mark, at + len(clause) - 1)) >= 0]
    end = min(after) + 1 if after else len(text)
    return text[start:end].strip() or clause


@dataclass(frozen=True)
class SentenceVectors:
    """Every sentence's vector and the position of the passage it is from (passages in order, sentences grouped)."""

    vectors: np.ndarray
    owners: np.ndarray

    def __post_init__(self) -> None:
        if len(self.vectors) != len(self.owners) or np.any(np.diff(self.owners) < 0):
            raise ValueError("sentence vectors need one owner each, grouped by passage in passage order")

    def rescored(self, positions: np.ndarray, scores: np.ndarray, query_vector: np.ndarray, mix: float) -> np.ndarray:
        """The dense leg's candidates re-scored: mix x each passage's similarity (``scores``) + (1 - mix) x its best
        sentence's. A passage without sentences keeps its own score. Only the candidates' sentences are compared,
        so the cost does not grow with the corpus."""
        starts = np.searchsorted(self.owners, positions, side="left")
        ends = np.searchsorted(self.owners, positions, side="right")
        counts = ends - starts
        if mix >= 1.0 or not counts.sum():
            return scores.astype(np.float32)
        rows = np.concatenate([np.arange(start, end) for start, end in zip(starts, ends, strict=True)])
        similarities = self.vectors[rows] @ query_vector
        candidate = np.repeat(np.arange(len(positions)), counts)
        best = np.full(len(positions), -np.inf, dtype=np.float32)
        np.maximum.at(best, candidate, similarities)
        best = np.where(np.isinf(best), scores, best)
        return (mix * scores + (1.0 - mix) * best).astype(np.float32)
