"""BM25 scores against Lucene's formula worked by hand, for the default and non-default parameters."""

from __future__ import annotations

import math

import numpy as np
import pytest

from assistant.indexing.lexical import BM25Parameters, LexicalIndex
from assistant.indexing.tokenizer import ChineseTokenizer

TEXTS = ["劳动合同 解除 劳动合同", "租赁 合同 押金", "继承 遗产 分配 遗嘱 公证"]
# Their search-mode tokens: 7, 3 and 5 long (avgdl 5). "合同" is in 2 of 3 passages, "押金" in 1.
#   idf(合同) = ln(1 + (3 - 2 + 0.5) / (2 + 0.5)) = ln 1.6;  idf(押金) = ln(1 + 2.5 / 1.5) = ln(8/3)
#   passage 0: tf(合同) = 2, dl = 7;  passage 1: tf 1 each, dl = 3


def lucene(k1: float, b: float) -> list[float]:
    """bm25s's "lucene" variant: idf * tf / (tf + k1 * (1 - b + b * dl / avgdl)), no (k1 + 1) factor."""

    def term(idf: float, tf: int, dl: int) -> float:
        return idf * tf / (tf + k1 * (1 - b + b * dl / 5))

    return [
        term(math.log(1.6), 2, 7),
        term(math.log(1.6), 1, 3) + term(math.log(8 / 3), 1, 3),
        0.0,
    ]


@pytest.mark.parametrize("parameters", [BM25Parameters(), BM25Parameters(k1=0.6, b=0.3)])
def test_scores_follow_the_formula_with_the_given_parameters(parameters: BM25Parameters) -> None:
    index = LexicalIndex.build(TEXTS, ChineseTokenizer(), parameters)
    assert [len(ChineseTokenizer().tokenize(text)) for text in TEXTS] == [7, 3, 5]
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
