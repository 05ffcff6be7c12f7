"""Uploads through the REST API (``POST /api/documents``): size limit, allowed types, hostile file names,
duplicates by content. Each is handled and reported, and nothing is written outside the corpus folder."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from assistant.engine import Engine
from assistant.presentation.feedback import FeedbackStore
from assistant.presentation.service import PolicyService
from tests.clients import api_client
from tests.paths import CORPUS

LIMIT = 64 * 1024  # a small upload limit, so the "too large" case needs no 50 MB
DOCUMENT = "测试县人民政府办公室关于印发《2024年测试县档案工作要点》的通知\n\n一、档案数字化由县档案馆负责。\n"


@pytest.fixture
def setup(engine: Engine, tmp_path: Path) -> tuple[TestClient, Path, Path]:
    """A client on its own copy of corpus and index; returns (client, corpus, the folder around it)."""
    root = tmp_path / "root"
    shutil.copytree(CORPUS, root / "corpus")
    shutil.copytree(engine.index_dir, root / "index")
    mine = Engine.open(root / "corpus", root / "index", embedder=engine.embedder, progress=False)
    service = PolicyService(mine, max_upload_bytes=LIMIT)
    return api_client(service, FeedbackStore(root / "data" / "f.sqlite3")), root / "corpus", root


def _tree(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*")}


def _upload(client: TestClient, *files: tuple[str, bytes]) -> dict:
    response = client.post("/api/documents", files=[("files", (name, data)) for name, data in files])
    assert response.status_code == 200, response.text
    return response.json()


def test_hostile_names_land_inside_the_corpus_under_safe_names(setup: tuple[TestClient, Path, Path]) -> None:
    client, corpus, root = setup
    outside = _tree(root) - {p for p in _tree(root) if p.startswith(("corpus", "index", "data"))}
    names = {
        "../../escape.txt": "escape.txt",
        "/etc/cron.d/absolute.txt": "absolute.txt",
        "..\\..\\windows.txt": "windows.txt",
        "nul\x00byte.txt": "nul_00byte.txt",  # the client sends the NUL percent-encoded: % becomes _
        ".hidden.txt": "hidden.txt",
    }
    files = [(name, DOCUMENT.replace("档案", f"档案{number}").encode()) for number, name in enumerate(names)]
    result = _upload(client, *files)
    assert sorted(result["added"]) == sorted(names.values()), result
    assert result["refused"] == {}
    for safe in names.values():
        assert (corpus / safe).is_file()
    assert _tree(root) - {p for p in _tree(root) if p.startswith(("corpus", "index", "data"))} == outside
    assert not Path("/etc/cron.d/absolute.txt").exists()
    listed = {d["file"] for d in client.get("/api/documents").json()["documents"]}
    assert set(names.values()) <= listed


def test_type_size_empty_and_duplicates_are_refused_by_name(setup: tuple[TestClient, Path, Path]) -> None:
    client, corpus, _ = setup
    before = _tree(corpus)
    existing = next(CORPUS.glob("高县*.txt"))
    result = _upload(
        client,
        ("tool.exe", b"MZ\x90\x00"),
        ("page.php", b"<?php system($_GET['c']); ?>"),
        ("noextension", DOCUMENT.encode()),
        ("big.txt", ("政务公开" * (LIMIT // 12 + 1)).encode()),
        ("empty.txt", b""),
        ("copy.txt", existing.read_bytes()),
        ("scan.pdf", b"%PDF-1.4 not really"),
    )
    refused = result["refused"]
    assert result["added"] == []
    assert "不支持的文件类型 .exe" in refused["tool.exe"] and "不支持的文件类型 .php" in refused["page.php"]
    assert "无扩展名" in refused["noextension"]
    assert "文件过大" in refused["big.txt"] and "上限" in refused["big.txt"]
    assert refused["empty.txt"] == "文件为空"
    assert refused["copy.txt"] == f"内容与已有文件相同：{existing.name}"
    assert refused["scan.pdf"].startswith("无法读取：corrupt or unreadable PDF")
    assert _tree(corpus) == before  # nothing refused stays behind


def test_same_file_twice_in_one_upload_and_again_later(setup: tuple[TestClient, Path, Path]) -> None:
    client, corpus, _ = setup
    first = _upload(client, ("a.txt", DOCUMENT.encode()), ("a.txt", DOCUMENT.encode() + b"\n"))
    assert first["added"] == ["a.txt"] and "重名" in first["refused"]["a.txt"]
    again = _upload(client, ("b.txt", DOCUMENT.encode()))
    assert again["added"] == [] and again["refused"]["b.txt"] == "内容与已有文件相同：a.txt"
    assert not (corpus / "b.txt").exists()


def test_an_oversized_request_is_refused_before_it_is_read(setup: tuple[TestClient, Path, Path]) -> None:
    client, corpus, _ = setup
    before = _tree(corpus)
    response = client.post("/api/documents", files=[("files", ("huge.txt", b"x" * (LIMIT * 4)))])
    assert response.status_code == 413 and "上传过大" in response.json()["detail"]
    assert _tree(corpus) == before
