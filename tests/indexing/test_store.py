import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from assistant.documents import APPARATUS, PROSE, RECORD
from assistant.engine import Engine, add_to_corpus
from assistant.indexing.store import IndexStore, _write_generation, current_generation, open_index, sentence_texts
from assistant.loading import load_file
from assistant.retrieval.retriever import Retriever
from tests.paths import CORPUS, FIXTURES


class CountingEmbedder:
    """The real model, counting what it is asked to embed (to prove incremental builds)."""

    def __init__(self, inner, name: str | None = None) -> None:
        self.inner = inner
        self.name = name or inner.name
        self.dimension = inner.dimension
        self.passages_embedded = 0

    def encode_queries(self, texts):
        return self.inner.encode_queries(texts)

    def encode_passages(self, texts, show_progress=False):
        self.passages_embedded += len(texts)
        return self.inner.encode_passages(texts)


@pytest.fixture
def small_corpus(tmp_path: Path) -> Path:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in ("policy.pdf", "policy_gbk.txt", "hostile.html", "encrypted.pdf", "truncated.pdf"):
        shutil.copy(FIXTURES / name, corpus / name)
    shutil.copy(CORPUS / "台儿庄区_2023年政务公开工作要点.txt", corpus)
    return corpus


def test_real_corpus_index(engine: Engine) -> None:
    store = engine.store
    assert len(store.documents) == 5
    assert store.manifest["model"] == engine.embedder.name
    assert len(store.passages) == len(store.vectors) == store.dense.size
    norms = np.linalg.norm(store.vectors, axis=1)
    assert np.allclose(norms, 1.0, atol=1e-3)
    kinds = {passage.kind for passage in store.passages}
    assert kinds == {PROSE, RECORD, APPARATUS}
    assert all(passage.section for passage in store.passages if passage.kind == "record")
    # every passage's sentences are embedded too, grouped by passage, for sentence-level dense scores
    texts, owners = sentence_texts(store.passages)
    assert store.sentences is not None and len(store.sentences.vectors) == len(texts) > len(store.passages)
    assert np.array_equal(store.sentences.owners, owners)
    assert np.allclose(np.linalg.norm(store.sentences.vectors, axis=1), 1.0, atol=1e-3)
    single = next(i for i, p in enumerate(store.passages) if store.sentence_texts()[owners.tolist().index(i)] == p.text)
    assert np.allclose(store.sentences.vectors[owners.tolist().index(single)], store.vectors[single])


def test_every_passage_points_into_its_original_file(engine: Engine) -> None:
    originals = {path.stem: load_file(path) for path in CORPUS.glob("*.txt")}
    for passage in engine.store.passages:
        original = originals[passage.doc_id]
        assert 0 <= passage.start < passage.end <= len(original)
        if passage.kind == "prose":
            shown = "".join(passage.text.split())
            source = "".join(original[passage.start : passage.end].split())
            assert shown[:6] == source[:6] or shown[-4:] == source[-4:], passage.passage_id


def test_incremental_update_embeds_only_what_changed(
    small_corpus: Path, tmp_path: Path, embedder, capsys: pytest.CaptureFixture[str]
) -> None:
    counting = CountingEmbedder(embedder)
    index_dir = tmp_path / "index"
    store, report = open_index(index_dir, small_corpus, counting, progress=False)
    assert sorted(report.added) == [
        "hostile.html",
        "policy.pdf",
        "policy_gbk.txt",
        "台儿庄区_2023年政务公开工作要点.txt",
    ]
    assert set(report.failed) == {"encrypted.pdf", "truncated.pdf"}
    assert "encrypted" in report.failed["encrypted.pdf"]
    assert "skipped encrypted.pdf" in capsys.readouterr().err
    first = counting.passages_embedded
    gbk_passages = len(store.doc_positions["policy_gbk"])
    old_texts = set(store.dense_texts() + store.sentence_texts())

    store, report = open_index(index_dir, small_corpus, counting, progress=False)
    assert not report.changed and counting.passages_embedded == first

    changed = small_corpus / "policy_gbk.txt"
    changed.write_bytes(changed.read_bytes() + "三、附则\n本要点由县政府办公室负责解释。\n".encode("gbk"))
    (small_corpus / "hostile.html").unlink()
    store, report = open_index(index_dir, small_corpus, counting, progress=False)
    assert report.updated == ["policy_gbk.txt"] and report.removed == ["hostile.html"]
    changed_passages = [store.passages[i] for i in store.doc_positions["policy_gbk"]]
    new_texts = {p.text for p in changed_passages} | set(sentence_texts(changed_passages)[0])
    new_texts -= old_texts
    assert len(store.doc_positions["policy_gbk"]) >= gbk_passages
    assert counting.passages_embedded - first == len(new_texts) >= 1  # only the passages and sentences that are new
    assert "hostile" not in store.doc_positions
    assert any("负责解释" in p.text for p in store.passages)


