"""Real documents as users upload them: Word and PDF files made by LibreOffice (tests/fixtures/make_office_fixtures.py).

Each is read the way the index reads it (in the isolated parser) and must give what the same document's text
gives: the metadata of its header, a Word table's rows as task records, the figures of its body.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from assistant.chunking import ChunkSettings, chunk_document
from assistant.corpus import read_document
from assistant.documents import RECORD, Document, Passage
from assistant.loading import IsolatedParser
from assistant.structure.fields import DEADLINE, LEAD, RESPONSIBLE

ROOT = Path(__file__).resolve().parents[2]
OFFICE = ROOT / "tests" / "fixtures" / "office"
TASK_TABLE = "达州高新区_2023_政务公开工作要点"


@cache
def _read(path: Path) -> tuple[Document, list[Passage]]:
    with IsolatedParser() as parser:
        document = read_document(path, parser=parser)
    return document, chunk_document(document, ChunkSettings())


def _records(path: Path) -> list[dict[str, str]]:
    return [passage.fields for passage in _read(path)[1] if passage.kind == RECORD]


def test_a_word_task_table_with_merged_cells_gives_the_records_of_its_text_export() -> None:
    from_word = _records(OFFICE / f"{TASK_TABLE}.docx")
    from_text = _records(ROOT / "corpus" / "达州高新区_2023年全区政务公开工作要点.txt")
    assert len(from_word) == len(from_text) == 47
    assert from_word == from_text
    assert {record[str(DEADLINE)] for record in from_word} >= {"及时公开"}


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (
            f"{TASK_TABLE}.docx",
            {"title": "2023年全区政务公开工作要点", "issuer": "达州高新技术产业园区党政办公室", "date": "2023-06-01"},
        ),
        (
            f"{TASK_TABLE}.pdf",
            {"title": "2023年全区政务公开工作要点", "region": "四川省达州市达州高新区", "year": 2023},
        ),
        (
            "湖北省荆门市_2025_建设生育友好型城市若干措施.docx",
            {
                "title": "关于加快完善生育支持政策体系推动建设生育友好型城市的若干措施",
                "issuer": "荆门市人民政府办公室",
                "region": "湖北省荆门市",
                "doc_number": "荆政办发〔2025〕28号",
                "date": "2025-11-23",
            },
        ),
        (
            "广州市_2024_进一步加强户籍家庭住房保障工作的通知.pdf",
            {
                "title": "广州市住房和城乡建设局关于进一步加强户籍家庭住房保障工作的通知",
                "issuer": "广州市住房和城乡建设局",
                "region": "广东省广州市",
                "doc_number": "穗建规字〔2024〕5号",
                "effective": "2024-03-04",
                "expires": "2029-03-03",
            },
        ),
    ],
)
def test_metadata_from_the_header_of_word_and_pdf_files(name: str, expected: dict) -> None:
    meta = _read(OFFICE / name)[0].meta.to_dict()
    assert {field: meta[field] for field in expected} == expected


def test_tagged_measures_in_a_word_file_name_their_lead_by_the_first_listed_unit() -> None:
    records = _records(OFFICE / "湖北省荆门市_2025_建设生育友好型城市若干措施.docx")
    assert len(records) >= 20
    first = records[0]
    assert first[str(LEAD)] == "市委宣传部" and first[str(RESPONSIBLE)].startswith("市委宣传部、")


def test_figures_in_a_pdf_survive_extraction_and_repair() -> None:
    document, passages = _read(OFFICE / "广州市_2024_进一步加强户籍家庭住房保障工作的通知.pdf")
    assert "49952元" in document.repaired.text
    assert any("49952元" in passage.text for passage in passages)
