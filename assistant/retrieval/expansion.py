"""Everyday words to official terms, so "政府的公众号归谁管" finds 政务新媒体.

Only the BM25 query is expanded: the dense model sees the question as asked, and the
added terms never show in what the user reads.
"""

from __future__ import annotations

from importlib import resources


def _load_terms() -> list[tuple[str, str]]:
    text = (resources.files("assistant") / "resources" / "everyday_terms.txt").read_text(encoding="utf-8")
    pairs = []
    for line in text.splitlines():
        if line.strip() and not line.startswith("#"):
            everyday, official = line.split("#", 1)[0].split("\t", 1)  # a comment says why the pair holds
            pairs.append((everyday.strip(), official.strip()))
    return pairs


EVERYDAY_TERMS: tuple[tuple[str, str], ...] = tuple(_load_terms())


def expand_query(question: str) -> str:
    """The question followed by the official terms for the everyday words it uses."""
    added = [official for everyday, official in EVERYDAY_TERMS if everyday in question and official not in question]
    return question if not added else question + " " + " ".join(dict.fromkeys(added))
