"""Places named in questions, resolved with the documents' own gazetteer."""

from functools import cache

from assistant.documents import DocumentMeta
from assistant.loading import load_file
from assistant.repair import repair
from assistant.retrieval.scope import scope_for, unknown_places
from assistant.structure.metadata import extract_metadata
from tests.paths import CORPUS, ROOT

DEV = ROOT / "eval" / "corpora" / "dev" / "docs"
FILES = {
    "gz": DEV / "广州市_2021_临时救助实施细则.txt",
    "th": DEV / "广州市天河区_2025_人才公寓申请公告.html",
    "hz": DEV / "浙江省杭州市_2025_生育补助实施方案.md",
    "dq": DEV / "黑龙江省大庆市_2026_育儿补贴制度实施办法.md",
    "gxq": CORPUS / "达州高新区_2023年全区政务公开工作要点.txt",
}


@cache
def _documents() -> dict[str, DocumentMeta]:
    documents = {key: extract_metadata(repair(load_file(path)).text, path.name) for key, path in FILES.items()}
    documents["tc"] = DocumentMeta(title="太仓要点", region="江苏省苏州市太仓市", year=2023)  # no such document yet
    return documents


def test_an_enclosing_place_finds_the_documents_inside_it() -> None:
    scope = scope_for("苏州的育儿补贴有多少", _documents())
    assert scope.doc_ids == {"tc"} and scope.unmatched == "苏州市"  # 太仓市 is in 苏州市; none for 苏州市 itself
    without_city = {key: meta for key, meta in _documents().items() if key != "gz"}
    assert scope_for("广州的人才公寓怎么申请", without_city).doc_ids == {"th"}
    assert scope_for("广东有哪些政策", _documents()).doc_ids == {"gz", "th"}


def test_the_place_itself_before_the_places_inside_it() -> None:
    assert scope_for("广州的临时救助标准", _documents()).doc_ids == {"gz"}


def test_short_names() -> None:
    for question, key in [
        ("杭州生育补助", "hz"),
        ("天河人才公寓", "th"),
        ("大庆育儿补贴", "dq"),
        ("高新区政务公开", "gxq"),
    ]:
        assert scope_for(question, _documents()).doc_ids == {key}, question


def test_places_the_corpus_lacks_are_reported() -> None:
    assert unknown_places("成都的育儿补贴是多少", _documents()) == ["成都"]
    assert unknown_places("苏州的育儿补贴", _documents()) == []
    assert unknown_places("合作社补贴", _documents()) == []  # a county's short name as a word, not a place
    # A city's short name is one whatever jieba tags it (烟台 a noun, 石家庄 a person's name); 新建 (新建区) is not.
    assert "烟台" in unknown_places("烟台新建小区要配多少面积的社区养老用房？", _documents())
    assert unknown_places("石家庄的育儿补贴每月多少", _documents()) == ["石家庄"]
    assert scope_for("成都的育儿补贴是多少", _documents()).doc_ids is None


def test_a_place_qualified_by_its_enclosing_ones_names_itself_alone() -> None:
    # "广州市天河区" is 天河区 (the 广州市 only says which one), as a filter and in a question;
    # "广州市和天河区" names both.
    assert scope_for("人才公寓", _documents(), region="广州市天河区").doc_ids == {"th"}
    assert scope_for("广州天河人才公寓怎么申请", _documents()).doc_ids == {"th"}
    assert scope_for("广州市和天河区的人才政策", _documents()).doc_ids == {"gz", "th"}
    assert scope_for("人才公寓", _documents(), region="广东省广州市").doc_ids == {"gz"}


def test_a_date_within_a_year_is_not_a_documents_year() -> None:
    # A birth year or a deadline is not a filter: only a year that names a document's year is.
    scope = scope_for("我是1979年春天出生的，2025年还能申请杭州生育补助吗？", _documents())
    assert scope.doc_ids == {"hz"} and not scope.unmatched
    assert scope_for("杭州2024年的生育补助", _documents()).unmatched == "杭州市2024年"
    scope = scope_for("我家孩子是2023年在杭州出生的，生育补助能领几回？", _documents())
    assert scope.doc_ids == {"hz"} and scope.year is None and not scope.unmatched
    # A plan's target year is no document year either.
    scope = scope_for("杭州的方案里，到2027年和到2035年分别要达到什么目标？", _documents())
    assert scope.doc_ids == {"hz"} and scope.year is None and not scope.unmatched
    # Nor is the end of a period a plan covers.
    assert scope_for("杭州2021-2024年的生育补助工作计划什么时候报送？", _documents()).year is None


def test_a_title_written_out_names_its_document() -> None:
    """《…》 marks, the inner 〈〉 and their absence alike; a short generic title (政府工作报告) names no document."""
    documents = {
        **_documents(),
        "bj": DocumentMeta(title="北京市实施〈中华人民共和国残疾人保障法〉办法", region="北京市", year=2019),
        "gw": DocumentMeta(title="政府工作报告", region="全国", year=2024),
    }
    scope = scope_for("《北京市实施〈中华人民共和国残疾人保障法〉办法》自何时起施行？", documents)
    assert scope.doc_ids == {"bj"} and scope.titled == "《北京市实施〈中华人民共和国残疾人保障法〉办法》"
    assert scope_for("北京市实施中华人民共和国残疾人保障法办法自何时起施行", documents).doc_ids == {"bj"}
    assert scope_for("政府工作报告提出的增长目标是多少", documents).titled == ""
