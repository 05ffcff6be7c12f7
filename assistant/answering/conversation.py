"""Follow-up questions in a chat: "那高县呢？" and "什么时候完成？" lean on the previous question.

A follow-up names a jurisdiction, a year or a new kind of answer but no topic of its own;
it is rewritten into a full question from the previous one, and the rewrite is shown so
the user sees how it was understood.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.retrieval.intent import INTENT_PATTERNS

_FOLLOW_UP_LEAD = re.compile(r"^(?:那么?|还有|再问一下|另外|那个)")
_FOLLOW_UP_TAIL = re.compile(r"(?:呢|的呢|怎么样|如何)[？?。！!]*$")
_QUESTION_WORDS = re.compile(r"[？?。！!，,\s]|请问|一下|什么|哪些|哪个|是|的|吗|呢|了")
_YEAR = re.compile(r"(?:19|20)\d{2}年?")
MAX_FOLLOW_UP_CHARS = 16


@dataclass
class Turn:
    """A finished exchange: the question as understood, and the task it was answered from."""

    question: str
    regions: tuple[str, ...] = ()
    topic: str = ""


def _strip(text: str, patterns: list[re.Pattern[str]]) -> str:
    for pattern in patterns:
        text = pattern.sub("", text)
    return text


@dataclass(frozen=True)
class FollowUp:
    """The question to search for, and the turn whose task it asks about when it asks another kind of answer
    of that same task ("什么时候完成？" after "高县…由谁负责？")."""

    question: str
    same_task: Turn | None = None


def resolve_follow_up(question: str, history: list[Turn], place_names: list[str]) -> FollowUp:
    """``question`` itself, or a rewrite of the previous one."""
    if not history or len(question) > MAX_FOLLOW_UP_CHARS:
        return FollowUp(question)
    previous = history[-1]
    intents = [pattern for _, pattern in INTENT_PATTERNS]
    places = [name for name in place_names if name in question]
    years = _YEAR.findall(question)
    rest = _strip(question, [*intents, _FOLLOW_UP_LEAD, _FOLLOW_UP_TAIL, _YEAR, _QUESTION_WORDS])
    for name in places:
        rest = rest.replace(name, "")
    asks_kind = any(pattern.search(question) for pattern in intents)
    if len(rest) > 3 and not _FOLLOW_UP_LEAD.search(question):
        return FollowUp(question)  # it has a topic of its own
    base = previous.question
    if places or years:  # same question, another jurisdiction or year
        base = _strip(base, [_YEAR])
        for name in sorted(place_names, key=len, reverse=True):
            base = base.replace(name, "")
        return FollowUp("".join(places) + "".join(years) + base)
    if asks_kind:  # same task, another kind of answer (deadline after unit)
        topic = previous.topic or _strip(previous.question, [*intents, _QUESTION_WORDS])
        return FollowUp("".join(previous.regions) + topic + question, previous)
    return FollowUp(question)


def has_topic(question: str, place_names: list[str]) -> bool:
    """False for a question that names only places, years and question words ("那高县呢？" with no history)."""
    rest = _strip(question, [_FOLLOW_UP_LEAD, _FOLLOW_UP_TAIL, _YEAR, _QUESTION_WORDS])
    for name in sorted(place_names, key=len, reverse=True):
        rest = rest.replace(name, "")
    return bool(rest.strip())
