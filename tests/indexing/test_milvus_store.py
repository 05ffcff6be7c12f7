"""The Milvus backend (milvus-lite here) against FAISS, with the real corpus and model.

Stated tolerance (README "Milvus backend"): on the labelled set, dense top-10 sets identical for ≥ 95% of
questions, hybrid top-5 overlap ≥ 0.95 on average and extractive answers identical for ≥ 95%. Milvus uses a
FLAT index here as FAISS's `auto` does at this size; an approximate index (AUTOINDEX) trades a little recall.
"""

import shutil
from pathlib import Path

import numpy as np
import pytest

from assistant.answering.answerer import Answerer
from assistant.engine import Engine
from assistant.indexing.milvus_store import MilvusVectorStore
from assistant.indexing.store import passage_rows
from assistant.indexing.vector_store import IndexSettings
from eval.labelled import load_questions
from tests.paths import CORPUS

MILVUS = IndexSettings(backend="milvus", milvus_index="FLAT")


def _milvus_copy(engine: Engine, tmp_path: Path, corpus: Path = CORPUS) -> Engine:
    """The FAISS engine's index copied, then opened with the Milvus backend (its vectors are reused)."""
    index_dir = tmp_path / "index"
    shutil.copytree(engine.index_dir, index_dir, ignore=shutil.ignore_patterns(".lock"))
    return Engine.open(corpus, index_dir, embedder=engine.embedder, progress=False, index=MILVUS)


@pytest.fixture(scope="module")
def milvus_engine(engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Engine:
    return _milvus_copy(engine, tmp_path_factory.mktemp("milvus"))


def _ids(hits) -> list[str]:
    return [hit.passage.passage_id for hit in hits]


def test_switching_backend_moves_the_vectors_without_embedding(engine: Engine, milvus_engine: Engine) -> None:
    report = milvus_engine.report
    assert "vector store" in report.rebuilt_because and not (report.added or report.updated)
    assert isinstance(milvus_engine.store.dense, MilvusVectorStore)
    assert milvus_engine.store.dense.size == len(engine.store.passages)
    assert milvus_engine.store.manifest["index"]["backend"] == "milvus"


def test_same_hits_and_answers_as_faiss_on_the_labelled_set(engine: Engine, milvus_engine: Engine) -> None:
    questions = [question.question for question in load_questions()]
    dense_same = hybrid_overlap = answers_same = 0.0
    faiss_answers, milvus_answers = Answerer(engine.retriever), Answerer(milvus_engine.retriever)
    for question in questions:
        faiss_dense = set(_ids(engine.retriever.search(question, 10, mode="dense")))
        dense_same += faiss_dense == set(_ids(milvus_engine.retriever.search(question, 10, mode="dense")))
        faiss_top = set(_ids(engine.retriever.search(question, 5)))
        milvus_top = set(_ids(milvus_engine.retriever.search(question, 5)))
        hybrid_overlap += len(faiss_top & milvus_top) / max(1, len(faiss_top))
        answers_same += faiss_answers.answer(question).text == milvus_answers.answer(question).text
    count = len(questions)
    assert dense_same / count >= 0.95
    assert hybrid_overlap / count >= 0.95
    assert answers_same / count >= 0.95


def test_scope_filters_are_pushed_down_as_expressions(engine: Engine, milvus_engine: Engine) -> None:
    store = milvus_engine.store
    doc_id = "高县_2023年政务公开重点工作任务清单"
    allowed = store.doc_positions[doc_id]
    assert store.dense._expression(allowed) == f'doc_id in ["{doc_id}"]'
    assert store.dense._expression(allowed[:3]).startswith("pk in [")
    query = engine.embedder.encode_queries(["政务新媒体由谁负责"])[0]
    scores, positions = store.dense.search(query, 10, allowed)
    assert set(positions.tolist()) <= set(allowed.tolist()) and len(positions) == 10
    np.testing.assert_array_equal(positions, engine.store.dense.search(query, 10, allowed)[1])
    np.testing.assert_allclose(scores, engine.store.dense.search(query, 10, allowed)[0], atol=1e-4)
    hits = milvus_engine.retriever.search("政务新媒体由谁负责", 10, region="高县")
    assert hits and {hit.meta.region for hit in hits} == {"四川省宜宾市高县"}


def test_removal_and_an_interrupted_sync_are_repaired(engine: Engine, tmp_path: Path, corpus_copy: Path) -> None:
    milvus = _milvus_copy(engine, tmp_path, corpus_copy)
    store = milvus.store.dense
    gone = "台儿庄区_2023年政务公开工作要点"
    (corpus_copy / f"{gone}.txt").unlink()
    report = milvus.refresh()
    assert report.removed == [f"{gone}.txt"] and not report.added
    store = milvus.store.dense
    count = store.client.query(store.collection, filter="", output_fields=["count(*)"])[0]["count(*)"]
    assert count == len(milvus.store.passages)
    assert all(hit.passage.doc_id != gone for hit in milvus.retriever.search("台儿庄区政务公开", 10, mode="dense"))

    # A sync killed midway: some rows never arrived, a stray row from elsewhere is there.
    rows = passage_rows(milvus.store.passages, milvus.store.manifest["documents"])
    store.client.delete(store.collection, ids=rows.keys[:25])
    stray = {"pk": "stray:0", "vector": milvus.store.vectors[0].tolist(), "doc_id": "x", "doc_hash": "x"}
    store.client.insert(store.collection, [{**stray, "region": "", "year": 0}])
    repaired = MilvusVectorStore.sync(milvus.index_settings, milvus.index_dir, milvus.store.vectors, rows)
    keys = {
        row["pk"] for row in repaired.client.query(repaired.collection, filter="", output_fields=["pk"], limit=9999)
    }
    assert keys == set(rows.keys)
