"""Pull the exact words that answer a question out of one passage.

Who and when come from a task record's fields or a ``（责任单位：…）`` note; figures and dates from
the clause that holds a typed span of the kind asked (``spans.py``), the clause chosen by what it
shares with the question (本科 not 专科); anything else from the one or two sentences that share
most words with the question. The result is always a substring of the passage, so it can be
highlighted and cited as it stands.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from assistant.answering.spans import Span, find_spans
from assistant.documents import RECORD, Passage
from assistant.retrieval.intent import DATE, DURATION, NUMBER, WHEN, WHO
from assistant.structure.fields import DEADLINE, LEAD, RESPONSIBLE, TASK, Field

_SENTENCE = re.compile(r"[^。；！？\n]+[。；！？]?")
_CLAUSE = re.compile(r"[^。；！？，,\n]+[。；！？，,]?")
_UNITS_NOTE = re.compile(r"[（(](?:牵头单位：[^；）)]+；)?责任单位：([^）)]+)[）)]")
_WHO_WORDS = re.compile(r"负责(?!人|同志)|牵头|主管部门|承担")
# A figure that sets who qualifies (``连续就业满1年的港澳青年``, ``…以上的，``, a ``条件：`` line) is a threshold,
# not what is granted: it is the answer only when nothing granted matches the question better.
_CONDITION_LINE = re.compile(r"^\s*(?:[\u4e00-\u9fff]{0,4}(?:条件|对象|范围)[：:])")
CONDITION_WEIGHT = 0.5
# A sentence that asks (a Q&A's question line, ``…怎样的？``) states nothing: its figures are the question's.
_ASKS = re.compile(r"[？?]\s*$")
# A label whose content follows on the next lines (``补贴条件：``, ``申请材料:``) answers nothing on its own.
_LABEL = re.compile(r"^[^，。；,]{1,15}[：:]$")
# 完成时限 values of work plans that hold no figure: a deadline all the same.
_STANDING = re.compile(r"长期坚持|持续推进|及时公开")
# A span of days says *when* only as a limit counted from an event (20个工作日内, 期满前3个月, 之日起2年, 提前30日,
# 怀孕满24周);
# standing alone it says how long something lasts (补贴期限最长为2年, 有效期3年), which is no answer to 什么时候.
_LIMIT_BEFORE = re.compile(r"(?:前|后|起|提前|以内|之内|内|满)$")
_LIMIT_SPAN = re.compile(r"(?:内|前|后|起)$")
_LIMIT_AFTER = re.compile(r"^(?:内|以内|之内|前|以前|之前|后|以后)")


@dataclass
class Extract:
    """The answering words and the evidence span (a substring of the passage text) that shows them.

    ``score`` is how closely the clause quoted matches the question (a figure's own clause, not its
    passage), so the figures of several passages can be compared.
    """

    text: str
    evidence: str
    score: float = 0.0


def extract(
    passage: Passage,
    intent: str,
    overlap: Callable[[str], float],
    strict: bool = True,
    about: Callable[[str], bool] = bool,
    kinds: frozenset[str] = frozenset(),
) -> Extract | None:
    """The part of ``passage`` that answers a question of this intent; None if it holds no such part.

    ``strict`` takes units only from a record's fields or a （责任单位：…） note; otherwise a
    sentence saying who is in charge (负责/牵头…) will do. A figure must stand in a sentence that
    is ``about`` the question: a passage on the topic may hold figures of other things (the
    number of 民生实事 is no answer to how much pensions rose). A when or how-much question is
    answered only by a span of one of the ``kinds`` it asks (a date of issue does not say how long).
    """
    if intent == WHO:
        return _who(passage, overlap, strict)
    if intent == WHEN:
        return _when(passage, overlap, kinds)
    if intent == NUMBER:
        return figure(passage.text, kinds, overlap, about, _heading(passage), _thresholds(passage))
    return _what(passage, overlap, kinds)


def _heading(passage: Passage) -> str:
    """What every line of a passage speaks of: a record's 事项 or task, else its section's heading.

    ``标准：每连续租满1年补贴6000元`` names no 租金; its record's 事项 (创业租金补贴) does.
    """
    if passage.kind == RECORD:
        return passage.fields.get(Field.ITEM) or passage.fields.get(TASK, "")
    return passage.section[-1] if passage.section else ""


def _thresholds(passage: Passage) -> tuple[str, ...]:
    """A benefit record's 条件 and 对象: who qualifies, not what they get."""
    return tuple(passage.fields[name] for name in (Field.CONDITIONS, Field.TARGET) if passage.fields.get(name))


