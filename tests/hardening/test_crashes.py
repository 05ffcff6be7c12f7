"""Faults: ``build``/``add`` killed with SIGKILL at random points, damaged index files, a manifest from
another model or chunker. The next open must find the old or the new index (never a mix) and say what
happened; damage is detected and rebuilt with a message."""

from __future__ import annotations

import json
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from assistant.chunking import ChunkSettings
from assistant.corpus import content_hash
from assistant.indexing.store import IndexStore, current_generation, open_index, write_manifest
from tests.paths import CORPUS, FIXTURES, ROOT

KILLS = 4
ADDED = ("policy_utf16.txt", "policy.docx", "policy.pdf", "hostile.html")


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    shutil.copy(FIXTURES / "policy_gbk.txt", folder)
    shutil.copy(CORPUS / "高县_2023年政务公开重点工作任务清单.txt", folder)
    return folder


@pytest.fixture
def tiny_corpus(tmp_path: Path) -> Path:
    """One short document: rebuilt once per damaged file, so it must be quick to embed."""
    folder = tmp_path / "tiny"
    folder.mkdir()
    shutil.copy(FIXTURES / "policy_gbk.txt", folder)
    return folder


def _documents(index_dir: Path) -> set[str]:
    """The documents of the generation CURRENT names, loaded and checked as a server would."""
    generation = current_generation(index_dir)
    assert generation is not None, "no usable index after the crash"
    store = IndexStore.load(generation)  # verifies checksums and that passages, vectors and FAISS agree
    assert {passage.doc_id for passage in store.passages} <= {e["doc_id"] for e in store.manifest["documents"].values()}
    return set(store.manifest["documents"])


def _start(command: str, *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "assistant", command, *args],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _kill_when_writing(process: subprocess.Popen[bytes], index_dir: Path, rng: random.Random) -> str:
    """SIGKILL a few milliseconds after the new generation's staging folder appears (or at exit)."""
    while process.poll() is None:
        if any(index_dir.glob(".gen-*.tmp")):
            time.sleep(rng.uniform(0, 0.05))
            process.send_signal(signal.SIGKILL)
            return "while writing the generation"
        time.sleep(0.005)
    return "too late: it had finished"


def _kill_after(process: subprocess.Popen[bytes], seconds: float) -> str:
    try:
        process.wait(timeout=seconds)
        return "too late: it had finished"
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGKILL)
        return f"after {seconds:.1f} s"


def test_killed_add_and_build_leave_the_old_or_the_new_index(
    corpus: Path, tmp_path: Path, embedder, capsys: pytest.CaptureFixture[str]
) -> None:
    index_dir = tmp_path / "index"
    rng = random.Random(5)
    open_index(index_dir, corpus, embedder, progress=False)
    # How long an uninterrupted `add` takes here: the random kill points fall within it.
    started = time.monotonic()
    timing = _start("add", str(FIXTURES / "policy.pdf"), "--corpus", str(corpus), "--index", str(index_dir))
    assert timing.wait(timeout=600) == 0
    full = time.monotonic() - started
    assert "policy.pdf" in _documents(index_dir)
    (corpus / "policy.pdf").unlink()
    open_index(index_dir, corpus, embedder, progress=False)

    outcomes = []
    for round_number, name in enumerate(ADDED[:KILLS]):
        before = _documents(index_dir)
        if round_number % 2:  # `add`: the file is copied into the corpus, then indexed
            process = _start("add", str(FIXTURES / name), "--corpus", str(corpus), "--index", str(index_dir))
        else:  # `build` after the file was dropped into the corpus by hand
            shutil.copy(FIXTURES / name, corpus)
            process = _start("build", "--corpus", str(corpus), "--index", str(index_dir))
        if round_number == 0:
            when = _kill_when_writing(process, index_dir, rng)
        else:
            when = _kill_after(process, rng.uniform(0.3 * full, full))
        process.wait()
        outcomes.append(when)

        after = _documents(index_dir)
        assert after in (before, before | {name}), f"round {round_number} ({when}): a mix of generations"
        in_corpus = corpus / name
        assert not in_corpus.exists() or content_hash(in_corpus) == content_hash(FIXTURES / name)
        leftovers = [p.name for p in index_dir.iterdir() if p.name.startswith((".gen-", "gen-"))]

        capsys.readouterr()
        store, report = open_index(index_dir, corpus, embedder, progress=False)  # the next start
        message = capsys.readouterr().err
        if len(leftovers) > 1:
            assert "interrupted build was found and discarded" in message and report.recovered
            assert "interrupted build" in report.summary()
        if in_corpus.exists():
            assert name in store.manifest["documents"]
        assert [p.name for p in index_dir.iterdir() if p.name.startswith((".gen-", "gen-"))] == [store.directory.name]
    assert outcomes[0] == "while writing the generation", outcomes
    print("kill points:", outcomes)


