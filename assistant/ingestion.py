"""Ingestion, one step: a corpus file in, its document and passages out (load → repair → structure → chunk).

The index only stores and searches what this returns; everything that decides what a passage is lives upstream
of this call (``corpus.read_document`` loads, repairs and reads metadata; ``chunking`` structures and cuts).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from assistant.chunking import ChunkSettings, chunk_document
from assistant.corpus import read_document
from assistant.documents import Document, Passage
from assistant.loading import IsolatedParser


@dataclass
class IngestedDocument:
    document: Document
    passages: list[Passage]


def ingest(
    path: Path,
    settings: ChunkSettings,
    overrides: dict | None = None,
    doc_id: str | None = None,
    parser: IsolatedParser | None = None,
) -> IngestedDocument:
    """The file's document and passages; DocumentError (or any other error) when it cannot be read."""
    document = read_document(path, overrides, doc_id, parser)
    return IngestedDocument(document, chunk_document(document, settings))
