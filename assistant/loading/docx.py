"""Word .docx: paragraphs and tables in body order, headings as markdown, tables as tab-separated rows."""

from __future__ import annotations

import zipfile
from pathlib import Path

import docx
from docx.table import Table
from docx.text.paragraph import Paragraph

from assistant.loading.errors import DocumentError, too_large

# A real policy document is a few MB unpacked; far more than this is a zip bomb.
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
# The body XML is parsed whole (about ten times its size in memory); 25 MB of it is far beyond any real
# document's million characters.
MAX_BODY_BYTES = 25 * 1024 * 1024


def load_docx(path: Path) -> str:
    _check_archive(path)
    try:
        document = docx.Document(str(path))
    except Exception as error:  # python-docx raises many unrelated types for broken packages
        raise DocumentError(path, f"not a valid .docx ({error.__class__.__name__}: {error})") from error
    lines: list[str] = []
    for block in document.iter_inner_content():
        if isinstance(block, Paragraph):
            lines.append(_paragraph_line(block))
        elif isinstance(block, Table):
            lines.extend(_table_lines(block))
    return "\n".join(lines)


def _check_archive(path: Path) -> None:
    if not zipfile.is_zipfile(path):
        raise DocumentError(path, "not a .docx (the file is not a zip package)")
    try:
        with zipfile.ZipFile(path) as archive:
            sizes = {info.filename: info.file_size for info in archive.infolist()}
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise DocumentError(path, f"not a valid .docx ({error.__class__.__name__}: {error})") from error
    unpacked = sum(sizes.values())
    if unpacked > MAX_UNPACKED_BYTES:
        raise DocumentError(path, f"refused: unpacks to {unpacked / 1e6:.0f} MB (zip bomb?)")
    body = sizes.get("word/document.xml", 0)
    if body > MAX_BODY_BYTES:
        raise too_large(path, "unpacked document body", body, MAX_BODY_BYTES)
    # python-docx parses styles, numbering, headers… whole as well: none of them is larger than the body.
    part, largest = max(sizes.items(), key=lambda item: item[1], default=("", 0))
    if part.endswith((".xml", ".rels")) and largest > MAX_BODY_BYTES:
        raise too_large(path, f"unpacked part {part}", largest, MAX_BODY_BYTES)


def _paragraph_line(paragraph: Paragraph) -> str:
    style = paragraph.style.name if paragraph.style is not None else ""
    if style.startswith("Heading") and style[-1:].isdigit():
        return "#" * int(style[-1]) + " " + paragraph.text
    return paragraph.text


def _table_lines(table: Table) -> list[str]:
    """One line per row; a cell merged across columns is written once, merged rows stay empty."""
    lines = []
    above: list[object] = []
    for row in table.rows:
        cells: list[str] = []
        seen: list[object] = []
        for column, cell in enumerate(row.cells):
            if seen and cell._tc is seen[-1]:
                continue
            seen.append(cell._tc)
            merged_from_above = column < len(above) and above[column] is cell._tc
            cells.append("" if merged_from_above else cell.text.replace("\n", ""))
        above = [cell._tc for cell in row.cells]
        lines.append("\t".join(cells))
    return lines
