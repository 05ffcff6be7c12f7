"""Backend settings: validated, recorded without secrets, reachable from the command line."""

import pytest

from assistant.cli import _parser, index_settings
from assistant.indexing.vector_store import IndexSettings


def test_settings_are_validated_and_the_fingerprint_keeps_no_secret() -> None:
    with pytest.raises(ValueError, match="unknown index backend"):
        IndexSettings(backend="elastic")
    with pytest.raises(ValueError, match="unknown dense index type"):
        IndexSettings(dense_type="pq")
    assert IndexSettings().fingerprint() == {"backend": "faiss", "dense_type": "auto"}
    milvus = IndexSettings(backend="milvus", milvus_uri="http://milvus:19530", milvus_token="user:secret")
    assert milvus.fingerprint() == {
        "backend": "milvus",
        "milvus_uri": "http://milvus:19530",
        "milvus_collection": "policy_qa",
        "milvus_index": "AUTOINDEX",
    }
    assert IndexSettings(**milvus.fingerprint()).fingerprint() == milvus.fingerprint()  # how a generation reloads


def test_command_line_chooses_the_backend(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POLICY_QA_MILVUS_TOKEN", "root:Milvus")
    args = _parser().parse_args(
        ["search", "问题", "--backend", "milvus", "--milvus-uri", "http://h:19530", "--milvus-index", "HNSW"]
    )
    settings = index_settings(args)
    assert (settings.backend, settings.milvus_uri, settings.milvus_index) == ("milvus", "http://h:19530", "HNSW")
    assert settings.milvus_token == "root:Milvus"
    assert index_settings(_parser().parse_args(["build", "--dense-index", "hnsw"])).dense_type == "hnsw"
    assert _parser().parse_args(["build", "--shard", "1/4"]).shard == (1, 4)
    with pytest.raises(SystemExit):
        _parser().parse_args(["build", "--shard", "4/4"])
