import pytest

from assistant.documents import DocumentMeta
from assistant.retrieval.diversity import diversify
from assistant.retrieval.expansion import expand_query
from assistant.retrieval.fusion import normalized_score_fusion, reciprocal_rank_fusion
from assistant.retrieval.intent import NUMBER, WHAT, WHEN, WHO, detect_intent
from assistant.retrieval.question import MAX_QUESTION_CHARS, QuestionError, normalize_question
from assistant.retrieval.scope import region_aliases, scope_for

DOCS = {
    "gx": DocumentMeta(title="高县要点", region="四川省宜宾市高县", year=2023),
    "dz": DocumentMeta(title="达州市安排", region="四川省达州市", year=2022),
    "gxq": DocumentMeta(title="高新区要点", region="四川省达州市达州高新区", year=2023),
    "tez": DocumentMeta(title="台儿庄要点", region="山东省枣庄市台儿庄区", year=2023),
}


def test_rrf_matches_hand_computed_scores() -> None:
    fused = reciprocal_rank_fusion([[1, 2, 3], [3, 1]], k=60)
    assert fused[1] == pytest.approx(1 / 61 + 1 / 62)
    assert fused[2] == pytest.approx(1 / 62)
    assert fused[3] == pytest.approx(1 / 63 + 1 / 61)


def test_normalized_fusion_matches_hand_computed_scores() -> None:
    fused = normalized_score_fusion([([10.0, 6.0, 2.0], [1, 2, 3]), ([0.9, 0.7], [3, 4])], [0.5, 0.5])
    assert fused == pytest.approx({1: 0.5, 2: 0.25, 3: 0.5, 4: 0.0})


def test_diversify_spreads_documents() -> None:
    score = {1: 1.0, 2: 0.95, 3: 0.9, 4: 0.5}
    group = {1: "a", 2: "a", 3: "b", 4: "c"}.__getitem__
    assert diversify([1, 2, 3, 4], score, group, 0.9) == [1, 3, 2, 4]
    assert diversify([1, 2, 3, 4], score, group, 1.0) == [1, 2, 3, 4]


def test_region_aliases_and_scope() -> None:
    assert region_aliases(DOCS["gxq"])[-1] == ["达州高新区", "达州高新", "高新区"]
    assert scope_for("高县政务新媒体谁负责", DOCS).doc_ids == {"gx"}
    assert scope_for("达州政务新媒体谁负责", DOCS).doc_ids == {"dz"}  # the city itself, not its 高新区
    assert scope_for("四川的政务新媒体", DOCS).doc_ids == {"gx", "dz", "gxq"}
    assert scope_for("2023年政务新媒体", DOCS).doc_ids == {"gx", "gxq", "tez"}
    assert scope_for("2019年政务新媒体", DOCS).doc_ids is None  # a year no document has is ignored
    assert scope_for("政务新媒体谁负责", DOCS).doc_ids is None
    assert scope_for("政务新媒体", DOCS, region="北京").doc_ids == set()


def test_intent() -> None:
    assert detect_intent("政务新媒体由谁负责") == WHO
    assert detect_intent("政府的公众号归谁管？") == WHO
    assert detect_intent("适老化改造什么时候完成") == WHEN
    assert detect_intent("季度抽查比例不低于多少") == NUMBER
    assert detect_intent("政务开放日怎么搞") == WHAT


def test_expansion_adds_official_terms_only_when_missing() -> None:
    assert "政务新媒体" in expand_query("政府的公众号归谁管")
    assert expand_query("政务新媒体由谁负责") == "政务新媒体由谁负责"


def test_question_normalization() -> None:
    assert normalize_question("  政务\x00新媒体\t由谁负责？ ") == "政务 新媒体 由谁负责?"
    assert len(normalize_question("问" * 100_000)) == MAX_QUESTION_CHARS
    for bad in ("", "   ", "？！。…", "\x07\x08"):
        with pytest.raises(QuestionError):
            normalize_question(bad)
