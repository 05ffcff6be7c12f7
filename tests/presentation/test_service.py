"""Uploads reach the index without a restart; what cannot be read is refused by name and leaves no file."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from assistant.embedding.embedder import SentenceTransformerEmbedder
from assistant.engine import Engine
from assistant.presentation.service import PolicyService
from tests.paths import FIXTURES

NEW_DOCUMENT = """测试县人民政府办公室关于印发《2024年测试县数据开放工作要点》的通知

一、加强数据开放平台建设
数据开放平台由县大数据中心负责运维，每季度更新开放目录。
"""


@pytest.fixture
def service(engine: Engine, corpus_copy: Path, tmp_path: Path, embedder: SentenceTransformerEmbedder) -> PolicyService:
    """A writable corpus and index (a copy of the session index, so nothing is rebuilt)."""
    index_dir = tmp_path / "index"
    shutil.copytree(engine.index_dir, index_dir)
    return PolicyService(Engine.open(corpus_copy, index_dir, embedder=embedder, progress=False))


def test_upload_is_indexed_and_refusals_are_named(service: PolicyService, tmp_path: Path) -> None:
    incoming = tmp_path / "incoming"
    incoming.mkdir()
    (incoming / "a").write_text(NEW_DOCUMENT, encoding="utf-8")
    existing = next(service.engine.corpus_dir.glob("高县*.txt"))
    before = sorted(p.name for p in service.engine.corpus_dir.iterdir())
    result = service.add_documents(
        [
            (incoming / "a", "../../测试县_2024年数据开放工作要点.txt"),
            (existing, "copy.txt"),
            (FIXTURES / "scanned.pdf", "scanned.pdf"),
            (incoming / "a", "tool.exe"),
        ]
    )
    assert result.added == ["测试县_2024年数据开放工作要点.txt"]
    assert set(result.refused) == {"copy.txt", "scanned.pdf", "tool.exe"}
    assert result.refused["copy.txt"].startswith("内容与已有文件相同")
    assert result.refused["scanned.pdf"].startswith("无法读取")
    after = sorted(p.name for p in service.engine.corpus_dir.iterdir())
    assert after == sorted([*before, "测试县_2024年数据开放工作要点.txt"])  # nothing else, nowhere else
    assert not (tmp_path / "测试县_2024年数据开放工作要点.txt").exists()
    assert "测试县_2024年数据开放工作要点" in {d["doc_id"] for d in service.documents()}
    answer = service.answer("数据开放平台由谁负责运维", []).answer
    assert "县大数据中心" in answer.text
    assert answer.citations[0].hit.passage.doc_id == "测试县_2024年数据开放工作要点"
    assert service.original("测试县_2024年数据开放工作要点") == NEW_DOCUMENT


def test_unreadable_new_version_keeps_the_old_document(service: PolicyService, tmp_path: Path) -> None:
    name = next(service.engine.corpus_dir.glob("高县*.txt")).name
    old = (service.engine.corpus_dir / name).read_bytes()
    broken = tmp_path / "broken"
    broken.write_bytes(b"  \n\n  ")  # no text: the loader refuses it
    result = service.add_documents([(broken, name)], replace=True)
    assert result.added == [] and result.refused[name].startswith("无法读取")
    assert (service.engine.corpus_dir / name).read_bytes() == old
    assert name in {d["file"] for d in service.documents()}


def test_history_from_plain_questions_keeps_the_jurisdiction(engine: Engine) -> None:
    service = PolicyService(engine)
    turns = service.turns_from_questions(["高县政务新媒体由谁负责", " "])
    assert len(turns) == 1 and turns[0].regions == ("高县",) and turns[0].topic == "政务新媒体"
    answer = service.answer("什么时候完成？", turns).answer
    assert answer.understood.startswith("高县政务新媒体") and answer.lines[0].label.startswith("高县")


def test_filters_match_the_documents_regions_years_and_ids_as_spelled(engine: Engine) -> None:
    """高县 + 2021 matches nothing, though the retriever would read 四川省 into the 广元市 document."""
    service = PolicyService(engine)
    assert service.filters_match(None, None, None) and service.filters_match("四川省", 2021, None)
    assert service.filters_match("四川省宜宾市高县", 2023, None)
    assert not service.filters_match("四川省宜宾市高县", 2021, None)
    guangyuan = next(row["doc_id"] for row in service.documents() if row["region"] == "四川省广元市")
    assert not service.filters_match("四川省宜宾市高县", None, [guangyuan])


def test_hit_test_gives_each_legs_detail_in_the_chosen_mode(engine: Engine) -> None:
    service = PolicyService(engine)
    bm25 = service.hit_test("政务新媒体由谁负责", "bm25", k=5)
    assert len(bm25.hits) == 5 and all(set(hit.leg_ranks) == {"bm25"} for hit in bm25.hits)
    hybrid = service.hit_test("政务新媒体由谁负责", "hybrid", k=5, region="四川省宜宾市高县")
    assert {"bm25", "dense"} <= set(hybrid.hits[0].leg_scores) and hybrid.answer.answerable
    assert {hit.meta.region for hit in hybrid.hits} == {"四川省宜宾市高县"}
    assert hybrid.answer.decision is not None and hybrid.answer.decision.rule == "answered"
