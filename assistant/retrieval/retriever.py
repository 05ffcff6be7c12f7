"""Hybrid retrieval: BM25 and dense rankings fused, within the scope the question or filters set."""

from __future__ import annotations

import threading

import numpy as np

from assistant.documents import APPARATUS, RECORD
from assistant.embedding.embedder import Embedder
from assistant.indexing.store import IndexStore
from assistant.retrieval.adaptation import Adaptation
from assistant.retrieval.answer_kinds import question_kinds, stated_kinds
from assistant.retrieval.diversity import diversify
from assistant.retrieval.duplicates import collapse_duplicates
from assistant.retrieval.expansion import expand_query
from assistant.retrieval.fusion import normalized_score_fusion, reciprocal_rank_fusion
from assistant.retrieval.hit import Hit
from assistant.retrieval.intent import WHEN, WHO, asks_about_document, detect_intent
from assistant.retrieval.scope import Scope, scope_for
from assistant.retrieval.settings import RetrievalSettings

MODES = ("hybrid", "bm25", "dense")
QUERY_CACHE_SIZE = 256


class QueryVectors:
    """Query embeddings, cached: an answer searches again within each jurisdiction it names."""

    def __init__(self, embedder: Embedder, size: int = QUERY_CACHE_SIZE) -> None:
        self.embedder = embedder
        self.size = size
        self._vectors: dict[str, np.ndarray] = {}
        self._lock = threading.Lock()  # the web app answers several questions at once

    def get(self, question: str) -> np.ndarray:
        vector = self._vectors.get(question)
        if vector is None:
            vector = self.embedder.encode_queries([question])[0]
            with self._lock:
                while len(self._vectors) >= self.size:
                    self._vectors.pop(next(iter(self._vectors)))
                self._vectors[question] = vector
        return vector

    def forget(self) -> None:
        with self._lock:
            self._vectors.clear()


