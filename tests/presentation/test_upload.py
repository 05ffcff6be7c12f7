"""Uploaded names cannot escape the corpus; wrong types, empty and oversized files are refused by name."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.presentation.upload import UploadRefused, check_upload, safe_filename, stage_uploads


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("高县_2023年政务公开.txt", "高县_2023年政务公开.txt"),
        ("../../etc/cron.d/evil.txt", "evil.txt"),
        ("..\\..\\Windows\\evil.TXT", "evil.txt"),
        (".hidden.md", "hidden.md"),
        ("a b;rm -rf $HOME.pdf", "a_b_rm_-rf_HOME.pdf"),
        ("《通知》（2023）.docx", "《通知》(2023).docx"),  # NFKC folds full-width brackets
        ("line\nbreak\x00.html", "line_break.html"),
        ("x" * 300 + ".txt", "x" * 116 + ".txt"),
    ],
)
def test_safe_filename(name: str, safe: str) -> None:
    assert safe_filename(name) == safe


@pytest.mark.parametrize("name", ["", "..", "/", "....txt", "../"])
def test_names_with_nothing_left_are_refused(name: str) -> None:
    with pytest.raises(UploadRefused):
        safe_filename(name)


def test_check_upload_refuses_type_empty_and_size(tmp_path: Path) -> None:
    source = tmp_path / "upload"
    source.write_bytes(b"x" * 100)
    assert check_upload(source, "a.md") == "a.md"
    with pytest.raises(UploadRefused, match=r"不支持的文件类型 \.exe"):
        check_upload(source, "a.exe")
    with pytest.raises(UploadRefused, match="文件过大"):
        check_upload(source, "a.txt", max_bytes=99)
    source.write_bytes(b"")
    with pytest.raises(UploadRefused, match="文件为空"):
        check_upload(source, "a.txt")


def test_stage_uploads_writes_only_into_the_staging_folder(tmp_path: Path) -> None:
    incoming = tmp_path / "incoming"
    incoming.mkdir()
    staging = tmp_path / "staging"
    staging.mkdir()
    good, bad = incoming / "1", incoming / "2"
    good.write_text("正文", encoding="utf-8")
    bad.write_text("MZ", encoding="utf-8")
    staged, refused = stage_uploads(
        [(good, "../../outside.txt"), (bad, "tool.exe"), (good, "sub/outside.txt")], staging
    )
    assert staged == [staging / "outside.txt"]
    assert set(refused) == {"tool.exe", "outside.txt"}
    assert "重名" in refused["outside.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["incoming", "staging"]
