"""What a corpus's own answered questions teach the retriever, fitted once and kept beside the index.

Why: people ask in everyday words while the passages use official ones. Questions whose answering passages are
known (a benchmark's training split, the labelled set, exported 👍 feedback) teach two things that need no new
model and no re-embedding: BM25 terms for everyday words (``learned_expansion.py``) and a map of question vectors
toward the passages that answer such questions (``query_adapter.py``). ``search``, ``ask`` and the app use them
when the index folder holds them. Never score a question set with an adaptation fitted on it: ``eval bench``
cross-fits (each half scored with what the other half taught).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from assistant.embedding.query_adapter import QueryAdapter
from assistant.indexing.store import IndexStore
from assistant.retrieval.learned_expansion import ExpansionSettings, LearnedExpansion

# How the query adapter is fitted (query_adapter.py). Contrastive by default: on the tune half of STARD's training
# questions, over the half of its passages embedded at the time, dense Recall@5 0.452 unadapted, 0.511 ridge, 0.550
# contrastive (60 steps, learning rate 1e-3; 3e-3 gave 0.542).
ADAPTERS = ("contrastive", "ridge")
DEFAULT_ADAPTER = ADAPTERS[0]
FILE, MATRIX = "adaptation.json", "adaptation_matrix.npy"


@dataclass(frozen=True)
class AnsweredQuestion:
    """A question and the passages (by passage id) that answer it."""

    question: str
    passage_ids: tuple[str, ...]


class NoTrainingPairsError(ValueError):
    """None of the answered questions names a passage of the index: nothing to learn from."""


@dataclass(frozen=True)
class Adaptation:
    expansion: LearnedExpansion
    adapter: QueryAdapter | None  # None when fitted without the dense leg
    questions: int  # how many answered questions it was fitted on

    def expansion_terms(self, store: IndexStore, question: str) -> list[tuple[str, float]]:
        return self.expansion.expand(store.lexical.tokenizer.tokenize(question))

    def adapt(self, vector: np.ndarray) -> np.ndarray:
        return vector if self.adapter is None else self.adapter.apply(vector[None, :])[0]

    def save(self, index_dir: Path) -> None:
        """Beside the index generations (it depends on the passages' words and the model, not on a generation)."""
        record = {
            "questions": self.questions,
            "expansion": {"settings": asdict(self.expansion.settings), "associations": self.expansion.associations},
            "adapter_keep": None if self.adapter is None else self.adapter.keep,
        }
        if self.adapter is None:
            (index_dir / MATRIX).unlink(missing_ok=True)
        else:
            np.save(index_dir / MATRIX, self.adapter.matrix)
        (index_dir / FILE).write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, index_dir: Path) -> Adaptation | None:
        path = index_dir / FILE
        if not path.is_file():
            return None
        record = json.loads(path.read_text(encoding="utf-8"))
        expansion = LearnedExpansion(
            record["expansion"]["associations"], ExpansionSettings(**record["expansion"]["settings"])
        )
        keep = record["adapter_keep"]
        adapter = None if keep is None else QueryAdapter(np.load(index_dir / MATRIX), float(keep))
        return cls(expansion, adapter, int(record["questions"]))

    @staticmethod
    def remove(index_dir: Path) -> None:
        for name in (FILE, MATRIX):
            (index_dir / name).unlink(missing_ok=True)


class AdaptationFitter:
    """Answered questions prepared once (words, answering positions, question vectors), fitted on any subset."""

    def __init__(
        self,
        store: IndexStore,
        answered: Sequence[AnsweredQuestion],
        question_vectors: np.ndarray | None = None,
        adapter: str = DEFAULT_ADAPTER,
    ) -> None:
        """``question_vectors``: the questions embedded (``Embedder.encode_queries``), one row each; without them
        only the BM25 expansion is fitted."""
        if adapter not in ADAPTERS:
            raise ValueError(f"unknown adapter fit {adapter!r}; choose one of {', '.join(ADAPTERS)}")
        self.adapter = adapter
        position = {passage.passage_id: row for row, passage in enumerate(store.passages)}
        self.positives = [[position[p] for p in sorted(set(q.passage_ids)) if p in position] for q in answered]
        if not any(self.positives):
            raise NoTrainingPairsError("no answered question names a passage of this index: nothing to learn from")
        self.store = store
        tokenize = store.lexical.tokenizer.tokenize
        self.question_words = [tokenize(q.question) for q in answered]
        self.answer_words = {row: tokenize(store.lexical_text(row)) for rows in self.positives for row in rows}
        if question_vectors is not None and len(question_vectors) != len(answered):
            raise ValueError(f"{len(answered)} answered questions but {len(question_vectors)} question vectors")
        self.vectors = question_vectors

    def fit(self, rows: Sequence[int] | None = None) -> Adaptation:
        """Fitted on the answered questions at ``rows`` (default all)."""
        rows = list(range(len(self.positives))) if rows is None else list(rows)
        answers = [[word for passage in self.positives[i] for word in self.answer_words[passage]] for i in rows]
        expansion = LearnedExpansion.fit([self.question_words[i] for i in rows], answers, self.store.lexical.idf)
        adapter = None
        if self.vectors is not None:
            fit = QueryAdapter.fit if self.adapter == "ridge" else QueryAdapter.fit_contrastive
            adapter = fit(self.vectors[rows], self.store.vectors, [self.positives[i] for i in rows])
        return Adaptation(expansion, adapter, sum(bool(self.positives[i]) for i in rows))


def answered_questions(rows: Sequence[dict], store: IndexStore) -> list[AnsweredQuestion]:
    """Answered questions from benchmark lines (``{"question", "positive_ids"}``) or exported feedback (only 👍:
    ``{"rating": "up", "question", "citations": [{"doc_id", "start", "end"}]}``, a citation found by its place)."""
    places = {(p.doc_id, p.start, p.end): p.passage_id for p in store.passages}
    answered = []
    for row in rows:
        if "rating" in row:
            if row["rating"] != "up":
                continue
            cited = [places.get((c.get("doc_id"), c.get("start"), c.get("end"))) for c in row.get("citations", [])]
            ids = tuple(passage_id for passage_id in cited if passage_id is not None)
        else:
            ids = tuple(map(str, row.get("positive_ids", ())))
        if ids and str(row.get("question", "")).strip():
            answered.append(AnsweredQuestion(str(row["question"]), ids))
    return answered
