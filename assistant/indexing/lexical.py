"""BM25 over jieba words and character bigrams (bm25s): exact-term matching that dense vectors miss."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import bm25s
import numpy as np

from assistant.indexing.tokenizer import ChineseTokenizer


@dataclass(frozen=True)
class BM25Parameters:
    """Lucene BM25's term-frequency saturation ``k1`` and length normalisation ``b``.

    Settings, not constants, because the best values depend on the corpus: on the labelled policy set anything in
    k1 0.6-1.5, b 0.3-0.9 is within 0.01 BM25 recall@5 of these defaults, while CMRC2018 (near-uniform passages that
    copy the questions' wording) gains 0.04 Hit@1 from k1 0.6, b 0.3; see eval/README.md.
    """

    k1: float = 1.2
    b: float = 0.75


class LexicalIndex:
    """BM25 scores for every passage; the tokenizer travels with the index it was built with."""

    def __init__(self, retriever: bm25s.BM25, tokenizer: ChineseTokenizer, size: int) -> None:
        self.retriever = retriever
        self.tokenizer = tokenizer
        self.size = size

    @classmethod
    def build(
        cls, texts: list[str], tokenizer: ChineseTokenizer, parameters: BM25Parameters = BM25Parameters()
    ) -> LexicalIndex:
        retriever = bm25s.BM25(k1=parameters.k1, b=parameters.b)
        # An empty token list (or no passage at all) would break bm25s's vocabulary; a placeholder never matches
        # a query, and with no passage ``size`` stays 0, so nothing is ever scored.
        corpus = [tokenizer.index_terms(text) or ["\u2400"] for text in texts] or [["\u2400"]]
        retriever.index(corpus, show_progress=False)
        return cls(retriever, tokenizer, len(texts))

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every passage for the query (zeros when no query term is known)."""
        tokens = self.tokenizer.index_terms(query)
        if not tokens or self.size == 0:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self.retriever.get_scores(tokens), dtype=np.float32)

    def weighted_scores(self, terms: list[tuple[str, float]]) -> np.ndarray:
        """Sum of weight x BM25 score of each single term (learned expansions); unknown terms add nothing."""
        total = np.zeros(self.size, dtype=np.float32)
        for term, weight in terms if self.size else []:
            total += weight * np.asarray(self.retriever.get_scores([term]), dtype=np.float32)
        return total

    def idf(self, term: str) -> float:
        """log(passages / passages holding the term); 0 for a term the index does not know."""
        column = self.retriever.vocab_dict.get(term)
        indptr = self.retriever.scores["indptr"]
        if column is None or column + 1 >= len(indptr) or not self.size:
            return 0.0
        holding = int(indptr[column + 1] - indptr[column])
        return float(np.log(self.size / holding)) if holding else 0.0

    def save(self, directory: Path) -> None:
        self.retriever.save(str(directory / "bm25"))
        (directory / "lexicon.txt").write_text("\n".join(self.tokenizer.extra_words), encoding="utf-8")

    @classmethod
    def load(cls, directory: Path, size: int) -> LexicalIndex:
        words = (directory / "lexicon.txt").read_text(encoding="utf-8").splitlines()
        return cls(bm25s.BM25.load(str(directory / "bm25")), ChineseTokenizer(words), size)
