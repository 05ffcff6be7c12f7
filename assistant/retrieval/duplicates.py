"""Collapse hits that say the same thing twice (a sentence in prose and again in its table row)."""

from __future__ import annotations

from assistant.retrieval.hit import Hit
from assistant.structure.fields import TASK

NGRAM = 4
# Share of the shorter passage's 4-grams found in the longer one that makes them one statement.
CONTAINMENT = 0.6


def _ngrams(text: str) -> set[str]:
    compact = "".join(char for char in text if not char.isspace())
    return {compact[i : i + NGRAM] for i in range(max(len(compact) - NGRAM + 1, 1))}


def _same_statement(a: Hit, b: Hit, grams: dict[str, set[str]]) -> bool:
    if a.passage.doc_id != b.passage.doc_id:
        return False
    first, second = grams[a.passage.passage_id], grams[b.passage.passage_id]
    smaller = min(len(first), len(second)) or 1
    return len(first & second) / smaller >= CONTAINMENT


def _statement(hit: Hit) -> str:
    """What a passage states: a record's task text without its field labels and units, else the text."""
    return hit.passage.fields.get(TASK) or hit.passage.text


def collapse_duplicates(hits: list[Hit]) -> list[Hit]:
    """Keep the best-ranked of each group; the others become its ``also_at`` locations."""
    grams = {hit.passage.passage_id: _ngrams(_statement(hit)) for hit in hits}
    kept: list[Hit] = []
    for hit in hits:
        twin = next((other for other in kept if _same_statement(other, hit, grams)), None)
        if twin is None:
            kept.append(hit)
        else:
            twin.also_at.append(hit.passage)
    return kept
