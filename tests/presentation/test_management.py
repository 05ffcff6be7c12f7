"""Document management on a copy of the real corpus and index: every action leaves the index consistent."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from assistant.corpus import content_hash
from assistant.embedding.embedder import SentenceTransformerEmbedder
from assistant.engine import Engine
from assistant.presentation.audit import AuditLog
from assistant.presentation.management import ManagementError, NotFound
from assistant.presentation.service import PolicyService
from tests.indexing.test_store import CountingEmbedder

GAOXIAN = "高县_2023年政务公开重点工作任务清单"


@pytest.fixture
def counting(embedder: SentenceTransformerEmbedder) -> CountingEmbedder:
    return CountingEmbedder(embedder)


@pytest.fixture
def service(engine: Engine, corpus_copy: Path, tmp_path: Path, counting: CountingEmbedder) -> PolicyService:
    """A writable corpus and index (a copy of the session index), an audit log, an embedder that counts."""
    index_dir = tmp_path / "index"
    shutil.copytree(engine.index_dir, index_dir)
    opened = Engine.open(corpus_copy, index_dir, embedder=counting, progress=False)
    assert not opened.report.changed
    return PolicyService(opened, audit=AuditLog(tmp_path / "data" / "audit.jsonl"))


def _doc(service: PolicyService, doc_id: str) -> dict | None:
    return next((row for row in service.documents() if row["doc_id"] == doc_id), None)


def test_metadata_edit_is_searchable_and_shown_without_embedding(
    service: PolicyService, counting: CountingEmbedder
) -> None:
    corpus = service.engine.corpus_dir
    before = _doc(service, GAOXIAN)
    assert before is not None and "修订" not in before["title"]
    result = service.admin.edit_meta(
        GAOXIAN, {"title": "高县政务公开任务清单（修订本）", "issuer": "高县人民政府", "year": "2024"}, "tester"
    )
    assert result.after["title"] == "高县政务公开任务清单（修订本）" and result.after["year"] == 2024
    assert result.before["title"] == before["title"] and counting.passages_embedded == 0
    shown = _doc(service, GAOXIAN)
    assert shown["title"] == "高县政务公开任务清单（修订本）" and shown["issuer"] == "高县人民政府"
    assert shown["region"] == before["region"]  # the bundled manifest's region stays
    hits = service.search("修订本", k=3)
    assert hits and hits[0].passage.doc_id == GAOXIAN and hits[0].meta.title.endswith("（修订本）")
    in_2024 = service.search("政务新媒体", year=2024)
    assert in_2024 and {hit.passage.doc_id for hit in in_2024} == {GAOXIAN}
    stored = json.loads((corpus / "manifest.json").read_text(encoding="utf-8"))[f"{GAOXIAN}.txt"]
    assert stored["region"] == "四川省宜宾市高县" and stored["sources"] == {
        "title": "admin",
        "issuer": "admin",
        "year": "admin",
    }

    service.admin.edit_meta(GAOXIAN, {"title": "", "year": None, "issuer": ""}, "tester")  # back to the file's own
    assert _doc(service, GAOXIAN) == before and counting.passages_embedded == 0
    stored = json.loads((corpus / "manifest.json").read_text(encoding="utf-8"))[f"{GAOXIAN}.txt"]
    assert stored == {"region": "四川省宜宾市高县"}

    entries = service.audit.entries()
    assert [entry["action"] for entry in entries] == ["meta", "meta"]
    assert entries[0]["actor"] == "tester" and entries[0]["sha256"] == content_hash(corpus / f"{GAOXIAN}.txt")
    assert entries[0]["before"]["title"] == before["title"] and entries[0]["after"]["year"] == 2024


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"year": "二〇二三"}, "年份无效"),
        ({"year": 1800}, "年份无效"),
        ({"date": "2023-13-01"}, "日期无效"),
        ({"title": "标题\u202e反转"}, "控制字符"),
        ({"title": "长" * 201}, "过长"),
        ({"author": "x"}, "未知字段"),
        ({}, "没有要修改的字段"),
    ],
)
def test_invalid_metadata_is_refused_with_the_reason(service: PolicyService, changes: dict, reason: str) -> None:
    manifest = (service.engine.corpus_dir / "manifest.json").read_bytes()
    with pytest.raises(ManagementError, match=reason):
        service.admin.edit_meta(GAOXIAN, changes, "tester")
    assert (service.engine.corpus_dir / "manifest.json").read_bytes() == manifest and not service.audit.entries()


def test_unknown_documents_and_versions_are_not_found(service: PolicyService) -> None:
    for action in (
        lambda: service.admin.remove("no-such-document", "tester"),
        lambda: service.admin.edit_meta("../高县", {"title": "x"}, "tester"),
        lambda: service.admin.restore(GAOXIAN, "../../etc/passwd", "tester"),
        lambda: service.admin.restore(GAOXIAN, "20240101T000000000000Z-0123abcd", "tester"),
    ):
        with pytest.raises(NotFound):
            action()
    assert service.admin.versions_of(GAOXIAN) == (f"{GAOXIAN}.txt", [])


def test_remove_then_restore(service: PolicyService) -> None:
    corpus = service.engine.corpus_dir
    name = f"{GAOXIAN}.txt"
    digest = content_hash(corpus / name)
    removed = service.admin.remove(GAOXIAN, "tester")
    assert _doc(service, GAOXIAN) is None and not (corpus / name).exists()
    assert all(hit.passage.doc_id != GAOXIAN for hit in service.search("高县政务新媒体由谁负责", k=20))
    assert service.admin.deleted() == [name]
    with pytest.raises(NotFound, match="已删除"):
        service.admin.remove(GAOXIAN, "tester")
    _, versions = service.admin.versions_of(GAOXIAN)  # a deleted document is still found by its doc_id
    assert [(v["version"], v["reason"], v["sha256"], v["current"]) for v in versions] == [
        (removed.version, "deleted", digest, False)
    ]

    restored = service.admin.restore(GAOXIAN, removed.version, "tester")
    assert restored.doc_id == GAOXIAN and content_hash(corpus / name) == digest
    assert _doc(service, GAOXIAN) is not None and service.admin.deleted() == []
    answer, _ = service.answer("高县政务新媒体由谁负责", [])
    assert answer.citations and answer.citations[0].hit.passage.doc_id == GAOXIAN
    assert service.admin.versions_of(GAOXIAN)[1][0]["current"] is True
    with pytest.raises(ManagementError, match="当前版本"):
        service.admin.restore(GAOXIAN, removed.version, "tester")

    entries = service.audit.entries()
    assert [(e["action"], e["doc_id"], e["file"], e["sha256"]) for e in entries] == [
        ("delete", GAOXIAN, name, digest),
        ("restore", GAOXIAN, name, digest),
    ]
    assert entries[0]["before"]["region"] == "四川省宜宾市高县" and entries[0]["after"] is None
    assert entries[1]["detail"] == f"version {removed.version}"


def test_replace_keeps_the_old_version_to_restore(service: PolicyService, tmp_path: Path) -> None:
    corpus = service.engine.corpus_dir
    name = f"{GAOXIAN}.txt"
    old = (corpus / name).read_bytes()
    new = tmp_path / "new"
    new.write_bytes(old + "五、附则\n本清单由县政务服务和大数据管理局负责解释。\n".encode())
    with pytest.raises(ManagementError, match="同类型"):
        service.admin.replace(GAOXIAN, (new, "新版本.pdf"), "tester")
    result = service.admin.replace(GAOXIAN, (new, "新版本.txt"), "tester")
    assert result.added == [name] and (corpus / name).read_bytes() == new.read_bytes()
    assert any("负责解释" in hit.passage.text for hit in service.search("清单由谁负责解释", k=5))
    _, versions = service.admin.versions_of(GAOXIAN)
    assert [(v["reason"], v["sha256"], v["current"]) for v in versions] == [
        ("replaced", hashlib.sha256(old).hexdigest(), False)
    ]

    service.admin.restore(GAOXIAN, versions[0]["version"], "tester")
    assert (corpus / name).read_bytes() == old
    assert not any("负责解释" in hit.passage.text for hit in service.search("清单由谁负责解释", k=5))
    _, versions = service.admin.versions_of(GAOXIAN)
    assert [(v["reason"], v["current"]) for v in versions] == [("superseded by a restore", False), ("replaced", True)]
    assert [e["action"] for e in service.audit.entries()] == ["replace", "restore"]
