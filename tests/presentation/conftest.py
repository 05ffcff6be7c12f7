"""A writable copy of the real corpus and index with an audit log, and an admin client, for the document management
tests."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from assistant.embedding.embedder import SentenceTransformerEmbedder
from assistant.engine import Engine
from assistant.presentation.audit import AuditLog
from assistant.presentation.feedback import FeedbackStore
from assistant.presentation.service import PolicyService
from tests.clients import api_client
from tests.indexing.test_store import CountingEmbedder
from tests.paths import ROOT

# The head of a real State Council notice: short, so that indexing it again is quick.
EXCERPT = "国务院办公厅_2018_政府网站集约化试点工作方案.txt"


@pytest.fixture
def counting(embedder: SentenceTransformerEmbedder) -> CountingEmbedder:
    return CountingEmbedder(embedder)


@pytest.fixture
def managed(engine: Engine, corpus_copy: Path, tmp_path: Path, counting: CountingEmbedder) -> PolicyService:
    """A copy of the session index over a copy of the corpus, an audit log, an embedder that counts."""
    index_dir = tmp_path / "index"
    shutil.copytree(engine.index_dir, index_dir)
    opened = Engine.open(corpus_copy, index_dir, embedder=counting, progress=False)
    assert not opened.report.changed
    return PolicyService(opened, audit=AuditLog(tmp_path / "data" / "audit.jsonl"))


@pytest.fixture
def excerpt_file(tmp_path: Path) -> Path:
    source = tmp_path / "excerpt"
    source.write_text((ROOT / "eval/corpora/dev/docs" / EXCERPT).read_text(encoding="utf-8")[:1200], encoding="utf-8")
    return source


@pytest.fixture
def feedback(tmp_path: Path) -> FeedbackStore:
    return FeedbackStore(tmp_path / "data" / "feedback.sqlite3")


@pytest.fixture
def admin(managed: PolicyService, feedback: FeedbackStore) -> TestClient:
    """The REST API over ``managed``, with the admin token."""
    return api_client(managed, feedback)
