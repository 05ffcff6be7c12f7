"""Point 11 of issue 14 in the browser: ``app.py`` with a language model configured (the loopback server of
``tests/fake_llm.py``) streams the generated answer into the chat as the tokens arrive, labels it 生成 with its
markers as links, and falls back to the 摘录 answer, saying why, when the model fails.

One app and one browser for the module (the fixtures of ``tests/test_app.py``), as that module does.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from assistant.engine import Engine
from tests.fake_llm import FakeChat, fake_llm
from tests.test_app import BOT, Server, _screenshot, browser, running_app, sized  # noqa: F401 (fixtures)

PAUSE = 0.4  # seconds between the model's pieces: long enough to see the answer grow


@pytest.fixture(scope="module")
def server(engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with fake_llm() as url:
        env = {"POLICY_QA_LLM_BASE_URL": url, "POLICY_QA_LLM_MODEL": "fake-model", "POLICY_QA_LLM_TIMEOUT": "3"}
        with running_app(engine, tmp_path_factory.mktemp("app-generation"), env) as running:
            yield running


@pytest.fixture(autouse=True)
def _grounded() -> Iterator[None]:
    FakeChat.reply, FakeChat.pause = "grounded", PAUSE
    yield
    FakeChat.reply, FakeChat.pause = "grounded", 0.0


def test_generated_answers_stream_in_labelled_and_fall_back_when_the_model_fails(sized: object) -> None:  # noqa: F811
    box = sized.locator("#question textarea")
    box.fill("高县政务新媒体由谁负责")
    box.press("Enter")
    # While the model is still sending: the answer so far, labelled 生成 and said to be in progress.
    growing = sized.locator(BOT).filter(has_text="正在生成")
    growing.last.wait_for()
    partial = growing.last.inner_text()
    _screenshot(sized, "11_streaming")
    sized.locator(BOT).filter(has_text="根据资料").filter(has_not_text="正在生成").last.wait_for()
    final = sized.locator(BOT).last
    assert len(final.inner_text()) > len(partial) - len("正在生成…")
    assert final.locator(".answer-mode").inner_text() == "生成"
    assert final.locator("a.cite").count() == 1 and final.locator("a.cite").inner_text() == "[1]"
    assert "高县" in sized.locator("#sources #citation-1").inner_text()
    _screenshot(sized, "11_generated")

    FakeChat.reply = "error"
    box.fill("政务新媒体季度抽查比例不低于多少")
    box.press("Enter")
    sized.locator(BOT).filter(has_text="生成服务出错（HTTP 500），以下为原文摘录").last.wait_for()
    fallback = sized.locator(BOT).last
    assert fallback.locator(".answer-mode").inner_text() == "摘录" and "25%" in fallback.inner_text()
    _screenshot(sized, "11_fallback")


def test_rest_ask_is_generated_and_streamed_by_the_running_app(server: Server) -> None:
    FakeChat.pause = 0.0
    with httpx.Client(base_url=server.url, timeout=60) as client:
        answer = client.post("/api/ask", json={"question": "高县政务新媒体由谁负责"}).json()
        assert answer["mode"] == "generated" and "[1]" in answer["generated_text"] and answer["concise"]
        with client.stream("POST", "/api/ask/stream", json={"question": "高县政务新媒体由谁负责"}) as response:
            names = [line.removeprefix("event: ") for line in response.iter_lines() if line.startswith("event:")]
        assert names.count("token") > 1 and names[-1] == "answer"
