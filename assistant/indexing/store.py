"""The persisted index: passages, vectors, FAISS and BM25, kept in step with ``corpus/``.

Each build writes a complete new generation folder and only then points ``CURRENT`` at it
(an atomic rename), so a crash mid-build leaves the previous index usable. Builds are
incremental: a document whose content hash is unchanged keeps its passages and vectors; when only its
metadata overrides (``corpus/manifest.json``) changed, its metadata is read again and BM25 rebuilt, and
nothing is embedded (dense vectors see the passage text alone).
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import json
import os
import shutil
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
from tqdm import tqdm

from assistant.chunking import ChunkSettings
from assistant.corpus import assign_doc_ids, content_hash, corpus_files, read_document
from assistant.documents import META_FIELDS, PROSE, DocumentMeta, Passage
from assistant.durable import fsync
from assistant.embedding.embedder import Embedder
from assistant.indexing.checkpoint import EmbeddingCheckpoint
from assistant.indexing.lexical import BM25Parameters, LexicalIndex
from assistant.indexing.passage_file import PassageRecord, read_passage_file
from assistant.indexing.tokenizer import ChineseTokenizer
from assistant.indexing.vector_store import (
    IndexSettings,
    PassageRows,
    VectorStore,
    build_vector_store,
    load_vector_store,
    save_vector_store,
)
from assistant.ingestion import ingest
from assistant.loading import DocumentError, IsolatedParser
from assistant.retrieval.sentences import SentenceVectors, split_sentences
from assistant.structure.fields import UNIT_FIELDS
from assistant.structure.metadata import load_manifest

SENTENCE_VECTORS, SENTENCE_OWNERS = "sentence_vectors.npy", "sentence_owners.npy"
DEFAULT_BM25 = BM25Parameters()
FORMAT_VERSION = 4  # 3: the manifest holds a checksum of every index file; 4: and one of itself
CURRENT = "CURRENT"
MANIFEST = "manifest.json"
MANIFEST_CHECKSUM = "manifest_sha256"
# A folder that refuses writes: served as it is (read-only), never rebuilt.
_NOT_WRITABLE = (errno.EROFS, errno.EACCES, errno.EPERM)
# The code that turns files into passages: when it changes, every document is read and chunked again (vectors of
# passages whose text came out the same are kept).
_PASSAGE_CODE = ("loading", "structure", "repair.py", "mapped_text.py", "chunking.py", "corpus.py", "ingestion.py")
# What only the BM25 leg depends on (its tokenizer, the domain dictionary, stopwords): a change rebuilds BM25 alone.
_LEXICAL_CODE = (
    "indexing/tokenizer.py",
    "indexing/lexical.py",
    "resources/domain_words.txt",
    "resources/stopwords.txt",
)
_UNIT_FIELDS = UNIT_FIELDS


@dataclass
class BuildReport:
    """What a build or update did, for the command line and the logs."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    metadata_updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    rebuilt_because: str = ""
    recovered: str = ""
    not_updated: str = ""  # why the corpus's changes could not be written (full disk…): the old index serves
    read_only: bool = False  # the index folder was opened without writing to it
    seconds: float = 0.0

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.metadata_updated or self.removed or self.rebuilt_because)

    def summary(self) -> str:
        parts = [
            f"{len(self.added)} added",
            f"{len(self.updated)} updated",
            f"{len(self.metadata_updated)} metadata updated",
            f"{len(self.removed)} removed",
            f"{len(self.unchanged)} unchanged",
            f"{len(self.failed)} failed",
        ]
        text = "index: " + ", ".join(parts) + f" ({self.seconds:.1f} s)"
        if self.rebuilt_because:
            text += f"; rebuilt because {self.rebuilt_because}"
        if self.recovered:
            text += f"; {self.recovered}"
        if self.not_updated:
            text += f"; NOT UPDATED: {self.not_updated}"
        return "\n".join([text, *(f"warning: {warning}" for warning in self.warnings)])


