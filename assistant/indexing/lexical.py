"""BM25 over jieba tokens (bm25s): exact-term matching that dense vectors miss."""

from __future__ import annotations

from pathlib import Path

import bm25s
import numpy as np

from assistant.indexing.tokenizer import ChineseTokenizer


class LexicalIndex:
    """BM25 scores for every passage; the tokenizer travels with the index it was built with."""

    def __init__(self, retriever: bm25s.BM25, tokenizer: ChineseTokenizer, size: int) -> None:
        self.retriever = retriever
        self.tokenizer = tokenizer
        self.size = size

    @classmethod
    def build(cls, texts: list[str], tokenizer: ChineseTokenizer) -> LexicalIndex:
        retriever = bm25s.BM25(k1=1.2, b=0.75)
        # An empty token list would break bm25s's vocabulary; a placeholder never matches a query.
        corpus = [tokenizer.tokenize(text) or ["\u2400"] for text in texts]
        retriever.index(corpus, show_progress=False)
        return cls(retriever, tokenizer, len(texts))

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every passage for the query (zeros when no query term is known)."""
        tokens = self.tokenizer.tokenize(query)
        if not tokens or self.size == 0:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self.retriever.get_scores(tokens), dtype=np.float32)

    def save(self, directory: Path) -> None:
        self.retriever.save(str(directory / "bm25"))
        (directory / "lexicon.txt").write_text("\n".join(self.tokenizer.extra_words), encoding="utf-8")

    @classmethod
    def load(cls, directory: Path, size: int) -> LexicalIndex:
        words = (directory / "lexicon.txt").read_text(encoding="utf-8").splitlines()
        return cls(bm25s.BM25.load(str(directory / "bm25")), ChineseTokenizer(words), size)
