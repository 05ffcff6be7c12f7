"""Which kinds of figure a passage states, for questions that ask for one kind.

Why: a how-much or when question names its context at length (高层次人才以个人名义申请…要准备什么材料) and
its answer in a word, so BM25 ranks first the passage that repeats the context; the passage that states a
span of the asked kind (an amount for 多少钱, a date for 什么时候, a form for 材料) is the one that answers.
"""

from __future__ import annotations

from functools import lru_cache

from assistant.answering.spans import find_spans
from assistant.retrieval.intent import asked_kinds, detect_intent

_CACHED_TEXTS = 65536  # candidate passages recur across questions; a span search costs about a millisecond


@lru_cache(maxsize=_CACHED_TEXTS)
def stated_kinds(text: str) -> frozenset[str]:
    """The kinds of the typed spans (amount, date, duration, materials…) ``text`` holds."""
    return frozenset(span.kind for span in find_spans(text))


def question_kinds(question: str) -> frozenset[str]:
    """The kinds of span that can answer ``question``; empty when it asks for none in particular."""
    return asked_kinds(question, detect_intent(question))