class IndexStore:
    """A loaded index generation: everything retrieval needs, read-only once built."""

    def __init__(
        self,
        directory: Path,
        manifest: dict,
        passages: list[Passage],
        vectors: np.ndarray,
        dense: VectorStore,
        lexical: LexicalIndex,
        sentences: SentenceVectors | None = None,
    ) -> None:
        self.directory = directory
        self.manifest = manifest
        self.passages = passages
        self.vectors = vectors
        self.dense = dense
        self.lexical = lexical
        self.sentences = sentences  # only in an index built with sentence-level dense scores
        self.documents: dict[str, DocumentMeta] = {
            entry["doc_id"]: DocumentMeta(**entry["meta"]) for entry in manifest["documents"].values()
        }
        grouped: dict[str, list[int]] = {doc_id: [] for doc_id in self.documents}
        for position, passage in enumerate(passages):
            grouped.setdefault(passage.doc_id, []).append(position)
        self.doc_positions = {doc_id: np.array(positions, dtype=np.int64) for doc_id, positions in grouped.items()}

    @classmethod
    def load(cls, directory: Path, token: str = "") -> IndexStore:
        """Load a generation; its vector store is opened as the manifest records it (``token``: Milvus's)."""
        manifest = read_manifest(directory)
        _verify_checksums(directory, manifest.get("files", {}))
        with (directory / "passages.jsonl").open(encoding="utf-8") as handle:
            passages = [Passage.from_dict(json.loads(line)) for line in handle]
        vectors = np.load(directory / "vectors.npy")
        index = IndexSettings(**manifest["index"], milvus_token=token)
        dense = load_vector_store(index, directory.parent, directory, passage_rows(passages, manifest["documents"]))
        lexical = LexicalIndex.load(directory, len(passages))
        if not (len(passages) == len(vectors) == dense.size == manifest["passages"]):
            raise ValueError("passages, vectors and vector store disagree in size")
        sentences = None
        if (directory / SENTENCE_VECTORS).exists():
            sentences = SentenceVectors(np.load(directory / SENTENCE_VECTORS), np.load(directory / SENTENCE_OWNERS))
        return cls(directory, manifest, passages, vectors, dense, lexical, sentences)

    def dense_texts(self) -> list[str]:
        """What was embedded for each passage: its text alone, or a passage file's text as it was formatted."""
        if self.passage_file is None:
            return _dense_texts(self.passages)
        return [_formatted(passage, self.passage_file["text_format"]) for passage in self.passages]

    def sentence_texts(self) -> list[str]:
        """What was embedded for each sentence (``sentences``), formatted as its passage was."""
        return sentence_texts(self.passages, self.passage_file["text_format"] if self.passage_file else None)[0]

    @property
    def passage_file(self) -> dict | None:
        """What a passage-file index was built from (``build_passage_index``); None for a corpus index."""
        return self.manifest.get("passage_file")

    def lexical_text(self, position: int) -> str:
        """What BM25 indexed for the passage at ``position``."""
        passage = self.passages[position]
        if self.passage_file is not None:
            return _formatted(passage, self.passage_file["text_format"])
        return passage_index_text(passage, self.documents[passage.doc_id])


def passage_index_text(passage: Passage, meta: DocumentMeta) -> str:
    """What BM25 indexes: where the passage is from (jurisdiction, title, section), then its words."""
    year = f"{meta.year}年" if meta.year else ""
    return f"{meta.region}{year}《{meta.title}》{passage.section_path}\n{passage.text}"


def pipeline_fingerprint() -> str:
    """A hash of the loading, repair, structure and chunking code: what makes the passages."""
    return _code_fingerprint(_PASSAGE_CODE)


def lexical_fingerprint() -> str:
    """A hash of what the BM25 index depends on beyond the passages."""
    return _code_fingerprint(_LEXICAL_CODE)


def _code_fingerprint(names: tuple[str, ...]) -> str:
    package = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256()
    for name in names:
        paths = sorted((package / name).rglob("*")) if (package / name).is_dir() else [package / name]
        for path in paths:
            if path.is_file() and path.suffix in (".py", ".txt"):
                digest.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def current_generation(index_dir: Path) -> Path | None:
    pointer = index_dir / CURRENT
    if not pointer.exists():
        return None
    generation = index_dir / pointer.read_text(encoding="utf-8").strip()
    return generation if generation.is_dir() else None


class IndexUnavailable(RuntimeError):
    """No index can be served: none could be written (full disk) or, read-only, none usable was found."""


def open_index(
    index_dir: Path,
    corpus_dir: Path,
    embedder: Embedder,
    settings: ChunkSettings | None = None,
    update: bool = True,
    progress: bool = True,
    index: IndexSettings | None = None,
    read_only: bool = False,
    reuse: IndexStore | None = None,
    bm25: BM25Parameters | None = None,
) -> tuple[IndexStore, BuildReport]:
    """Load the index, first bringing it in step with the corpus when ``update`` is set.

    ``read_only``: write nothing at all to ``index_dir`` (no lock file, no clean-up, no build); an index folder
    that refuses writes is opened that way too, with a warning. A build that cannot be written (full disk)
    leaves the previous index serving, with the reason in ``report.not_updated``. ``reuse``: another index
    (same model) whose vectors are taken by passage text, e.g. the staging index when a document is published.
    ``bm25``: the parameters BM25 is built with (a change rebuilds BM25 alone).
    """
    settings = settings or ChunkSettings()
    index = index or IndexSettings()
    bm25 = bm25 or DEFAULT_BM25
    if read_only:
        return _open_read_only(index_dir, embedder, settings, "")
    with ExitStack() as locked:
        try:
            index_dir.mkdir(parents=True, exist_ok=True)
            locked.enter_context(_build_lock(index_dir))
        except OSError as error:
            if error.errno not in _NOT_WRITABLE:
                raise IndexUnavailable(f"the index folder {index_dir} cannot be used ({_os_reason(error)})") from error
            warning = f"the index folder {index_dir} is not writable ({_os_reason(error)}): serving it read-only"
            print(f"index: warning: {warning}", file=sys.stderr)
            return _open_read_only(index_dir, embedder, settings, warning)
        return _update(index_dir, corpus_dir, embedder, settings, update, progress, index, reuse, bm25)


