"""What an answer is: labelled lines per jurisdiction, each with ``[n]`` markers into its citations."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from assistant.answering.judge import Judgement
from assistant.documents import DocumentMeta
from assistant.retrieval.hit import Hit
from assistant.retrieval.scope import region_aliases

MARKER = re.compile(r"\[(\d+)\]")


@dataclass
class Citation:
    """A retrieved passage an answer cites; ``evidence`` is the exact part of its text that supports it."""

    n: int
    hit: Hit
    evidence: str = ""

    def to_dict(self) -> dict:
        passage, meta = self.hit.passage, self.hit.meta
        at = passage.text.find(self.evidence) if self.evidence else -1
        return {
            "n": self.n,
            "doc_id": passage.doc_id,
            "title": meta.title,
            "region": meta.region,
            "year": meta.year,
            "section": passage.section_path,
            "text": passage.text,
            "start": passage.start,
            "end": passage.end,
            "evidence": self.evidence,
            "evidence_start": at,
            "evidence_end": at + len(self.evidence) if at >= 0 else -1,
            "kind": passage.kind,
            "issuer": meta.issuer,
            "doc_number": meta.doc_number,
        }


@dataclass(frozen=True)
class Decision:
    """Why a question was answered or refused: the rule that decided, in words, and the measure it compared."""

    rule: str  # one of RULES
    detail: str
    coverage: float | None = None  # the question's rarity-weighted content words found in the best passages
    threshold: float | None = None  # the coverage an answer needs (AnswerSettings.min_coverage)

    RULES = ("answered", "unusable", "no_topic", "unknown_place", "low_coverage", "no_support", "judge_refused")

    def to_dict(self) -> dict:
        rounded = None if self.coverage is None else round(self.coverage, 4)
        return {"rule": self.rule, "detail": self.detail, "coverage": rounded, "threshold": self.threshold}


@dataclass
class AnswerLine:
    """One statement: whose document says it, what it says, and the citations behind it."""

    label: str
    text: str
    citations: list[int]

    def render(self) -> str:
        markers = "".join(f"[{n}]" for n in self.citations)
        return f"{self.label}：{self.text} {markers}" if self.label else f"{self.text} {markers}"


@dataclass
class Answer:
    question: str
    understood: str
    intent: str
    answerable: bool
    lines: list[AnswerLine] = field(default_factory=list)
    citations: list[Citation] = field(default_factory=list)
    message: str = ""  # the refusal or a note (理解为…); shown above the answer
    nearest_topics: list[str] = field(default_factory=list)
    generated: bool = False  # written by the configured language model from the cited passages
    judgement: Judgement | None = None  # the learned judge's verdict, when it decided
    generated_text: str = ""  # that text, with its validated [n] markers (a generated answer has no lines)
    fallback: str = ""  # why generation, configured, gave way to this extractive answer
    decision: Decision | None = None  # why it was answered or refused (the extractive answerer's rule)

    @property
    def text(self) -> str:
        parts = [part for part in (self.message, self.generated_text) if part]
        parts.extend(line.render() for line in self.lines)
        return "\n".join(parts)

    def to_dict(self) -> dict:
        return {
            "id": None,
            "question": self.question,
            "understood": self.understood,
            "answer": self.text,
            "message": self.message,
            "answerable": self.answerable,
            "intent": self.intent,
            "lines": [{"label": line.label, "text": line.text, "citations": line.citations} for line in self.lines],
            "citations": [citation.to_dict() for citation in self.citations],
            "nearest_topics": self.nearest_topics,
            "generated": self.generated,
            "judgement": self.judgement.to_dict() if self.judgement else None,
            "mode": "generated" if self.generated else "extractive",
            "generated_text": self.generated_text,
            "fallback": self.fallback,
            "decision": self.decision.to_dict() if self.decision else None,
        }


def jurisdiction_label(meta: DocumentMeta) -> str:
    """``达州高新区（2023）``: the document's own jurisdiction and year, as an operator reads it out."""
    levels = region_aliases(meta)
    name = levels[-1][0] if levels else meta.issuer or meta.title
    return f"{name}（{meta.year}）" if meta.year else name


def unsupported_markers(text: str, citations: list[Citation]) -> list[int]:
    """Markers in ``text`` that point to no supplied citation (must be empty for a valid answer)."""
    known = {citation.n for citation in citations}
    return [int(n) for n in MARKER.findall(text) if int(n) not in known]
