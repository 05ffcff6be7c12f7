"""Shared, expensive fixtures: the real bundled model and a real index over the real corpus, built once.

Also the markers that split the suite (registered in pyproject.toml): a test is marked by what it needs, so a new
test that asks for the real index is ``slow`` without anyone remembering to say so.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from assistant.embedding.embedder import SentenceTransformerEmbedder
from assistant.engine import Engine
from tests.paths import CORPUS

# Fixtures (or fixtures they depend on) whose cost puts a test in a marker's group. The real model: loading it and
# embedding with it (the real corpus's index above all, minutes on 2 shared cores) is what most slow tests spend.
SLOW_FIXTURES = frozenset({"engine", "embedder", "e5", "c_engine"})
BROWSER_FIXTURES = frozenset({"browser"})  # headless Chromium driving the real app
# Long without the model (measured 18-35 s under load): many worker processes parsing damaged files, or writing.
SLOW_TESTS = frozenset({"test_damaged_files_load_or_are_refused_by_name", "test_many_processes_writing_at_once"})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark ``slow``, ``browser`` and ``milvus`` from the fixtures a test uses and the module it is in."""
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        if fixtures & SLOW_FIXTURES or getattr(item, "originalname", item.name) in SLOW_TESTS:
            item.add_marker(pytest.mark.slow)
        if fixtures & BROWSER_FIXTURES:
            item.add_marker(pytest.mark.browser)
        if "milvus" in item.path.stem:  # test_milvus_*.py start an embedded Milvus (milvus-lite)
            item.add_marker(pytest.mark.milvus)


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
