"""Turn a parsed document into passages: one per record, one per article or Q&A, prose split within sections."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from langchain_text_splitters import RecursiveCharacterTextSplitter

from assistant.documents import APPARATUS, PROSE, RECORD, Document, Passage
from assistant.structure.fields import CATEGORY, INDICATOR_1
from assistant.structure.metadata import apparatus_runs
from assistant.structure.records import extract_records
from assistant.structure.sections import Block, parse_blocks

CHINESE_SEPARATORS = ["\n", "。", "；", "！", "？", "，", "、", ""]


@dataclass(frozen=True)
class ChunkSettings:
    """Prose chunk size in characters; 300 keeps e5 (512 tokens, ~0.6 per character) exact.

    An article or a question with its answer stays one passage up to ``whole_size`` characters
    (what e5 reads without truncating); a longer one is split like prose.
    """

    chunk_size: int = 300
    chunk_overlap: int = 60
    whole_size: int = 800

    def to_dict(self) -> dict:
        return asdict(self)


def chunk_document(document: Document, settings: ChunkSettings) -> list[Passage]:
    """Record passages first (they answer who/when), then prose chunks in reading order.

    The document's apparatus (info bar, cover notice, 落款, page chrome) is chunked apart from the content
    it surrounds and marked so, for retrieval to rank it below the content it announces.
    """
    repaired = document.repaired
    extracted = extract_records(repaired.text)
    passages: list[Passage] = []
    for record in extracted.records:
        start, end = repaired.original_span(record.start, record.end)
        section = [
            part for part in (record.table_title, record.fields.get(CATEGORY) or record.fields.get(INDICATOR_1)) if part
        ]
        passages.append(
            Passage("", document.doc_id, record.render(), section, start, end, RECORD, _plain_keys(record.fields))
        )
    splitter = RecursiveCharacterTextSplitter(
        chunk_size=settings.chunk_size,
        chunk_overlap=settings.chunk_overlap,
        separators=CHINESE_SEPARATORS,
        keep_separator="end",
    )
    blocks = parse_blocks(repaired, extracted.table_spans)
    for passage in passages:
        if not passage.section:  # a （责任单位：…） item or a section's record: it lives in that prose section
            passage.section = _section_at(blocks, passage.start)
    for block in blocks:
        for run_start, run_end, apparatus in apparatus_runs(block.text.text, document.meta.title):
            run = block.text.text[run_start:run_end]
            whole = block.whole and len(run) <= settings.whole_size
            cursor = 0
            for chunk in [run.strip()] if whole else splitter.split_text(run):
                if not chunk:
                    continue
                found = run.find(chunk, cursor)
                at = run_start + (found if found >= 0 else cursor)
                start, end = block.text.original_span(at, at + len(chunk))
                kind = APPARATUS if apparatus else PROSE
                passages.append(Passage("", document.doc_id, chunk, list(block.section), start, end, kind))
                cursor = at - run_start + 1
    passages.sort(key=lambda passage: (passage.start, passage.kind))
    for number, passage in enumerate(passages):
        passage.passage_id = f"{document.doc_id}#{number:04d}"
    return passages


def _section_at(blocks: list[Block], start: int) -> list[str]:
    """The section of the block holding ``start``; for a record that opens at a bare heading, the next one's."""
    holding = next((b for b in blocks if b.text.origin[0] <= start < b.text.origin[-1]), None)
    holding = holding or next((b for b in blocks if b.text.origin[0] >= start), None)
    return list(holding.section) if holding else []


def _plain_keys(fields: dict[str, str]) -> dict[str, str]:
    """Field names as plain strings, as the index stores and the JSON output shows them."""
    return {str(name): value for name, value in fields.items()}
