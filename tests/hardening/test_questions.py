"""Bad questions through the library, the command line and the REST API: a clear message or a normal
answer, never a traceback. Traditional characters are matched as simplified ones."""

from __future__ import annotations

import json
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant.answering.answer import Answer
from assistant.answering.answerer import Answerer
from assistant.engine import Engine
from assistant.presentation.feedback import FeedbackStore
from assistant.presentation.service import PolicyService
from assistant.retrieval.question import MAX_QUESTION_CHARS, QuestionError, normalize_question
from tests.clients import api_client
from tests.paths import ROOT

QUESTION = "政务新媒体由谁负责"
# 100 KB of UTF-8: a whole document pasted into the box after the question.
PASTED = QUESTION + "。" + "请问具体由哪个单位负责管理" * 2600
# Questions that cannot be searched: each gets its reason.
UNUSABLE = {
    "empty": ("", "问题为空"),
    "whitespace": (" \t\n\u3000\u200b ", "问题为空"),
    "control characters": ("\x00\x01\x07\x1b\x7f\x9f", "问题为空"),
    "punctuation": ("？！。……——「」", "问题只有标点"),
    "emoji": ("😀🎉👍🏻", "问题只有标点"),
}
# Questions that are the same question in other clothes: each is answered like QUESTION.
VARIANTS = {
    "traditional": "政務新媒體由誰負責？",
    "control characters inside": "\ud800政务\x00新媒体\x1b由谁\u200b负责\x7f",
    "emoji around": "🤔政务新媒体由谁负责？🙏",
    "mixed English": "政务新媒体（WeChat公众号、Weibo）由谁负责？",
    "full-width": "政务新媒体由谁负责？？",
    "100 KB": PASTED,
}
# Extra words of their own may make the answerer judge the documents do not cover them: a refusal then,
# with its reason and the nearest topics, is as good an outcome as the answer.
MAY_BE_REFUSED = {"mixed English", "100 KB"}
CJK = "".join(chr(code) for code in range(0x4E00, 0x4E00 + 400)) + "政务新媒体由谁负责网站适老化改造县区"


@pytest.fixture(scope="module")
def answerer(engine: Engine) -> Answerer:
    return Answerer(engine.retriever)


