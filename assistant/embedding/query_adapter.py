"""A linear query adapter learned from labelled (question, answering passage) pairs.

Why: people ask in everyday words ("借钱不还怎么办") while the passages are written in official wording
(借款人应当按期返还借款); a small general-purpose embedder places the two far apart. A map fitted on labelled pairs
moves question vectors toward the passages that answer such questions. Only queries change: passage vectors and
the index stay as they are, so an adapter can be fitted, swapped or dropped without re-embedding anything.

The fit is ridge regression toward the mean vector of each question's answering passages, shrunk toward the
identity (closed form, deterministic, a fraction of a second for thousands of pairs), and the adapted vector keeps
a share of the original one, so a question unlike any training question is still embedded the way the model
embeds it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


def _unit_rows(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return (vectors / np.where(norms == 0, 1.0, norms)).astype(np.float32)


@dataclass(frozen=True)
class QueryAdapter:
    matrix: np.ndarray  # dimension x dimension, applied as ``query @ matrix``
    keep: float  # share of the original query vector in the adapted one, 0..1

    @classmethod
    def fit(
        cls,
        query_vectors: np.ndarray,
        passage_vectors: np.ndarray,
        positives: Sequence[Sequence[int]],
        ridge: float = 0.1,
        keep: float = 0.3,
    ) -> QueryAdapter:
        """Fit on questions (rows of ``query_vectors``) whose answering passages are rows ``positives[i]``.

        ``ridge`` pulls the map toward the identity: larger keeps it closer to the model's own geometry. The defaults
        were the best of ridge 0.03-1 x keep 0-0.5 on the tune half of STARD's training questions (eval/README.md).
        """
        if len(query_vectors) != len(positives):
            raise ValueError(f"{len(query_vectors)} query vectors but {len(positives)} lists of positives")
        pairs = [(row, list(passages)) for row, passages in enumerate(positives) if len(passages)]
        if not pairs:
            raise ValueError("no question has an answering passage: nothing to fit")
        if ridge <= 0 or not 0.0 <= keep <= 1.0:
            raise ValueError("ridge must be > 0 and keep within 0..1")
        questions = query_vectors[[row for row, _ in pairs]].astype(np.float64)
        targets = _unit_rows(np.stack([passage_vectors[passages].mean(axis=0) for _, passages in pairs]))
        identity = np.eye(questions.shape[1])
        # argmin ||Q M - T||^2 + ridge ||M - I||^2  =>  (Q'Q + ridge I) M = Q'T + ridge I
        matrix = np.linalg.solve(questions.T @ questions + ridge * identity, questions.T @ targets + ridge * identity)
        return cls(matrix.astype(np.float32), float(keep))

    @classmethod
    def fit_contrastive(
        cls,
        query_vectors: np.ndarray,
        passage_vectors: np.ndarray,
        positives: Sequence[Sequence[int]],
        steps: int = 60,
        temperature: float = 0.02,
        learning_rate: float = 1e-3,
        keep: float = 0.3,
    ) -> QueryAdapter:
        """Fit by full-softmax contrastive loss over every passage, from the identity, as ``apply`` mixes.

        Why besides ridge: ridge pulls a question toward the mean of its passages, contrastive also pushes it away
        from the passages that compete with them (the same law's sibling articles), which is what ranking needs.
        Deterministic (full batch); about a minute for a thousand questions over 56k passages on two cores.
        """
        import torch

        pairs = [(row, passage) for row, passages in enumerate(positives) for passage in passages]
        if not pairs:
            raise ValueError("no question has an answering passage: nothing to fit")
        questions = torch.from_numpy(_unit_rows(np.asarray(query_vectors, dtype=np.float32)))
        passages = torch.from_numpy(np.ascontiguousarray(passage_vectors, dtype=np.float32))
        rows = torch.tensor([row for row, _ in pairs])
        columns = torch.tensor([passage for _, passage in pairs])
        matrix = torch.eye(questions.shape[1], requires_grad=True)
        optimiser = torch.optim.Adam([matrix], lr=learning_rate)
        for _ in range(steps):
            optimiser.zero_grad()
            mapped = torch.nn.functional.normalize(questions @ matrix, dim=1)
            adapted = torch.nn.functional.normalize(keep * questions + (1.0 - keep) * mapped, dim=1)
            log_p = torch.log_softmax(adapted @ passages.T / temperature, dim=1)
            loss = -log_p[rows, columns].mean()
            loss.backward()
            optimiser.step()
        return cls(matrix.detach().numpy().astype(np.float32), float(keep))

    def apply(self, query_vectors: np.ndarray) -> np.ndarray:
        """Adapted unit-length query vectors (rows)."""
        original = _unit_rows(np.asarray(query_vectors, dtype=np.float32))
        mapped = _unit_rows(original @ self.matrix)
        return _unit_rows(self.keep * original + (1.0 - self.keep) * mapped)
