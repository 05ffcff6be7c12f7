"""Generation against a real HTTP server on loopback that speaks the OpenAI chat-completions API."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest

from assistant.answering.answer import Answer
from assistant.answering.answerer import Answerer
from assistant.answering.generation import GeneratingAnswerer, GenerationSettings
from assistant.engine import Engine


class FakeChat(BaseHTTPRequestHandler):
    """Streams a reply built from the supplied sources; ``reply`` selects a behaviour per test."""

    reply = "grounded"
    requests: ClassVar[list[dict]] = []

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        FakeChat.requests.append(body)
        if FakeChat.reply == "error":
            self.send_response(500)
            self.end_headers()
            return
        sources = body["messages"][1]["content"]
        marker = "[1]" if FakeChat.reply == "grounded" else "[42]"
        first_line = sources.split("\n")[1]
        text = f"根据资料，{first_line[:20]}{marker}。"
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        for piece in (text[:5], text[5:]):
            chunk = {"choices": [{"delta": {"content": piece}, "index": 0}]}
            self.wfile.write(f"data: {json.dumps(chunk, ensure_ascii=False)}\n\n".encode())
        self.wfile.write(b"data: [DONE]\n\n")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), FakeChat)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/v1"
    httpd.shutdown()


def _run(generator: GeneratingAnswerer, question: str) -> tuple[list[str], Answer]:
    items = list(generator.stream(question))
    assert isinstance(items[-1], Answer)
    return [item for item in items[:-1] if isinstance(item, str)], items[-1]


def test_generated_answer_is_streamed_and_its_markers_checked(engine: Engine, server: str) -> None:
    generator = GeneratingAnswerer(Answerer(engine.retriever), GenerationSettings(server, "fake-model"))
    FakeChat.reply = "grounded"
    pieces, answer = _run(generator, "高县政务新媒体由谁负责")
    assert len(pieces) == 2 and answer.generated
    assert answer.text == "".join(pieces).strip()
    assert [c.n for c in answer.citations] == [1]
    request = FakeChat.requests[-1]
    assert request["model"] == "fake-model" and request["stream"] is True
    assert "[1]" in request["messages"][1]["content"] and "高县" in request["messages"][1]["content"]


@pytest.mark.parametrize("reply", ["unsupported", "error"])
def test_bad_or_failing_generation_falls_back_to_extractive(engine: Engine, server: str, reply: str) -> None:
    generator = GeneratingAnswerer(Answerer(engine.retriever), GenerationSettings(server, "fake-model"))
    FakeChat.reply = reply
    _, answer = _run(generator, "高县政务新媒体由谁负责")
    assert not answer.generated and answer.answerable
    assert "县政府办公室" in answer.text and "原文摘录" in answer.text


def test_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("POLICY_QA_LLM_BASE_URL", raising=False)
    assert GenerationSettings.from_env() is None
    monkeypatch.setenv("POLICY_QA_LLM_BASE_URL", "http://127.0.0.1:9/v1/")
    monkeypatch.setenv("POLICY_QA_LLM_MODEL", "m")
    settings = GenerationSettings.from_env()
    assert settings is not None and settings.base_url == "http://127.0.0.1:9/v1"
