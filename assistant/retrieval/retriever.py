"""Hybrid retrieval: BM25 and dense rankings fused, within the scope the question or filters set."""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np

from assistant.documents import APPARATUS, RECORD
from assistant.embedding.embedder import Embedder
from assistant.indexing.store import IndexStore
from assistant.retrieval.diversity import diversify
from assistant.retrieval.duplicates import collapse_duplicates
from assistant.retrieval.expansion import expand_query
from assistant.retrieval.fusion import normalized_score_fusion, reciprocal_rank_fusion
from assistant.retrieval.hit import Hit
from assistant.retrieval.intent import WHEN, WHO, asks_about_document, detect_intent
from assistant.retrieval.scope import Scope, scope_for

MODES = ("hybrid", "bm25", "dense")
QUERY_CACHE_SIZE = 256


@dataclass(frozen=True)
class RetrievalSettings:
    """How the legs are combined; the defaults are the best measured on the seeds' questions and the dev
    corpus's tune half together (never on its check half).

    Score fusion beat RRF here because BM25 on exact policy wording is much stronger than the
    4-bit e5-small (RRF flattens that gap); see eval/README.md for the numbers.
    """

    fusion: str = "score"  # "score" (normalised weighted sum) or "rrf"
    depth: int = 100  # candidates taken from each leg
    bm25_weight: float = 0.6
    dense_weight: float = 0.4
    diversity_decay: float = 0.9  # per further hit from the same document, when no jurisdiction is named
    record_boost: float = 1.1  # task records for who/when questions
    apparatus_weight: float = 0.8  # info bars, cover notices, page chrome, unless the question is about the document
    expand: bool = True  # everyday words → official terms in the BM25 query


class Retriever:
    def __init__(self, store: IndexStore, embedder: Embedder, settings: RetrievalSettings | None = None) -> None:
        self.store = store
        self.embedder = embedder
        self.settings = settings or RetrievalSettings()
        self._vectors: dict[str, np.ndarray] = {}
        self._vectors_lock = threading.Lock()  # the web app answers several questions at once

    def scope(
        self, question: str, region: str | None = None, year: int | None = None, doc_ids: list[str] | None = None
    ) -> Scope:
        return scope_for(question, self.store.documents, region, year, doc_ids)

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
        legs: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        if mode in ("hybrid", "bm25"):
            legs["bm25"] = self._bm25(expand_query(question) if self.settings.expand else question, allowed)
        if mode in ("hybrid", "dense"):
            legs["dense"] = self._dense(question, allowed)
        weights = {"bm25": self.settings.bm25_weight, "dense": self.settings.dense_weight}
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
        if scope.doc_ids is None or len(scope.doc_ids) > 1:
            ordered = diversify(
                ordered, fused, lambda position: self.store.passages[position].doc_id, self.settings.diversity_decay
            )
        hits = [self._hit(position, fused[position], legs) for position in ordered]
        hits = collapse_duplicates(hits)[:k]
        for rank, hit in enumerate(hits, start=1):
            hit.rank = rank
        return hits

    def _kind_weights(self, question: str) -> dict[str, float]:
        """Weights by passage kind: records answer who/when (their unit and deadline fields); the apparatus
        holds the title and issuer, so it matches every question about a document but answers only those."""
        weights = {}
        if detect_intent(question) in (WHO, WHEN):
            weights[RECORD] = self.settings.record_boost
        if not asks_about_document(question):
            weights[APPARATUS] = self.settings.apparatus_weight
        return weights

    def _allowed_positions(self, scope: Scope) -> np.ndarray | None:
        if scope.doc_ids is None:
            return None
        parts = [
            self.store.doc_positions[doc_id] for doc_id in sorted(scope.doc_ids) if doc_id in self.store.doc_positions
        ]
        return np.sort(np.concatenate(parts)) if parts else np.zeros(0, dtype=np.int64)

    def _bm25(self, question: str, allowed: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        scores = self.store.lexical.scores(question)
        if allowed is not None:
            masked = np.full_like(scores, -np.inf)
            masked[allowed] = scores[allowed]
            scores = masked
        depth = min(self.settings.depth, len(scores))
        top = np.argpartition(-scores, depth - 1)[:depth]
        top = top[np.argsort(-scores[top], kind="stable")]
        top = top[scores[top] > 0]  # a passage sharing no term with the question is not a BM25 match
        return scores[top], top

    def _dense(self, question: str, allowed: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        return self.store.dense.search(self.query_vector(question), self.settings.depth, allowed)

    def forget_queries(self) -> None:
        """Empty the query-embedding cache (benchmarks measure what a new question costs)."""
        with self._vectors_lock:
            self._vectors.clear()

    def query_vector(self, question: str) -> np.ndarray:
        """Query embeddings are cached: an answer searches again within each jurisdiction it names."""
        vector = self._vectors.get(question)
        if vector is None:
            vector = self.embedder.encode_queries([question])[0]
            with self._vectors_lock:
                while len(self._vectors) >= QUERY_CACHE_SIZE:
                    self._vectors.pop(next(iter(self._vectors)))
                self._vectors[question] = vector
        return vector

    def _hit(self, position: int, score: float, legs: dict[str, tuple[np.ndarray, np.ndarray]]) -> Hit:
        passage = self.store.passages[position]
        hit = Hit(passage, self.store.documents[passage.doc_id], score)
        for leg, (scores, positions) in legs.items():
            found = np.flatnonzero(positions == position)
            if len(found):
                hit.leg_ranks[leg] = int(found[0]) + 1
                hit.leg_scores[leg] = float(scores[found[0]])
        return hit
