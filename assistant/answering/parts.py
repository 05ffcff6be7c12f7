"""The parts of a question that asks several things at once, so that each gets its own cited answer.

Citizens ask in one breath: ``本科…能拿多少？专科呢？``, ``购房补贴和安居补贴最高各多少``, ``谁负责、什么时候
完成``. Each part keeps the words that set it apart (本科, 安居补贴) and shares the rest of the question as
context; an elliptical ``…呢`` part asks what the part before it asked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.retrieval.intent import WHAT, asked_kinds, detect_intent, keyword_intent

_CLAUSE = re.compile(r"[^？?，,；;！!。]+")
# A clause asks something when it holds a question word; one without is context (在平潭的养老机构上班).
_ASKING = re.compile(r"多少|几|多久|多长|多大|谁|哪|什么|何时|怎么|怎样|如何|吗|是否|有没有|能不能|可以|呢")
_ELLIPTICAL = re.compile(r"^(?:那|那么|还有|如果是|要是)?(.{1,12}?)(?:的话)?呢$")
# ``A、B和C（的…）各/分别…``: one part per listed item.
_EACH = re.compile(r"各|分别")
_ITEMS = re.compile(r"[、和与及跟]|以及")
_LEADING = re.compile(r"^(?:那|那么|还有|另外|以及|并且|同时)")


@dataclass(frozen=True)
class Part:
    """One thing asked: its intent, the figure kinds it asks, its own words and the question around it."""

    intent: str
    kinds: frozenset[str]
    own: str  # the words that set this part apart from the others
    context: str  # the whole question, for what the parts share

    @property
    def query(self) -> str:
        return f"{self.own}{self.context}" if self.own not in self.context else self.context


def asking_clauses(question: str) -> list[str]:
    """The clauses of ``question`` that hold a question word; the others (在平潭的养老机构上班) set the context."""
    clauses = [clause.strip() for clause in _CLAUSE.findall(question) if clause.strip()]
    return [clause for clause in clauses if _ASKING.search(clause)]


def question_parts(question: str) -> list[Part]:
    """The parts of ``question``; a question asking one thing is one part whose own words are all of it."""
    asked = [piece for clause in asking_clauses(question) for piece in _pieces(clause)]
    parts: list[Part] = []
    for clause in asked:
        elliptical = _ELLIPTICAL.match(clause)
        if elliptical and parts and detect_intent(clause) == WHAT:
            before = parts[-1]
            parts.append(Part(before.intent, before.kinds, elliptical.group(1), question))
            continue
        parts.extend(_each(_LEADING.sub("", clause), question))
    if not asked:
        parts = _keyword_parts(question)
    if len(parts) <= 1:
        intent = parts[0].intent if parts else detect_intent(question)
        return [Part(intent, asked_kinds(question, intent), question, question)]
    return parts


def _keyword_parts(question: str) -> list[Part]:
    """``杭州 三孩补助 金额 申领时限``: a search-box query asks one thing per asking noun (金额, 时限); nouns that ask
    the same kind (服务专线 电话) ask it once."""
    words = question.split()
    asked: dict[tuple[str, frozenset[str]], list[str]] = {}
    for word in words:
        if len(words) > 1 and (intent := keyword_intent(word)):
            asked.setdefault((intent, asked_kinds(word, intent)), []).append(word)
    return [Part(intent, kinds, " ".join(own), question) for (intent, kinds), own in asked.items()]


def _pieces(clause: str) -> list[str]:
    """``谁负责、什么时候完成`` asks two things; ``博士、硕士…分别多少`` one (its items ask nothing alone)."""
    pieces = [piece for piece in clause.split("、") if piece]
    return pieces if len(pieces) > 1 and all(_ASKING.search(piece) for piece in pieces) else [clause]


def _each(clause: str, question: str) -> list[Part]:
    """``A和B最高各多少`` as one part per item; any other clause as one part."""
    intent = detect_intent(clause)  # 需要自己去申请吗 beside a how-much part is a what part of its own
    kinds = asked_kinds(clause, intent)
    each = _EACH.search(clause)
    items = _ITEMS.split(clause[: each.start()]) if each else []
    if len(items) < 2:
        return [Part(intent, kinds, clause, question)]
    return [Part(intent, kinds, item.strip(), question) for item in items if item.strip()]
