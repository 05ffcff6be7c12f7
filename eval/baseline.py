"""What a user would build in an afternoon: langchain's recursive splitter over the raw files, then FAISS with
the same model (dense) or plain BM25 over jieba words (lexical). No repair, no structure, no domain words."""

from __future__ import annotations

from pathlib import Path

import bm25s
import jieba
import numpy as np
from langchain_text_splitters import RecursiveCharacterTextSplitter

from assistant.corpus import corpus_doc_ids
from assistant.embedding.embedder import Embedder
from assistant.indexing.dense import DenseIndex
from assistant.loading import IsolatedParser, load_file
from eval.labelled import Location


def _words(text: str) -> list[str]:
    return [word for word in jieba.lcut(text) if word.strip()] or ["\0"]


class NaiveChunks:
    """Texts cut by the default recursive splitter (300/60), each chunk with its place (document, offsets)."""

    def __init__(self, locations: list[Location], texts: list[str]) -> None:
        self.locations = locations
        self.texts = texts

    @classmethod
    def of_corpus(cls, corpus_dir: Path, chunk_size: int = 300, chunk_overlap: int = 60) -> NaiveChunks:
        """The raw files of a corpus folder, as the loader extracts them."""
        with IsolatedParser() as parser:
            named = {doc_id: load_file(path, parser) for path, doc_id in corpus_doc_ids(corpus_dir).items()}
        return cls.of_texts(named, chunk_size, chunk_overlap)

    @classmethod
    def of_texts(cls, named: dict[str, str], chunk_size: int = 300, chunk_overlap: int = 60) -> NaiveChunks:
        """``{document id: text}`` cut into chunks (a benchmark's passages: the id is the passage's)."""
        splitter = RecursiveCharacterTextSplitter(
            chunk_size=chunk_size, chunk_overlap=chunk_overlap, add_start_index=True
        )
        locations, texts = [], []
        for doc_id, text in named.items():
            for chunk in splitter.create_documents([text]):
                start = chunk.metadata["start_index"]
                locations.append(Location(doc_id, start, start + len(chunk.page_content)))
                texts.append(chunk.page_content)
        return cls(locations, texts)


class NaiveRetriever:
    """Dense only: the chunks in FAISS with the same model as ours."""

    def __init__(self, chunks: NaiveChunks, embedder: Embedder, vectors: np.ndarray | None = None) -> None:
        """``vectors``: the chunks' vectors when already embedded (a benchmark's cache)."""
        self.chunks = chunks
        self.embedder = embedder
        vectors = embedder.encode_passages(chunks.texts) if vectors is None else vectors
        self.index = DenseIndex.build(vectors, embedder.dimension)

    def search(self, question: str, k: int = 10) -> list[Location]:
        _, positions = self.index.search(self.embedder.encode_queries([question])[0], k)
        return [self.chunks.locations[position] for position in positions]


class NaiveBM25Retriever:
    """Lexical only: bm25s with its default parameters over jieba's words of each chunk."""

    def __init__(self, chunks: NaiveChunks) -> None:
        self.chunks = chunks
        self.bm25 = bm25s.BM25()
        self.bm25.index([_words(text) for text in chunks.texts], show_progress=False)

    def search(self, question: str, k: int = 10) -> list[Location]:
        scores = np.asarray(self.bm25.get_scores(_words(question)))
        return [self.chunks.locations[int(position)] for position in np.argsort(-scores, kind="stable")[:k]]
