"""Feedback written at once by many processes and by many concurrent API requests: every entry is kept, whole,
exactly once (counted), and none is mixed with another."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from assistant.engine import Engine
from assistant.presentation.feedback import FeedbackStore
from assistant.presentation.service import PolicyService
from tests.clients import api_client

PROCESSES = 6
PER_PROCESS = 40
REQUESTS = 120


def _entry(writer: str, number: int) -> dict:
    """Fields that all name their writer and number, long enough to span pages: a mix would show."""
    tag = f"{writer}-{number}"
    return {
        "question": f"问题 {tag}",
        "answer": f"回答 {tag} " + "内容" * 2000,
        "rating": "up" if number % 2 else "down",
        "comment": f"评论 {tag}",
        "citations": [{"n": 1, "doc_id": tag, "text": "段落" * 500}],
        "understood": f"理解 {tag}",
    }


def _write_many(path: str, writer: str) -> None:
    store = FeedbackStore(Path(path))
    for number in range(PER_PROCESS):
        store.add(**_entry(writer, number))


def _assert_whole(records: list[dict], writers: dict[str, int]) -> None:
    expected = {f"{writer}-{number}" for writer, count in writers.items() for number in range(count)}
    tags = [record["comment"].removeprefix("评论 ") for record in records]
    assert len(tags) == len(expected) and set(tags) == expected  # none lost, none twice
    for record, tag in zip(records, tags, strict=True):
        writer, number = tag.rsplit("-", 1)
        entry = _entry(writer, int(number))
        assert {key: record[key] for key in entry} == entry, tag  # every field its own writer's
    assert len({record["id"] for record in records}) == len(records)


def test_many_processes_writing_at_once(tmp_path: Path) -> None:
    path = tmp_path / "feedback.sqlite3"
    FeedbackStore(path)
    context = multiprocessing.get_context("spawn")
    processes = [context.Process(target=_write_many, args=(str(path), f"p{n}")) for n in range(PROCESSES)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=300)
        assert process.exitcode == 0
    _assert_whole(FeedbackStore(path).records(), {f"p{n}": PER_PROCESS for n in range(PROCESSES)})


def test_many_concurrent_api_requests(engine: Engine, tmp_path: Path) -> None:
    feedback = FeedbackStore(tmp_path / "feedback.sqlite3")
    client = api_client(PolicyService(engine), feedback)

    def post(number: int) -> int:
        response = client.post("/api/feedback", json=_entry("api", number))
        assert response.status_code == 200, response.text
        return response.json()["id"]

    with ThreadPoolExecutor(16) as pool:
        ids = list(pool.map(post, range(REQUESTS)))
    assert len(set(ids)) == REQUESTS
    _assert_whole(feedback.records(), {"api": REQUESTS})
    exported = client.get("/api/feedback/export").text.splitlines()
    assert len(exported) == REQUESTS