def _update(
    index_dir: Path,
    corpus_dir: Path,
    embedder: Embedder,
    settings: ChunkSettings,
    update: bool,
    progress: bool,
    index: IndexSettings,
    reuse: IndexStore | None = None,
    bm25: BM25Parameters = DEFAULT_BM25,
) -> tuple[IndexStore, BuildReport]:
    """``open_index`` under the build lock: recover, load, and build what the corpus changed."""
    recovered = _discard_interrupted(index_dir)
    previous, reason, stale = _load_compatible(index_dir, embedder, settings)
    if reason and current_generation(index_dir) is not None:
        action = "reading every document again (same texts keep their vectors)" if stale else "rebuilding"
        print(f"index: {reason}; {action}", file=sys.stderr)
    report = BuildReport(rebuilt_because=reason, recovered=recovered)
    if previous is not None and (not update or previous.passage_file is not None):
        return previous, report  # a passage-file index is rebuilt from its file (build_passage_index), never corpus/
    started = time.perf_counter()
    plan = _plan(corpus_dir, previous)
    moved = previous is not None and previous.manifest["index"] != index.fingerprint()
    if moved:  # same passages and vectors, another vector store: nothing is embedded again
        report.rebuilt_because = f"the vector store is now {index.fingerprint()}"
    report.warnings = list(plan.clashes)
    lexical_changed = previous is not None and previous.manifest.get("lexical") != lexical_fingerprint()
    if lexical_changed:  # passages and vectors stay; only BM25 is rebuilt
        report.rebuilt_because = "the BM25 tokenizer or its word lists changed"
    if previous is not None and previous.manifest.get("bm25", asdict(DEFAULT_BM25)) != asdict(bm25):
        lexical_changed, report.rebuilt_because = True, f"BM25 is now k1 {bm25.k1:g}, b {bm25.b:g}"
    if previous is not None and not plan.changes(previous) and not moved and not lexical_changed:
        report.unchanged = sorted(previous.manifest["documents"])
        report.failed = plan.failed
        return previous, report
    try:
        same_model = reuse is not None and reuse.manifest.get("model") == embedder.name
        known = _vectors_by_text(previous or stale, reuse if same_model else None)  # vectors to reuse by text
        store = _build(index_dir, corpus_dir, embedder, settings, index, previous, plan, report, progress, known, bm25)
    except OSError as error:  # full disk, quota, a folder gone read-only: the old generation is intact
        message = f"the new index could not be written to {index_dir} ({_os_reason(error)})"
        if previous is None:
            raise IndexUnavailable(f"{message}; there is no previous index to serve") from error
        report.not_updated = f"{message}; still serving {previous.directory.name}"
        print(f"index: warning: {report.not_updated}", file=sys.stderr)
        return previous, report
    report.seconds = time.perf_counter() - started
    return store, report


def _open_read_only(
    index_dir: Path, embedder: Embedder, settings: ChunkSettings, warning: str
) -> tuple[IndexStore, BuildReport]:
    """The current generation as it is, for a server that may not write to ``index_dir`` (nothing is rebuilt)."""
    with _build_lock(index_dir, shared=True):
        store, reason, stale = _load_compatible(index_dir, embedder, settings)
    if store is None and stale is not None:  # consistent, only built by older passage code: serve it, say so
        store, warning = stale, "; ".join(filter(None, [warning, f"serving an index built by older code ({reason})"]))
    if store is None:
        raise IndexUnavailable(
            f"read-only: no usable index in {index_dir} ({reason}); build it once with write access "
            "(python -m assistant build)"
        )
    return store, BuildReport(warnings=[warning] if warning else [], read_only=True)


def _os_reason(error: OSError) -> str:
    """The operating system's reason in words, with the path it concerns."""
    reason = error.strerror or error.__class__.__name__
    return f"{reason}: {error.filename}" if error.filename else reason


