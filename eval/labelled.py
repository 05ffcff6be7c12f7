"""The labelled question set and how a retrieved passage is judged relevant.

A hit is relevant to a document's evidence when its span in the original text overlaps an
occurrence of one of that document's evidence strings; this does not depend on chunking.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from assistant.corpus import corpus_doc_ids
from assistant.loading import IsolatedParser, load_file

QUESTIONS = Path(__file__).parent / "questions.jsonl"
# The development corpus (real documents of many genres and places) and its blind questions, split by document.
DEV_CORPUS = Path(__file__).parent / "corpora" / "dev" / "docs"
DEV_QUESTIONS = Path(__file__).parent / "dev" / "questions.jsonl"
HALVES = ("tune", "check")


@dataclass(frozen=True)
class Location:
    doc_id: str
    start: int
    end: int


@dataclass
class LabelledQuestion:
    id: str
    question: str
    type: str
    style: str
    doc_ids: list[str]
    evidence: list[dict]
    answer: str
    region: str
    year: int | None
    key_facts: list[str] = field(default_factory=list)  # short spans a right answer contains (dev set)
    split: str = ""  # "tune" or "check" (dev set): rules are chosen on tune, only check is reported

    @property
    def answerable(self) -> bool:
        return self.type != "unanswerable"


def load_questions(path: Path = QUESTIONS) -> list[LabelledQuestion]:
    with path.open(encoding="utf-8") as handle:
        return [LabelledQuestion(**json.loads(line)) for line in handle if line.strip()]


class EvidenceIndex:
    """Where each question's evidence stands in the original texts of the corpus."""

    def __init__(self, corpus_dir: Path) -> None:
        with IsolatedParser() as parser:
            self.texts = {doc_id: load_file(path, parser) for path, doc_id in corpus_doc_ids(corpus_dir).items()}

    def spans(self, question: LabelledQuestion) -> dict[str, list[tuple[int, int]]]:
        spans: dict[str, list[tuple[int, int]]] = {doc_id: [] for doc_id in question.doc_ids}
        for evidence in question.evidence:
            text = self.texts[evidence["doc_id"]]
            needle = evidence["text"]
            at = text.find(needle)
            while at >= 0:
                spans.setdefault(evidence["doc_id"], []).append((at, at + len(needle)))
                at = text.find(needle, at + 1)
        return spans


def satisfied_units(locations: Iterable[Location], spans: dict[str, list[tuple[int, int]]]) -> set[str]:
    """The documents whose evidence any of the hit's locations overlaps."""
    units = set()
    for location in locations:
        for start, end in spans.get(location.doc_id, ()):
            if location.start < end and start < location.end:
                units.add(location.doc_id)
    return units
