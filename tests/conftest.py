"""Shared, expensive fixtures: the real bundled model and a real index over the real corpus, built once."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from assistant.embedding.embedder import SentenceTransformerEmbedder
from assistant.engine import Engine
from tests.paths import CORPUS


@pytest.fixture(scope="session")
def embedder() -> SentenceTransformerEmbedder:
    return SentenceTransformerEmbedder("default")


@pytest.fixture(scope="session")
def engine(tmp_path_factory: pytest.TempPathFactory, embedder: SentenceTransformerEmbedder) -> Engine:
    """The real corpus indexed with the real model into a throwaway index folder."""
    index_dir = tmp_path_factory.mktemp("index")
    return Engine.open(CORPUS, index_dir, embedder=embedder, progress=False)


@pytest.fixture
def corpus_copy(tmp_path: Path) -> Path:
    """A writable copy of the real corpus, for tests that add, change or remove documents."""
    target = tmp_path / "corpus"
    shutil.copytree(CORPUS, target)
    return target