def figure(
    text: str,
    kinds: frozenset[str],
    overlap: Callable[[str], float],
    about: Callable[[str], bool] = bool,
    heading: str = "",
    thresholds: tuple[str, ...] = (),
) -> Extract | None:
    """The clause holding a span of ``kinds`` whose own words match the question best (earliest on a tie).

    The clause, not the passage, decides: ``本科…5万元，专科…3万元`` holds two amounts, and only the
    clause says which one is the 本科 one. The sentence around it (under its ``heading``) counts as
    much: it names what the clause's figure is for (实习补贴) when the clause itself only says 补贴期限.
    """
    best: Extract | None = None
    for sentence in _SENTENCE.finditer(text):
        context = f"{heading}{sentence.group(0)}"
        if _ASKS.search(sentence.group(0)) or not about(context):
            continue
        sentence_score = overlap(context)
        condition_line = bool(_CONDITION_LINE.match(sentence.group(0)))
        for clause in _CLAUSE.finditer(sentence.group(0)):
            quoted = clause.group(0).strip()
            spans = [span for span in find_spans(quoted) if span.kind in kinds and _answers(quoted, span, kinds)]
            if not spans:
                continue
            score = overlap(quoted) + sentence_score
            conditional = condition_line or any(quoted.rstrip("，,；;。") in part for part in thresholds)
            if conditional or all(_threshold(quoted, span) for span in spans):
                score *= CONDITION_WEIGHT
            if best is None or score > best.score:
                best = Extract(quoted.rstrip("，,；;。"), quoted, score)
    return best


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


def _answers(clause: str, span: Span, kinds: frozenset[str]) -> bool:
    """A span of one of the kinds asked answers; a span of days answers a question that asks for a date (什么时候)
    only as a limit from an event."""
    if span.kind != DURATION or DATE not in kinds:
        return True
    return bool(
        _LIMIT_SPAN.search(span.text)
        or _LIMIT_BEFORE.search(clause[: span.start].rstrip())
        or _LIMIT_AFTER.match(clause[span.end :])
    )


def _threshold(clause: str, span: Span) -> bool:
    """``满1年``, ``1年以上的``: the figure qualifies someone rather than saying what they get."""
    return clause[span.start - 1 : span.start] == "满" or clause[span.end : span.end + 1] == "的"


def _when(passage: Passage, overlap: Callable[[str], float], kinds: frozenset[str]) -> Extract | None:
    deadline = passage.fields.get(DEADLINE, "")
    # A 完成时限 answers by when; how long (几天) only when it is a span of days itself (20个工作日内).
    if deadline and (DATE in kinds or any(span.kind in kinds for span in find_spans(deadline))):
        text = f"{DEADLINE}：{deadline}"
        return Extract(text, text, overlap(passage.text))
    found = figure(passage.text, kinds, overlap, heading=_heading(passage), thresholds=_thresholds(passage))
    return found or (_best(passage.text, _CLAUSE, overlap, _STANDING) if DATE in kinds else None)


def _what(passage: Passage, overlap: Callable[[str], float], kinds: frozenset[str] = frozenset()) -> Extract | None:
    """The sentence (or a record's task) that answers; asked for a kind of thing (materials, an address, a web
    address), only a sentence, or a record's line, that names one."""
    if passage.kind == RECORD and not kinds:
        task = passage.fields.get(TASK, "")
        return Extract(task, task) if task else None
    sentences = [m.group(0).strip() for m in _SENTENCE.finditer(passage.text) if len(m.group(0).strip()) > 4]
    sentences = [sentence for sentence in sentences if not _ASKS.search(sentence)] or sentences
    if kinds:
        sentences = [s for s in sentences if any(span.kind in kinds for span in find_spans(s))]
    stating = [i for i, sentence in enumerate(sentences) if not _LABEL.match(sentence)]
    if not stating:
        return None
    best = max(stating, key=lambda i: overlap(sentences[i]))
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
