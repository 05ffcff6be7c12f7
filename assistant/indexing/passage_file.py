"""A file of passages as given (``corpus.jsonl``: ``{"id","title","text"}``, or BEIR's ``_id``), one per line.

Why: evaluators bring corpora already cut into passages; indexing them as they are, through the same index store
and retriever as the policy documents, makes a benchmark score a score of the product. No structure is parsed and
nothing is chunked: each line is one passage of one document, the file.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

# Title + text by default: titles (law name + article number, Wikipedia article title) carry terms the text lacks.
TEXT_FORMATS = ("title+text", "text")


@dataclass(frozen=True)
class PassageRecord:
    id: str
    title: str
    text: str

    def formatted(self, text_format: str) -> str:
        """What is indexed (BM25) and embedded (dense) for this passage."""
        if text_format == "title+text":
            return f"{self.title}\n{self.text}" if self.title else self.text
        if text_format == "text":
            return self.text
        raise ValueError(f"unknown text format {text_format!r}; choose one of {', '.join(TEXT_FORMATS)}")


def read_jsonl(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def row_id(row: dict) -> str:
    return str(row["id"] if "id" in row else row["_id"])


def read_passage_file(path: Path) -> list[PassageRecord]:
    """Every line's passage; ids must be unique, since a ranking names passages by id."""
    records = [PassageRecord(row_id(row), str(row.get("title") or ""), str(row["text"])) for row in read_jsonl(path)]
    if len({record.id for record in records}) != len(records):
        raise ValueError(f"{path}: passage ids are not unique")
    return records
