"""Do the retrieved passages speak about what the question is about?

The content words of the question (question words dropped) are looked up as plain
substrings of the best passages and their document's jurisdiction and title; an
everyday word counts as found when its official term is there. A question whose
content words are mostly absent (公积金, 驾驶证, 育儿补贴…) is one the corpus does not answer.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from importlib import resources

from assistant.indexing.tokenizer import STOPWORDS, ChineseTokenizer
from assistant.retrieval.expansion import EVERYDAY_TERMS
from assistant.retrieval.hit import Hit

_WORD = re.compile(r"[\u4e00-\u9fff]{2,}|[A-Za-z0-9%]{2,}")
QUESTION_WORDS: frozenset[str] = frozenset(
    line.strip()
    for line in (resources.files("assistant") / "resources" / "question_words.txt")
    .read_text(encoding="utf-8")
    .splitlines()
    if line.strip() and not line.startswith("#")
)


def content_words(question: str, tokenizer: ChineseTokenizer) -> list[str]:
    words = [word for word in tokenizer.words(question) if _WORD.fullmatch(word)]
    return [word for word in dict.fromkeys(words) if word not in QUESTION_WORDS and word not in STOPWORDS]


def _found(word: str, text: str) -> bool:
    if word in text:
        return True
    return any(
        (everyday in word or word in everyday) and any(term in text for term in official.split())
        for everyday, official in EVERYDAY_TERMS
    )


def coverage(
    question: str, hits: list[Hit], tokenizer: ChineseTokenizer, rarity: Callable[[str], float], depth: int = 3
) -> tuple[float, list[str]]:
    """Rarity-weighted share of the question's content words found in the top ``depth`` hits, and those missing.

    A word the corpus never uses (公积金) weighs most; a common one (材料) little, so a question
    is not "covered" just because its generic words are.
    """
    words = content_words(question, tokenizer)
    if not words:
        return 1.0, []
    text = "".join(f"{h.meta.region}{h.meta.title}{h.passage.section_path}{h.passage.text}" for h in hits[:depth])
    missing = [word for word in words if not _found(word, text)]
    total = sum(rarity(word) for word in words)
    return 1 - sum(rarity(word) for word in missing) / total, missing