def embed_shard(
    index_dir: Path,
    corpus_dir: Path,
    embedder: Embedder,
    shard: int,
    shards: int,
    settings: ChunkSettings | None = None,
    progress: bool = True,
) -> int:
    """Embed every ``shards``-th new or changed document into the checkpoint; returns the passages embedded.

    Workers for shards 0…N-1 run at once (other processes or machines sharing ``index_dir``); the build
    afterwards finds every vector in the checkpoint and embeds nothing. No index is written here.
    """
    settings = settings or ChunkSettings()
    index_dir.mkdir(parents=True, exist_ok=True)
    with _build_lock(index_dir):  # only to read the current generation consistently
        previous, _, _ = _load_compatible(index_dir, embedder, settings)
    plan = _plan(corpus_dir, previous)
    known = {entry["hash"] for entry in previous.manifest["documents"].values()} if previous else set()
    names = [name for name in sorted(plan.hashes) if plan.hashes[name] not in known][shard::shards]
    checkpoint = EmbeddingCheckpoint(index_dir, embedder)
    for name in tqdm(names, desc=f"shard {shard}/{shards}", unit="doc", disable=not progress):
        try:
            ingested = ingest(corpus_dir / name, settings, plan.overrides_of(name))
        except DocumentError:
            continue  # the build reports it
        _embed(_document_texts(ingested.passages), {}, checkpoint, progress)
    return checkpoint.embedded


def _dense_texts(passages: list[Passage]) -> list[str]:
    """Dense vectors see the passage alone: a shared document prefix blurs e5's view of it (measured)."""
    return [passage.text for passage in passages]


def _document_texts(passages: list[Passage]) -> list[str]:
    """What is embedded for a document: its passages, then their sentences (a one-sentence passage's is its own
    text, embedded once). The build and ``embed_shard`` embed exactly this, so the checkpoint's batches match."""
    return _dense_texts(passages) + sentence_texts(passages)[0]


@dataclass
class _Plan:
    """Which corpus files need work, computed from content hashes and metadata overrides, and their doc_ids."""

    hashes: dict[str, str]
    failed: dict[str, str]
    doc_ids: dict[str, str] = field(default_factory=dict)
    clashes: list[str] = field(default_factory=list)
    overrides: dict[str, dict] = field(default_factory=dict)

    def changes(self, previous: IndexStore) -> bool:
        entries = previous.manifest["documents"]
        old = {name: entry["hash"] for name, entry in entries.items()}
        old_ids = {name: entry["doc_id"] for name, entry in entries.items()}
        ids = {name: self.doc_ids[name] for name in self.hashes}
        retitled = any(entries[name].get("overrides", {}) != self.overrides_of(name) for name in entries)
        return old != self.hashes or old_ids != ids or previous.manifest.get("failed", {}) != self.failed or retitled

    def overrides_of(self, name: str) -> dict:
        return self.overrides.get(name, {})


def effective_overrides(manifest: dict) -> dict[str, dict]:
    """The metadata fields ``corpus/manifest.json`` sets per file; other keys (who edited it) do not count."""
    return {
        name: {key: value for key, value in entry.items() if key in META_FIELDS}
        for name, entry in manifest.items()
        if isinstance(entry, dict)
    }


def _plan(corpus_dir: Path, previous: IndexStore | None) -> _Plan:
    hashes = {path.name: content_hash(path) for path in corpus_files(corpus_dir)} if corpus_dir.is_dir() else {}
    kept = {name: entry["doc_id"] for name, entry in previous.manifest["documents"].items()} if previous else {}
    doc_ids, clashes = assign_doc_ids(hashes, kept)
    old_failed = previous.manifest.get("failed_hashes", {}) if previous else {}
    # A file that failed before and has not changed since fails again without another attempt.
    failed = {
        name: previous.manifest["failed"][name]
        for name, digest in hashes.items()
        if previous and old_failed.get(name) == digest
    }
    kept_hashes = {name: digest for name, digest in hashes.items() if name not in failed}
    overrides = effective_overrides(load_manifest(corpus_dir)) if corpus_dir.is_dir() else {}
    return _Plan(kept_hashes, failed, doc_ids, clashes, {n: o for n, o in overrides.items() if n in kept_hashes})


