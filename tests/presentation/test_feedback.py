"""Feedback survives restarts, rejects nonsense, exports cleanly, and takes concurrent writes."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import threading
from pathlib import Path

import pytest

from assistant.presentation.feedback import FeedbackStore

CITATIONS = [{"n": 1, "doc_id": "高县_2023", "section": "分工表", "start": 1, "end": 9}]


def test_records_persist_across_instances(tmp_path: Path) -> None:
    path = tmp_path / "data" / "feedback.sqlite3"
    first = FeedbackStore(path)
    record_id = first.add("政务新媒体由谁负责", "高县（2023）：县政府办公室 [1]", "up", " 很准确 ", CITATIONS, "问")
    records = FeedbackStore(path).records()
    assert [r["id"] for r in records] == [record_id]
    record = records[0]
    assert (record["question"], record["rating"], record["comment"], record["understood"]) == (
        "政务新媒体由谁负责",
        "up",
        "很准确",
        "问",
    )
    assert record["citations"] == CITATIONS
    assert record["created_at"].endswith("+00:00")
    with sqlite3.connect(path) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_rating_must_be_up_or_down(tmp_path: Path) -> None:
    store = FeedbackStore(tmp_path / "f.sqlite3")
    with pytest.raises(ValueError, match="rating"):
        store.add("q", "a", "meh")
    assert store.records() == []


def test_exports_jsonl_and_csv(tmp_path: Path) -> None:
    store = FeedbackStore(tmp_path / "f.sqlite3")
    store.add("问题一", "回答一", "down", '=HYPERLINK("http://x")', CITATIONS)
    store.add("问题二", "回答二", "up")
    lines = [json.loads(line) for line in store.export_jsonl().splitlines()]
    assert [line["question"] for line in lines] == ["问题一", "问题二"]
    assert lines[0]["citations"] == CITATIONS
    text = store.export_csv()
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0]["rating"] == "down" and json.loads(rows[0]["citations"]) == CITATIONS
    assert rows[0]["comment"].startswith("'=")  # a spreadsheet shows it, never runs it


def test_concurrent_writes_are_all_kept(tmp_path: Path) -> None:
    path = tmp_path / "f.sqlite3"
    stores = [FeedbackStore(path) for _ in range(2)]  # two instances: like two processes sharing the file
    errors: list[BaseException] = []

    def write(worker: int) -> None:
        try:
            for number in range(25):
                stores[worker % 2].add(f"q{worker}-{number}", "a", "up" if number % 2 else "down")
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=write, args=(worker,)) for worker in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    records = stores[0].records()
    assert len(records) == 200 and len({r["id"] for r in records}) == 200


def test_a_keyed_judgement_replaces_the_earlier_one_with_its_key(tmp_path: Path) -> None:
    """👎 pressed twice, then 👍, on one answer: one row, 👍; other answers and unkeyed ones keep their rows."""
    store = FeedbackStore(tmp_path / "f.sqlite3")
    first = store.add("政务新媒体由谁负责", "高县（2023）：县政府办公室", "down", key="answer-1")
    assert store.add("政务新媒体由谁负责", "高县（2023）：县政府办公室", "down", key="answer-1") == first
    assert store.add("政务新媒体由谁负责", "高县（2023）：县政府办公室", "up", "对的", key="answer-1") == first
    store.add("政务新媒体由谁负责", "另一个回答", "down", key="answer-2")
    store.add("政务新媒体由谁负责", "接口的回答", "up")
    store.add("政务新媒体由谁负责", "接口的回答", "up")
    records = store.records()
    assert [(r["rating"], r["comment"]) for r in records if r["id"] == first] == [("up", "对的")]
    assert len(records) == 4


def test_a_store_from_before_keys_is_upgraded_in_place(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as connection:  # the table as it was, with one judgement in it
        connection.execute(
            "CREATE TABLE feedback (id INTEGER PRIMARY KEY AUTOINCREMENT, created_at TEXT NOT NULL, rating TEXT NOT"
            " NULL, question TEXT NOT NULL, understood TEXT NOT NULL DEFAULT '', answer TEXT NOT NULL, comment TEXT"
            " NOT NULL DEFAULT '', citations TEXT NOT NULL DEFAULT '[]')"
        )
        connection.execute("INSERT INTO feedback (created_at, rating, question, answer) VALUES ('t', 'up', '问', '答')")
    store = FeedbackStore(path)
    store.add("问", "答", "down", key="k")
    store.add("问", "答", "up", key="k")
    assert [r["rating"] for r in store.records()] == ["up", "up"]
