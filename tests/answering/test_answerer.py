import pytest

from assistant.answering.answer import MARKER, unsupported_markers
from assistant.answering.answerer import NOT_FOUND, Answerer
from assistant.engine import Engine


@pytest.fixture(scope="module")
def answerer(engine: Engine) -> Answerer:
    return Answerer(engine.retriever)


def test_who_answer_names_each_jurisdictions_unit(answerer: Answerer) -> None:
    answer = answerer.answer("政务新媒体由谁负责")
    assert answer.answerable and answer.intent == "who"
    text = answer.text
    assert "达州高新区（2023）" in text and "党群工作部" in text
    assert "高县（2023）" in text and "县政府办公室" in text
    assert len(answer.lines) >= 3
    for line in answer.lines:
        assert line.label and line.citations
    assert not unsupported_markers(text, answer.citations)
    cited = {int(n) for n in MARKER.findall(text)}
    assert cited == {citation.n for citation in answer.citations}
    for citation in answer.citations:
        assert citation.evidence and citation.evidence in citation.hit.passage.text


def test_follow_ups_use_the_conversation(answerer: Answerer) -> None:
    first = answerer.answer("政务新媒体由谁负责")
    second = answerer.answer("那高县呢？", [answerer.turn(first)])
    assert "高县" in second.understood and "政务新媒体" in second.understood
    assert "理解为" in second.text
    assert {c.hit.meta.region for c in second.citations} == {"四川省宜宾市高县"}
    third = answerer.answer("什么时候完成？", [answerer.turn(first), answerer.turn(second)])
    assert third.intent == "when" and "高县" in third.understood
    assert "完成时限" in third.text


def test_when_and_number_answers_quote_the_source(answerer: Answerer) -> None:
    answer = answerer.answer("台儿庄区政府开放月是几月？")
    assert answer.answerable and "8月" in answer.text
    answer = answerer.answer("广元市政务新媒体季度抽查比例不低于多少？")
    assert answer.answerable and answer.intent == "number" and "25%" in answer.text
    answer = answerer.answer("达州市2022年的政府网站适老化改造什么时候完成？")
    assert {c.hit.meta.region for c in answer.citations} == {"四川省达州市"}


def test_refusals_say_so_and_point_to_nearby_topics(answerer: Answerer) -> None:
    answer = answerer.answer("北京市政务新媒体由谁负责？")
    assert not answer.answerable and "北京市" in answer.text and NOT_FOUND in answer.text
    answer = answerer.answer("高县2021年政务公开牵头单位是谁？")
    assert not answer.answerable and "2021年" in answer.text
    assert answer.nearest_topics  # the 2023 高县 plan is offered instead
    answer = answerer.answer("公积金怎么提取？")
    assert not answer.answerable and not answer.citations


def test_bad_questions_get_a_message(answerer: Answerer) -> None:
    assert "问题为空" in answerer.answer("   ").text
    assert "标点" in answerer.answer("？？！").text
    long = answerer.answer("政务新媒体由谁负责" + "啊" * 100_000)
    assert long.answerable