def _load_compatible(
    index_dir: Path, embedder: Embedder, settings: ChunkSettings
) -> tuple[IndexStore | None, str, IndexStore | None]:
    """(the current generation if it loads and matches model, chunker and passage code, or None; why not; a
    generation whose passages are stale but whose vectors, made by the same model, can be reused by text)."""
    generation = current_generation(index_dir)
    if generation is None:
        reason = "no index was found" if not (index_dir / CURRENT).exists() else "the index pointer was broken"
        return None, reason, None
    try:
        store = IndexStore.load(generation)
    except Exception as error:  # any damage to any file means: rebuild
        return None, f"the index files were unreadable ({error.__class__.__name__}: {error})", None
    manifest = store.manifest
    for key, value in {"format": FORMAT_VERSION, "model": embedder.name}.items():
        if manifest.get(key) != value:
            return None, f"the index was built with {key}={manifest.get(key)!r}, now {value!r}", None
    for key, value in {"chunking": settings.to_dict(), "pipeline": pipeline_fingerprint()}.items():
        if manifest.get(key) != value and store.passage_file is None:  # a passage file is neither chunked nor parsed
            return None, f"the index was built with {key}={manifest.get(key)!r}, now {value!r}", store
    if store.sentences is None and store.passage_file is None:
        return None, "the index has no sentence vectors (built by an older version)", store
    return store, "", None


def _build(
    index_dir: Path,
    corpus_dir: Path,
    embedder: Embedder,
    settings: ChunkSettings,
    index: IndexSettings,
    previous: IndexStore | None,
    plan: _Plan,
    report: BuildReport,
    progress: bool,
    known_vectors: dict[str, np.ndarray] | None = None,
    bm25: BM25Parameters = DEFAULT_BM25,
) -> IndexStore:
    """Write a new generation: unchanged documents keep passages and vectors; the others are read and chunked, and
    only passages whose text ``known_vectors`` (from earlier generations, same model) lacks are embedded."""
    known_vectors = dict(known_vectors or {})
    checkpoint = EmbeddingCheckpoint(index_dir, embedder)
    old_entries = previous.manifest["documents"] if previous else {}
    documents: dict[str, dict] = {}
    passages: list[Passage] = []
    vectors: list[np.ndarray] = []
    failed = dict(plan.failed)
    failed_hashes = {name: previous.manifest["failed_hashes"][name] for name in plan.failed} if previous else {}
    names = sorted(plan.hashes)
    old_id_count = Counter(entry["doc_id"] for entry in old_entries.values())
    with IsolatedParser() as parser:
        for name in tqdm(names, desc="documents", unit="doc", disable=not progress):
            digest, doc_id = plan.hashes[name], plan.doc_ids[name]
            old = old_entries.get(name)
            # An index from before unique ids may hold two files under one id: those are read again.
            same = old is not None and (old["hash"], old["doc_id"]) == (digest, doc_id) and old_id_count[doc_id] == 1
            if previous is not None and old is not None and same:
                positions = previous.doc_positions[old["doc_id"]]
                documents[name] = _with_overrides(old, corpus_dir / name, plan.overrides_of(name), parser, report)
                passages.extend(previous.passages[i] for i in positions)
                vectors.append(previous.vectors[positions])
                continue
            try:
                ingested = ingest(corpus_dir / name, settings, plan.overrides_of(name), doc_id, parser)
            except Exception as error:  # any failure is this one file's: refused by name, the build goes on
                reason = error.reason if isinstance(error, DocumentError) else f"unreadable ({type(error).__name__})"
                print(f"warning: skipped {name}: {reason}", file=sys.stderr)
                failed[name], failed_hashes[name] = reason, digest
                continue
            texts = _document_texts(ingested.passages)
            embedded = _embed(texts, known_vectors, checkpoint, progress)
            known_vectors.update(zip(texts, embedded, strict=True))
            vectors.append(embedded[: len(ingested.passages)])
            passages.extend(ingested.passages)
            documents[name] = {
                "doc_id": ingested.document.doc_id,
                "hash": digest,
                "meta": ingested.document.meta.to_dict(),
                "overrides": plan.overrides_of(name),
                "passages": len(ingested.passages),
            }
            (report.updated if old else report.added).append(name)
    report.removed = sorted(set(old_entries) - set(documents) - set(failed))
    report.failed = failed
    matrix = np.concatenate(vectors) if vectors else np.zeros((0, embedder.dimension), dtype=np.float32)
    manifest = {
        "format": FORMAT_VERSION,
        "model": embedder.name,
        "dimension": embedder.dimension,
        "chunking": settings.to_dict(),
        "pipeline": pipeline_fingerprint(),
        "lexical": lexical_fingerprint(),
        "index": index.fingerprint(),
        "bm25": asdict(bm25),
        "passages": len(passages),
        "documents": documents,
        "failed": failed,
        "failed_hashes": failed_hashes,
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%S"),
    }
    metas = {entry["doc_id"]: DocumentMeta(**entry["meta"]) for entry in documents.values()}
    tokenizer = ChineseTokenizer(_unit_words(passages))
    lexical = LexicalIndex.build([passage_index_text(p, metas[p.doc_id]) for p in passages], tokenizer, bm25)
    sentences = _embed_sentences(passages, known_vectors, checkpoint, progress)
    arrays = {SENTENCE_VECTORS: sentences.vectors, SENTENCE_OWNERS: sentences.owners}
    dense = build_vector_store(index, index_dir, matrix, passage_rows(passages, documents), progress)
    generation = _write_generation(index_dir, manifest, passages, matrix, dense, lexical, arrays)
    checkpoint.clear()
    return IndexStore(generation, manifest, passages, matrix, dense, lexical, sentences)


