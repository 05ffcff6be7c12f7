"""The adaptation beside an index: fitted from answered questions, kept and read back, used by the retriever."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np

from assistant.indexing.store import IndexStore, build_passage_index, current_generation
from assistant.retrieval.adaptation import Adaptation, AdaptationFitter, answered_questions
from assistant.retrieval.retriever import Retriever
from assistant.retrieval.settings import RetrievalSettings


class UnitEmbedder:
    """Deterministic unit vectors from the text: no model needed for bookkeeping."""

    name = "unit-embedder"
    dimension = 16

    def encode_passages(self, texts: list[str], show_progress: bool = False) -> np.ndarray:
        rows = np.stack([np.frombuffer(hashlib.sha256(t.encode()).digest()[:16], dtype=np.uint8) for t in texts])
        rows = rows.astype(np.float32) - 127.5
        return rows / np.linalg.norm(rows, axis=1, keepdims=True)

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        return self.encode_passages(texts)


PASSAGES = [
    ("a", "民法典 第六百七十五条", "借款人应当按照约定的期限返还借款。"),
    ("b", "民法典 第一千零八十四条", "离婚后，不满两周岁的子女，以由母亲直接抚养为原则。"),
    ("c", "劳动合同法 第三十条", "用人单位应当按照劳动合同约定和国家规定，向劳动者及时足额支付劳动报酬。"),
]
ANSWERED = [
    {"question": "借钱不还怎么办", "positive_ids": ["a"]},
    {"question": "朋友借钱到期不还", "positive_ids": ["a"]},
    {"question": "老板拖欠工资怎么办", "positive_ids": ["c"]},
    {"question": "离婚孩子归谁", "positive_ids": ["b", "not-in-the-index"]},
]


def _index(tmp_path: Path) -> Path:
    corpus = tmp_path / "corpus.jsonl"
    rows = [{"id": i, "title": title, "text": text} for i, title, text in PASSAGES]
    corpus.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8")
    build_passage_index(tmp_path / "index", corpus, UnitEmbedder(), progress=False)
    return tmp_path / "index"


def test_an_adaptation_kept_beside_the_index_ranks_as_the_one_fitted(tmp_path: Path) -> None:
    index = _index(tmp_path)

    generation = current_generation(index)
    assert generation is not None
    store, embedder = IndexStore.load(generation), UnitEmbedder()
    answered = answered_questions(ANSWERED, store)
    vectors = embedder.encode_queries([question.question for question in answered])
    fitted = AdaptationFitter(store, answered, vectors).fit()
    assert fitted.questions == 4 and fitted.adapter is not None
    fitted.save(index)
    loaded = Adaptation.load(index)
    assert loaded is not None and loaded.questions == 4
    settings = RetrievalSettings.passages_as_given()
    for question in ("借钱不还", "工资拖欠", "孩子抚养"):
        ranked = [
            [hit.passage.passage_id for hit in Retriever(store, embedder, settings, adaptation).search(question, 3)]
            for adaptation in (fitted, loaded)
        ]
        assert ranked[0] == ranked[1]
    Adaptation.remove(index)
    assert Adaptation.load(index) is None and not any(index.glob("adaptation*"))


def test_feedback_teaches_only_its_thumbs_up(tmp_path: Path) -> None:
    index = _index(tmp_path)

    generation = current_generation(index)
    assert generation is not None
    store = IndexStore.load(generation)
    text = PASSAGES[0][2]
    cited = [{"doc_id": "corpus", "start": 0, "end": len(text)}]
    rows = [
        {"rating": "up", "question": "借钱不还", "citations": cited},
        {"rating": "down", "question": "借钱不还怎么办", "citations": cited},
        {"rating": "up", "question": "没有引用", "citations": []},
    ]
    assert [(q.question, q.passage_ids) for q in answered_questions(rows, store)] == [("借钱不还", ("a",))]
