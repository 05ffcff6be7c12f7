"""The corpus folder: which files are documents, their hashes, and reading one into a Document."""

from __future__ import annotations

import hashlib
from pathlib import Path

from assistant.documents import FILE_NAME, Document
from assistant.loading import SUPPORTED_SUFFIXES, load_file
from assistant.repair import repair
from assistant.structure.metadata import extract_metadata, merge_metadata


def corpus_files(corpus_dir: Path) -> list[Path]:
    """Supported documents in the folder (not recursive), in a stable order."""
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


def doc_id_for(path: Path) -> str:
    return path.stem


def read_document(path: Path, overrides: dict | None = None) -> Document:
    """Load, repair and read metadata; raises DocumentError for a file that cannot be read."""
    original = load_file(path)
    repaired = repair(original)
    meta = merge_metadata(extract_metadata(repaired.text, path.name), overrides or {}, path.name)
    if not meta.title:
        meta.title = path.stem
        meta.sources["title"] = FILE_NAME
    return Document(doc_id_for(path), path.name, original, repaired, meta, content_hash(path))
