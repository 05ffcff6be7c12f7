import math

import numpy as np
import pytest

from assistant.indexing.lexical import LexicalIndex
from assistant.indexing.tokenizer import ChineseTokenizer
from assistant.retrieval.learned_expansion import ExpansionSettings, LearnedExpansion

# Real statute articles (STARD corpus wording) and everyday questions that share no word with the one that answers.
ARTICLES = [
    "民法典 第六百七十五条\n借款人应当按照约定的期限返还借款。",
    "民法典 第一千零七十九条\n夫妻一方要求离婚的，可以由有关组织进行调解或者直接向人民法院提起离婚诉讼。",
    "劳动合同法 第八十二条\n用人单位自用工之日起超过一个月不满一年未与劳动者订立书面劳动合同的，"
    "应当向劳动者每月支付二倍的工资。",
    "道路交通安全法 第七十六条\n机动车发生交通事故造成人身伤亡、财产损失的，"
    "由保险公司在机动车第三者责任强制保险责任限额范围内予以赔偿。",
]
TRAINING = [
    ("朋友借钱不还怎么办", [0]),
    ("借钱给亲戚到期了不还钱", [0]),
    ("老公不同意离婚怎么办", [1]),
    ("想和老公离婚去哪里起诉", [1]),
    ("老板不签合同能要双倍工资吗", [2]),
    ("公司不签合同怎么赔偿", [2]),
]


def _fit(settings: ExpansionSettings | None = None) -> tuple[LearnedExpansion, LexicalIndex, ChineseTokenizer]:
    tokenizer = ChineseTokenizer()
    lexical = LexicalIndex.build(ARTICLES, tokenizer)
    questions = [tokenizer.tokenize(question) for question, _ in TRAINING]
    answers = [[word for row in rows for word in tokenizer.tokenize(ARTICLES[row])] for _, rows in TRAINING]
    return LearnedExpansion.fit(questions, answers, lexical.idf, settings or ExpansionSettings()), lexical, tokenizer


def test_a_question_in_everyday_words_finds_the_article_through_learned_terms() -> None:
    expansion, lexical, tokenizer = _fit()
    question = "同学借钱一直不还"  # not a training question; shares no word with article 0
    words = tokenizer.tokenize(question)
    learned = dict(expansion.expand(words))
    assert "借款" in learned and not set(learned) & set(words)
    assert sum(learned.values()) == pytest.approx(len(set(words)) * ExpansionSettings().weight)

    expanded = lexical.scores(question) + lexical.weighted_scores(list(learned.items()))
    assert int(np.argmax(expanded)) == 0


def test_pairs_seen_once_are_not_learned() -> None:
    expansion, _, tokenizer = _fit(ExpansionSettings(min_pairs=2))
    # 双倍 appears in one training question only: nothing it co-occurred with may be learned from it
    assert "双倍" not in expansion.associations
    assert "借钱" in expansion.associations and "离婚" not in expansion.expand(tokenizer.tokenize("借钱"))


def test_an_unknown_question_gets_no_terms() -> None:
    expansion, _, tokenizer = _fit()
    assert expansion.expand(tokenizer.tokenize("天气预报")) == []
    with pytest.raises(ValueError, match="questions but"):
        LearnedExpansion.fit([["借钱"]], [], lambda term: 1.0)


def test_idf_and_weighted_scores_match_their_definitions() -> None:
    lexical = LexicalIndex.build(ARTICLES, ChineseTokenizer())
    assert lexical.idf("民法典") == pytest.approx(math.log(4 / 2))
    assert lexical.idf("借款") == pytest.approx(math.log(4 / 1))
    assert lexical.idf("没有这个词") == 0.0
    single = np.asarray(lexical.retriever.get_scores(["借款"]))  # the one term (scores() adds its bigram too)
    np.testing.assert_allclose(lexical.weighted_scores([("借款", 2.5)]), 2.5 * single, rtol=1e-6)
    np.testing.assert_allclose(lexical.weighted_scores([]), np.zeros(4))
