"""The corpus folder: which files are documents, their hashes, and reading one into a Document."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

from assistant.documents import FILE_NAME, Document
from assistant.loading import SUPPORTED_SUFFIXES, IsolatedParser, load_file
from assistant.repair import repair
from assistant.structure.metadata import extract_metadata, merge_metadata


def corpus_files(corpus_dir: Path) -> list[Path]:
    """Supported documents in the folder (not recursive), in a stable order; none if there is no folder."""
    if not corpus_dir.is_dir():
        return []
    return sorted(
        p
        for p in corpus_dir.iterdir()
        if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES and not p.name.startswith(".")
    )


def content_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def assign_doc_ids(names: Iterable[str], kept: dict[str, str] | None = None) -> tuple[dict[str, str], list[str]]:
    """A doc_id for every file name, unique per file and stable across rebuilds; and the clashes found.

    A document is known by its file stem (``x`` for ``x.txt``). ``kept`` maps names to the ids an earlier
    build gave them; those stay. Another file with the same stem (``x.md``) is known by its full name,
    and the clash is reported so that an administrator can rename one of them.
    """
    names = sorted(names)
    assigned: dict[str, str] = {}
    taken: set[str] = set()
    for name in names:  # earlier ids first, each at most once (an index from before this rule may repeat one)
        doc_id = (kept or {}).get(name)
        if doc_id and doc_id not in taken:
            assigned[name] = doc_id
            taken.add(doc_id)
    clashes = []
    for name in names:
        if name in assigned:
            continue
        stem = Path(name).stem
        doc_id = next(c for c in (stem, name, *(f"{name}-{n}" for n in range(2, len(names) + 2))) if c not in taken)
        if doc_id != stem:
            holder = next(other for other, other_id in assigned.items() if other_id == stem)
            clashes.append(f"{name}: {holder} already has the document id {stem!r}; this file is {doc_id!r}")
        assigned[name] = doc_id
        taken.add(doc_id)
    return assigned, clashes


def corpus_doc_ids(corpus_dir: Path) -> dict[Path, str]:
    """Each corpus file's doc_id as a build from scratch assigns it (for evaluation without an index)."""
    files = corpus_files(corpus_dir)
    assigned, _ = assign_doc_ids(path.name for path in files)
    return {path: assigned[path.name] for path in files}


def read_document(
    path: Path, overrides: dict | None = None, doc_id: str | None = None, parser: IsolatedParser | None = None
) -> Document:
    """Load (in ``parser``'s worker for PDF/Word/HTML), repair and read metadata.

    Raises DocumentError for a file that cannot be read, whatever went wrong with it.
    """
    original = load_file(path, parser)
    repaired = repair(original)
    meta = merge_metadata(extract_metadata(repaired.text, path.name), overrides or {}, path.name)
    if not meta.title:
        meta.title = path.stem
        meta.sources["title"] = FILE_NAME
    return Document(doc_id or path.stem, path.name, original, repaired, meta, content_hash(path))
