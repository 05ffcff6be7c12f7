"""Validate the labelled question set in eval/questions.jsonl against the corpus."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
QUESTIONS = ROOT / "eval" / "questions.jsonl"
CORPUS = ROOT / "corpus"

KEYS = {"id", "question", "type", "style", "doc_ids", "evidence", "answer", "region", "year"}
TYPES = {"who", "when", "number", "what", "unanswerable"}
STYLES = {"verbatim", "paraphrase", "keyword"}

MIN_TOTAL = 160  # the set must hold at least 160 lines (which also covers the 150 floor)
MIN_PER_TYPE = {"who": 40, "when": 25, "number": 15, "what": 30, "unanswerable": 20}
MIN_MULTI_DOC = 20


def _load_items() -> list[dict]:
    items = []
    for number, line in enumerate(QUESTIONS.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            items.append(json.loads(line))
        except json.JSONDecodeError as exc:  # pragma: no cover - reported as a failure
            pytest.fail(f"line {number} is not valid JSON: {exc}")
    return items


@pytest.fixture(scope="module")
def items() -> list[dict]:
    assert QUESTIONS.is_file(), f"missing {QUESTIONS}"
    return _load_items()


@pytest.fixture(scope="module")
def corpus_texts() -> dict[str, str]:
    return {path.stem: path.read_text(encoding="utf-8") for path in sorted(CORPUS.glob("*.txt"))}


def test_every_line_is_a_json_object(items):
    lines = [line for line in QUESTIONS.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(lines) == len(items)
    assert all(isinstance(item, dict) for item in items)


def test_keys_and_allowed_values(items):
    for item in items:
        qid = item.get("id")
        assert set(item) == KEYS, f"{qid}: keys {sorted(item)}"
        assert isinstance(qid, str) and qid, item
        assert isinstance(item["question"], str) and item["question"].strip(), qid
        assert item["type"] in TYPES, f"{qid}: type {item['type']!r}"
        assert item["style"] in STYLES, f"{qid}: style {item['style']!r}"
        assert isinstance(item["doc_ids"], list), qid
        assert all(isinstance(d, str) for d in item["doc_ids"]), qid
        assert len(set(item["doc_ids"])) == len(item["doc_ids"]), f"{qid}: duplicate doc_ids"
        assert isinstance(item["evidence"], list), qid
        for ev in item["evidence"]:
            assert isinstance(ev, dict) and set(ev) == {"doc_id", "text"}, f"{qid}: evidence {ev!r}"
            assert isinstance(ev["doc_id"], str) and isinstance(ev["text"], str), qid
        assert isinstance(item["answer"], str), qid
        assert isinstance(item["region"], str), qid
        year = item["year"]
        assert year is None or (isinstance(year, int) and not isinstance(year, bool)), f"{qid}: year {year!r}"


def test_ids_and_questions_are_unique(items):
    ids = Counter(item["id"] for item in items)
    assert not [i for i, n in ids.items() if n > 1], "duplicate ids"
    questions = Counter(item["question"] for item in items)
    assert not [q for q, n in questions.items() if n > 1], "duplicate questions"


def test_minimum_counts(items):
    assert len(items) >= MIN_TOTAL
    types = Counter(item["type"] for item in items)
    for type_, minimum in MIN_PER_TYPE.items():
        assert types[type_] >= minimum, f"{type_}: {types[type_]} < {minimum}"
    multi = sum(1 for item in items if len(item["doc_ids"]) >= 2)
    assert multi >= MIN_MULTI_DOC, f"multi-document questions: {multi} < {MIN_MULTI_DOC}"


def test_doc_ids_name_corpus_files(items, corpus_texts):
    for item in items:
        for doc_id in item["doc_ids"]:
            assert doc_id in corpus_texts, f"{item['id']}: unknown doc_id {doc_id!r}"
        for ev in item["evidence"]:
            assert ev["doc_id"] in corpus_texts, f"{item['id']}: unknown evidence doc_id {ev['doc_id']!r}"


def test_evidence_is_exact_single_line_substring(items, corpus_texts):
    for item in items:
        for ev in item["evidence"]:
            text = ev["text"]
            assert "\n" not in text and "\r" not in text, f"{item['id']}: evidence spans lines: {text!r}"
            assert 8 <= len(text) <= 60, f"{item['id']}: evidence length {len(text)}: {text!r}"
            assert text in corpus_texts[ev["doc_id"]], f"{item['id']}: not in {ev['doc_id']}: {text!r}"


def test_answerable_vs_unanswerable(items):
    for item in items:
        qid = item["id"]
        if item["type"] == "unanswerable":
            assert item["doc_ids"] == [], qid
            assert item["evidence"] == [], qid
            assert item["answer"] == "", qid
        else:
            assert len(item["evidence"]) >= 1, f"{qid}: answerable item without evidence"
            assert item["doc_ids"], f"{qid}: answerable item without doc_ids"
            assert item["answer"].strip(), f"{qid}: answerable item without answer"
            evidence_docs = {ev["doc_id"] for ev in item["evidence"]}
            assert evidence_docs == set(item["doc_ids"]), (
                f"{qid}: every listed document needs evidence and every evidence document must be listed"
            )
