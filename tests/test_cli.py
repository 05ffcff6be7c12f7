"""The command line is a contract: run it as users and scripts do, in a subprocess."""

import json
import subprocess
import sys
from pathlib import Path

from assistant.engine import Engine
from tests.paths import CORPUS, ROOT

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
