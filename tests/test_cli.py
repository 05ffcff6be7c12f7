"""The command line is a contract: run it as users and scripts do, in a subprocess."""

import csv
import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

from assistant.engine import Engine
from tests.paths import CORPUS, ROOT

DEV_DOCS = ROOT / "eval" / "corpora" / "dev" / "docs"

CONTRACT = {"rank", "score", "doc_id", "title", "region", "year", "section", "text", "start", "end"}


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "assistant", *args], cwd=ROOT, capture_output=True, text=True, timeout=600, check=False
    )


def test_search_json_and_batch_contract(engine: Engine, tmp_path: Path) -> None:
    index = str(engine.index_dir)
    result = _run("search", "高县政务新媒体由谁负责", "--k", "3", "--json", "--index", index)
    assert result.returncode == 0, result.stderr
    hits = json.loads(result.stdout)["hits"]
    assert len(hits) == 3 and set(hits[0]) >= CONTRACT
    assert all(hit["region"] == "四川省宜宾市高县" for hit in hits)
    original = (CORPUS / f"{hits[0]['doc_id']}.txt").read_text(encoding="utf-8")
    assert original[hits[0]["start"] : hits[0]["end"]].strip()

    queries = tmp_path / "q.jsonl"
    queries.write_text(
        '{"id": "a", "question": "政务新媒体由谁负责"}\n{"id": "b", "question": "  "}\n'
        '{"id": "c", "question": "适老化改造什么时候完成"}\n',
        encoding="utf-8",
    )
    out = tmp_path / "hits.jsonl"
    result = _run("search", "--queries", str(queries), "--k", "10", "--out", str(out), "--index", index)
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [line["id"] for line in lines] == ["a", "b", "c"]
    assert len(lines[0]["hits"]) == 10 and lines[1]["hits"] == []
    assert [hit["rank"] for hit in lines[2]["hits"]] == list(range(1, 11))
    assert all(set(hit) >= CONTRACT for hit in lines[2]["hits"])
    assert "问题为空" in result.stderr


def test_empty_question_is_a_clear_error(engine: Engine) -> None:
    result = _run("search", "？？", "--index", str(engine.index_dir))
    assert result.returncode == 2 and "问题只有标点" in result.stderr and "Traceback" not in result.stderr


ASK_CONTRACT = {"id", "question", "answer", "answerable", "intent", "citations"}
CITATION_CONTRACT = {"n", "doc_id", "title", "region", "year", "section", "text", "start", "end"}


def test_ask_batch_contract(engine: Engine, tmp_path: Path) -> None:
    queries = tmp_path / "q.jsonl"
    queries.write_text(
        '{"id": "a", "question": "高县政务新媒体由谁负责"}\n{"id": "b", "question": "北京市政务新媒体由谁负责"}\n',
        encoding="utf-8",
    )
    out = tmp_path / "answers.jsonl"
    result = _run("ask", "--queries", str(queries), "--out", str(out), "--index", str(engine.index_dir))
    assert result.returncode == 0, result.stderr
    first, second = (json.loads(line) for line in out.read_text(encoding="utf-8").splitlines())
    assert set(first) >= ASK_CONTRACT and first["id"] == "a" and first["answerable"] is True
    assert first["intent"] == "who" and "县政府办公室" in first["answer"]
    assert first["citations"] and set(first["citations"][0]) >= CITATION_CONTRACT
    assert "[1]" in first["answer"] and first["citations"][0]["n"] == 1
    assert second["id"] == "b" and second["answerable"] is False and second["citations"] == []


