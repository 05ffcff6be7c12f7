"""Chinese word segmentation for BM25: jieba with a domain dictionary and a curated stopword list.

The stopwords are function and question words only; words that carry meaning in policy
questions (负责, 规定, 应当, 安全) are kept on purpose.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from importlib import resources

import jieba

_RESOURCES = resources.files("assistant") / "resources"
_TOKEN = re.compile(r"[\w%％]+")
jieba.setLogLevel(logging.WARNING)


def _resource_lines(name: str) -> list[str]:
    text = (_RESOURCES / name).read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip()]


DOMAIN_WORDS: tuple[str, ...] = tuple(_resource_lines("domain_words.txt"))
STOPWORDS: frozenset[str] = frozenset(_resource_lines("stopwords.txt"))


class ChineseTokenizer:
    """A jieba tokenizer of its own (not jieba's global one) so extra words never leak between indexes."""

    def __init__(self, extra_words: Iterable[str] = ()) -> None:
        self.extra_words = sorted({word for word in extra_words if word})
        self._jieba = jieba.Tokenizer()
        self._jieba.initialize()
        for word in (*DOMAIN_WORDS, *self.extra_words):
            self._jieba.add_word(word, freq=50_000)

    def words(self, text: str) -> list[str]:
        """Precise-mode segmentation (each character in one word), for reading what a question is about."""
        return [word.strip() for word in self._jieba.lcut(text) if word.strip()]

    def tokenize(self, text: str) -> list[str]:
        """Search-mode segmentation (long words and their parts), lowercased, stopwords dropped."""
        tokens = []
        for token in self._jieba.lcut_for_search(text.lower()):
            token = token.strip()
            if token and token not in STOPWORDS and _TOKEN.fullmatch(token):
                tokens.append(token)
        return tokens
