"""Load any supported file into plain text; every failure is a DocumentError naming the file."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from assistant.loading.docx import load_docx
from assistant.loading.errors import DocumentError
from assistant.loading.html import load_html
from assistant.loading.pdf import load_pdf
from assistant.loading.text import load_text

LOADERS: dict[str, Callable[[Path], str]] = {
    ".txt": load_text,
    ".md": load_text,
    ".pdf": load_pdf,
    ".docx": load_docx,
    ".html": load_html,
    ".htm": load_html,
}
SUPPORTED_SUFFIXES = tuple(LOADERS)


def load_file(path: Path) -> str:
    """The document's text as extracted; this is the 'original' that citations point into."""
    loader = LOADERS.get(path.suffix.lower())
    if loader is None:
        raise DocumentError(path, f"unsupported file type {path.suffix!r} (supported: {', '.join(SUPPORTED_SUFFIXES)})")
    if path.stat().st_size == 0:
        raise DocumentError(path, "the file is empty")
    text = loader(path)
    if not text.strip():
        raise DocumentError(path, "no text found in the file")
    return text


__all__ = ["SUPPORTED_SUFFIXES", "DocumentError", "load_file"]
