"""One object that opens the corpus, the model and the index, for the CLI, the UI and the benchmarks."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from assistant.chunking import ChunkSettings
from assistant.corpus import content_hash, corpus_files
from assistant.embedding.embedder import Embedder, SentenceTransformerEmbedder
from assistant.indexing.store import BuildReport, IndexStore, open_index
from assistant.indexing.vector_store import IndexSettings
from assistant.loading import SUPPORTED_SUFFIXES
from assistant.retrieval.adaptation import Adaptation
from assistant.retrieval.retriever import Retriever
from assistant.retrieval.settings import RetrievalSettings

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = PROJECT_ROOT / "corpus"
DEFAULT_INDEX = PROJECT_ROOT / "index"
DEFAULT_DATA = PROJECT_ROOT / "data"  # feedback and credentials of the web app
WRITE_FAILED = "could not be written to the corpus: "


@dataclass
class Engine:
    corpus_dir: Path
    index_dir: Path
    embedder: Embedder
    store: IndexStore
    retriever: Retriever
    report: BuildReport
    index_settings: IndexSettings = field(default_factory=IndexSettings)
    read_only: bool = False  # nothing may be written to index/ or corpus/: uploads and rebuilds are refused

    @classmethod
    def open(
        cls,
        corpus_dir: Path = DEFAULT_CORPUS,
        index_dir: Path = DEFAULT_INDEX,
        model: str = "default",
        update: bool = True,
        progress: bool = True,
        embedder: Embedder | None = None,
        chunking: ChunkSettings | None = None,
        index: IndexSettings | None = None,
        read_only: bool = False,
        reuse: IndexStore | None = None,
    ) -> Engine:
        """Load the model, then the index, building or updating it from the corpus as needed.

        ``index`` chooses where the vectors live (FAISS in ``index_dir`` by default, or a Milvus collection).
        ``read_only``: serve the index as it is, writing nothing to ``index_dir`` or ``corpus_dir`` (an index
        folder that refuses writes is opened read-only anyway, and ``report.read_only`` says so). ``reuse``: an
        index whose vectors are taken by passage text instead of embedding them again. The index folder's own
        retrieval settings and adaptation (``retrieval.json``, ``adaptation.json``), when it has them, are used.
        """
        embedder = embedder or SentenceTransformerEmbedder(model)
        index = index or IndexSettings()
        settings = RetrievalSettings.load(index_dir)
        store, report = open_index(
            index_dir,
            corpus_dir,
            embedder,
            chunking,
            update,
            progress,
            index,
            read_only=read_only,
            reuse=reuse,
            bm25=settings.bm25,
        )
        retriever = Retriever(store, embedder, settings, Adaptation.load(index_dir))
        return cls(corpus_dir, index_dir, embedder, store, retriever, report, index, read_only or report.read_only)

    def refresh(self, progress: bool = False, reuse: IndexStore | None = None) -> BuildReport:
        """Bring the index in step with the corpus (after an upload) without a restart; ``reuse`` as in ``open``."""
        chunking = ChunkSettings(**self.store.manifest["chunking"])
        store, report = open_index(
            self.index_dir,
            self.corpus_dir,
            self.embedder,
            chunking,
            progress=progress,
            index=self.index_settings,
            read_only=self.read_only,  # read-only: the generation in use, reloaded; nothing is built
            reuse=reuse,
            bm25=self.retriever.settings.bm25,
        )
        self.store = store
        self.retriever = Retriever(store, self.embedder, self.retriever.settings, self.retriever.adaptation)
        return report


def content_owners(folder: Path, where: str) -> dict[str, str]:
    """``{content hash: "<where> as <file name>"}`` for the folder's documents: what a duplicate is refused as."""
    return {content_hash(path): f"{where} as {path.name}" for path in corpus_files(folder)}


def add_to_corpus(
    files: list[Path], corpus_dir: Path, where: str = "in the corpus", elsewhere: dict[str, str] | None = None
) -> tuple[list[str], dict[str, str]]:
    """Copy files into the corpus; returns (names added or replaced, {name: why refused}).

    A file whose content is already in ``corpus_dir`` (called ``where`` in the reason) or in ``elsewhere``
    (``content_owners`` of another folder, e.g. the staging area) is refused as a duplicate.
    """
    corpus_dir.mkdir(parents=True, exist_ok=True)
    known = {**(elsewhere or {}), **content_owners(corpus_dir, where)}
    added, refused = [], {}
    for source in files:
        name = Path(source.name).name  # never a path: nothing is written outside the corpus
        if not source.is_file():
            refused[name] = "no such file"
        elif source.suffix.lower() not in SUPPORTED_SUFFIXES:
            refused[name] = f"unsupported file type (supported: {', '.join(SUPPORTED_SUFFIXES)})"
        elif (digest := content_hash(source)) in known:
            refused[name] = f"already {known[digest]}"
        else:
            # Copied under a hidden name, then renamed: a crash mid-copy never leaves half a document.
            partial = corpus_dir / f".{name}.partial"
            try:
                shutil.copyfile(source, partial)
                os.replace(partial, corpus_dir / name)
            except OSError as error:  # a full disk: nothing half-written stays behind
                partial.unlink(missing_ok=True)
                refused[name] = f"{WRITE_FAILED}{error.strerror or error.__class__.__name__}"
                continue
            known[digest] = f"{where} as {name}"
            added.append(name)
    return added, refused
