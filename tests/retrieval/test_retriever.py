import shutil
from dataclasses import replace
from pathlib import Path

from assistant.embedding.embedder import SentenceTransformerEmbedder
from assistant.engine import Engine
from assistant.retrieval.answer_kinds import question_kinds, stated_kinds
from assistant.retrieval.intent import MATERIALS
from assistant.retrieval.retriever import Retriever

DEV = Path(__file__).parents[2] / "eval" / "corpora" / "dev" / "docs"

GAOXIAN = "高县_2023年政务公开重点工作任务清单"


def test_unscoped_question_is_answered_from_several_jurisdictions(engine: Engine) -> None:
    hits = engine.retriever.search("政务新媒体由谁负责", k=10)
    assert len({hit.meta.region for hit in hits[:5]}) >= 3
    assert all("政务新媒体" in hit.passage.text or "新媒体" in hit.passage.section_path for hit in hits[:5])
    for hit in hits:
        assert hit.leg_ranks and set(hit.leg_scores) <= {"bm25", "dense"}
    assert [hit.rank for hit in hits] == list(range(1, len(hits) + 1))


def test_named_jurisdiction_scopes_the_search(engine: Engine) -> None:
    hits = engine.retriever.search("高县的政务新媒体由哪个部门牵头？", k=5)
    assert hits and {hit.passage.doc_id for hit in hits} == {GAOXIAN}
    record = next(hit for hit in hits if hit.passage.kind == "record")
    assert record.passage.fields.get("牵头单位") == "县政府办公室"


def test_local_short_name_and_year(engine: Engine) -> None:
    hits = engine.retriever.search("高新区官网的适老化改造", k=5)
    assert {hit.meta.region for hit in hits} == {"四川省达州市达州高新区"}
    hits = engine.retriever.search("2022年政府网站适老化改造", k=5)
    assert {hit.meta.year for hit in hits} == {2022}


def test_explicit_filters(engine: Engine) -> None:
    hits = engine.retriever.search("政务公开工作汇报", k=5, region="广元")
    assert hits and {hit.meta.region for hit in hits} == {"四川省广元市"}
    assert engine.retriever.search("政务公开", k=5, region="北京市") == []
    hits = engine.retriever.search("政务公开", k=5, year=2023, doc_ids=[GAOXIAN])
    assert {hit.passage.doc_id for hit in hits} == {GAOXIAN}


def test_everyday_words_find_the_official_term(engine: Engine) -> None:
    hits = engine.retriever.search("政府的公众号归谁管？", k=5)
    assert any("政务新媒体" in hit.passage.text for hit in hits[:3])


def test_prose_and_its_table_row_collapse_into_one_hit(engine: Engine) -> None:
    hits = engine.retriever.search("达州高新区扎实推进财政预决算公开，完善公开参考样表", k=10)
    top = hits[0]
    assert "财政预决算公开" in top.passage.text
    assert top.also_at, "the same statement in prose and in the 分工表 should be one hit"
    kinds = {top.passage.kind, *(other.kind for other in top.also_at)}
    assert kinds == {"prose", "record"}
    texts = [hit.passage.text for hit in hits]
    assert len(texts) == len(set(texts))


def test_modes_and_empty_question(engine: Engine) -> None:
    for mode in ("bm25", "dense", "hybrid"):
        hits = engine.retriever.search("政府信息公开申请", k=3, mode=mode)
        assert len(hits) == 3
    assert engine.retriever.search("   ", k=3) == []


def test_the_dense_leg_scores_a_passage_by_its_best_sentence_too(engine: Engine) -> None:
    """Each dense candidate's score is 0.3 x its passage's cosine + 0.7 x its best sentence's (the default mix),
    and the dense ranking follows that score; with mix 1 it is the passage's cosine alone."""
    store, retriever = engine.store, engine.retriever
    question = "政府网站和政务新媒体由谁负责监管？"
    vector = retriever.query_vector(question)
    hits = retriever.search(question, k=10, mode="dense")
    assert retriever.settings.sentence_mix == 0.3 and store.sentences is not None
    for hit in hits:
        position = next(i for i, p in enumerate(store.passages) if p.passage_id == hit.passage.passage_id)
        best = max(store.sentences.vectors[store.sentences.owners == position] @ vector)
        expected = 0.3 * float(store.vectors[position] @ vector) + 0.7 * float(best)
        assert abs(hit.leg_scores["dense"] - expected) < 1e-4
    assert [hit.score for hit in hits] == sorted((hit.score for hit in hits), reverse=True)

    whole = Retriever(store, engine.embedder, replace(retriever.settings, sentence_mix=1.0))
    for hit in whole.search(question, k=5, mode="dense"):
        position = next(i for i, p in enumerate(store.passages) if p.passage_id == hit.passage.passage_id)
        assert abs(hit.leg_scores["dense"] - float(store.vectors[position] @ vector)) < 1e-4


def test_a_title_written_out_chooses_the_document_and_the_rest_ranks_its_passages(
    tmp_path: Path, embedder: SentenceTransformerEmbedder
) -> None:
    """The title's words are in the cover notice and the first article; 施行 is in the last one."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in ("北京市_2019_实施残疾人保障法办法.md", "广州市_2021_临时救助实施细则.txt"):
        shutil.copy(DEV / name, corpus / name)
    engine = Engine.open(corpus, tmp_path / "index", embedder=embedder, progress=False)
    question = "《北京市实施〈中华人民共和国残疾人保障法〉办法》自何时起施行？"
    (top, *_) = engine.retriever.search(question, k=3)
    assert top.passage.doc_id == "北京市_2019_实施残疾人保障法办法" and "起施行" in top.passage.text
    issued = engine.retriever.search("《北京市实施〈中华人民共和国残疾人保障法〉办法》是什么时候发布的？", k=3)
    assert {hit.passage.doc_id for hit in issued} == {"北京市_2019_实施残疾人保障法办法"}


def test_a_question_asking_for_materials_ranks_first_the_passage_that_lists_them(
    tmp_path: Path, embedder: SentenceTransformerEmbedder
) -> None:
    """The applicant's category repeats the question's words; the list of forms states what to bring."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(DEV / "广州市天河区_2025_人才公寓申请公告.html", corpus)
    engine = Engine.open(corpus, tmp_path / "index", embedder=embedder, progress=False)
    question = "港澳台青年人才申请人才公寓要带什么证件？"
    assert question_kinds(question) == {MATERIALS}
    (top, *_) = engine.retriever.search(question, k=3)
    assert MATERIALS in stated_kinds(top.passage.text) and "申请表" in top.passage.text

    unweighted = Retriever(engine.store, embedder, replace(engine.retriever.settings, answer_kind_weight=1.0))
    (plain_top, *_) = unweighted.search(question, k=3)
    assert MATERIALS not in stated_kinds(plain_top.passage.text)  # the weight, not the legs, put the list first
