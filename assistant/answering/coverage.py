"""Do the retrieved passages speak about what the question is about?

The content words of the question (question words, jurisdiction names and years dropped: the
scope already answers for those) are looked up as plain substrings of a passage; an everyday
word counts as found when its official term is there. A question whose content words are
mostly absent (公积金, 驾驶证, 育儿补贴…) is one the corpus does not answer. A question that
asks for a detail work plans rarely state (a phone number, a web address, an amount of money)
is answered only by a passage that states it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from importlib import resources

from assistant.answering.spans import find_spans
from assistant.indexing.tokenizer import STOPWORDS, ChineseTokenizer
from assistant.retrieval.expansion import EVERYDAY_TERMS
from assistant.retrieval.intent import named_kinds

_WORD = re.compile(r"[\u4e00-\u9fff]{2,}|[A-Za-z0-9%]{2,}")
_YEAR = re.compile(r"(?:19|20)\d{2}")


def _word_list(name: str) -> frozenset[str]:
    text = (resources.files("assistant.answering") / "resources" / name).read_text(encoding="utf-8")
    return frozenset(line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#"))


QUESTION_WORDS = _word_list("question_words.txt")
DETAIL_WORDS = _word_list("detail_words.txt")
SERVICE_WORDS = _word_list("service_words.txt")


def content_words(question: str, tokenizer: ChineseTokenizer, places: Iterable[str] = ()) -> list[str]:
    """What the question is about: its words minus question words, stopwords, ``places`` and years."""
    places = tuple(places)
    words = [word for word in tokenizer.words(question) if _WORD.fullmatch(word) and not _YEAR.fullmatch(word)]
    return [
        word
        for word in dict.fromkeys(words)
        if word not in QUESTION_WORDS
        and word not in STOPWORDS
        and not any(word in place or place in word for place in places)
    ]


def official_terms(word: str) -> list[str]:
    """The official terms documents use for an everyday ``word`` (公众号 → 政务新媒体); empty if none."""
    return [
        term
        for everyday, official in EVERYDAY_TERMS
        if everyday in word or word in everyday
        for term in official.split()
    ]


def found(word: str, text: str) -> bool:
    return word in text or any(term in text for term in official_terms(word))


def coverage(words: list[str], text: str, rarity: Callable[[str], float]) -> tuple[float, list[str]]:
    """Rarity-weighted share of ``words`` found in ``text``, and the words missing.

    A word the corpus never uses (公积金) weighs most; a common one (材料) little, so a question
    is not "covered" just because its generic words are.
    """
    if not words:
        return 1.0, []
    missing = [word for word in words if not found(word, text)]
    total = sum(rarity(word) for word in words)
    return 1 - sum(rarity(word) for word in missing) / total, missing


def missing_details(question: str, text: str, words: frozenset[str] = DETAIL_WORDS | SERVICE_WORDS) -> list[str]:
    """The details (电话, 网址…) and services (公积金…) the question asks about that ``text`` does not state.

    A detail that is a figure (多少钱, 补贴标准) is stated by a span of its kind (每人每月3000元), whatever
    words stand around it.
    """
    asked = [word for word in words if word in question]
    shortest = [word for word in asked if not any(other in word for other in asked if other != word)]
    missing = [word for word in shortest if word not in text]
    if not missing:
        return []
    stated = {span.kind for span in find_spans(text)}
    return [word for word in missing if not named_kinds(word) & stated]
