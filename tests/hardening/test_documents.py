"""Hostile and broken documents: each is indexed correctly or refused by name with the reason, and the rest of
the corpus is unaffected. Property-based tests: no input makes a loader, repair or chunking fail otherwise."""

from __future__ import annotations

import resource
import shutil
import tempfile
import time
import zipfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.chunking import ChunkSettings, chunk_document
from assistant.corpus import read_document
from assistant.indexing.store import open_index
from assistant.loading import MAX_FILE_BYTES, MAX_TEXT_CHARS, DocumentError, load_file, load_file_in_process
from assistant.loading.docx import MAX_BODY_BYTES, MAX_UNPACKED_BYTES
from assistant.loading.html import MAX_HTML_BYTES
from assistant.loading.text import decode_bytes
from assistant.repair import repair
from tests.paths import CORPUS, FIXTURES

LINE = "（一）政务新媒体由县政府办公室负责统一管理，各部门按职责分工抓好落实。\n".encode()
MARKDOWN = (
    "# 测试县2024年数据开放工作要点\n\n"
    "## 一、开放平台\n"
    "数据开放平台由县大数据中心负责运维，详见[开放目录](javascript:alert(document.cookie))"
    "和[平台说明](https://data.example.gov.cn/help)。<script>document.title='pwned'</script>\n"
)


