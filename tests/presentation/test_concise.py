"""The operator line: jurisdiction, unit and deadline from the cited record, and the document's title."""

from __future__ import annotations

from assistant.answering.answer import Answer, AnswerLine, Citation
from assistant.documents import DocumentMeta, Passage
from assistant.presentation.concise import concise_lines, concise_text
from assistant.retrieval.hit import Hit


def cited(n: int, fields: dict[str, str], title: str = "2023年高县政务公开重点工作任务清单") -> Citation:
    passage = Passage(f"p{n}", "高县", "text", ["分工表"], 0, 10, "record" if fields else "prose", fields)
    return Citation(n, Hit(passage, DocumentMeta(title=title, region="四川省宜宾市高县", year=2023), 1.0))


def test_record_fields_give_unit_and_deadline() -> None:
    answer = Answer("政务新媒体由谁负责", "政务新媒体由谁负责", "who", True)
    answer.citations = [
        cited(1, {"牵头单位": "县政府办公室", "责任单位": "各镇。", "完成时限": "长期坚持"}),
        cited(2, {}, title=""),
    ]
    answer.lines = [
        AnswerLine("高县（2023）", "牵头单位：县政府办公室", [1]),
        AnswerLine("广元市（2021）", "抽查比例不低于25%。", [2]),
    ]
    assert concise_lines(answer) == [
        "高县（2023）：牵头单位：县政府办公室；责任单位：各镇；完成时限：长期坚持（《2023年高县政务公开重点工作任务清单》）",
        "广元市（2021）：抽查比例不低于25%",
    ]


def test_refusal_is_its_message() -> None:
    answer = Answer("火星", "火星", "what", False, message="现有文件中未找到能回答这个问题的内容。")
    assert concise_text(answer) == "现有文件中未找到能回答这个问题的内容。"
