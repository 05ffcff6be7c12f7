"""A full disk, a read-only index folder and an edited manifest (issue 11). A full disk during a build says so and
the old index keeps serving, also after a restart; a read-only folder is served without a single write (the
``--read-only`` mode of app.py and the CLI, or by itself when the folder refuses writes); an edited
``manifest.json`` is damage like any other, detected and rebuilt with the reason.

The full disk is a real tmpfs and the read-only folder a real read-only bind mount (both need root, which the
sandbox and CI have); without root the read-only folder falls back to permissions and the full disk to a
write that fails with ENOSPC."""

from __future__ import annotations

import errno
import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from assistant import cli
from assistant.engine import Engine
from assistant.indexing import store as store_module
from assistant.indexing.store import IndexStore, current_generation, open_index
from assistant.presentation.feedback import FeedbackStore
from assistant.presentation.service import PolicyService
from tests.clients import api_client
from tests.paths import FIXTURES

NEW_DOCUMENT = "测试县人民政府办公室关于印发《2024年测试县档案工作要点》的通知\n\n一、档案数字化由县档案馆负责。\n"
QUESTION = {"question": "政务公开工作由谁负责"}


def _mount(*args: str) -> bool:
    return os.geteuid() == 0 and subprocess.run(["mount", *args], capture_output=True).returncode == 0


@contextmanager
def _tmpfs(folder: Path, size: str) -> Iterator[Path]:
    folder.mkdir()
    if not _mount("-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)):
        pytest.skip("mounting a tmpfs needs root")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=True)


@contextmanager
def _read_only_view(source: Path, view: Path) -> Iterator[Path]:
    """``source`` seen read-only at ``view``: a read-only bind mount, or (not root) permissions without ``w``."""
    view.mkdir()
    if _mount("--bind", str(source), str(view)):
        try:
            if not _mount("-o", "remount,ro,bind", str(view)):
                pytest.skip("remounting read-only failed")
            yield view
        finally:
            subprocess.run(["umount", "-l", str(view)], check=True)
        return
    if os.geteuid() == 0:
        pytest.skip("root without mount: permissions would not stop it")
    view.rmdir()
    view.symlink_to(source)
    modes = {path: path.stat().st_mode for path in [source, *source.rglob("*")]}
    for path in modes:
        path.chmod(modes[path] & ~0o222)
    try:
        yield view
    finally:
        for path, mode in modes.items():
            path.chmod(mode)


def _fill(disk: Path) -> Path:
    """Write a filler file until the disk is full; returns it (delete it to free the space)."""
    filler = disk / "filler"
    with filler.open("wb", buffering=0) as handle:
        for size in (1 << 16, 1 << 12, 1 << 9, 1):
            try:
                while True:
                    handle.write(b"\0" * size)
            except OSError as error:
                assert error.errno == errno.ENOSPC
    return filler


def _snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    return {p.relative_to(folder).as_posix(): (p.stat().st_size, p.stat().st_mtime_ns) for p in folder.rglob("*")}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, embedder) -> Path:
    """``corpus/`` (one short document) and its ``index/``, built once; tests work on copies."""
    site = tmp_path_factory.mktemp("site")
    (site / "corpus").mkdir()
    shutil.copy(FIXTURES / "policy_gbk.txt", site / "corpus")
    open_index(site / "index", site / "corpus", embedder, progress=False)
    return site


@pytest.fixture
def site(built: Path, tmp_path: Path) -> Path:
    shutil.copytree(built, tmp_path / "site")
    return tmp_path / "site"


def test_a_full_disk_keeps_the_old_index_serving_during_a_build_and_after_a_restart(
    built: Path, tmp_path: Path, embedder
) -> None:
    with _tmpfs(tmp_path / "disk", "6m") as disk:
        corpus, index, data = disk / "corpus", disk / "index", disk / "data"
        shutil.copytree(built / "corpus", corpus)
        shutil.copytree(built / "index", index)
        FeedbackStore(data / "feedback.sqlite3")
        old = current_generation(index)
        (corpus / "new.txt").write_text(NEW_DOCUMENT, encoding="utf-8")  # waiting to be indexed
        filler = _fill(disk)

        served, report = open_index(index, corpus, embedder, progress=False)
        assert "No space left on device" in report.not_updated and old.name in report.not_updated, report
        assert served.directory == old and current_generation(index) == old
        assert sorted(p.name for p in index.iterdir() if "gen-" in p.name) == [old.name]  # nothing half-written

        # A restart on the still-full disk starts and serves through the real API; an upload is refused.
        engine = Engine.open(corpus, index, embedder=embedder, progress=False)
        assert engine.report.not_updated and set(engine.store.manifest["documents"]) == {"policy_gbk.txt"}
        client = api_client(PolicyService(engine), FeedbackStore(data / "feedback.sqlite3"))
        answer = client.post("/api/ask", json=QUESTION)
        assert answer.status_code == 200 and answer.json()["citations"], answer.text
        upload = client.post("/api/documents", files=[("files", ("more.txt", NEW_DOCUMENT.replace("档案", "文书")))])
        assert upload.status_code == 200 and upload.json()["added"] == [], upload.text
        assert "磁盘空间不足" in upload.json()["refused"]["more.txt"]
        assert not (corpus / "more.txt").exists()
        feedback = client.post("/api/feedback", json={**QUESTION, "answer": "…", "rating": "up"})
        assert feedback.status_code in (200, 503), feedback.text  # never a 500

        filler.unlink()  # space again: the waiting document is indexed
        _, report = open_index(index, corpus, embedder, progress=False)
        assert report.added == ["new.txt"] and not report.not_updated


