"""BM25 scores against Lucene's formula worked by hand, for the default and non-default parameters."""

from __future__ import annotations

import math

import numpy as np
import pytest

from assistant.indexing.lexical import BM25Parameters, LexicalIndex
from assistant.indexing.tokenizer import ChineseTokenizer

TEXTS = ["劳动合同 解除 劳动合同", "租赁 合同 押金", "继承 遗产 分配 遗嘱 公证"]
# Index terms = jieba search-mode words + character bigrams, so a two-character word counts twice:
#   passage 0: 劳动 合同 劳动合同 解除 (x2) + 劳动 动合 合同, 解除 (x2): 14 terms, tf(合同) = 4
#   passage 1: 租赁 合同 押金 + the same as bigrams: 6 terms, tf(合同) = tf(押金) = 2;  passage 2: 10 terms
#   avgdl = 30 / 3 = 10;  query "合同押金" -> 合同 押金 + 合同 同押 押金: 合同 and 押金 twice, 同押 unknown
#   idf(合同) = ln(1 + (3 - 2 + 0.5) / (2 + 0.5)) = ln 1.6;  idf(押金) = ln(1 + 2.5 / 1.5) = ln(8/3)


def lucene(k1: float, b: float) -> list[float]:
    """bm25s's "lucene" variant: idf * tf / (tf + k1 * (1 - b + b * dl / avgdl)), no (k1 + 1) factor."""

    def term(idf: float, tf: int, dl: int) -> float:
        return idf * tf / (tf + k1 * (1 - b + b * dl / 10))

    return [
        2 * term(math.log(1.6), 4, 14),
        2 * term(math.log(1.6), 2, 6) + 2 * term(math.log(8 / 3), 2, 6),
        0.0,
    ]


@pytest.mark.parametrize("parameters", [BM25Parameters(), BM25Parameters(k1=0.6, b=0.3)])
def test_scores_follow_the_formula_with_the_given_parameters(parameters: BM25Parameters) -> None:
    index = LexicalIndex.build(TEXTS, ChineseTokenizer(), parameters)
    assert [len(ChineseTokenizer().index_terms(text)) for text in TEXTS] == [14, 6, 10]
    np.testing.assert_allclose(index.scores("合同押金"), lucene(parameters.k1, parameters.b), rtol=1e-5)


def test_length_normalisation_is_applied() -> None:
    """Full length normalisation favours the short passage, none the long one that repeats the term."""
    full = LexicalIndex.build(TEXTS, ChineseTokenizer(), BM25Parameters(b=1.0)).scores("合同")
    none = LexicalIndex.build(TEXTS, ChineseTokenizer(), BM25Parameters(b=0.0)).scores("合同")
    assert full[1] > full[0] and none[0] > none[1]


def test_saved_index_keeps_its_parameters(tmp_path) -> None:
    index = LexicalIndex.build(TEXTS, ChineseTokenizer(), BM25Parameters(k1=0.6, b=0.3))
    index.save(tmp_path)
    np.testing.assert_allclose(LexicalIndex.load(tmp_path, 3).scores("合同押金"), lucene(0.6, 0.3), rtol=1e-5)


def test_index_terms_are_words_then_bigrams_and_tokenize_is_unchanged() -> None:
    """Bigrams span stopwords (职要, 知吗) and a lone Chinese character (股) stands for itself."""
    tokenizer = ChineseTokenizer()
    assert tokenizer.tokenize("辞职要提前告知吗？A股") == ["辞职", "提前", "告知", "a", "股"]
    assert tokenizer.index_terms("辞职要提前告知吗？A股") == [
        *["辞职", "提前", "告知", "a", "股"],
        *["辞职", "职要", "要提", "提前", "前告", "告知", "知吗", "股"],
    ]
