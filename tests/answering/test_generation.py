"""Generation against a real HTTP server on loopback that speaks the OpenAI chat-completions API."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from assistant.answering.answer import Answer
from assistant.answering.answerer import Answerer
from assistant.answering.conversation import Turn
from assistant.answering.generation import GeneratingAnswerer, GenerationSettings
from assistant.engine import Engine
from tests.fake_llm import FakeChat, fake_llm


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    with fake_llm() as url:
        yield url


@pytest.fixture
def generator(engine: Engine, server: str) -> Iterator[GeneratingAnswerer]:
    yield GeneratingAnswerer(Answerer(engine.retriever), GenerationSettings(server, "fake-model", timeout=2))
    FakeChat.reply = "grounded"


def _run(generator: GeneratingAnswerer, question: str, history: list[Turn] | None = None) -> tuple[list[str], Answer]:
    items = list(generator.stream(question, history))
    assert isinstance(items[-1], Answer)
    return [item for item in items[:-1] if isinstance(item, str)], items[-1]


def test_generated_answer_is_streamed_and_its_markers_checked(generator: GeneratingAnswerer) -> None:
    pieces, answer = _run(generator, "高县政务新媒体由谁负责")
    assert len(pieces) > 1 and answer.generated and answer.to_dict()["mode"] == "generated"
    assert answer.generated_text == "".join(pieces).strip() and answer.text == answer.generated_text
    assert [c.n for c in answer.citations] == [1] and not answer.fallback
    request = FakeChat.requests[-1]
    assert request["model"] == "fake-model" and request["stream"] is True
    # The model is given what the extractive answer cited first: 高县's task row, with its evidence.
    assert answer.citations[0].hit.meta.region.endswith("高县") and answer.citations[0].evidence
    assert "[1] 高县" in request["messages"][1]["content"]


def test_a_marker_pointing_nowhere_is_removed_and_said_so(generator: GeneratingAnswerer) -> None:
    FakeChat.reply = "partly"
    _, answer = _run(generator, "高县政务新媒体由谁负责")
    assert answer.generated and "[42]" not in answer.generated_text and "[1]" in answer.generated_text
    assert "已删除 1 个无法核实的引用标记：[42]" in answer.message


def test_a_follow_up_keeps_its_rewrite_note(generator: GeneratingAnswerer) -> None:
    _, answer = _run(generator, "那高县呢？", [Turn("政务新媒体由谁负责")])
    assert answer.generated and answer.message == "（理解为：高县政务新媒体由谁负责）"


@pytest.mark.parametrize(
    ("reply", "why"),
    [
        ("unsupported", "没有可核实的引用"),
        ("error", "HTTP 500"),
        ("garbage", "无法解读"),
        ("slow", "超时"),
    ],
)
def test_bad_or_failing_generation_falls_back_to_extractive(
    generator: GeneratingAnswerer, reply: str, why: str
) -> None:
    FakeChat.reply = reply
    _, answer = _run(generator, "高县政务新媒体由谁负责")
    assert not answer.generated and answer.answerable and why in answer.fallback
    assert "县政府办公室" in answer.text and "原文摘录" in answer.text and answer.lines
    assert answer.to_dict()["mode"] == "extractive"


def test_a_refusal_is_not_sent_to_the_model(generator: GeneratingAnswerer) -> None:
    before = len(FakeChat.requests)
    _, answer = _run(generator, "火星移民补贴标准是多少")
    assert not answer.answerable and not answer.generated and len(FakeChat.requests) == before


def test_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("POLICY_QA_LLM_BASE_URL", raising=False)
    assert GenerationSettings.from_env() is None
    monkeypatch.setenv("POLICY_QA_LLM_BASE_URL", "http://127.0.0.1:9/v1/")
    monkeypatch.setenv("POLICY_QA_LLM_MODEL", "m")
    monkeypatch.setenv("POLICY_QA_LLM_TIMEOUT", "2.5")
    settings = GenerationSettings.from_env()
    assert settings is not None and settings.base_url == "http://127.0.0.1:9/v1" and settings.timeout == 2.5
