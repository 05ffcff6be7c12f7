"""What kind of document this is, from its title's ending and the words that organise its text.

The genre tells the answerer what a question is likely after: a work plan's tasks and who leads them,
a benefit's amounts and conditions, a regulation's articles.
"""

from __future__ import annotations

import re

WORK_PLAN, BENEFIT, REGULATION, NOTICE, REPORT, QA = "work_plan", "benefit", "regulation", "notice", "report", "qa"
GENRES = (WORK_PLAN, BENEFIT, REGULATION, NOTICE, REPORT, QA)

# The title's last word, checked in this order: a 政策解读 of a 实施方案 is a 解读.
_ENDING_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (QA, ("问答", r"\d+问", "[一二三四五六七八九十百]+问", "解读", "答记者问", "问题解答")),
    (REPORT, ("报告",)),
    (BENEFIT, ("指南",)),
    (REGULATION, ("条例", "办法", "细则", "规定", "规则", "规程")),
    (WORK_PLAN, ("方案", "计划", "规划", "要点", "措施", "安排", "任务清单", "行动", "意见")),
    (NOTICE, ("通知", "通告", "公告", "公示", "决定", "通报", "函")),
)
_ENDINGS = tuple((genre, re.compile(f"(?:{'|'.join(words)})$")) for genre, words in _ENDING_WORDS)
# A title may end with a bracketed note: …实施细则（试行）, …申报指南（第一批）.
_NOTE = re.compile(r"（[^（）]*）$")
# How a title ends: a genre's word (or a 清单 of any kind), perhaps with a note.
TITLE_END = re.compile(
    f"(?:{'|'.join(word for _, words in _ENDING_WORDS for word in words)}|清单)(?:{_NOTE.pattern[:-1]})?$"
)
# Money paid to people or firms; a title naming it makes a regulation or plan a benefit.
_BENEFIT_WORDS = re.compile(r"补贴|补助|资助|扶持|奖补|津贴|救助金|奖励")
# A plan that shares out work between departments stays a work plan even if it is about a benefit.
_TASK_WORDS = re.compile(r"牵头单位|责任单位|配合单位|职责分工|组织分工")
_ARTICLE = re.compile(r"^\s*第[一二三四五六七八九十百零〇]+条", re.MULTILINE)
_ANSWER = re.compile(r"(?:^|\s)答[：:]", re.MULTILINE)

MIN_ARTICLES = 5
MIN_ANSWERS = 3


def classify_genre(title: str, text: str) -> str:
    """The genre of a document with this title and text."""
    bare = _NOTE.sub("", title)
    ending = next((genre for genre, pattern in _ENDINGS if pattern.search(bare)), "")
    if ending in (QA, REPORT, BENEFIT):
        return ending
    if not ending and len(_ANSWER.findall(text)) >= MIN_ANSWERS:
        return QA
    if _BENEFIT_WORDS.search(title) and not (ending == WORK_PLAN and _TASK_WORDS.search(text)):
        return BENEFIT
    if ending:
        return ending
    if len(_ARTICLE.findall(text)) >= MIN_ARTICLES:
        return REGULATION
    if "清单" in title or len(_BENEFIT_WORDS.findall(text)) >= MIN_ARTICLES:
        return BENEFIT
    return NOTICE
