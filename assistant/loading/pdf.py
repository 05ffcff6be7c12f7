"""PDF through pypdf: text layer only; encrypted and scanned files are refused by name."""

from __future__ import annotations

from pathlib import Path

from pypdf import PdfReader
from pypdf.errors import PdfReadError, PyPdfError

from assistant.loading.errors import DocumentError


def load_pdf(path: Path) -> str:
    try:
        reader = PdfReader(path)
        if reader.is_encrypted and not reader.decrypt(""):
            raise DocumentError(path, "the PDF is encrypted (password protected)")
        pages = [page.extract_text() or "" for page in reader.pages]
    except DocumentError:
        raise
    except (PdfReadError, PyPdfError, ValueError, KeyError, TypeError, OSError) as error:
        raise DocumentError(path, f"corrupt or unreadable PDF ({error.__class__.__name__}: {error})") from error
    text = "\n".join(pages)
    if not text.strip():
        raise DocumentError(path, "the PDF has no text layer (a scanned image?); OCR it first")
    return text
