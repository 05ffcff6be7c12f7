"""Benchmark formats: BEIR folders and our layout in, TREC runs and qrels out, each read back by trec_eval's parser."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import pytrec_eval

from eval import bench, formats, measures
from tests.eval.test_bench import PASSAGES, QUERIES, _argv


@pytest.fixture
def ours(tmp_path: Path) -> Path:
    """The tiny STARD sample of test_bench in our layout."""
    folder = tmp_path / "ours"
    folder.mkdir()
    rows = {
        "corpus.jsonl": [{"id": i, "title": title, "text": text} for i, title, text in PASSAGES],
        "queries.jsonl": [{"id": i, "question": q, "answers": [], "positive_ids": p} for i, q, p in QUERIES],
    }
    for name, lines in rows.items():
        (folder / name).write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in lines), "utf-8")
    return folder


def test_a_trec_run_reads_back_in_our_order_and_scores_the_same(tmp_path: Path) -> None:
    rankings = {"q1": ["b", "a", "c"], "q2": ["z", "z", "a"], "q3": []}  # "z" twice: kept once, at rank 1
    path = tmp_path / "run.trec"
    formats.write_run(path, rankings, "policy-qa-hybrid")
    lines = path.read_text().splitlines()
    assert lines[0] == "q1 Q0 b 1 3 policy-qa-hybrid" and len(lines) == 5
    parsed = pytrec_eval.parse_run(lines)
    # trec_eval orders by score; the order it sees is ours
    assert {q: sorted(run, key=run.get, reverse=True) for q, run in parsed.items()} == {
        "q1": ["b", "a", "c"],
        "q2": ["z", "a"],
    }
    qrels = {"q1": {"a": 1, "c": 1}, "q2": {"a": 1}, "q3": {"a": 1}}
    from_file = pytrec_eval.RelevanceEvaluator(qrels, {"recall.5", "ndcg_cut.10"}).evaluate(parsed)
    ours = measures.per_query(qrels, rankings, ["q1", "q2", "q3"])
    assert [from_file[q]["recall_5"] for q in ("q1", "q2")] == ours["recall@5"][:2]
    assert [from_file[q]["ndcg_cut_10"] for q in ("q1", "q2")] == pytest.approx(ours["ndcg@10"][:2])


@pytest.mark.parametrize("name", ["qrels.trec", "qrels.tsv"])
def test_qrels_round_trip_in_both_formats(tmp_path: Path, name: str) -> None:
    qrels = {"q1": {"a": 1, "b": 2}, "q2": {"c": 0}}
    path = tmp_path / name
    formats.write_qrels(path, qrels)
    assert formats.read_qrels(path) == qrels
    if name.endswith(".tsv"):
        assert path.read_text().splitlines()[0] == formats.BEIR_HEADER
    else:
        assert pytrec_eval.parse_qrel(path.read_text().splitlines()) == qrels


def test_our_layout_round_trips_through_a_beir_folder(ours: Path, tmp_path: Path) -> None:
    read = formats.open_benchmark(ours)
    beir = tmp_path / "beir"
    formats.write_beir(beir, read)
    assert sorted(path.relative_to(beir).as_posix() for path in beir.rglob("*.*")) == [
        "corpus.jsonl",
        "qrels/test.tsv",
        "queries.jsonl",
    ]
    assert json.loads((beir / "corpus.jsonl").read_text("utf-8").splitlines()[0])["_id"] == PASSAGES[0][0]
    again = formats.open_benchmark(beir)
    assert again.passages == read.passages
    # a query whose positives are missing from the corpus keeps them; training is the scored set (cross-fitted)
    assert again.queries == read.queries == again.training
    with pytest.raises(FileNotFoundError, match=r"no dev\.tsv"):
        formats.open_benchmark(beir, split="dev")
    formats.write_beir(tmp_path / "beir2", again)
    for name in ("corpus.jsonl", "queries.jsonl", "qrels/test.tsv"):
        assert (tmp_path / "beir2" / name).read_text("utf-8") == (beir / name).read_text("utf-8")


def test_a_beir_folder_scores_a_split_and_trains_on_train(ours: Path, tmp_path: Path) -> None:
    read = formats.open_benchmark(ours)
    beir = tmp_path / "beir"
    formats.write_beir(beir, formats.Benchmark(read.corpus_file, read.passages, read.queries[2:], read.queries[:2]))
    formats.write_qrels(beir / "qrels" / "dev.tsv", formats.qrels_of(read.queries[1:2]))
    split = formats.open_benchmark(beir)
    assert [q.id for q in split.queries] == ["q3", "q4"] and [q.id for q in split.training] == ["q1", "q2"]
    assert [q.id for q in formats.open_benchmark(beir, split="dev").queries] == ["q2"]
    assert [q.id for q in formats.open_benchmark(beir, split="train").training] == ["q1", "q2"]
    # qrels given on the command line replace the folder's positives
    (tmp_path / "mine.tsv").write_text(f"{formats.BEIR_HEADER}\nq3\ts09036\t1\n", "utf-8")
    given = formats.open_benchmark(beir, qrels_file=tmp_path / "mine.tsv")
    assert [q.positives for q in given.queries] == [frozenset({"s09036"}), frozenset()]


def test_bench_on_a_beir_folder_matches_our_layout_and_writes_trec_files(ours: Path, tmp_path: Path) -> None:
    """BM25 only (no model): the same rankings and scores from either layout; --run-out and --qrels-out are what
    trec_eval needs to score the run itself, and it agrees with the report; --out keeps its jsonl lines."""
    beir = tmp_path / "beir"
    out = {name: tmp_path / name for name in ("run.trec", "qrels.trec", "ranked.jsonl", "beir.trec")}
    argv = [*_argv(ours, tmp_path, "--modes", "bm25", "--mode", "bm25", "--no-check", "--beir-out", str(beir))]
    argv += [
        "--run-out",
        str(out["run.trec"]),
        "--qrels-out",
        str(out["qrels.trec"]),
        "--out",
        str(out["ranked.jsonl"]),
    ]
    assert bench.main(argv) == 0
    report = json.loads((tmp_path / "results" / "bench_ours.json").read_text("utf-8"))
    assert (
        bench.main(
            [
                *_argv(
                    beir,
                    tmp_path,
                    "--modes",
                    "bm25",
                    "--mode",
                    "bm25",
                    "--no-check",
                    "--run-out",
                    str(out["beir.trec"]),
                )
            ]
        )
        == 0
    )
    from_beir = json.loads((tmp_path / "results" / "bench_beir.json").read_text("utf-8"))
    quality = [{m: scores["bm25"][m] for m in measures.QUALITY} for scores in (from_beir["scores"], report["scores"])]
    assert quality[0] == quality[1] and from_beir["queries"] == report["queries"] == len(QUERIES)
    assert out["beir.trec"].read_text() == out["run.trec"].read_text()

    lines = out["run.trec"].read_text().splitlines()
    run = pytrec_eval.parse_run(lines)
    qrels = pytrec_eval.parse_qrel(out["qrels.trec"].read_text().splitlines())
    trec = pytrec_eval.RelevanceEvaluator(qrels, {"recall.1", "success.1"}).evaluate(run)
    assert sum(trec[q]["recall_1"] for q in trec) / len(QUERIES) == pytest.approx(report["scores"]["bm25"]["recall@1"])
    assert sum(trec[q]["success_1"] for q in trec) / len(QUERIES) == pytest.approx(report["scores"]["bm25"]["hit@1"])
    ranked = [json.loads(line) for line in out["ranked.jsonl"].read_text("utf-8").splitlines()]
    assert [set(line) for line in ranked] == [{"id", "ranked"}] * len(QUERIES)
    assert [line.split()[2] for line in lines if line.startswith("q1 ")] == ranked[0]["ranked"]
