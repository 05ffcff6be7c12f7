"""HTML pages: visible text only (scripts and styles dropped), headings as markdown, tables as rows."""

from __future__ import annotations

from pathlib import Path

from bs4 import BeautifulSoup

from assistant.loading.errors import too_large
from assistant.loading.text import decode_bytes

# Parsing costs about 2 s and 20 MB of memory per MB of HTML; a policy page is well under 1 MB.
MAX_HTML_BYTES = 10 * 1024 * 1024

_BLOCKS = ("title", "p", "div", "li", "br", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "section", "article", "table")


def load_html(path: Path) -> str:
    size = path.stat().st_size
    if size > MAX_HTML_BYTES:
        raise too_large(path, "HTML page", size, MAX_HTML_BYTES)
    soup = BeautifulSoup(decode_bytes(path.read_bytes(), path), "html.parser")
    for hidden in soup(["script", "style", "noscript", "template", "iframe", "object"]):
        hidden.decompose()
    for level in range(1, 7):
        for heading in soup.find_all(f"h{level}"):
            heading.insert(0, "#" * level + " ")
    for row in soup.find_all("tr"):
        cells = [cell.get_text(" ", strip=True) for cell in row.find_all(["td", "th"])]
        row.replace_with("\n" + "\t".join(cells) + "\n")
    for block in soup.find_all(_BLOCKS):
        block.insert(0, "\n")
        block.append("\n")
    lines = [line.strip() for line in soup.get_text().splitlines()]
    return "\n".join(line for line in lines if line)
