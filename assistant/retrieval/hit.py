"""A retrieved passage with the evidence of why it matched and where else it stands."""

from __future__ import annotations

from dataclasses import dataclass, field

from assistant.documents import DocumentMeta, Passage


@dataclass
class Hit:
    passage: Passage
    meta: DocumentMeta
    score: float
    rank: int = 0
    leg_scores: dict[str, float] = field(default_factory=dict)
    leg_ranks: dict[str, int] = field(default_factory=dict)
    also_at: list[Passage] = field(default_factory=list)

    def to_dict(self) -> dict:
        """The ``search --json`` contract fields first, then the extras."""
        passage = self.passage
        return {
            "rank": self.rank,
            "score": round(self.score, 6),
            "doc_id": passage.doc_id,
            "title": self.meta.title,
            "region": self.meta.region,
            "year": self.meta.year,
            "section": passage.section_path,
            "text": passage.text,
            "start": passage.start,
            "end": passage.end,
            "passage_id": passage.passage_id,
            "kind": passage.kind,
            "fields": passage.fields,
            "issuer": self.meta.issuer,
            "doc_number": self.meta.doc_number,
            "leg_scores": {leg: round(value, 6) for leg, value in self.leg_scores.items()},
            "leg_ranks": self.leg_ranks,
            "also_at": [
                {
                    "passage_id": other.passage_id,
                    "section": other.section_path,
                    "kind": other.kind,
                    "start": other.start,
                    "end": other.end,
                }
                for other in self.also_at
            ],
        }
