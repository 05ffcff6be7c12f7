"""The baseline a user would pick instead: langchain's recursive splitter on the raw files, FAISS dense only."""

from __future__ import annotations

from pathlib import Path

from langchain_text_splitters import RecursiveCharacterTextSplitter

from assistant.corpus import corpus_doc_ids
from assistant.embedding.embedder import Embedder
from assistant.indexing.dense import DenseIndex
from assistant.loading import IsolatedParser, load_file
from eval.labelled import Location


class NaiveRetriever:
    """Default separators, same chunk size and model as ours, no repair, no structure, no BM25."""

    def __init__(self, corpus_dir: Path, embedder: Embedder, chunk_size: int = 300, chunk_overlap: int = 60) -> None:
        splitter = RecursiveCharacterTextSplitter(
            chunk_size=chunk_size, chunk_overlap=chunk_overlap, add_start_index=True
        )
        self.chunks: list[Location] = []
        texts: list[str] = []
        with IsolatedParser() as parser:
            for path, doc_id in corpus_doc_ids(corpus_dir).items():
                for chunk in splitter.create_documents([load_file(path, parser)]):
                    start = chunk.metadata["start_index"]
                    self.chunks.append(Location(doc_id, start, start + len(chunk.page_content)))
                    texts.append(chunk.page_content)
        self.embedder = embedder
        self.index = DenseIndex.build(embedder.encode_passages(texts), embedder.dimension)

    def search(self, question: str, k: int = 10) -> list[Location]:
        _, positions = self.index.search(self.embedder.encode_queries([question])[0], k)
        return [self.chunks[position] for position in positions]
