import zipfile
from pathlib import Path

import pytest

from assistant.loading import DocumentError, load_file
from assistant.loading.docx import MAX_UNPACKED_BYTES
from tests.paths import FIXTURES

EXPECTED = "政务新媒体由县政府办公室负责统一管理"


@pytest.mark.parametrize("name", ["policy.pdf", "policy_gbk.txt", "policy_utf16.txt"])
def test_chinese_text_survives_loading(name: str) -> None:
    text = load_file(FIXTURES / name)
    assert EXPECTED in text.replace("\n", "")
    assert "测政办发〔2024〕3号" in text


def test_pdf_pages_are_all_read() -> None:
    text = load_file(FIXTURES / "policy.pdf")
    assert "本要点自印发之日起施行" in text  # page 2


def test_docx_keeps_headings_and_tables() -> None:
    text = load_file(FIXTURES / "policy.docx")
    assert "# 一、加强政务新媒体管理" in text
    assert "网站适老化改造\t县政府办公室\t2024年6月底前" in text


def test_html_drops_scripts_and_keeps_text() -> None:
    text = load_file(FIXTURES / "hostile.html")
    assert "alert" not in text and "javascript" not in text
    assert "政务新媒体由县政府办公室负责。" in text
    assert "网站改造\t县政府办公室" in text


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("encrypted.pdf", "encrypted"),
        ("truncated.pdf", "corrupt"),
        ("scanned.pdf", "no text layer"),
        ("not_a_zip.docx", "not a .docx"),
    ],
)
def test_bad_files_are_refused_by_name_with_a_reason(name: str, reason: str) -> None:
    with pytest.raises(DocumentError) as error:
        load_file(FIXTURES / name)
    assert reason in error.value.reason
    assert name in str(error.value)


def test_empty_and_unsupported_files(tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    with pytest.raises(DocumentError, match="empty"):
        load_file(empty)
    other = tmp_path / "table.xlsx"
    other.write_bytes(b"x")
    with pytest.raises(DocumentError, match="unsupported"):
        load_file(other)


def test_zip_bomb_docx_is_refused(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.docx"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", b"0" * (MAX_UNPACKED_BYTES + 1))
    assert bomb.stat().st_size < 1_000_000
    with pytest.raises(DocumentError, match="zip bomb"):
        load_file(bomb)