def test_meta_remove_versions_restore_audit(engine: Engine, corpus_copy: Path, tmp_path: Path) -> None:
    """The document management commands on a copy of the corpus and index, each audited as cli:<user>."""
    index = tmp_path / "index"
    shutil.copytree(engine.index_dir, index)
    name = "国务院办公厅_2018_政府网站集约化试点工作方案.txt"  # the head of a real notice: quick to index
    (corpus_copy / name).write_text((DEV_DOCS / name).read_text(encoding="utf-8")[:1200], encoding="utf-8")
    doc_id, where = Path(name).stem, ("--corpus", str(corpus_copy), "--index", str(index), "--data", str(tmp_path))

    result = _run("meta", doc_id, "--region", "全国", "--doc-number", "国办函〔2018〕71号（核对）", *where)
    assert result.returncode == 0, result.stderr
    assert "region" in result.stdout and json.loads(result.stdout.splitlines()[1])["region"] == "全国"
    manifest = json.loads((corpus_copy / "manifest.json").read_text(encoding="utf-8"))
    assert manifest[name] == {
        "region": "全国",
        "doc_number": "国办函〔2018〕71号（核对）",
        "sources": {"region": "admin", "doc_number": "admin"},
    }

    assert _run("remove", doc_id, *where).returncode == 0 and not (corpus_copy / name).exists()
    listed = _run("versions", doc_id, "--json", *where[:4])
    assert listed.returncode == 0, listed.stderr
    (version,) = json.loads(listed.stdout)["versions"]
    assert version["reason"] == "deleted" and version["current"] is False
    missing = _run("versions", "no-such-document", *where[:4])
    assert missing.returncode == 1 and "没有这个文件" in missing.stderr and "Traceback" not in missing.stderr

    restored = _run("restore", doc_id, version["version"], *where)
    assert restored.returncode == 0, restored.stderr
    assert (corpus_copy / name).read_text(encoding="utf-8") == (DEV_DOCS / name).read_text(encoding="utf-8")[:1200]
    audit = _run("audit", "--format", "csv", "--data", str(tmp_path))
    rows = list(csv.DictReader(io.StringIO(audit.stdout.lstrip("\ufeff"))))
    assert [row["action"] for row in rows] == ["meta", "delete", "restore"]
    assert all(row["actor"].startswith("cli") and row["doc_id"] == doc_id for row in rows)
    assert json.loads(rows[1]["before"])["region"] == "全国"  # the correction outlives a delete and a restore


def test_stage_staged_publish_discard(engine: Engine, corpus_copy: Path, tmp_path: Path) -> None:
    """The review step from the command line: staged files stay out of the public index until published."""
    index = tmp_path / "index"
    shutil.copytree(engine.index_dir, index)
    name = "国务院办公厅_2018_政府网站集约化试点工作方案.txt"
    source = tmp_path / name
    source.write_text((DEV_DOCS / name).read_text(encoding="utf-8")[:1200], encoding="utf-8")
    draft = tmp_path / "草稿_工作要点.txt"
    draft.write_text("测试县档案工作要点\n一、档案数字化由县档案馆负责。\n", encoding="utf-8")
    where = ("--corpus", str(corpus_copy), "--index", str(index), "--data", str(tmp_path))

    staged = _run(
        "stage", str(source), str(draft), str(corpus_copy / "高县_2023年政务公开重点工作任务清单.txt"), *where
    )
    assert staged.returncode == 0, staged.stderr
    assert staged.stdout.splitlines() == [f"staged: {name}", "staged: 草稿_工作要点.txt"]
    assert "not staged: 高县_2023年政务公开重点工作任务清单.txt: 内容与已有文件相同" in staged.stderr
    listed = _run("staged", "--json", *where[:4])
    assert listed.returncode == 0, listed.stderr
    rows = json.loads(listed.stdout)["documents"]
    assert {row["file"] for row in rows} == {name, "草稿_工作要点.txt"} and all(row["sha256"] for row in rows)
    public = _run("search", "政府网站集约化试点", "--json", *where[:4])
    assert all(hit["doc_id"] != Path(name).stem for hit in json.loads(public.stdout)["hits"])

    published = _run("publish", Path(name).stem, *where)
    assert published.returncode == 0 and published.stdout.startswith(f"已发布：{name}"), published.stderr
    public = _run("search", "政府网站集约化试点", "--json", *where[:4])
    assert json.loads(public.stdout)["hits"][0]["doc_id"] == Path(name).stem
    discarded = _run("discard", "草稿_工作要点", *where)
    assert discarded.returncode == 0 and "已丢弃" in discarded.stdout, discarded.stderr
    assert _run("staged", *where[:4]).stdout.strip() == "nothing is staged"
    missing = _run("publish", "草稿_工作要点", *where)
    assert missing.returncode == 1 and "没有暂存的文件" in missing.stderr and "Traceback" not in missing.stderr
    audit = _run("audit", "--data", str(tmp_path))
    actions = [json.loads(line)["action"] for line in audit.stdout.splitlines()]
    assert actions == ["stage", "stage", "publish", "discard"]