def _embed_sentences(
    passages: list[Passage], known: dict[str, np.ndarray], checkpoint: EmbeddingCheckpoint, progress: bool = False
) -> SentenceVectors:
    """Every corpus passage's sentence vectors, so the dense leg can score a passage by its best sentence
    (``retrieval/sentences.py``); a new document's were embedded with its passages, an unchanged one's are known."""
    texts, owners = sentence_texts(passages)
    return SentenceVectors(_embed(texts, known, checkpoint, progress), owners)


def _formatted(passage: Passage, text_format: str) -> str:
    """A passage-file passage as indexed: its record (title kept as the section) formatted."""
    return PassageRecord(passage.passage_id, passage.section_path, passage.text).formatted(text_format)


def sentence_texts(passages: list[Passage], text_format: str | None = None) -> tuple[list[str], np.ndarray]:
    """Each passage's sentences, formatted like the passage (a passage file's: under its title when titles are
    indexed; ``None``, a corpus passage's: the sentence alone), and per sentence the position of its passage."""
    texts, owners = [], []
    for position, passage in enumerate(passages):
        for sentence in split_sentences(passage.text):
            if text_format is not None:
                sentence = _formatted(Passage(passage.passage_id, "", sentence, passage.section, 0, 0), text_format)
            texts.append(sentence)
            owners.append(position)
    return texts, np.asarray(owners, dtype=np.int64)


def passage_file_passages(source: Path, records: list[PassageRecord]) -> list[Passage]:
    """A passage file's records as passages of one document (the file): the title kept as the section, offsets
    within the record's text."""
    return [
        Passage(record.id, source.stem, record.text, [record.title] if record.title else [], 0, len(record.text), PROSE)
        for record in records
    ]


@dataclass(frozen=True)
class PassageFileSettings:
    """How a passage file is indexed: what each passage's indexed text is, BM25's parameters, and whether
    every sentence is embedded too (for sentence-level dense scores)."""

    text_format: str = "title+text"
    bm25: BM25Parameters = DEFAULT_BM25
    sentences: bool = False


def build_passage_index(
    index_dir: Path,
    source: Path,
    embedder: Embedder,
    settings: PassageFileSettings = PassageFileSettings(),
    known_vectors: dict[str, np.ndarray] | None = None,
    progress: bool = True,
    index: IndexSettings | None = None,
) -> IndexStore:
    """An index of ``source``'s passages as given (``passage_file.py``): one document, one passage per line.

    Searched like any index (``Retriever``, ``python -m assistant search --index``); a corpus build never touches
    it. The current generation is kept when it was built from the same file, model and settings; otherwise
    vectors are taken from it and ``known_vectors`` by text, and only the rest is embedded.
    """
    index = index or IndexSettings()
    records = read_passage_file(source)
    wanted = {
        "source_hash": content_hash(source),
        "text_format": settings.text_format,
        "sentences": settings.sentences,
    }
    index_dir.mkdir(parents=True, exist_ok=True)
    with _build_lock(index_dir):
        _discard_interrupted(index_dir)
        previous, _, _ = _load_compatible(index_dir, embedder, ChunkSettings())
        if previous is not None and previous.passage_file is not None:
            same = {key: previous.passage_file.get(key) for key in wanted} == wanted
            built = (previous.manifest.get("bm25"), previous.manifest.get("lexical"), previous.manifest["index"])
            if same and built == (asdict(settings.bm25), lexical_fingerprint(), index.fingerprint()):
                return previous
        known = {**_vectors_by_text(previous), **(known_vectors or {})}
        doc_id = source.stem
        passages = passage_file_passages(source, records)
        texts = [record.formatted(settings.text_format) for record in records]
        checkpoint = EmbeddingCheckpoint(index_dir, embedder)
        matrix = _embed(texts, known, checkpoint, progress)
        arrays = {}
        if settings.sentences:
            sentences, owners = sentence_texts(passages, settings.text_format)
            arrays = {SENTENCE_VECTORS: _embed(sentences, known, checkpoint, progress), SENTENCE_OWNERS: owners}
        meta = DocumentMeta(title=doc_id)
        documents = {
            source.name: {
                "doc_id": doc_id,
                "hash": wanted["source_hash"],
                "meta": meta.to_dict(),
                "overrides": {},
                "passages": len(passages),
            }
        }
        manifest = {
            "format": FORMAT_VERSION,
            "model": embedder.name,
            "dimension": embedder.dimension,
            "chunking": ChunkSettings().to_dict(),
            "pipeline": pipeline_fingerprint(),
            "lexical": lexical_fingerprint(),
            "index": index.fingerprint(),
            "bm25": asdict(settings.bm25),
            "passage_file": {"source": str(source), **wanted},
            "passages": len(passages),
            "documents": documents,
            "failed": {},
            "failed_hashes": {},
            "built_at": time.strftime("%Y-%m-%dT%H:%M:%S"),
        }
        lexical = LexicalIndex.build(texts, ChineseTokenizer(), settings.bm25)
        dense = build_vector_store(index, index_dir, matrix, passage_rows(passages, documents), progress)
        generation = _write_generation(index_dir, manifest, passages, matrix, dense, lexical, arrays)
        checkpoint.clear()
        return IndexStore.load(generation)


