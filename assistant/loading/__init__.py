"""Load any supported file into plain text; every failure is a DocumentError naming the file."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from assistant.loading.docx import load_docx
from assistant.loading.errors import DocumentError, too_large
from assistant.loading.html import load_html
from assistant.loading.isolated import IsolatedParser, ParseLimits
from assistant.loading.pdf import load_pdf
from assistant.loading.screening import injection_line
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
# Binary data under a text name decodes to replacement characters (bytes no encoding could read) and control
# bytes; a real document has none or a stray few. At one character in ten it is not text, and indexed it
# would answer with ``��``.
MAX_UNREADABLE_SHARE = 0.1
_UNREADABLE = re.compile(r"[\ufffd\x00-\x08\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
_BLANK = re.compile(r"[ \t\n\r\f\v\u3000\xa0]")


# Parsers that a hostile file can hang, crash or blow up run in a worker process (``isolated.py``).
ISOLATED_SUFFIXES = (".pdf", ".docx", ".html", ".htm")


def load_file(path: Path, parser: IsolatedParser | None = None) -> str:
    """The document's text as extracted; this is the 'original' that citations point into.

    PDF, Word and HTML are parsed in ``parser`` (a one-off worker when None), under its time and memory
    limits; plain text is decoded here. Any failure is a DocumentError naming the file.
    """
    if path.suffix.lower() not in ISOLATED_SUFFIXES:
        try:
            return load_file_in_process(path)
        except DocumentError:
            raise
        except Exception as error:  # RecursionError, MemoryError, a decoder bug: this file's problem only
            raise DocumentError(path, f"unreadable file ({error.__class__.__name__})") from error
    if parser is not None:
        return parser.load(path)
    with IsolatedParser() as one_off:
        return one_off.load(path)


def load_file_in_process(path: Path) -> str:
    """``load_file`` without the worker: for the worker itself and for tests of the parsers."""
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
    if (share := unreadable_share(text)) >= MAX_UNREADABLE_SHARE:
        raise DocumentError(
            path,
            f"not text: {share:.0%} of its characters are unreadable (replacement characters U+FFFD or control "
            "bytes); a binary file under a text name, or a file in an encoding that cannot be recognised",
        )
    if (line := injection_line(text)) is not None:
        raise DocumentError(path, f"refused: it gives instructions to the assistant (prompt injection): {line!r}")
    return text


def unreadable_share(text: str) -> float:
    """The share of the non-blank characters that are U+FFFD, control bytes or lone surrogates."""
    visible = len(text) - len(_BLANK.findall(text))
    return len(_UNREADABLE.findall(text)) / visible if visible else 0.0


__all__ = [
    "MAX_FILE_BYTES",
    "MAX_TEXT_CHARS",
    "MAX_UNREADABLE_SHARE",
    "SUPPORTED_SUFFIXES",
    "DocumentError",
    "IsolatedParser",
    "ParseLimits",
    "load_file",
    "load_file_in_process",
    "unreadable_share",
]