@pytest.fixture(scope="module")
def client(engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> TestClient:
    feedback = FeedbackStore(tmp_path_factory.mktemp("feedback") / "feedback.sqlite3")
    return api_client(PolicyService(engine), feedback)


def _sources(answer: Answer) -> list[tuple[str, int, int]]:
    return [(c.hit.passage.doc_id, c.hit.passage.start, c.hit.passage.end) for c in answer.citations]


def test_pasted_text_is_a_question_of_bounded_length() -> None:
    assert len(PASTED.encode()) > 100_000
    assert normalize_question(PASTED) == PASTED[:MAX_QUESTION_CHARS]


def test_traditional_characters_become_simplified() -> None:
    traditional = "政務新媒體由誰負責？網站適老化改造什麼時候完成"
    assert normalize_question(traditional) == "政务新媒体由谁负责?网站适老化改造什么时候完成"
    assert normalize_question(QUESTION) == QUESTION  # simplified text is left alone


@pytest.mark.parametrize("name", UNUSABLE)
def test_unusable_questions_get_their_reason(answerer: Answerer, name: str) -> None:
    text, reason = UNUSABLE[name]
    with pytest.raises(QuestionError, match=reason):
        normalize_question(text)
    answer = answerer.answer(text)
    assert not answer.understood and reason in answer.message and not answer.citations


@pytest.mark.parametrize("name", VARIANTS)
def test_variants_are_answered_like_the_plain_question(answerer: Answerer, name: str) -> None:
    answer = answerer.answer(VARIANTS[name])
    _answered_or_refused(name, answer.answerable, answer.text)


def _answered_or_refused(name: str, answerable: bool, text: str) -> None:
    if name in MAY_BE_REFUSED and not answerable:
        assert text.startswith("现有文件中未找到") and "相近内容" in text, name
    else:
        assert answerable and "县政府办公室" in text, name


def test_mostly_english_question_is_refused_with_nearby_topics(answerer: Answerer) -> None:
    answer = answerer.answer("Who is responsible for the government new media accounts (WeChat, Weibo)?")
    assert not answer.answerable and answer.text.startswith("现有文件中未找到") and answer.nearest_topics


def test_traditional_question_finds_what_its_simplified_twin_finds(answerer: Answerer) -> None:
    traditional = answerer.answer("政務新媒體由誰負責？")
    assert _sources(traditional) == _sources(answerer.answer("政务新媒体由谁负责？"))
    assert traditional.understood == "政务新媒体由谁负责?"


def test_rest_api_gives_a_status_and_a_reason(client: TestClient) -> None:
    for name, (text, reason) in UNUSABLE.items():
        response = client.post("/api/ask", json={"question": text})
        expected = 422 if text == "" else 400  # "" fails validation (min_length) before it is read
        assert response.status_code == expected, name
        assert (reason if expected == 400 else "question") in response.json()["detail"]
    for name, text in VARIANTS.items():
        body = json.dumps({"question": text})  # ASCII escapes: a lone surrogate is sent as \ud800
        response = client.post("/api/ask", content=body, headers={"content-type": "application/json"})
        if "\ud800" in text:  # valid in a JSON escape, not in UTF-8: the validator refuses it by name
            assert response.status_code == 422 and "question" in response.json()["detail"]
        elif len(text) > MAX_QUESTION_CHARS:
            assert response.status_code == 422 and "500" in response.json()["detail"]
            assert "请问具体" not in response.text  # the pasted text is not echoed back
        else:
            assert response.status_code == 200, name
            _answered_or_refused(name, response.json()["answerable"], response.json()["answer"])
    for body in ('{"question": ', "\xff\xfe", '{"question": ["list"]}', '{"question": null}'):
        response = client.post("/api/ask", content=body.encode("latin-1"), headers={"content-type": "application/json"})
        assert response.status_code == 422 and "请求无效" in response.json()["detail"]


def test_command_line_answers_or_explains(engine: Engine, tmp_path: Path) -> None:
    queries = tmp_path / "q.jsonl"
    cases = {**{name: text for name, (text, _) in UNUSABLE.items()}, **VARIANTS}
    queries.write_text(
        "".join(json.dumps({"id": name, "question": text}) + "\n" for name, text in cases.items())
        + "not json\n"
        + json.dumps({"id": "no question"})
        + "\n",
        encoding="utf-8",
    )
    result = subprocess.run(
        [sys.executable, "-m", "assistant", "ask", "--queries", str(queries), "--index", str(engine.index_dir)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    assert "line 12: not JSON" in result.stderr
    answers = {line["id"]: line for line in map(json.loads, result.stdout.splitlines())}
    assert set(answers) == {*cases, "no question"}
    for name, (_, reason) in UNUSABLE.items():
        assert not answers[name]["answerable"] and reason in answers[name]["answer"], name
    for name in VARIANTS:
        _answered_or_refused(name, answers[name]["answerable"], answers[name]["answer"])

    single = subprocess.run(
        [sys.executable, "-m", "assistant", "ask", "\x1b？！", "--index", str(engine.index_dir)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert single.returncode == 2 and "问题只有标点" in single.stderr and "Traceback" not in single.stderr


@given(st.text(max_size=2 * MAX_QUESTION_CHARS))
@settings(max_examples=300, deadline=None)
def test_normalised_questions_are_clean_bounded_and_stable(text: str) -> None:
    try:
        question = normalize_question(text)
    except QuestionError as error:
        assert str(error)
        return
    assert question == question.strip() and 0 < len(question) <= MAX_QUESTION_CHARS
    assert not any(unicodedata.category(char) in ("Cc", "Cs") for char in question)
    assert "  " not in question
    assert normalize_question(question) == question


@given(st.one_of(st.text(max_size=60), st.text(alphabet=CJK + "？，。 ！a1😀\x00", min_size=1, max_size=30)))
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_any_question_gets_an_answer_object(answerer: Answerer, text: str) -> None:
    answer = answerer.answer(text)
    assert isinstance(answer, Answer)
    assert answer.understood or answer.message  # answered, or told why not
    assert all(c.hit.passage.doc_id in answerer.retriever.store.doc_positions for c in answer.citations)
