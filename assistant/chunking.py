"""Turn a parsed document into passages: one per task record, prose split within sections."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from langchain_text_splitters import RecursiveCharacterTextSplitter

from assistant.documents import Document, Passage
from assistant.structure.records import extract_records
from assistant.structure.sections import parse_blocks

CHINESE_SEPARATORS = ["\n", "。", "；", "！", "？", "，", "、", ""]


@dataclass(frozen=True)
class ChunkSettings:
    """Prose chunk size in characters; 300 keeps e5 (512 tokens, ~0.6 per character) exact."""

    chunk_size: int = 300
    chunk_overlap: int = 60

    def to_dict(self) -> dict:
        return asdict(self)


def chunk_document(document: Document, settings: ChunkSettings) -> list[Passage]:
    """Record passages first (they answer who/when), then prose chunks in reading order."""
    repaired = document.repaired
    extracted = extract_records(repaired.text)
    passages: list[Passage] = []
    for record in extracted.records:
        start, end = repaired.original_span(record.start, record.end)
        section = [
            part
            for part in (record.table_title, record.fields.get("工作任务") or record.fields.get("一级指标"))
            if part
        ]
        passages.append(
            Passage("", document.doc_id, record.render(), section, start, end, "record", dict(record.fields))
        )
    splitter = RecursiveCharacterTextSplitter(
        chunk_size=settings.chunk_size,
        chunk_overlap=settings.chunk_overlap,
        separators=CHINESE_SEPARATORS,
        keep_separator="end",
    )
    blocks = parse_blocks(repaired, extracted.table_spans)
    for passage in passages:
        if not passage.section:  # a （责任单位：…） item in prose: it lives in that prose section
            passage.section = next(
                (list(b.section) for b in blocks if b.text.origin[0] <= passage.start < b.text.origin[-1]), []
            )
    for block in blocks:
        cursor = 0
        for chunk in splitter.split_text(block.text.text):
            found = block.text.text.find(chunk, cursor)
            at = found if found >= 0 else cursor
            start, end = block.text.original_span(at, at + len(chunk))
            passages.append(Passage("", document.doc_id, chunk, list(block.section), start, end))
            cursor = at + 1
    passages.sort(key=lambda passage: (passage.start, passage.kind))
    for number, passage in enumerate(passages):
        passage.passage_id = f"{document.doc_id}#{number:04d}"
    return passages
