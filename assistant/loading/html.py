"""HTML pages: visible text only (scripts and styles dropped), headings as markdown, tables as rows."""

from __future__ import annotations

import re
from pathlib import Path

from bs4 import BeautifulSoup

from assistant.loading.errors import DocumentError, too_large
from assistant.loading.text import decode_bytes

# Parsing costs about 2 s and 20 MB of memory per MB of HTML; a policy page is well under 1 MB.
MAX_HTML_BYTES = 10 * 1024 * 1024

# Parsing time grows with the square of the nesting depth; real pages nest a few dozen levels.
MAX_NESTING = 400
# Elements that never hold content, so never deepen the tree.
_VOID = frozenset(
    ["area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr"]
)
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)[^>]*?(/?)>")

_BLOCKS = ("title", "p", "div", "li", "br", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "section", "article", "table")


def load_html(path: Path) -> str:
    size = path.stat().st_size
    if size > MAX_HTML_BYTES:
        raise too_large(path, "HTML page", size, MAX_HTML_BYTES)
    markup = decode_bytes(path.read_bytes(), path)
    depth = _nesting_depth(markup)
    if depth > MAX_NESTING:
        raise DocumentError(path, f"HTML nested {depth} levels deep (limit {MAX_NESTING}): not a real page")
    soup = BeautifulSoup(markup, "html.parser")
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


def _nesting_depth(markup: str) -> int:
    """The deepest element nesting, counted in one linear scan (unclosed tags count as open)."""
    depth = deepest = 0
    for match in _TAG.finditer(markup):
        closing, name, self_closing = match.groups()
        if name.lower() in _VOID or self_closing:
            continue
        depth = max(depth - 1, 0) if closing else depth + 1
        deepest = max(deepest, depth)
    return deepest