def test_model_change_or_damage_triggers_a_rebuild(
    small_corpus: Path, tmp_path: Path, embedder, capsys: pytest.CaptureFixture[str]
) -> None:
    index_dir = tmp_path / "index"
    open_index(index_dir, small_corpus, embedder, progress=False)
    other = CountingEmbedder(embedder, name="another-model")
    _, report = open_index(index_dir, small_corpus, other, progress=False)
    assert "model" in report.rebuilt_because and other.passages_embedded > 0
    assert "rebuilding" in capsys.readouterr().err

    generation = current_generation(index_dir)
    (generation / "vectors.npy").write_bytes(b"garbage")
    store, report = open_index(index_dir, small_corpus, other, progress=False)
    assert "unreadable" in report.rebuilt_because
    assert len(store.passages) == len(store.vectors)


def test_failed_build_leaves_previous_index_in_use(small_corpus: Path, tmp_path: Path, embedder) -> None:
    index_dir = tmp_path / "index"
    before, _ = open_index(index_dir, small_corpus, embedder, progress=False)

    class Crashing(CountingEmbedder):
        def encode_passages(self, texts, show_progress=False):
            raise RuntimeError("power cut")

    (small_corpus / "policy_gbk.txt").write_bytes("二、新增内容\n政务公开由县政府办公室负责。\n".encode("gbk"))
    with pytest.raises(RuntimeError):
        open_index(index_dir, small_corpus, Crashing(embedder), progress=False)
    assert current_generation(index_dir) == before.directory
    manifest = json.loads((before.directory / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["documents"]["policy_gbk.txt"]["hash"] == before.manifest["documents"]["policy_gbk.txt"]["hash"]


def test_add_to_corpus_refuses_duplicates_and_unsupported(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    added, refused = add_to_corpus([FIXTURES / "policy.pdf", FIXTURES / "make_fixtures.py"], corpus)
    assert added == ["policy.pdf"] and "unsupported" in refused["make_fixtures.py"]
    copy = tmp_path / "same.pdf"
    shutil.copy(FIXTURES / "policy.pdf", copy)
    added, refused = add_to_corpus([copy], corpus)
    assert not added and "already in the corpus as policy.pdf" in refused["same.pdf"]
    assert sorted(p.name for p in corpus.iterdir()) == ["policy.pdf"]


def test_query_side_resources_rebuild_bm25_only_and_new_passage_code_reuses_vectors(
    small_corpus: Path, tmp_path: Path, embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A new dictionary word must not re-embed a million passages; new chunking code re-embeds only new texts."""
    from assistant.indexing import store as store_module

    counting = CountingEmbedder(embedder)
    index_dir = tmp_path / "index"
    first_store, _ = open_index(index_dir, small_corpus, counting, progress=False)
    first = counting.passages_embedded
    monkeypatch.setattr(store_module, "lexical_fingerprint", lambda: "another dictionary")
    store, report = open_index(index_dir, small_corpus, counting, progress=False)
    assert "BM25" in report.rebuilt_because and counting.passages_embedded == first
    assert store.manifest["lexical"] == "another dictionary" and len(store.passages) == len(first_store.passages)
    assert sorted(report.unchanged) == sorted(first_store.manifest["documents"])

    monkeypatch.setattr(store_module, "pipeline_fingerprint", lambda: "other chunking code")
    store, report = open_index(index_dir, small_corpus, counting, progress=False)
    assert "pipeline" in report.rebuilt_because and sorted(report.added) == sorted(first_store.manifest["documents"])
    assert counting.passages_embedded == first  # every document read again, every text already had its vector
    assert np.allclose(store.vectors, first_store.vectors)


def test_metadata_edit_takes_effect_without_embedding(tmp_path: Path, embedder) -> None:
    """A corrected region and title in corpus/manifest.json reach BM25 and the hits; no passage is embedded."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    name = "台儿庄区_2023年政务公开工作要点.txt"
    shutil.copy(CORPUS / name, corpus)
    counting = CountingEmbedder(embedder)
    index_dir = tmp_path / "index"
    before, _ = open_index(index_dir, corpus, counting, progress=False)
    embedded = counting.passages_embedded
    doc_id = before.manifest["documents"][name]["doc_id"]
    assert before.documents[doc_id].region != "测试省样例市"

    fields = {"region": "测试省样例市", "title": "样例市政务公开要点（修订）"}
    corrected = {name: {**fields, "sources": {"region": "admin", "title": "admin"}}}
    (corpus / "manifest.json").write_text(json.dumps(corrected, ensure_ascii=False), encoding="utf-8")
    store, report = open_index(index_dir, corpus, counting, progress=False)
    assert report.metadata_updated == [name] and not report.updated and counting.passages_embedded == embedded
    assert store.documents[doc_id].region == "测试省样例市" and store.documents[doc_id].title.endswith("（修订）")
    assert store.documents[doc_id].issuer == before.documents[doc_id].issuer  # what the file says stays
    assert np.array_equal(store.vectors, before.vectors) and store.passages == before.passages
    hits = Retriever(store, counting).search("样例市政务公开要点", 3, mode="bm25")
    assert hits and hits[0].meta.region == "测试省样例市"
    old_hits = Retriever(before, counting).search("样例市", 3, mode="bm25")
    assert all(hit.meta.region != "测试省样例市" for hit in old_hits)

    store, report = open_index(index_dir, corpus, counting, progress=False)
    assert not report.changed and report.unchanged == [name]
    (corpus / "manifest.json").unlink()  # the correction withdrawn: back to what the file says
    store, report = open_index(index_dir, corpus, counting, progress=False)
    assert report.metadata_updated == [name] and store.documents[doc_id] == before.documents[doc_id]
    assert counting.passages_embedded == embedded


def test_an_index_without_sentence_vectors_gets_them_without_embedding_its_passages_again(
    small_corpus: Path, tmp_path: Path, embedder
) -> None:
    """An index built before sentence-level scores (no sentence vectors) is read again on the next build and only
    the sentences that are not whole passages are embedded; a read-only server keeps serving it meanwhile."""
    counting = CountingEmbedder(embedder)
    index_dir = tmp_path / "index"
    built, _ = open_index(index_dir, small_corpus, counting, progress=False)
    manifest = {key: value for key, value in built.manifest.items() if key != "files"}
    _write_generation(index_dir, manifest, built.passages, built.vectors, built.dense, built.lexical)
    older = IndexStore.load(current_generation(index_dir))
    assert older.sentences is None

    served, report = open_index(index_dir, small_corpus, counting, progress=False, read_only=True)
    assert served.sentences is None and "older code" in report.warnings[0]
    hits = Retriever(served, embedder).search("政务公开", k=3)  # the dense leg falls back to passage scores
    assert hits and all("dense" in hit.leg_scores or "bm25" in hit.leg_scores for hit in hits)

    first = counting.passages_embedded
    store, report = open_index(index_dir, small_corpus, counting, progress=False)
    assert "sentence vectors" in report.rebuilt_because
    only_sentences = set(built.sentence_texts()) - set(built.dense_texts())
    assert counting.passages_embedded - first == len(only_sentences) > 0  # no passage was embedded again
    assert store.sentences is not None and np.allclose(
        store.sentences.vectors, built.sentences.vectors, atol=1e-3
    )  # batching moves the last digits
    assert np.allclose(store.vectors, built.vectors)
