"""Load any supported file into plain text; every failure is a DocumentError naming the file."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from assistant.loading.docx import load_docx
from assistant.loading.errors import DocumentError, too_large
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
# Size policy. A policy document is tens of thousands of characters; a file of more than 50 MB is an
# archive dump or an image-heavy scan, and is refused before it is read. Text beyond a million characters
# (about 2,000 passages, many minutes to embed on a CPU) is refused once extracted, so one file cannot
# hold up an index build for hours.
MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_TEXT_CHARS = 1_000_000


def load_file(path: Path) -> str:
    """The document's text as extracted; this is the 'original' that citations point into."""
    loader = LOADERS.get(path.suffix.lower())
    if loader is None:
        raise DocumentError(path, f"unsupported file type {path.suffix!r} (supported: {', '.join(SUPPORTED_SUFFIXES)})")
    size = path.stat().st_size
    if size == 0:
        raise DocumentError(path, "the file is empty")
    if size > MAX_FILE_BYTES:
        raise too_large(path, "file", size, MAX_FILE_BYTES)
    text = loader(path)
    if not text.strip():
        raise DocumentError(path, "no text found in the file")
    if len(text) > MAX_TEXT_CHARS:
        raise DocumentError(path, f"too long: {len(text):,} characters of text (limit {MAX_TEXT_CHARS:,})")
    return text


__all__ = ["MAX_FILE_BYTES", "MAX_TEXT_CHARS", "SUPPORTED_SUFFIXES", "DocumentError", "load_file"]