@pytest.mark.parametrize("damage", ["truncate", "flip", "delete"])
def test_damaged_index_files_are_detected_and_rebuilt(
    tiny_corpus: Path, tmp_path: Path, embedder, damage: str, capsys: pytest.CaptureFixture[str]
) -> None:
    index_dir = tmp_path / "index"
    store, _ = open_index(index_dir, tiny_corpus, embedder, progress=False)
    names = sorted(
        p.relative_to(store.directory).as_posix()
        for p in store.directory.rglob("*")
        if p.is_file() and p.name != "manifest.json"
    )
    assert {"vectors.npy", "passages.jsonl"} <= set(names)
    for name in names:  # one file at a time, each in the generation in use
        victim = current_generation(index_dir) / name
        data = victim.read_bytes()
        if damage == "truncate":
            victim.write_bytes(data[: len(data) // 2])
        elif damage == "flip":  # same size, may still parse: only the checksum can tell
            middle = len(data) // 2
            victim.write_bytes(data[:middle] + bytes([data[middle] ^ 0x01]) + data[middle + 1 :])
        else:
            victim.unlink()
        capsys.readouterr()
        rebuilt, report = open_index(index_dir, tiny_corpus, embedder, progress=False)
        assert "unreadable" in report.rebuilt_because and name in report.rebuilt_because, (damage, name)
        assert "rebuilding" in capsys.readouterr().err
        assert len(rebuilt.passages) == len(store.passages)
        assert _documents(index_dir) == set(store.manifest["documents"])


def test_manifest_from_another_model_or_chunker_or_truncated_is_rebuilt(
    tiny_corpus: Path, tmp_path: Path, embedder
) -> None:
    index_dir = tmp_path / "index"
    store, _ = open_index(index_dir, tiny_corpus, embedder, progress=False)
    _, report = open_index(index_dir, tiny_corpus, embedder, ChunkSettings(chunk_size=200), progress=False)
    assert "chunking" in report.rebuilt_because
    manifest_path = current_generation(index_dir) / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest["model"] = "some-other-model"
    write_manifest(manifest_path.parent, manifest)  # as that model's build would have written it
    _, report = open_index(index_dir, tiny_corpus, embedder, ChunkSettings(chunk_size=200), progress=False)
    assert "model='some-other-model'" in report.rebuilt_because
    manifest_path = current_generation(index_dir) / "manifest.json"
    manifest_path.write_bytes(manifest_path.read_bytes()[:100])
    rebuilt, report = open_index(index_dir, tiny_corpus, embedder, progress=False)
    assert "unreadable" in report.rebuilt_because and "JSONDecodeError" in report.rebuilt_because
    assert set(rebuilt.manifest["documents"]) == set(store.manifest["documents"])
    (index_dir / "CURRENT").write_text("gen-that-does-not-exist", encoding="utf-8")
    _, report = open_index(index_dir, tiny_corpus, embedder, progress=False)
    assert "pointer was broken" in report.rebuilt_because
