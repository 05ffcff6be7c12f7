"""Document management on a copy of the real corpus and index: every action leaves the index consistent."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from assistant.corpus import content_hash
from assistant.presentation.management import ManagementError, NotFound
from assistant.presentation.service import PolicyService
from tests.indexing.test_store import CountingEmbedder
from tests.presentation.conftest import EXCERPT

GAOXIAN = "高县_2023年政务公开重点工作任务清单"


@pytest.fixture
def service(managed: PolicyService) -> PolicyService:
    return managed


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
    assert shown["region"] == before["region"] == "四川省宜宾市高县"  # read from the file, untouched
    hits = service.search("修订本", k=3)
    assert hits and hits[0].passage.doc_id == GAOXIAN and hits[0].meta.title.endswith("（修订本）")
    in_2024 = service.search("政务新媒体", year=2024)
    assert in_2024 and {hit.passage.doc_id for hit in in_2024} == {GAOXIAN}
    stored = json.loads((corpus / "manifest.json").read_text(encoding="utf-8"))[f"{GAOXIAN}.txt"]
    assert "region" not in stored and stored["sources"] == {
        "title": "admin",
        "issuer": "admin",
        "year": "admin",
    }

    service.admin.edit_meta(GAOXIAN, {"title": "", "year": None, "issuer": ""}, "tester")  # back to the file's own
    assert _doc(service, GAOXIAN) == before and counting.passages_embedded == 0
    assert f"{GAOXIAN}.txt" not in json.loads((corpus / "manifest.json").read_text(encoding="utf-8"))

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


@pytest.fixture
def excerpt(service: PolicyService, excerpt_file: Path) -> str:
    """The excerpt uploaded: its doc_id."""
    result = service.admin.upload([(excerpt_file, EXCERPT)], replace=False, actor="tester")
    assert result.added == [EXCERPT]
    return Path(EXCERPT).stem


def test_remove_then_restore(service: PolicyService, excerpt: str) -> None:
    corpus = service.engine.corpus_dir
    digest = content_hash(corpus / EXCERPT)
    assert any(hit.passage.doc_id == excerpt for hit in service.search("政府网站集约化试点", k=3))
    removed = service.admin.remove(excerpt, "tester")
    assert _doc(service, excerpt) is None and not (corpus / EXCERPT).exists()
    assert all(hit.passage.doc_id != excerpt for hit in service.search("政府网站集约化试点", k=20))
    assert service.admin.deleted() == [EXCERPT]
    with pytest.raises(NotFound, match="已删除"):
        service.admin.remove(excerpt, "tester")
    _, versions = service.admin.versions_of(excerpt)  # a deleted document is still found by its doc_id
    assert [(v["version"], v["reason"], v["sha256"], v["current"]) for v in versions] == [
        (removed.version, "deleted", digest, False)
    ]

    restored = service.admin.restore(excerpt, removed.version, "tester")
    assert restored.doc_id == excerpt and content_hash(corpus / EXCERPT) == digest
    assert _doc(service, excerpt) is not None and service.admin.deleted() == []
    assert service.search("政府网站集约化试点", k=1)[0].passage.doc_id == excerpt
    assert service.admin.versions_of(excerpt)[1][0]["current"] is True
    with pytest.raises(ManagementError, match="当前版本"):
        service.admin.restore(excerpt, removed.version, "tester")

    entries = service.audit.entries()
    assert [(e["action"], e["doc_id"], e["file"], e["sha256"], e["actor"]) for e in entries] == [
        ("upload", excerpt, EXCERPT, digest, "tester"),
        ("delete", excerpt, EXCERPT, digest, "tester"),
        ("restore", excerpt, EXCERPT, digest, "tester"),
    ]
    assert entries[0]["before"] is None and entries[0]["after"]["issuer"] == "国务院办公厅"
    assert entries[1]["before"]["doc_number"] == "国办函〔2018〕71号" and entries[1]["after"] is None
    assert entries[2]["detail"] == f"version {removed.version}"


def test_replace_keeps_the_old_version_to_restore(service: PolicyService, excerpt: str, tmp_path: Path) -> None:
    corpus = service.engine.corpus_dir
    old = (corpus / EXCERPT).read_bytes()
    new = tmp_path / "new"
    new.write_bytes(old + "\n五、附则\n本方案由国务院办公厅政府信息与政务公开办公室负责解释。\n".encode())
    with pytest.raises(ManagementError, match="同类型"):
        service.admin.replace(excerpt, (new, "新版本.pdf"), "tester")
    result = service.admin.replace(excerpt, (new, "新版本.txt"), "tester")
    assert result.added == [EXCERPT] and (corpus / EXCERPT).read_bytes() == new.read_bytes()
    assert any("负责解释" in hit.passage.text for hit in service.search("方案由谁负责解释", k=5))
    _, versions = service.admin.versions_of(excerpt)
    old_digest = hashlib.sha256(old).hexdigest()
    assert [(v["reason"], v["sha256"], v["current"]) for v in versions] == [("replaced", old_digest, False)]

    service.admin.restore(excerpt, versions[0]["version"], "tester")
    assert (corpus / EXCERPT).read_bytes() == old
    assert not any("负责解释" in hit.passage.text for hit in service.search("方案由谁负责解释", k=5))
    _, versions = service.admin.versions_of(excerpt)
    assert [(v["reason"], v["current"]) for v in versions] == [("superseded by a restore", False), ("replaced", True)]
    entries = service.audit.entries()
    assert [e["action"] for e in entries] == ["upload", "replace", "restore"]
    assert entries[1]["sha256"] == content_hash(new) and entries[1]["before"] == entries[0]["after"]
