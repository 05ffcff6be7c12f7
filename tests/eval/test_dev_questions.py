"""Validate the blind questions over the development corpus (eval/dev/questions.jsonl): fields, evidence that
occurs in the documents as the loader extracts them, and the tune/check split by document."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from assistant.corpus import corpus_doc_ids
from assistant.loading import IsolatedParser, load_file
from eval.labelled import DEV_CORPUS, DEV_QUESTIONS, HALVES, load_questions

TYPES = {"who", "when", "number", "conditions", "materials", "procedure", "what", "unanswerable"}
SPLIT = json.loads((DEV_CORPUS.parent / "split.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def texts() -> dict[str, str]:
    with IsolatedParser() as parser:
        return {doc_id: load_file(path, parser) for path, doc_id in corpus_doc_ids(DEV_CORPUS).items()}


def test_the_set_is_large_blind_and_split_by_document(texts: dict[str, str]) -> None:
    questions = load_questions(DEV_QUESTIONS)
    assert len(questions) >= 200 and len({q.id for q in questions}) == len(questions)
    assert set(SPLIT) == set(texts)  # every document is on one side
    genres = {}
    for line in (DEV_CORPUS.parent / "sources.tsv").read_text(encoding="utf-8").splitlines()[1:]:
        cells = line.split("\t")
        genres[cells[0].rsplit(".", 1)[0]] = cells[6]
    for genre in set(genres.values()):
        assert {SPLIT[d] for d, g in genres.items() if g == genre} == set(HALVES), genre
    for question in questions:
        assert question.type in TYPES and question.split in HALVES, question.id
        halves = {SPLIT[doc_id] for doc_id in question.doc_ids}
        if halves:  # a question touching a check document is a check question
            assert question.split == ("tune" if halves == {"tune"} else "check"), question.id
    counts = Counter((q.split, q.answerable) for q in questions)
    assert min(counts.values()) >= 15, counts
    paraphrases = sum(q.style == "paraphrase" for q in questions)
    assert paraphrases >= len(questions) / 3 - 5


def test_evidence_and_key_facts_stand_in_the_extracted_text(texts: dict[str, str]) -> None:
    for question in load_questions(DEV_QUESTIONS):
        if not question.answerable:
            assert not (question.doc_ids or question.evidence or question.answer or question.key_facts), question.id
            continue
        assert {e["doc_id"] for e in question.evidence} == set(question.doc_ids), question.id
        for evidence in question.evidence:
            assert evidence["text"] in texts[evidence["doc_id"]], (question.id, evidence)
        for fact in question.key_facts:
            assert any(fact in texts[doc_id] for doc_id in question.doc_ids), (question.id, fact)
