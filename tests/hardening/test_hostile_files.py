"""The critical cases of a hostile corpus: a file that crashes or hangs a parser, a path sent by the client
instead of a file, and files whose names collide. Each is refused by name (or kept apart), and the server and
the build go on."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pytest
from pypdf import PdfWriter
from pypdf.generic import DictionaryObject, NameObject, StreamObject

from assistant.corpus import assign_doc_ids
from assistant.embedding.embedder import SentenceTransformerEmbedder
from assistant.engine import Engine
from assistant.loading import DocumentError, IsolatedParser, ParseLimits, load_file, load_file_in_process
from assistant.presentation.service import PolicyService
from assistant.presentation.upload import MAX_NAME_BYTES, UploadRefused, received_file, safe_filename
from tests.paths import FIXTURES

TEXT = "测试县人民政府办公室关于印发《2024年测试县档案工作要点》的通知\n\n一、档案数字化由县档案馆负责。\n"


def recursive_pdf(path: Path) -> Path:
    """A one-page PDF whose text operator holds 50,000 nested arrays: pypdf recurses until Python gives up."""
    writer = PdfWriter()
    page = writer.add_blank_page(200, 200)
    font = DictionaryObject(
        {NameObject("/Type"): NameObject("/Font"), NameObject("/Subtype"): NameObject("/Type1"),
         NameObject("/BaseFont"): NameObject("/Helvetica")}
    )  # fmt: skip
    fonts = DictionaryObject({NameObject("/F1"): writer._add_object(font)})
    page[NameObject("/Resources")] = DictionaryObject({NameObject("/Font"): fonts})
    stream = StreamObject()
    stream.set_data(b"BT /F1 12 Tf " + b"[" * 50_000 + b"]" * 50_000 + b" TJ ET")
    page[NameObject("/Contents")] = writer._add_object(stream)
    writer.write(path)
    return path


@pytest.fixture
def service(engine: Engine, corpus_copy: Path, tmp_path: Path, embedder: SentenceTransformerEmbedder) -> PolicyService:
    index_dir = tmp_path / "index"
    shutil.copytree(engine.index_dir, index_dir)
    return PolicyService(Engine.open(corpus_copy, index_dir, embedder=embedder, progress=False))


def test_a_pdf_that_crashes_the_parser_is_refused_by_name(tmp_path: Path) -> None:
    pdf = recursive_pdf(tmp_path / "deep.pdf")
    with pytest.raises(RecursionError):  # what the parser does in-process: it would take the server down
        load_file_in_process(pdf)
    with pytest.raises(DocumentError, match=r"^deep\.pdf: .*nested too deeply"):
        load_file(pdf)


def test_deeply_nested_html_is_refused_at_once(tmp_path: Path) -> None:
    page = tmp_path / "nested.html"
    page.write_text("<html><body>" + "<div>" * 20_000 + "正文" + "</div>" * 20_000 + "</body></html>")
    with pytest.raises(DocumentError, match="nested 20002 levels deep"):
        load_file(page)


def test_a_parse_over_its_time_limit_is_stopped_and_the_worker_replaced() -> None:
    with IsolatedParser(ParseLimits(seconds=0.0)) as parser:
        with pytest.raises(DocumentError, match="longer than"):
            parser.load(FIXTURES / "policy.pdf")
        parser.limits = ParseLimits()
        assert "政务公开" in parser.load(FIXTURES / "policy.pdf")


def test_a_docx_with_a_huge_styles_part_is_refused(tmp_path: Path) -> None:
    bomb = tmp_path / "styles.docx"
    shutil.copyfile(FIXTURES / "policy.docx", bomb)
    with zipfile.ZipFile(FIXTURES / "policy.docx") as source, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as out:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "word/styles.xml":
                data = data.replace(b"</w:styles>", b"<!--" + b" " * (30 * 1024 * 1024) + b"--></w:styles>")
            out.writestr(item, data)
    with pytest.raises(DocumentError, match=r"word/styles\.xml too large"):
        load_file(bomb)


def test_a_crashing_file_in_the_corpus_leaves_the_build_and_the_server_working(
    service: PolicyService, tmp_path: Path
) -> None:
    corpus = service.engine.corpus_dir
    pdf = recursive_pdf(tmp_path / "deep.pdf")
    result = service.add_documents([(pdf, "deep.pdf")])
    assert result.added == [] and "nested too deeply" in result.refused["deep.pdf"]
    assert not (corpus / "deep.pdf").exists()
    later = tmp_path / "later.txt"
    later.write_text(TEXT, encoding="utf-8")
    assert service.add_documents([(later, "测试县_档案.txt")]).added == ["测试县_档案.txt"]
    # The same file put into the corpus by hand: a restart builds the rest and names it.
    shutil.copyfile(pdf, corpus / "deep.pdf")
    reopened = Engine.open(corpus, service.engine.index_dir, embedder=service.engine.embedder, progress=False)
    assert "nested too deeply" in reopened.report.failed["deep.pdf"]
    assert "测试县_档案" in reopened.store.documents


def test_only_files_the_framework_received_are_read(tmp_path: Path) -> None:
    uploads = tmp_path / "gradio"
    (uploads / "abc").mkdir(parents=True)
    received = uploads / "abc" / "plan.txt"
    received.write_text(TEXT, encoding="utf-8")
    secret = tmp_path / "keys" / "secret.md"
    secret.parent.mkdir()
    secret.write_text("password", encoding="utf-8")
    (uploads / "abc" / "link.md").symlink_to(secret)
    assert received_file(str(received), uploads) == received.resolve()
    for path in (secret, uploads / "abc" / "link.md", uploads / "abc" / ".." / ".." / "keys" / "secret.md", uploads):
        with pytest.raises(UploadRefused):
            received_file(str(path), uploads)


def test_same_stem_files_get_their_own_ids_and_uploads_do_not_double_them(service: PolicyService) -> None:
    corpus = service.engine.corpus_dir
    (corpus / "x.txt").write_text("测试县档案工作要点\n一、档案数字化由县档案馆负责。\n", encoding="utf-8")
    (corpus / "x.md").write_text("# 测试县数据工作要点\n\n一、数据开放由县大数据中心负责。\n", encoding="utf-8")
    report = service.engine.refresh()
    assert any("x.txt" in warning and "'x'" in warning for warning in report.warnings), report.warnings
    documents = {d["file"]: d for d in service.documents()}
    assert documents["x.md"]["doc_id"] == "x" and documents["x.txt"]["doc_id"] == "x.txt"
    counts = {name: documents[name]["passages"] for name in ("x.md", "x.txt")}
    for number in range(2):
        upload = corpus.parent / f"up{number}.txt"
        upload.write_text(TEXT.replace("档案", f"档案{number}"), encoding="utf-8")
        assert service.add_documents([(upload, f"测试县_{number}.txt")]).added
        documents = {d["file"]: d for d in service.documents()}
        assert {name: documents[name]["passages"] for name in counts} == counts
        store = service.retriever.store
        assert sum(p.doc_id in ("x", "x.txt") for p in store.passages) == sum(counts.values())
    assert "县大数据中心" in service.original("x") and "县档案馆" in service.original("x.txt")


def test_doc_ids_stay_when_a_same_stem_file_arrives() -> None:
    first, _ = assign_doc_ids(["x.txt"])
    second, clashes = assign_doc_ids(["x.md", "x.txt"], kept=first)
    assert second == {"x.txt": "x", "x.md": "x.md"} and len(clashes) == 1
    third, _ = assign_doc_ids(["x.md", "x.md.txt", "x.txt"], kept=second)
    assert third["x.md.txt"] == "x.md.txt" and third["x.md"] == "x.md"


def test_long_names_never_replace_another_document(service: PolicyService, tmp_path: Path) -> None:
    shared = "测" * 116
    names = [f"{shared}甲.txt", f"{shared}乙.txt"]
    files = []
    for number, name in enumerate(names):
        path = tmp_path / f"{number}.txt"
        path.write_text(TEXT.replace("档案", f"档案{number}"), encoding="utf-8")
        files.append((path, name))
    first = service.add_documents(files[:1])
    assert len(first.added) == 1 and len(first.added[0].encode()) <= MAX_NAME_BYTES
    second = service.add_documents(files[1:])
    assert second.added == [] and "已有同名文件" in second.refused[names[1]]
    stored = service.engine.corpus_dir / first.added[0]
    assert "档案0" in stored.read_text(encoding="utf-8")


def test_an_82_character_chinese_name_is_shortened_not_an_error(service: PolicyService, tmp_path: Path) -> None:
    name = "关于" + "进一步加强" * 16 + ".txt"
    assert len(name) == 86 and len(safe_filename(name).encode()) <= MAX_NAME_BYTES
    path = tmp_path / "long.txt"
    path.write_text(TEXT, encoding="utf-8")
    result = service.add_documents([(path, name)])
    assert len(result.added) == 1, result.refused
