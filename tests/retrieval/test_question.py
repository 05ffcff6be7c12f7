"""The question sentence taken out of a long paste (a notice or a letter with the question in it)."""

from __future__ import annotations

from assistant.retrieval.question import MAX_QUESTION_CHARS, PASTE_CHARS, extract_question
from tests.paths import CORPUS

NOTICE = (CORPUS / "高县_2023年政务公开重点工作任务清单.txt").read_text(encoding="utf-8")


def test_a_typed_question_is_left_alone() -> None:
    question = "政务新媒体由谁负责"
    assert extract_question(question) is question
    assert extract_question("问" * PASTE_CHARS) == "问" * PASTE_CHARS


def test_the_question_at_the_end_of_a_pasted_notice_is_found() -> None:
    pasted = NOTICE[:600] + "\n我想问一下，高县政务新媒体由谁负责？谢谢。"
    assert len(pasted) > MAX_QUESTION_CHARS
    assert extract_question(pasted) == "我想问一下，高县政务新媒体由谁负责？"


def test_a_question_before_the_pasted_text_is_found_too() -> None:
    pasted = "请问这份文件里政府网站适老化改造什么时候完成\n" + NOTICE[:400].replace("？", "")
    assert extract_question(pasted) == "请问这份文件里政府网站适老化改造什么时候完成"


def test_a_paste_without_a_question_gives_its_last_sentence_within_the_limit() -> None:
    pasted = "一、总体要求。" + "政务公开" * 300 + "。二、工作任务：做好政务新媒体管理。"
    assert extract_question(pasted) == "二、工作任务：做好政务新媒体管理。"
    assert len(extract_question("政务公开" * 300)) == MAX_QUESTION_CHARS