def test_a_failed_write_cleans_up_and_leaves_the_old_index(
    site: Path, tmp_path: Path, embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same without root: the vector store's write fails with ENOSPC half-way through the generation."""
    index, tiny_corpus = site / "index", site / "corpus"
    old = current_generation(index)
    (tiny_corpus / "new.txt").write_text(NEW_DOCUMENT, encoding="utf-8")

    def no_space(*_: object) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(store_module, "save_vector_store", no_space)
    served, report = open_index(index, tiny_corpus, embedder, progress=False)
    assert "No space left on device" in report.not_updated and served.directory == old
    assert sorted(p.name for p in index.iterdir() if "gen-" in p.name) == [old.name]
    assert "NOT UPDATED" in report.summary()
    with pytest.raises(store_module.IndexUnavailable, match="no previous index"):
        open_index(tmp_path / "empty-index", tiny_corpus, embedder, progress=False)


def test_a_read_only_index_folder_is_served_without_a_single_write(
    site: Path, tmp_path: Path, embedder, capsys: pytest.CaptureFixture[str]
) -> None:
    source = site
    (source / "index" / ".gen-interrupted.tmp").mkdir()  # what a killed build leaves: left alone here
    (source / "corpus" / "new.txt").write_text(NEW_DOCUMENT, encoding="utf-8")  # not indexed: never built here
    before = _snapshot(source)
    with _read_only_view(source, tmp_path / "ro") as view:
        corpus, index = view / "corpus", view / "index"
        engine = Engine.open(corpus, index, embedder=embedder, progress=False, read_only=True)
        assert engine.read_only and engine.report.read_only
        assert set(engine.store.manifest["documents"]) == {"policy_gbk.txt"}

        # Without --read-only, a folder that refuses writes is served read-only, with a warning.
        fallback = Engine.open(corpus, index, embedder=embedder, progress=False)
        assert fallback.read_only and "not writable" in fallback.report.warnings[0]

        client = api_client(PolicyService(engine), FeedbackStore(tmp_path / "data" / "feedback.sqlite3"))
        answer = client.post("/api/ask", json=QUESTION)
        assert answer.status_code == 200 and answer.json()["citations"], answer.text
        upload = client.post("/api/documents", files=[("files", ("more.txt", NEW_DOCUMENT))])
        assert upload.status_code == 403 and "只读模式" in upload.json()["detail"]

        capsys.readouterr()
        arguments = ["--corpus", str(corpus), "--index", str(index), "--read-only"]
        assert cli.main(["search", *arguments, "--json", QUESTION["question"]]) == 0
        assert json.loads(capsys.readouterr().out)["hits"]
    assert _snapshot(source) == before


def test_read_only_without_an_index_says_so(site: Path, tmp_path: Path, embedder) -> None:
    with pytest.raises(store_module.IndexUnavailable, match="read-only: no usable index"):
        open_index(tmp_path / "none", site / "corpus", embedder, read_only=True)
    assert not (tmp_path / "none").exists()


def test_an_edited_manifest_is_detected_and_rebuilt(site: Path, embedder) -> None:
    index, tiny_corpus = site / "index", site / "corpus"
    store, _ = open_index(index, tiny_corpus, embedder, progress=False)
    original = store.manifest["documents"]["policy_gbk.txt"]["meta"]
    path = current_generation(index) / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    manifest["documents"]["policy_gbk.txt"]["meta"].update(region="某某省某某市", title="被改过的标题")
    path.write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    with pytest.raises(ValueError, match=r"manifest\.json changed"):
        IndexStore.load(path.parent)
    rebuilt, report = open_index(index, tiny_corpus, embedder, progress=False)
    assert "manifest.json changed" in report.rebuilt_because
    assert rebuilt.manifest["documents"]["policy_gbk.txt"]["meta"] == original
    assert IndexStore.load(current_generation(index)).documents[rebuilt.passages[0].doc_id].region == original["region"]
