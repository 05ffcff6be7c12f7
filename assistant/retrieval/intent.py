"""What kind of answer a question wants: a unit (who), a deadline (when), a figure (number), or prose.

Who and when questions are answered by the 分工表 records' 牵头单位/责任单位/完成时限 fields,
so retrieval favours records for them and the answerer reads those fields.
"""

from __future__ import annotations

import re

WHO = "who"
WHEN = "when"
NUMBER = "number"
WHAT = "what"

INTENT_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        WHEN,
        re.compile(
            r"什么时候|何时|哪天|几月|几号|时限|期限|截止|截至|最晚|多久|多长时间|"
            r"前完成|日前|底前|哪一年|时间节点|进度安排"
        ),
    ),
    (
        WHO,
        re.compile(
            r"由谁|谁负责|谁来|谁管|归谁管|归谁|找谁|哪(?:个|些|几个|几家)(?:部门|单位|机构|局)|哪家|什么部门|什么单位|"
            r"牵头|责任单位|负责单位|主管|负责部门|谁牵头"
        ),
    ),
    (NUMBER, re.compile(r"多少|几个|几次|几项|几种|几名|几天|比例|百分之|不低于|不少于|至少|上限|下限|多大")),
)


def detect_intent(question: str) -> str:
    """The first matching kind, WHEN before WHO before NUMBER.

    ``多长时间内`` is a when, not a number; ``哪几个部门`` a who, not a number.
    """
    for intent, pattern in INTENT_PATTERNS:
        if pattern.search(question):
            return intent
    return WHAT


# A question about the document itself (its 文号, issuer, dates of issue) is answered by its apparatus.
_ABOUT_DOCUMENT = re.compile(r"文号|字号|发文|印发|发布|公布|成文|出台|落款|索引号|来源")


def asks_about_document(question: str) -> bool:
    return bool(_ABOUT_DOCUMENT.search(question))
