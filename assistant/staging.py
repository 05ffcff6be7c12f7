"""Documents staged for review: indexed and searchable by administrators only, until one publishes them.

Staged files live in ``corpus/.staging/`` with their own small index in ``index/.staging/``, opened by a second
``Engine`` that shares the public engine's model and chunking: the passages come out as they will in the public
index, so publishing reuses their vectors, and staging a new version of a public document reuses the vectors of
its unchanged passages. Both folders are hidden, so the corpus scan never puts a staged file in the public
index, and index clean-up (``gen-*`` folders only) never touches the staging index. That index uses FAISS
whatever the public backend (it holds a handful of documents), and exists only while something is staged, so
that a discarded document's passages do not linger on disk.
"""

from __future__ import annotations

import shutil
import sys
from datetime import UTC, datetime
from pathlib import Path

from assistant.chunking import ChunkSettings
from assistant.corpus import corpus_files
from assistant.engine import Engine
from assistant.indexing.store import BuildReport, IndexUnavailable
from assistant.retrieval.retriever import Retriever

STAGING_DIR = ".staging"


class StagingArea:
    def __init__(self, public: Engine) -> None:
        """Opens (or brings up to date) the staging index if anything is staged."""
        self.public = public
        self.corpus_dir = public.corpus_dir / STAGING_DIR
        self.index_dir = public.index_dir / STAGING_DIR
        self.engine: Engine | None = None
        if corpus_files(self.corpus_dir):
            try:
                self.refresh()
            except IndexUnavailable as error:  # read-only without a staging index: staged files not searchable
                print(f"staging: warning: {error}", file=sys.stderr)

    def refresh(self) -> BuildReport:
        """Bring the staging index in step with ``corpus/.staging/``; with nothing staged, drop it."""
        if not corpus_files(self.corpus_dir):
            self.engine = None
            if not self.public.read_only:
                shutil.rmtree(self.index_dir, ignore_errors=True)
            return BuildReport()
        if self.engine is not None:
            return self.engine.refresh(reuse=self.public.store)
        self.engine = Engine.open(
            self.corpus_dir,
            self.index_dir,
            embedder=self.public.embedder,
            progress=False,
            chunking=ChunkSettings(**self.public.store.manifest["chunking"]),
            read_only=self.public.read_only,
            reuse=self.public.store,
        )
        return self.engine.report

    def entries(self) -> dict[str, dict]:
        """The staging index's documents by file name (its manifest entries)."""
        engine = self.engine
        return engine.store.manifest["documents"] if engine is not None else {}

    def documents(self) -> list[dict]:
        return staged_rows(self.entries(), self.corpus_dir)

    @property
    def retriever(self) -> Retriever | None:
        """The staging index's retriever (None: nothing staged); read once per request, like the public one."""
        engine = self.engine
        return engine.retriever if engine is not None else None


def staged_rows(entries: dict[str, dict], corpus_dir: Path) -> list[dict]:
    """Staged documents as ``PolicyService.documents`` lists public ones, with when each was staged (the file's
    time in ``corpus/.staging/``) and its SHA-256; oldest first. ``entries``: the staging index's documents."""
    rows = []
    for name, entry in entries.items():
        path = corpus_dir / name
        if not path.is_file():
            continue
        staged_at = datetime.fromtimestamp(path.stat().st_mtime, UTC).isoformat(timespec="seconds")
        rows.append(
            {
                "doc_id": entry["doc_id"],
                "file": name,
                **entry["meta"],
                "passages": entry.get("passages", 0),
                "staged_at": staged_at,
                "sha256": entry["hash"],
            }
        )
    return sorted(rows, key=lambda row: (row["staged_at"], row["file"]))
