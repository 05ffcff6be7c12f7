"""The REST contract, in-process: status codes, messages, shapes and the OpenAPI listing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from assistant.answering.generation import GenerationSettings
from assistant.engine import Engine
from assistant.presentation.feedback import FeedbackStore
from assistant.presentation.service import PolicyService
from tests.clients import api_client
from tests.fake_llm import FakeChat, fake_llm


@pytest.fixture
def client(engine: Engine, tmp_path: Path) -> TestClient:
    return api_client(PolicyService(engine), FeedbackStore(tmp_path / "feedback.sqlite3"))


def test_openapi_lists_the_routes(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/api/ask", "/api/search", "/api/feedback", "/api/feedback/export", "/api/documents"} <= set(paths)
    assert "offline" in client.get("/docs").text  # swagger assets served locally, not from a CDN


def test_ask_answers_per_jurisdiction_with_citations(client: TestClient) -> None:
    response = client.post("/api/ask", json={"question": "政务新媒体由谁负责"})
    assert response.status_code == 200
    answer = response.json()
    assert answer["answerable"] and "党群工作部" in answer["answer"] and "县政府办公室" in answer["answer"]
    assert len(answer["lines"]) == len(answer["citations"]) == len(answer["concise"])
    assert all(c["end"] > c["start"] and c["evidence"] in c["text"] for c in answer["citations"])


def test_ask_follow_up_and_filters(client: TestClient) -> None:
    answer = client.post("/api/ask", json={"question": "那高县呢？", "history": ["政务新媒体由谁负责"]}).json()
    assert answer["understood"] == "高县政务新媒体由谁负责" and answer["message"].startswith("（理解为")
    scoped = client.post("/api/ask", json={"question": "政务新媒体由谁负责", "region": "四川省宜宾市高县"}).json()
    assert {c["region"] for c in scoped["citations"]} == {"四川省宜宾市高县"}


@pytest.mark.parametrize(
    ("body", "status", "detail"),
    [
        ({"question": "   "}, 400, "问题为空"),
        ({"question": "？！。"}, 400, "问题只有标点"),
        ({"question": ""}, 422, "question"),
        ({"question": "问" * 501}, 422, "at most 500"),
        ({}, 422, "question"),
        ({"question": "政务新媒体", "year": "明年"}, 422, "year"),
    ],
)
def test_bad_questions_are_clear_errors(client: TestClient, body: dict, status: int, detail: str) -> None:
    for route in ("/api/ask", "/api/search"):
        response = client.post(route, json=body)
        assert response.status_code == status
        assert detail in response.json()["detail"]
        assert "问" * 100 not in response.text  # oversized input is not echoed back


def test_search_returns_hits(client: TestClient) -> None:
    hits = client.post("/api/search", json={"question": "政务新媒体季度抽查比例", "k": 3}).json()["hits"]
    assert len(hits) == 3 and hits[0]["rank"] == 1 and "25%" in hits[0]["text"]


def test_feedback_round_trip(client: TestClient) -> None:
    body = {
        "question": "政务新媒体由谁负责",
        "answer": "高县：县政府办公室 [1]",
        "rating": "down",
        "comment": "不全",
        "citations": [{"n": 1, "doc_id": "高县"}],
    }
    assert client.post("/api/feedback", json=body).json() == {"id": 1}
    assert client.post("/api/feedback", json={**body, "rating": "meh"}).status_code == 422
    exported = client.get("/api/feedback/export")
    assert exported.headers["content-disposition"] == 'attachment; filename="feedback.jsonl"'
    assert '"comment": "不全"' in exported.text
    assert client.get("/api/feedback/export?format=csv").text.startswith("\ufeffid,created_at,rating")


def test_documents_and_the_document_page(client: TestClient) -> None:
    documents = client.get("/api/documents").json()["documents"]
    assert len(documents) == 5 and all(d["file"].endswith(".txt") for d in documents)
    doc_id = documents[0]["doc_id"]
    page = client.get(f"/documents/{doc_id}", params={"start": 10, "end": 20})
    assert page.status_code == 200 and 'id="hit"' in page.text
    assert "default-src 'none'" in page.headers["content-security-policy"]
    assert client.get("/documents/..%2F..%2Fetc%2Fpasswd").status_code == 404


def test_ask_resolves_a_three_turn_conversation_as_the_library_does(client: TestClient) -> None:
    """What a client remembers is its earlier questions as understood; the third turn asks about the same task."""
    first = client.post("/api/ask", json={"question": "政府的公众号归谁管？"}).json()
    second = client.post("/api/ask", json={"question": "那高县呢？", "history": [first["understood"]]}).json()
    assert {c["region"] for c in second["citations"]} == {"四川省宜宾市高县"}
    assert second["message"].startswith("（理解为：高县") and "县政府办公室" in second["answer"]
    history = [first["understood"], second["understood"]]
    third = client.post("/api/ask", json={"question": "什么时候完成？", "history": history}).json()
    assert third["answerable"] and third["intent"] == "when" and third["message"].startswith("（理解为：高县")
    assert third["lines"][0]["label"].startswith("高县") and "完成时限" in third["lines"][0]["text"]
    assert [(c["doc_id"], c["start"]) for c in third["citations"]] == [
        (c["doc_id"], c["start"]) for c in second["citations"][:1]
    ]


@pytest.fixture(scope="module")
def llm() -> Iterator[str]:
    with fake_llm() as url:
        yield url


@pytest.fixture
def generating(engine: Engine, tmp_path: Path, llm: str) -> Iterator[TestClient]:
    """The API with a language model configured (the loopback server of ``tests/fake_llm.py``)."""
    service = PolicyService(engine, generation=GenerationSettings(llm, "fake-model", timeout=2))
    yield api_client(service, FeedbackStore(tmp_path / "feedback.sqlite3"))
    FakeChat.reply = "grounded"


def test_ask_is_generated_when_a_model_is_configured(generating: TestClient) -> None:
    answer = generating.post("/api/ask", json={"question": "高县政务新媒体由谁负责"}).json()
    assert answer["generated"] and answer["mode"] == "generated" and not answer["fallback"]
    assert answer["generated_text"] in answer["answer"] and "[1]" in answer["generated_text"]
    assert [c["n"] for c in answer["citations"]] == [1] and answer["citations"][0]["region"].endswith("高县")
    assert answer["concise"][0].startswith("高县（2023）：牵头单位：县政府办公室")  # the operator's line stays
    FakeChat.reply = "error"
    fallback = generating.post("/api/ask", json={"question": "高县政务新媒体由谁负责"}).json()
    assert fallback["mode"] == "extractive" and "HTTP 500" in fallback["fallback"] and fallback["lines"]
    assert "原文摘录" in fallback["message"]


def _events(text: str) -> list[tuple[str, dict]]:
    events = []
    for block in text.strip().split("\n\n"):
        name, data = block.split("\n")
        events.append((name.removeprefix("event: "), json.loads(data.removeprefix("data: "))))
    return events


def test_ask_stream_sends_the_tokens_then_the_answer(generating: TestClient, client: TestClient) -> None:
    response = generating.post("/api/ask/stream", json={"question": "高县政务新媒体由谁负责"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/event-stream")
    events = _events(response.text)
    tokens = [data["text"] for name, data in events if name == "token"]
    ((name, answer),) = events[len(tokens) :]
    assert len(tokens) > 1 and name == "answer" and answer["generated_text"] == "".join(tokens)
    plain = _events(client.post("/api/ask/stream", json={"question": "高县政务新媒体由谁负责"}).text)
    assert [name for name, _ in plain] == ["answer"] and plain[0][1]["mode"] == "extractive"
    assert generating.post("/api/ask/stream", json={"question": "  "}).status_code == 400
