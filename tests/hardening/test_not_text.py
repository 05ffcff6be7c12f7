"""Uploaded "text" that is not text (issue 11): binary data under a .txt name decodes to replacement characters
and control bytes. The loader refuses it with the reason, so the build and an upload refuse it too, while every
real document of the development corpus and the bundled corpus still loads."""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import pytest

from assistant.engine import Engine
from assistant.indexing.store import open_index
from assistant.loading import (
    MAX_UNREADABLE_SHARE,
    SUPPORTED_SUFFIXES,
    DocumentError,
    IsolatedParser,
    load_file,
    unreadable_share,
)
from assistant.loading.text import decode_bytes
from assistant.presentation.feedback import FeedbackStore
from assistant.presentation.service import PolicyService
from tests.clients import api_client
from tests.paths import CORPUS, FIXTURES, ROOT

DEV_DOCS = ROOT / "eval" / "corpora" / "dev" / "docs"


def _garbage() -> dict[str, bytes]:
    """Binary data as it arrives under a text name: after a UTF-8 BOM, as control bytes, half a real text."""
    rng = random.Random(11)
    noise = bytes(rng.randrange(256) for _ in range(6000))
    text = (CORPUS / "高县_2023年政务公开重点工作任务清单.txt").read_bytes()[:3000]
    return {
        "bom_noise.txt": b"\xef\xbb\xbf" + noise,
        "controls.txt": bytes(rng.randrange(32) for _ in range(6000)),
        "mostly_noise.md": b"\xef\xbb\xbf" + text[:300] + noise,
    }


@pytest.mark.parametrize("name", sorted(_garbage()))
def test_binary_under_a_text_name_is_refused_with_the_reason(name: str, tmp_path: Path) -> None:
    path = tmp_path / name
    path.write_bytes(_garbage()[name])
    assert "\ufffd" in decode_bytes(path.read_bytes(), path) or name == "controls.txt"  # it does decode
    with pytest.raises(DocumentError, match=r"not text: .* unreadable"):
        load_file(path)


def test_every_real_document_still_loads() -> None:
    real = [p for p in sorted(DEV_DOCS.iterdir()) + sorted(CORPUS.iterdir()) if p.suffix in SUPPORTED_SUFFIXES]
    with IsolatedParser() as parser:
        for path in real + sorted(FIXTURES.glob("policy*")):
            assert unreadable_share(load_file(path, parser)) < MAX_UNREADABLE_SHARE / 10, path.name


def test_the_build_and_an_upload_refuse_it(engine: Engine, tmp_path: Path) -> None:
    shutil.copytree(CORPUS, tmp_path / "corpus")
    shutil.copytree(engine.index_dir, tmp_path / "index")
    garbage = _garbage()
    (tmp_path / "corpus" / "bom_noise.txt").write_bytes(garbage["bom_noise.txt"])
    store, report = open_index(tmp_path / "index", tmp_path / "corpus", engine.embedder, progress=False)
    assert "not text" in report.failed["bom_noise.txt"]
    assert "bom_noise.txt" not in store.manifest["documents"]
    (tmp_path / "corpus" / "bom_noise.txt").unlink()

    mine = Engine.open(tmp_path / "corpus", tmp_path / "index", embedder=engine.embedder, progress=False)
    client = api_client(PolicyService(mine), FeedbackStore(tmp_path / "data" / "feedback.sqlite3"))
    result = client.post("/api/documents", files=[("files", ("upload.txt", garbage["controls.txt"]))]).json()
    assert result["added"] == [] and "not text" in result["refused"]["upload.txt"], result
    assert not (tmp_path / "corpus" / "upload.txt").exists()
