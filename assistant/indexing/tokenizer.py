"""Chinese word segmentation for BM25: jieba with a domain dictionary and a curated stopword list, plus bigrams.

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
_CJK_RUN = re.compile(r"[\u4e00-\u9fff]+")
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

    def index_terms(self, text: str) -> list[str]:
        """What BM25 matches on: the words of ``tokenize`` plus the overlapping character bigrams of Chinese runs.

        Bigrams still match where jieba cuts a question and a passage differently (everyday wording, a word split
        another way in another context). Measured BM25 gains: labelled policy set recall@1 0.878 -> 0.905, STARD
        Recall@5 0.407 -> 0.431, CMRC2018 Hit@1 0.787 -> 0.816 (eval/README.md).
        """
        return self.tokenize(text) + [gram for run in _CJK_RUN.findall(text.lower()) for gram in _bigrams(run)]


def _bigrams(run: str) -> list[str]:
    """A lone character stands for itself; a longer run gives each pair of neighbours."""
    return [run] if len(run) == 1 else [run[i : i + 2] for i in range(len(run) - 1)]