def _fill(path: Path, size: int, unit: bytes = LINE) -> Path:
    """A file of exactly ``size`` bytes of real-looking text, written in blocks (no 50 MB string in memory)."""
    block = unit * (1048576 // len(unit))
    with path.open("wb") as handle:
        written = 0
        while written + len(block) <= size:
            handle.write(block)
            written += len(block)
        handle.write((unit * (1 + (size - written) // len(unit)))[: size - written])
    assert path.stat().st_size == size
    return path


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "utf-16-be", "utf-32", "gb18030", "gbk"])
def test_text_in_every_encoding_loads_the_same(tmp_path: Path, encoding: str) -> None:
    """GB18030 also covers what GBK cannot (𠀀, 😀); the BOM variants decode by their BOM."""
    text = LINE.decode() + ("第二条 𠀀字与😀表情同样保留。\n" if encoding != "gbk" else "")
    path = tmp_path / f"{encoding}.txt"
    data = text.encode(encoding)
    path.write_bytes(b"\xfe\xff" + data if encoding == "utf-16-be" else data)
    assert load_file(path) == text


def test_a_50_mb_text_file_is_refused_quickly_for_its_length(tmp_path: Path) -> None:
    big = _fill(tmp_path / "dump.txt", MAX_FILE_BYTES)
    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    with pytest.raises(DocumentError, match=f"too long: .* characters of text \\(limit {MAX_TEXT_CHARS:,}\\)"):
        load_file(big)
    assert time.perf_counter() - started < 30
    # Bytes, one decoded copy and a little more: not a blow-up (ru_maxrss is in KiB).
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak_before < 400 * 1024


@pytest.mark.parametrize(
    ("name", "size", "reason"),
    [
        ("over.txt", MAX_FILE_BYTES + 1, "file too large: 50.0 MB (limit 50 MB)"),
        ("page.html", MAX_HTML_BYTES + 1, "HTML page too large: 10.0 MB (limit 10 MB)"),
        ("empty.md", 0, "the file is empty"),
    ],
)
def test_oversized_and_empty_files_are_refused_before_parsing(
    tmp_path: Path, name: str, size: int, reason: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _fill(tmp_path / name, size, b"<p>" + LINE + b"</p>")
    with pytest.raises(DocumentError) as error:
        load_file(path)
    assert error.value.reason == reason and name in str(error.value)

    def never_read(self: Path, *args: object, **kwargs: object) -> None:
        pytest.fail(f"{self.name} was read although its size alone refuses it")

    monkeypatch.setattr(Path, "read_bytes", never_read)  # refused on its size: not a byte of it is read
    monkeypatch.setattr(Path, "open", never_read)
    with pytest.raises(DocumentError, match=reason.replace("(", r"\(").replace(")", r"\)")):
        load_file_in_process(path)


def test_docx_whose_body_unpacks_too_large_is_refused(tmp_path: Path) -> None:
    bomb = tmp_path / "body.docx"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", b" " * (MAX_BODY_BYTES + 1))
    with pytest.raises(DocumentError, match="unpacked document body too large"):
        load_file(bomb)


def test_links_and_scripts_in_html_and_markdown(tmp_path: Path) -> None:
    html = load_file(FIXTURES / "hostile.html")
    assert "javascript" not in html and "alert" not in html  # scripts and link targets are not text
    markdown = tmp_path / "links.md"
    markdown.write_text(MARKDOWN, encoding="utf-8")
    text = load_file(markdown)
    assert text == MARKDOWN  # kept as written: it is shown escaped, never rendered as links or markup


def test_hostile_and_broken_files_do_not_disturb_the_corpus(tmp_path: Path, embedder) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    good = ["高县_2023年政务公开重点工作任务清单.txt", "台儿庄区_2023年政务公开工作要点.txt"]
    for name in good:
        shutil.copy(CORPUS / name, corpus)
    for name in ("hostile.html", "policy_gbk.txt", "policy_utf16.txt", "policy.docx"):
        shutil.copy(FIXTURES / name, corpus)
    (corpus / "links.md").write_text(MARKDOWN, encoding="utf-8")
    bad = {
        "encrypted.pdf": "encrypted",
        "truncated.pdf": "corrupt",
        "scanned.pdf": "no text layer",
        "not_a_zip.docx": "not a .docx",
    }
    for name in bad:
        shutil.copy(FIXTURES / name, corpus)
    (corpus / "zero.txt").write_bytes(b"")
    bad["zero.txt"] = "empty"
    _fill(corpus / "dump.txt", MAX_FILE_BYTES + 1)
    bad["dump.txt"] = "too large"
    with (
        zipfile.ZipFile(corpus / "bomb.docx", "w", compression=zipfile.ZIP_DEFLATED) as archive,
        archive.open("word/document.xml", "w", force_zip64=True) as member,
    ):
        for _ in range(MAX_UNPACKED_BYTES // 1048576 + 1):
            member.write(bytes(1048576))
    bad["bomb.docx"] = "zip bomb"

    store, report = open_index(tmp_path / "index", corpus, embedder, progress=False)
    assert set(report.failed) == set(bad)
    for name, reason in bad.items():
        assert reason in report.failed[name], (name, report.failed[name])
    indexed = set(store.manifest["documents"])
    assert indexed == {*good, "hostile.html", "policy_gbk.txt", "policy_utf16.txt", "policy.docx", "links.md"}
    assert all(store.manifest["documents"][name]["passages"] > 0 for name in indexed)
    texts = [p.text for p in store.passages]
    assert any("数据开放平台由县大数据中心负责运维" in text for text in texts)
    hostile = [p.text for p in store.passages if p.doc_id == "hostile"]
    assert hostile and not any("alert" in text or "javascript" in text for text in hostile)


# --- properties ------------------------------------------------------------------------------------------


@given(st.binary(max_size=4000))
@settings(max_examples=200, deadline=None)
def test_any_bytes_decode_or_are_refused(data: bytes) -> None:
    try:
        text = decode_bytes(data, Path("x.txt"))
    except DocumentError as error:
        assert error.reason
        return
    assert isinstance(text, str)


def _mutations() -> st.SearchStrategy[tuple[str, bytes]]:
    """A real fixture, truncated or with bytes overwritten: what a bad disk or a cut download delivers."""
    names = ["policy.pdf", "policy.docx", "hostile.html", "policy_gbk.txt", "policy_utf16.txt"]

    def mutate(name: str, cut: float, patches: list[tuple[float, bytes]]) -> tuple[str, bytes]:
        data = bytearray((FIXTURES / name).read_bytes())
        for where, patch in patches:
            at = int(where * len(data))
            data[at : at + len(patch)] = patch
        return name, bytes(data[: max(0, int(cut * len(data)))])

    return st.builds(
        mutate,
        st.sampled_from(names),
        st.floats(0, 1),
        st.lists(st.tuples(st.floats(0, 1), st.binary(min_size=1, max_size=16)), max_size=4),
    )


@given(_mutations())
@settings(max_examples=150, deadline=None)
def test_damaged_files_load_or_are_refused_by_name(mutated: tuple[str, bytes]) -> None:
    name, data = mutated
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        try:
            text = load_file(path)
        except DocumentError as error:
            assert error.path.name == name and error.reason
            return
        assert text.strip()


@given(
    st.text(max_size=600)
    | st.text(alphabet="政务公开〔2022〕38号1030日前—- 12\n\t·•（一）责任单位：县办", max_size=300)
)
@settings(max_examples=150, deadline=None)
def test_repair_and_chunking_keep_every_offset_inside_the_original(text: str) -> None:
    repaired = repair(text)
    assert len(repaired.origin) == len(repaired.text) + 1
    assert all(0 <= at <= len(text) for at in repaired.origin)
    if not text.strip():
        return
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "doc.txt"
        path.write_text(text, encoding="utf-8")
        try:
            document = read_document(path)
        except DocumentError:
            return
        for passage in chunk_document(document, ChunkSettings()):
            assert 0 <= passage.start <= passage.end <= len(document.original)
