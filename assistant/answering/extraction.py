"""Pull the exact words that answer a question out of one passage.

Who and when come from a task record's fields or a ``（责任单位：…）`` note; numbers from the
clause that holds the figure; anything else from the one or two sentences that share most
words with the question. The result is always a substring of the passage, so it can be
highlighted and cited as it stands.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from assistant.documents import RECORD, Passage
from assistant.retrieval.intent import NUMBER, WHEN, WHO
from assistant.structure.fields import DEADLINE, LEAD, RESPONSIBLE, TASK

_SENTENCE = re.compile(r"[^。；！？\n]+[。；！？]?")
_CLAUSE = re.compile(r"[^。；！？，,\n]+[。；！？，,]?")
_UNITS_NOTE = re.compile(r"[（(](?:牵头单位：[^；）)]+；)?责任单位：([^）)]+)[）)]")
_WHO_WORDS = re.compile(r"负责(?!人|同志)|牵头|主管部门|承担")
_DEADLINE = re.compile(
    r"(?:\d{4}年)?(?:\d{1,2}月(?:底|\d{1,2}日)?|年底|年内|上半年|下半年|\d{1,2}月份)前?"
    r"|\d+个?(?:工作日|日|天|月|个月)内|[每按](?:年|季度|月|半年)|长期坚持|及时公开|持续推进"
)
# "几天/多少个工作日" asks how long, which a calendar deadline (12月10日前) does not answer.
_ASKS_DURATION = re.compile(r"几天|多少天|几个工作日|多少个?工作日|几个月|多少个月|多长时间|几小时|多少小时")
_DURATION = re.compile(r"\d+\s*个?(?:工作日|天|小时|个月|周)|\d+日内")
_FIGURE = re.compile(
    r"\d+(?:\.\d+)?\s*(?:%|％|个(?:工作日|月)?|次|项|种|名|人|天|家|件|批|类|级|倍)(?!\d)|不低于|不少于|至少|不超过|以内"
)


@dataclass
class Extract:
    """The answering words and the evidence span (a substring of the passage text) that shows them."""

    text: str
    evidence: str


def asks_duration(question: str) -> bool:
    return bool(_ASKS_DURATION.search(question))


def extract(
    passage: Passage,
    intent: str,
    overlap: Callable[[str], float],
    strict: bool = True,
    about: Callable[[str], bool] = bool,
    duration: bool = False,
) -> Extract | None:
    """The part of ``passage`` that answers a question of this intent; None if it holds no such part.

    ``strict`` takes units only from a record's fields or a （责任单位：…） note; otherwise a
    sentence saying who is in charge (负责/牵头…) will do. A figure must stand in a sentence that
    is ``about`` the question: a passage on the topic may hold figures of other things (the
    number of 民生实事 is no answer to how much pensions rose). A ``duration`` question is answered
    only by a span of time.
    """
    if intent == WHO:
        return _who(passage, overlap, strict)
    if intent == WHEN:
        return _best(passage.text, _CLAUSE, overlap, _DURATION) if duration else _when(passage, overlap)
    if intent == NUMBER:
        return _best(passage.text, _CLAUSE, overlap, _FIGURE, about)
    return _what(passage, overlap)


def _who(passage: Passage, overlap: Callable[[str], float], strict: bool) -> Extract | None:
    lead, units = passage.fields.get(LEAD, ""), passage.fields.get(RESPONSIBLE, "")
    if lead or units:
        text = "；".join(
            part for part in (f"{LEAD}：{lead}" if lead else "", f"{RESPONSIBLE}：{units}" if units else "") if part
        )
        return Extract(text, _field_span(passage.text, LEAD if lead else RESPONSIBLE, units or lead))
    note = _UNITS_NOTE.search(passage.text)
    if note:
        return Extract(f"责任单位：{note.group(1)}", note.group(0))
    return None if strict else _best(passage.text, _SENTENCE, overlap, _WHO_WORDS)


def _when(passage: Passage, overlap: Callable[[str], float]) -> Extract | None:
    deadline = passage.fields.get(DEADLINE, "")
    if deadline:
        return Extract(f"{DEADLINE}：{deadline}", f"{DEADLINE}：{deadline}")
    return _best(passage.text, _CLAUSE, overlap, _DEADLINE)


def _what(passage: Passage, overlap: Callable[[str], float]) -> Extract | None:
    if passage.kind == RECORD:
        task = passage.fields.get(TASK, "")
        return Extract(task, task) if task else None
    sentences = [m.group(0).strip() for m in _SENTENCE.finditer(passage.text) if len(m.group(0).strip()) > 4]
    if not sentences:
        return None
    ranked = sorted(range(len(sentences)), key=lambda i: -overlap(sentences[i]))
    best = ranked[0]
    # A heading-like first sentence says little: take the sentence after it too.
    chosen = sorted({best, best + 1}) if len(sentences[best]) < 25 and best + 1 < len(sentences) else [best]
    text = "".join(sentences[i] for i in chosen)
    return Extract(text, text if text in passage.text else sentences[best])


def _best(
    text: str,
    unit: re.Pattern[str],
    overlap: Callable[[str], float],
    must: re.Pattern[str],
    about: Callable[[str], bool] = bool,
) -> Extract | None:
    """The ``unit`` (clause or sentence) holding ``must`` that shares most with the question."""
    candidates = [
        m.group(0).strip()
        for sentence in _SENTENCE.finditer(text)
        if about(sentence.group(0))
        for m in unit.finditer(sentence.group(0))
        if must.search(m.group(0))
    ]
    if not candidates:
        return None
    best = max(candidates, key=overlap)
    return Extract(best.rstrip("，,"), best)


def _field_span(text: str, first_field: str, last_value: str) -> str:
    """The rendered record text from the first unit field to the end of the last unit value."""
    start = text.find(first_field)
    end = text.find(last_value, max(start, 0))
    if start < 0 or end < 0:
        return last_value
    return text[start : end + len(last_value)]