def _vectors_by_text(*stores: IndexStore | None) -> dict[str, np.ndarray]:
    """Every passage text's vector in ``stores`` (all made by the model in use)."""
    known = {}
    for store in filter(None, stores):
        known.update(zip(store.dense_texts(), store.vectors, strict=True))
        if store.sentences is not None:
            known.update(zip(store.sentence_texts(), store.sentences.vectors, strict=True))
    return known


def _embed(
    texts: list[str], known: dict[str, np.ndarray], checkpoint: EmbeddingCheckpoint, progress: bool
) -> np.ndarray:
    """Vectors for ``texts``: known ones copied, the rest embedded (through the resumable checkpoint)."""
    missing = list(dict.fromkeys(text for text in texts if text not in known))
    if missing:
        known = {**known, **dict(zip(missing, checkpoint.encode_passages(missing, progress), strict=True))}
    if not texts:
        return np.zeros((0, checkpoint.embedder.dimension), dtype=np.float32)
    return np.stack([known[text] for text in texts]).astype(np.float32)


def _with_overrides(entry: dict, path: Path, overrides: dict, parser: IsolatedParser, report: BuildReport) -> dict:
    """An unchanged file's manifest entry under its current overrides: metadata read again, passages kept.

    If the file cannot be read this time (a worker time-out under load), the old entry stays and the next
    build tries again.
    """
    if entry.get("overrides", {}) == overrides:
        report.unchanged.append(path.name)
        return entry
    try:
        document = read_document(path, overrides, entry["doc_id"], parser)
    except Exception as error:  # the passages were read before: keep them, report, retry next build
        report.unchanged.append(path.name)
        report.warnings.append(f"{path.name}: metadata not updated ({type(error).__name__}: {error})")
        return entry
    report.metadata_updated.append(path.name)
    return {**entry, "meta": document.meta.to_dict(), "overrides": overrides}


def passage_rows(passages: list[Passage], documents: dict[str, dict]) -> PassageRows:
    """Each passage's key, stable while its document is unchanged (document + content hash + ordinal), and
    filterable metadata, for a vector store."""
    entries = {entry["doc_id"]: entry for entry in documents.values()}
    ordinals: dict[str, int] = {}
    keys, hashes, regions, years = [], [], [], []
    for passage in passages:
        entry = entries[passage.doc_id]
        ordinal = ordinals[passage.doc_id] = ordinals.get(passage.doc_id, -1) + 1
        document = hashlib.sha256(f"{passage.doc_id}\0{entry['hash']}".encode()).hexdigest()[:32]
        keys.append(f"{document}:{ordinal}")
        hashes.append(entry["hash"])
        regions.append(entry["meta"].get("region") or "")
        years.append(entry["meta"].get("year") or 0)
    return PassageRows(keys, [passage.doc_id for passage in passages], hashes, regions, years)


def _unit_words(passages: list[Passage]) -> list[str]:
    """Unit names from the task records (区发展改革局, 县政府办公室…) become dictionary words."""
    words = set()
    for passage in passages:
        for key in _UNIT_FIELDS:
            for unit in passage.fields.get(key, "").replace("，", "、").replace(",", "、").split("、"):
                unit = unit.strip("。；; ")
                if 2 < len(unit) <= 15:
                    words.add(unit)
    return sorted(words)


