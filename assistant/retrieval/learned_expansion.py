"""Everyday → official wording, learned from labelled questions and the passages that answer them.

Why: a layperson writes 借钱不还 where the statute says 借款人 … 返还借款; BM25 cannot match words that are not
there. ``assistant/resources/everyday_terms.txt`` is that mapping written by hand for the policy corpus; with
labelled pairs (a benchmark's training split, or a deployment's own labelled questions) it can be learned instead.

A question word u is associated with a passage word v by P(v is in an answering passage | u is in the question)
× idf(v), over the training pairs, keeping pairs seen at least ``min_pairs`` times (once is an accident of one
question). A new question gets the passage words most associated with all of its words, that it does not already
use, as extra weighted BM25 terms.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class ExpansionSettings:
    """Chosen on the tune half of STARD's training questions (eval/README.md); the check half agreed."""

    terms: int = 10  # expansion words added per question
    weight: float = 1.0  # their total weight, per question word (1.0: as much again as the question itself)
    min_pairs: int = 2  # a (question word, passage word) pair must be seen this often to count


class LearnedExpansion:
    def __init__(self, associations: dict[str, dict[str, float]], settings: ExpansionSettings) -> None:
        self.associations = associations
        self.settings = settings

    @classmethod
    def fit(
        cls,
        question_words: Sequence[Collection[str]],
        answer_words: Sequence[Collection[str]],
        idf: Callable[[str], float],
        settings: ExpansionSettings = ExpansionSettings(),
    ) -> LearnedExpansion:
        """Learn from pairs: the words of each question and the words of the passages that answer it."""
        if len(question_words) != len(answer_words):
            raise ValueError(f"{len(question_words)} questions but {len(answer_words)} answers")
        asked: Counter[str] = Counter()
        seen: Counter[tuple[str, str]] = Counter()
        for question, answer in zip(question_words, answer_words, strict=True):
            answer_set = set(answer)
            for word in set(question):
                asked[word] += 1
                seen.update((word, term) for term in answer_set)
        associations: dict[str, dict[str, float]] = defaultdict(dict)
        for (word, term), count in seen.items():
            if count >= settings.min_pairs:
                associations[word][term] = count / asked[word] * idf(term)
        return cls(dict(associations), settings)

    def expand(self, words: Collection[str]) -> list[tuple[str, float]]:
        """Up to ``terms`` words the question does not use, weighted to sum to ``weight`` × its word count."""
        own = set(words)
        votes: Counter[str] = Counter()
        for word in own:
            for term, strength in self.associations.get(word, {}).items():
                if term not in own:
                    votes[term] += strength
        chosen = [(term, strength) for term, strength in votes.most_common(self.settings.terms) if strength > 0]
        total = sum(strength for _, strength in chosen)
        scale = self.settings.weight * len(own) / total if total else 0.0
        return [(term, strength * scale) for term, strength in chosen]
