"""A build killed midway resumes: finished embedding batches are read back, not embedded again."""

import hashlib
import shutil
from pathlib import Path

import numpy as np
import pytest

from assistant.indexing.checkpoint import FOLDER, EmbeddingCheckpoint
from assistant.indexing.store import embed_shard, open_index, sentence_texts
from tests.indexing.test_store import CountingEmbedder
from tests.paths import FIXTURES


class HashEmbedder:
    """Deterministic vectors from the text (no model needed to test bookkeeping); can fail after some calls."""

    name = "hash-embedder"
    dimension = 8

    def __init__(self, fail_after: int | None = None) -> None:
        self.calls = 0
        self.embedded = 0
        self.fail_after = fail_after

    def encode_passages(self, texts: list[str], show_progress: bool = False) -> np.ndarray:
        if self.fail_after is not None and self.calls >= self.fail_after:
            raise RuntimeError("killed")
        self.calls += 1
        self.embedded += len(texts)
        rows = [np.frombuffer(hashlib.sha256(text.encode()).digest()[:32], dtype=np.float32) for text in texts]
        return np.nan_to_num(np.stack(rows))

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        return self.encode_passages(texts)


def test_a_killed_run_resumes_from_the_finished_batches(tmp_path: Path) -> None:
    texts = [f"第{i}条 政务公开" for i in range(10)]
    crashing = HashEmbedder(fail_after=2)
    with pytest.raises(RuntimeError):
        EmbeddingCheckpoint(tmp_path, crashing, batch=3).encode_passages(texts)
    assert crashing.embedded == 6

    resumed = HashEmbedder()
    checkpoint = EmbeddingCheckpoint(tmp_path, resumed, batch=3)
    vectors = checkpoint.encode_passages(texts)
    assert resumed.embedded == checkpoint.embedded == 4  # only the batches the killed run had not finished
    np.testing.assert_array_equal(vectors, HashEmbedder().encode_passages(texts))

    checkpoint.clear()
    assert not checkpoint.directory.exists()


def test_a_torn_or_foreign_batch_is_embedded_again(tmp_path: Path) -> None:
    texts = ["一", "二", "三"]
    first = EmbeddingCheckpoint(tmp_path, HashEmbedder(), batch=3)
    first.encode_passages(texts)
    (saved,) = first.directory.glob("*.npy")
    saved.write_bytes(saved.read_bytes()[:40])  # a crash mid-write that bypassed the rename

    again = HashEmbedder()
    EmbeddingCheckpoint(tmp_path, again, batch=3).encode_passages(texts)
    assert again.embedded == 3

    other_model = HashEmbedder()
    other_model.name = "another-model"
    EmbeddingCheckpoint(tmp_path, other_model, batch=3).encode_passages(texts)
    assert other_model.embedded == 3  # the key includes the model: another model's vectors are never reused
    assert EmbeddingCheckpoint(tmp_path, HashEmbedder(), batch=3).encode_passages([]).shape == (0, 8)


def test_parallel_shards_fill_the_checkpoint_and_the_build_embeds_nothing(tmp_path: Path, embedder) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in ("policy_gbk.txt", "policy.pdf"):
        shutil.copy(FIXTURES / name, corpus / name)
    index_dir = tmp_path / "index"
    counting = CountingEmbedder(embedder)
    embedded = [embed_shard(index_dir, corpus, counting, shard, 2, progress=False) for shard in range(2)]
    assert all(embedded) and counting.passages_embedded == sum(embedded)

    store, report = open_index(index_dir, corpus, counting, progress=False)
    # each document's passages and their sentences, each once (the two files hold the same text)
    documents = [[store.passages[i] for i in positions] for positions in store.doc_positions.values()]
    texts = sum(len({p.text for p in passages} | set(sentence_texts(passages)[0])) for passages in documents)
    assert counting.passages_embedded == sum(embedded) == texts  # the build embedded nothing
    assert sorted(report.added) == ["policy.pdf", "policy_gbk.txt"]
    assert not (index_dir / FOLDER).exists()
    assert embed_shard(index_dir, corpus, counting, 0, 1, progress=False) == 0  # nothing new to embed