def _write_generation(
    index_dir: Path,
    manifest: dict,
    passages: list[Passage],
    vectors: np.ndarray,
    dense: VectorStore,
    lexical: LexicalIndex,
    arrays: dict[str, np.ndarray] | None = None,
) -> Path:
    name = f"gen-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}-{time.monotonic_ns() % 1_000_000}"
    staging, generation, pointer = index_dir / f".{name}.tmp", index_dir / name, index_dir / f".{CURRENT}.tmp"
    staging.mkdir()
    try:
        with (staging / "passages.jsonl").open("w", encoding="utf-8") as handle:
            for passage in passages:
                handle.write(json.dumps(passage.to_dict(), ensure_ascii=False) + "\n")
        np.save(staging / "vectors.npy", vectors)
        for file_name, array in (arrays or {}).items():
            np.save(staging / file_name, array)
        save_vector_store(dense, staging)
        lexical.save(staging)
        manifest["files"] = _checksums(staging)
        write_manifest(staging, manifest)
        _fsync_tree(staging)
        os.rename(staging, generation)
        pointer.write_text(name, encoding="utf-8")
        fsync(pointer)
    except OSError:  # a full disk: give back the space now, the generation in use stays as it was
        for folder in (staging, generation):
            shutil.rmtree(folder, ignore_errors=True)
        pointer.unlink(missing_ok=True)
        raise
    os.replace(pointer, index_dir / CURRENT)
    fsync(index_dir)
    _remove_old_generations(index_dir, keep=name)
    return generation


def manifest_checksum(manifest: dict) -> str:
    """SHA-256 of the manifest's canonical JSON without its own checksum field."""
    body = {key: value for key, value in manifest.items() if key != MANIFEST_CHECKSUM}
    canonical = json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()


def write_manifest(generation: Path, manifest: dict) -> None:
    """Write ``manifest.json`` carrying its own checksum (set in ``manifest`` too)."""
    manifest[MANIFEST_CHECKSUM] = manifest_checksum(manifest)
    (generation / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")


def read_manifest(generation: Path) -> dict:
    """The manifest, or ValueError if it was edited since it was written (a changed title or region is damage
    like any other: the other files' checksums live in it, so only its own checksum can vouch for it)."""
    manifest = json.loads((generation / MANIFEST).read_text(encoding="utf-8"))
    if manifest.get("format") != FORMAT_VERSION:
        return manifest  # an older format: rebuilt for that reason
    if manifest.get(MANIFEST_CHECKSUM) != manifest_checksum(manifest):
        raise ValueError(f"{MANIFEST} changed since the index was written (its checksum does not match)")
    return manifest


def _remove_old_generations(index_dir: Path, keep: str) -> list[str]:
    """Delete every generation folder but ``keep`` (finished or half-written); returns their names."""
    removed = []
    for entry in index_dir.iterdir():
        if entry.is_dir() and entry.name != keep and entry.name.startswith(("gen-", ".gen-")):
            shutil.rmtree(entry, ignore_errors=True)
            removed.append(entry.name)
    return sorted(removed)


def _discard_interrupted(index_dir: Path) -> str:
    """What a killed build left beside the index in use (a half-written or never-adopted generation), removed.

    Runs under the build lock, so no living builder owns these folders. Returns the message, or "" when clean.
    """
    current = current_generation(index_dir)
    removed = _remove_old_generations(index_dir, keep=current.name if current else "")
    if not removed:
        return ""
    in_use = f"the index in use is {current.name}" if current else "no complete index was left"
    message = f"an interrupted build was found and discarded ({', '.join(removed)}); {in_use}"
    print(f"index: {message}", file=sys.stderr)
    return message


def _checksums(directory: Path) -> dict[str, str]:
    """SHA-256 of every file in a generation (the manifest aside), so damage is found at load, not as bad answers."""
    return {
        path.relative_to(directory).as_posix(): content_hash(path)
        for path in sorted(directory.rglob("*"))
        if path.is_file() and path.name != MANIFEST
    }


def _verify_checksums(directory: Path, expected: dict[str, str]) -> None:
    if not expected:
        raise ValueError("the manifest lists no file checksums")
    actual = _checksums(directory)
    damaged = sorted(name for name in expected.keys() | actual.keys() if expected.get(name) != actual.get(name))
    if damaged:
        raise ValueError(f"{', '.join(damaged)} missing, added or changed since the index was written")


def _fsync_tree(directory: Path) -> None:
    for path in directory.rglob("*"):
        if path.is_file():
            fsync(path)
    fsync(directory)


@contextmanager
def _build_lock(index_dir: Path, shared: bool = False) -> Iterator[None]:
    """One builder at a time per index folder; others wait, then see its result.

    ``shared``: a reader that may not write, so the lock file is opened only if it exists; it still waits
    for a builder that is writing through another (writable) mount of the same folder.
    """
    lock = index_dir / ".lock"
    if shared and not lock.is_file():
        yield
        return
    with lock.open("r" if shared else "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_SH if shared else fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
