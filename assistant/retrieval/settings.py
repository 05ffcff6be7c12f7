"""How the retriever combines its legs and which policy-specific steps it takes, as one checked record.

Why a record of its own: ``search``, ``ask``, the app and the benchmarks must run the same retriever, and a
benchmark must be able to turn off what only fits policy documents (jurisdiction scope, document diversity,
duplicate collapse, everyday-word expansion, record and apparatus weights). An index folder may carry its settings
(``retrieval.json``, written by whoever built it for a purpose, e.g. ``eval bench``); every command that opens the
index then searches with them.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path

from assistant.indexing.lexical import BM25Parameters

FILE = "retrieval.json"
FUSIONS = ("score", "rrf")


@dataclass(frozen=True)
class RetrievalSettings:
    """The defaults are the best measured on the seeds' questions and the dev corpus's tune half together (never on
    its check half); see eval/README.md. Score fusion beat RRF there because BM25 on exact policy wording is much
    stronger than the 4-bit e5-small (RRF flattens that gap)."""

    fusion: str = "score"  # "score" (normalised weighted sum) or "rrf"
    depth: int = 100  # candidates taken from each leg
    bm25_weight: float = 0.6
    dense_weight: float = 0.4
    # With an adaptation's query adapter (adaptation.py) the dense leg is weighted this (BM25: 1 - this) instead:
    # the adapted dense leg is the stronger one. STARD's tune half, hybrid-adapted Recall@5: 0.578 at 0.4, 0.593 at
    # 0.5, 0.600 at 0.6, 0.607 at 0.7, 0.596 at 0.8. Not measured on the policy corpus (it ships no adaptation).
    adapted_dense_weight: float = 0.7
    scope: bool = True  # jurisdictions and years the question names narrow the search
    diversity_decay: float = 0.9  # per further hit from the same document, when no jurisdiction is named (1: off)
    collapse_duplicates: bool = True  # one statement in prose and again in its table row is one hit
    record_boost: float = 1.1  # task records for who/when questions (1: off)
    apparatus_weight: float = 0.8  # info bars, cover notices, page chrome, unless the question is about the document
    expand: bool = True  # everyday words → official terms in the BM25 query
    # The dense leg's candidates re-scored: mix x the passage's similarity + (1 - mix) x its best sentence's (1: the
    # passage's alone; an index without sentence vectors keeps the passage's). Recall@1 / MRR@10 on the seeds'
    # questions 0.918 / 0.952 at 1, 0.932 / 0.962 at 0.5, 0.946 / 0.968 at 0.3 and 0.2, 0.925 / 0.957 at 0; dev
    # tune half 0.865 / 0.909 at 1, 0.874 / 0.912 at 0.5, 0.878 / 0.913 at 0.3, 0.869 / 0.908 at 0.2 (Recall@5
    # 0.971 at 1, 0.962 at 0.2-0.5).
    sentence_mix: float = 0.3
    # A candidate stating no span of the kind the question asks (no amount for 多少钱, no date for 什么时候, no
    # material for 要带什么材料; answer_kinds.py) is weighted this (1: off). Hybrid Recall@1 / Recall@5 / MRR@10 on
    # the seeds' questions 0.946 / 0.981 / 0.969 at 1, 0.946 / 0.979 / 0.970 at 0.85, 0.939 / 0.979 / 0.967 at 0.8;
    # dev tune half 0.887 / 0.966 / 0.918 at 1, 0.896 / 0.971 / 0.929 at 0.9, 0.901 / 0.980 / 0.931 at 0.85,
    # 0.905 / 0.980 / 0.936 at 0.8, 0.901 / 0.980 / 0.934 at 0.7.
    answer_kind_weight: float = 0.85
    bm25_k1: float = BM25Parameters.k1  # applied when BM25 is built: the index records them
    bm25_b: float = BM25Parameters.b

    def __post_init__(self) -> None:
        if self.fusion not in FUSIONS:
            raise ValueError(f"unknown fusion {self.fusion!r}; choose one of {', '.join(FUSIONS)}")
        if self.depth < 1:
            raise ValueError("depth must be at least 1")
        if self.bm25_weight < 0 or self.dense_weight < 0:
            raise ValueError("leg weights must not be negative")
        if not 0 <= self.adapted_dense_weight <= 1:
            raise ValueError("adapted_dense_weight must be within [0, 1]")
        if not 0 < self.diversity_decay <= 1 or not 0 <= self.sentence_mix <= 1:
            raise ValueError("diversity_decay must be within (0, 1] and sentence_mix within [0, 1]")
        if self.record_boost <= 0 or self.apparatus_weight <= 0 or not 0 < self.answer_kind_weight <= 1:
            raise ValueError("record_boost and apparatus_weight must be positive, answer_kind_weight within (0, 1]")
        if self.bm25_k1 <= 0 or not 0 <= self.bm25_b <= 1:
            raise ValueError("bm25_k1 must be positive and bm25_b within [0, 1]")
        for name in ("scope", "collapse_duplicates", "expand"):
            if not isinstance(getattr(self, name), bool):
                raise ValueError(f"{name} must be true or false")

    @classmethod
    def passages_as_given(cls, **changes: object) -> RetrievalSettings:
        """Every policy-document step off: what a passage benchmark (no jurisdictions, documents or records) runs."""
        plain = cls(
            scope=False,
            diversity_decay=1.0,
            collapse_duplicates=False,
            record_boost=1.0,
            apparatus_weight=1.0,
            expand=False,
            sentence_mix=1.0,  # a passage file is embedded with its sentences only when a benchmark asks
            answer_kind_weight=1.0,  # policy figures; CMRC2018's tune half Hit@1 0.892 at 1, 0.890 at 0.85
        )
        return replace(plain, **changes)

    @property
    def bm25(self) -> BM25Parameters:
        return BM25Parameters(self.bm25_k1, self.bm25_b)

    @classmethod
    def from_dict(cls, data: dict) -> RetrievalSettings:
        """Settings from JSON; an unknown name is an error, never silently ignored (a typo would change nothing)."""
        known = {field.name for field in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown retrieval setting(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
        return cls(**data)

    def save(self, index_dir: Path) -> None:
        (index_dir / FILE).write_text(json.dumps(asdict(self), indent=1) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, index_dir: Path) -> RetrievalSettings:
        """The index folder's settings, or the defaults when it has none."""
        path = index_dir / FILE
        return cls.from_dict(json.loads(path.read_text(encoding="utf-8"))) if path.is_file() else cls()
