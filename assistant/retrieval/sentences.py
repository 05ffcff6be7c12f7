"""Sentence-level dense scores: a passage scored by its own vector and by its best sentence's.

Why: a question usually asks about one sentence; a passage vector averages that sentence with its neighbours, so
sibling chunks of one article look alike (CMRC2018: 412 of 459 hybrid misses put a sibling first).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

SENTENCE = re.compile(r"[^。！？；!?;]+[。！？；!?;]?")


def split_sentences(text: str) -> list[str]:
    """The sentences of a passage, cut after 。！？； (and their ASCII forms), stripped, empty ones dropped."""
    return [sentence.strip() for sentence in SENTENCE.findall(text) if sentence.strip()]


@dataclass(frozen=True)
class SentenceVectors:
    """Every sentence's vector and the position of the passage it is from."""

    vectors: np.ndarray
    owners: np.ndarray

    def mixed_scores(self, passage_vectors: np.ndarray, query_vector: np.ndarray, mix: float) -> np.ndarray:
        """mix x each passage's similarity + (1 - mix) x its best sentence's; a passage without sentences keeps
        its own."""
        whole = passage_vectors @ query_vector
        best = np.full(len(whole), -np.inf, dtype=np.float32)
        np.maximum.at(best, self.owners, self.vectors @ query_vector)
        best = np.where(np.isinf(best), whole, best)
        return (mix * whole + (1.0 - mix) * best).astype(np.float32)