class Retriever:
    def __init__(
        self,
        store: IndexStore,
        embedder: Embedder,
        settings: RetrievalSettings | None = None,
        adaptation: Adaptation | None = None,
        query_vectors: QueryVectors | None = None,
    ) -> None:
        """``query_vectors``: a query-embedding cache shared with other retrievers over the same model."""
        self.store = store
        self.embedder = embedder
        self.settings = settings or RetrievalSettings()
        self.adaptation = adaptation  # learned from answered questions (adaptation.py), when the index has one
        self.query_vectors = query_vectors or QueryVectors(embedder)

    def scope(
        self, question: str, region: str | None = None, year: int | None = None, doc_ids: list[str] | None = None
    ) -> Scope:
        """The explicit filters, and (when ``settings.scope``) the jurisdictions and years the question names."""
        return scope_for(question if self.settings.scope else "", self.store.documents, region, year, doc_ids)

    def search(
        self,
        question: str,
        k: int = 10,
        region: str | None = None,
        year: int | None = None,
        doc_ids: list[str] | None = None,
        mode: str = "hybrid",
        scope: Scope | None = None,
    ) -> list[Hit]:
        """Top-k hits; each keeps its per-leg scores and ranks so a UI can say why it matched."""
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}; choose one of {', '.join(MODES)}")
        scope = scope or self.scope(question, region, year, doc_ids)
        allowed = self._allowed_positions(scope)
        if not question.strip() or (allowed is not None and len(allowed) == 0) or not self.store.passages:
            return []
        # A title the question writes out has chosen the document; unless the question asks about the document
        # itself (印发, 文号), the rest of it ranks the passages (the title's words favour those that repeat it).
        rest = question.replace(scope.titled, "").strip(" ，,？?。") if scope.titled else ""
        question = rest if len(rest) >= 2 and not asks_about_document(question) else question
        legs: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        if mode in ("hybrid", "bm25"):
            legs["bm25"] = self._bm25(expand_query(question) if self.settings.expand else question, allowed)
        if mode in ("hybrid", "dense"):
            legs["dense"] = self._dense(question, allowed)
        weights = {"bm25": self.settings.bm25_weight, "dense": self.settings.dense_weight}
        if self.adaptation is not None and self.adaptation.adapter is not None:
            weights = {"bm25": 1.0 - self.settings.adapted_dense_weight, "dense": self.settings.adapted_dense_weight}
        if self.settings.fusion == "score":
            fused = normalized_score_fusion(
                [(s.tolist(), p.tolist()) for s, p in legs.values()], [weights[leg] for leg in legs]
            )
        else:
            fused = reciprocal_rank_fusion(
                [positions.tolist() for _, positions in legs.values()], [weights[leg] for leg in legs]
            )
        if mode != "hybrid":  # a single leg keeps its own score, more telling than a fused one
            scores, positions = next(iter(legs.values()))
            fused = dict(zip(positions.tolist(), scores.tolist(), strict=True))
        kind_weights = self._kind_weights(question)
        for position in fused:
            fused[position] *= kind_weights.get(self.store.passages[position].kind, 1.0)
        ordered = sorted(fused, key=lambda position: -fused[position])[: max(k * 3, k + 10)]
        ordered = self._favour_asked_kinds(question, ordered, fused)
        if (scope.doc_ids is None or len(scope.doc_ids) > 1) and self.settings.diversity_decay < 1.0:
            ordered = diversify(
                ordered, fused, lambda position: self.store.passages[position].doc_id, self.settings.diversity_decay
            )
        hits = [self._hit(position, fused[position], legs) for position in ordered]
        hits = (collapse_duplicates(hits) if self.settings.collapse_duplicates else hits)[:k]
        for rank, hit in enumerate(hits, start=1):
            hit.rank = rank
        return hits

    def _kind_weights(self, question: str) -> dict[str, float]:
        """Weights by passage kind: records answer who/when (their unit and deadline fields); the apparatus
        holds the title and issuer, so it matches every question about a document but answers only those."""
        weights = {}
        if self.settings.record_boost != 1.0 and detect_intent(question) in (WHO, WHEN):
            weights[RECORD] = self.settings.record_boost
        if self.settings.apparatus_weight != 1.0 and not asks_about_document(question):
            weights[APPARATUS] = self.settings.apparatus_weight
        return weights

    def _favour_asked_kinds(self, question: str, ordered: list[int], fused: dict[int, float]) -> list[int]:
        """The candidates re-weighted by whether they state a span of the kind the question asks (answer_kinds.py);
        only the candidates kept, so the span search costs the same whatever the corpus' size."""
        asked = question_kinds(question) if self.settings.answer_kind_weight < 1.0 else frozenset()
        if not asked:
            return ordered
        for position in ordered:
            if not stated_kinds(self.store.passages[position].text) & asked:
                fused[position] *= self.settings.answer_kind_weight
        return sorted(ordered, key=lambda position: -fused[position])

    def _allowed_positions(self, scope: Scope) -> np.ndarray | None:
        if scope.doc_ids is None:
            return None
        parts = [
            self.store.doc_positions[doc_id] for doc_id in sorted(scope.doc_ids) if doc_id in self.store.doc_positions
        ]
        return np.sort(np.concatenate(parts)) if parts else np.zeros(0, dtype=np.int64)

    def _bm25(self, question: str, allowed: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        lexical = self.store.lexical
        scores = lexical.scores(question)
        if self.adaptation is not None:
            scores = scores + lexical.weighted_scores(self.adaptation.expansion_terms(self.store, question))
        scores, top = self._top(scores, allowed)
        keep = scores > 0  # a passage sharing no term with the question is not a BM25 match
        return scores[keep], top[keep]

    def _dense(self, question: str, allowed: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        vector = self.query_vector(question)
        if self.adaptation is not None:
            vector = self.adaptation.adapt(vector)
        scores, positions = self.store.dense.search(vector, self.settings.depth, allowed)
        if self.settings.sentence_mix >= 1.0 or self.store.sentences is None:  # an index without sentence vectors
            return scores, positions
        mixed = self.store.sentences.rescored(positions, scores, vector, self.settings.sentence_mix)
        order = np.argsort(-mixed, kind="stable")
        return mixed[order], positions[order]

    def _top(self, scores: np.ndarray, allowed: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        """The ``depth`` best scores among the allowed positions, best first, and their positions."""
        if allowed is not None:
            masked = np.full_like(scores, -np.inf)
            masked[allowed] = scores[allowed]
            scores = masked
        depth = min(self.settings.depth, len(scores))
        top = np.argpartition(-scores, depth - 1)[:depth]
        top = top[np.argsort(-scores[top], kind="stable")]
        top = top[np.isfinite(scores[top])]
        return scores[top], top

    def forget_queries(self) -> None:
        """Empty the query-embedding cache (benchmarks measure what a new question costs)."""
        self.query_vectors.forget()

    def query_vector(self, question: str) -> np.ndarray:
        """The question's embedding as the model gives it (cached; before any learned adaptation)."""
        return self.query_vectors.get(question)

    def _hit(self, position: int, score: float, legs: dict[str, tuple[np.ndarray, np.ndarray]]) -> Hit:
        passage = self.store.passages[position]
        hit = Hit(passage, self.store.documents[passage.doc_id], score)
        for leg, (scores, positions) in legs.items():
            found = np.flatnonzero(positions == position)
            if len(found):
                hit.leg_ranks[leg] = int(found[0]) + 1
                hit.leg_scores[leg] = float(scores[found[0]])
        return hit
