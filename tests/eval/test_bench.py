"""`python -m eval bench` end to end on a tiny benchmark in the real format, with the real default model."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from assistant.cli import main as assistant_main
from assistant.embedding.embedder import SentenceTransformerEmbedder
from assistant.indexing.store import passage_file_passages, sentence_texts
from assistant.retrieval.adaptation import Adaptation
from assistant.retrieval.learned_expansion import ExpansionSettings, LearnedExpansion
from assistant.retrieval.sentences import SentenceVectors
from eval import bench, formats, vector_cache

# Real STARD articles (corpus.jsonl lines), a few topics far apart.
PASSAGES = [
    ("s09036", "传染病防治法实施办法 第七条", "各级政府应当组织有关部门，开展传染病预防知识和防治措施的卫生健康教育。"),
    ("s38670", "中国人民解放军实施《药品管理法》办法 第五十九条", "中国人民武装警察部队的药品管理工作，适用本办法。"),
    (
        "s54771",
        "计算机信息网络国际联网管理暂行规定 第十六条",
        "与台湾、香港、澳门地区的计算机信息网络的联网，参照本规定执行。",
    ),
    ("s52012", "药品管理法实施条例 第二十五条", "医疗机构审核和调配处方的药剂人员必须是依法经资格认定的药学技术人员。"),
    ("s17278", "道路运输条例 第七十九条", "从事非经营性危险货物运输的，应当遵守本条例有关规定。"),
    (
        "s08069",
        "最高人民法院关于适用《刑事诉讼法》的解释 第四十二条",
        "对接受委托担任辩护人的，人民法院应当核实其身份证明和授权委托书。",
    ),
    ("s33422", "电力法 第四十三条", "任何单位不得超越电价管理权限制定电价。供电企业不得擅自变更电价。"),
    ("s30332", "审计法 第五十八条", "领导干部经济责任审计和自然资源资产离任审计，依照本法和国家有关规定执行。"),
    ("s31764", "控制对企业进行经济检查的规定 第十九条", "其他行政机关对企业的检查，参照本规定执行。"),
    ("s44311", "民事诉讼法 第二十五条", "因保险合同纠纷提起的诉讼，由被告住所地或者保险标的物所在地人民法院管辖。"),
    (
        "s25928",
        "民用航空法 第一百六十九条",
        "依照本法第一百六十六条规定提供的保险或者担保，应当被专门指定优先支付本章规定的赔偿。",
    ),
    (
        "s53816",
        "民法典 第六百七十三条",
        "借款人未按照约定的借款用途使用借款的，贷款人可以停止发放借款、提前收回借款或者解除合同。",
    ),
]
QUERIES = [
    ("q1", "保险合同纠纷由哪个法院管辖？", ["s44311"]),
    ("q2", "借款人不按约定用途使用借款怎么办", ["s53816"]),
    ("q3", "电价可以擅自变更吗", ["s33422", "s09036"]),  # the second shares no word with the question
    ("q4", "离婚后孩子归谁", ["s99999"]),  # its positive is not in the corpus: scores 0 everywhere
]


class CountingEmbedder:
    """The real model, counting passage-embedding calls so a test can see the cache being used."""

    def __init__(self, inner: SentenceTransformerEmbedder) -> None:
        self.inner = inner
        self.name = inner.name
        self.dimension = inner.dimension
        self.passage_calls = 0

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        return self.inner.encode_queries(texts)

    def encode_passages(self, texts: list[str], show_progress: bool = False) -> np.ndarray:
        self.passage_calls += 1
        return self.inner.encode_passages(texts, show_progress)


@pytest.fixture
def tiny_bench(tmp_path: Path) -> Path:
    folder = tmp_path / "tinystard"
    folder.mkdir()
    corpus = [{"id": i, "title": title, "text": text} for i, title, text in PASSAGES]
    queries = [{"id": i, "question": q, "answers": [], "positive_ids": p} for i, q, p in QUERIES]
    for name, rows in (("corpus.jsonl", corpus), ("queries.jsonl", queries)):
        lines = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
        (folder / name).write_text(lines, encoding="utf-8")
    return folder


def _argv(tiny_bench: Path, tmp_path: Path, *extra: str) -> list[str]:
    return [
        str(tiny_bench),
        "--results-dir",
        str(tmp_path / "results"),
        "--cache-dir",
        str(tmp_path / "cache"),
        "--expected",
        str(tmp_path / "expected.json"),
        *extra,
    ]


def test_scores_by_hand_with_duplicates_removed() -> None:
    queries = [bench.Query("a", "", frozenset({"x", "y"})), bench.Query("b", "", frozenset({"z"}))]
    # a: x at rank 2 (the repeated "w" counts once), y at rank 3; b: nothing found
    scores = bench.score_rankings({"a": ["w", "w", "x", "y"], "b": ["w"]}, queries)
    assert scores["recall@1"] == 0.0
    assert scores["recall@5"] == pytest.approx((1.0 + 0.0) / 2)
    assert scores["hit@1"] == 0.0 and scores["hit@5"] == 0.5
    assert scores["mrr@10"] == pytest.approx((1 / 2 + 0) / 2)


def test_splits_are_fixed_halves() -> None:
    """Pinned: a change of the hash would silently move queries between the half tuned on and the one reported."""
    assert [bench.split_of(f"q{i}") for i in range(1, 5)] == ["check", "tune", "tune", "check"]
    assert 450 < sum(bench.split_of(f"q{i}") == "tune" for i in range(1000)) < 550


def test_bench_end_to_end(
    tiny_bench: Path, tmp_path: Path, embedder: SentenceTransformerEmbedder, capsys: pytest.CaptureFixture[str]
) -> None:
    counting = CountingEmbedder(embedder)
    out = tmp_path / "ranked.jsonl"
    argv = _argv(tiny_bench, tmp_path, "--out", str(out), "--write-expected")
    assert bench.main(argv, embedder=counting) == 0
    assert counting.passage_calls >= 1

    report = json.loads((tmp_path / "results" / "bench_tinystard.json").read_text(encoding="utf-8"))
    bm25, dense = report["scores"]["bm25"], report["scores"]["dense"]
    # BM25 puts each question's article first (q1–q3), never sees s09036 (no shared word) and cannot find q4's
    assert bm25["recall@1"] == pytest.approx((1 + 1 + 0.5 + 0) / 4)
    assert bm25["recall@100"] == pytest.approx((1 + 1 + 0.5 + 0) / 4)
    assert bm25["hit@1"] == pytest.approx(3 / 4) and bm25["mrr@10"] == pytest.approx(3 / 4)
    # the dense leg ranks all 12 passages, so everything that exists is found by 100
    assert dense["recall@100"] == pytest.approx((1 + 1 + 1 + 0) / 4)
    # nDCG@10 (trec_eval's): q3 finds one of its two positives at rank 1, against an ideal of both at 1 and 2
    assert bm25["ndcg@10"] == pytest.approx((1 + 1 + 1 / (1 + 1 / math.log2(3)) + 0) / 4)
    assert set(report["scores"]) == set(bench.MODES)
    # every other mode against the better of the plain legs on each metric, with both tests' p-values
    tested = report["significance"]
    assert {("hybrid", metric) for metric in bench.SIGNIFICANCE_METRICS} <= {(r["mode"], r["metric"]) for r in tested}
    for row in tested:
        assert row["against"] in bench.BASELINE_MODES and row["mode"] != row["against"]
        assert 0 < row["randomisation_p"] <= 1 and 0 <= row["t_test_p"] <= 1
    # hybrid, hybrid-rrf and hybrid-adapted rows in the table of all queries and in each half's
    markdown = (tmp_path / "results" / "bench_tinystard.md").read_text(encoding="utf-8")
    assert markdown.split("## Paired significance")[0].count("| hybrid") == 3
    assert markdown.split("## The tune half")[1].count("| hybrid") == 6
    assert report["timings"]["adaptation_training_queries"] == 4
    # q2 and q3 are in the tune half, q1 and q4 in the check half: each half is scored on its own queries
    assert report["split_sizes"] == {"tune": 2, "check": 2}
    assert report["scores_by_split"]["tune"]["bm25"]["recall@1"] == pytest.approx((1 + 0.5) / 2)
    assert report["scores_by_split"]["check"]["bm25"]["recall@1"] == pytest.approx((1 + 0) / 2)

    # --out's default mode is chosen on the training queries (here the run's own, cross-fitted)
    assert report["out_mode"] in {"hybrid", "hybrid-adapted"} and "MRR@10" in report["out_mode_reason"]
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [line["id"] for line in lines] == [q[0] for q in QUERIES]
    ids = {p[0] for p in PASSAGES}
    for line in lines:
        assert set(line) == {"id", "ranked"}
        assert len(line["ranked"]) == len(set(line["ranked"])) == len(PASSAGES)  # hybrid: dense brings all
        assert set(line["ranked"]) == ids
    assert lines[0]["ranked"][0] == "s44311"

    # second run: vectors come from the cache, and the scores match the expected ones just written
    counting.passage_calls = 0
    capsys.readouterr()
    assert bench.main(_argv(tiny_bench, tmp_path), embedder=counting) == 0
    assert counting.passage_calls == 0
    assert "within tolerance" in capsys.readouterr().out
    timings = json.loads((tmp_path / "results" / "bench_tinystard.json").read_text())["timings"]
    assert timings["passages_embedded"] == 0 and timings["embedding_whole_corpus_s"] > 0  # first run's time, kept

    # expected scores above what is measured: a loud failure, unless --no-check
    expected = json.loads((tmp_path / "expected.json").read_text(encoding="utf-8"))
    expected["scores"]["bm25"]["recall@1"] = 0.9
    (tmp_path / "expected.json").write_text(json.dumps(expected), encoding="utf-8")
    assert bench.main(_argv(tiny_bench, tmp_path, "--modes", "bm25"), embedder=counting) == 1
    output = capsys.readouterr().out
    assert "REGRESSION" in output and "bm25 recall@1: measured 0.625, expected 0.900" in output
    assert bench.main(_argv(tiny_bench, tmp_path, "--modes", "bm25", "--no-check"), embedder=counting) == 0


def test_partial_cache_resumes_and_never_trusts_a_torn_file(
    tiny_bench: Path, tmp_path: Path, embedder: SentenceTransformerEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run killed mid-way leaves finished shards (reused) and maybe a .tmp or a wrong-shaped file (ignored)."""
    monkeypatch.setattr(vector_cache, "SHARD", 5)
    corpus = tiny_bench / "corpus.jsonl"
    texts = [p.formatted("title+text") for p in formats.load_corpus(corpus)]
    counting = CountingEmbedder(embedder)
    cache = tmp_path / "cache"
    first = vector_cache.cached_passage_vectors(corpus, texts, counting, "title+text", cache, False)
    assert first.embedded == 12 and counting.passage_calls == 3 and first.total_seconds == pytest.approx(first.seconds)
    full = first.vectors
    (folder,) = cache.iterdir()
    (folder / "vectors.npy").unlink()
    np.save(folder / "shard-0000000.npy", full[:5])
    np.save(folder / "shard-0000005.npy", full[5:7])  # torn: 2 rows where 5 belong
    counting.passage_calls = 0
    again = vector_cache.cached_passage_vectors(corpus, texts, counting, "title+text", cache, False)
    assert again.embedded == 7 and counting.passage_calls == 2
    assert again.total_seconds is None  # the planted shard has no recorded time: unknown, not a made-up number
    np.testing.assert_allclose(again.vectors, full, atol=1e-5)
    assert sorted(path.name for path in folder.iterdir()) == ["key.json", "seconds.json", "vectors.npy"]


def test_adaptations_are_never_applied_to_a_query_they_were_fitted_on() -> None:
    training = [bench.Query(f"q{i}", "", frozenset()) for i in range(1, 21)]
    fitted_on: dict[int, set[str]] = {}

    def fit(rows: list[int]) -> Adaptation:
        adaptation = Adaptation(LearnedExpansion({}, ExpansionSettings()), None, len(rows))
        fitted_on[id(adaptation)] = {training[row].id for row in rows}
        return adaptation

    crossfitted = bench.CrossFitted(training, fit)
    assert not fitted_on  # each is fitted when first needed
    for query in training:
        assert query.id not in fitted_on[id(crossfitted.for_query(query))]
    assert len(fitted_on) == 2  # one per half
    held_out = crossfitted.for_query(bench.Query("unseen", "", frozenset()))
    assert fitted_on[id(held_out)] == {query.id for query in training} and len(fitted_on) == 3
    assert crossfitted.on_all is held_out


def test_adapted_modes_without_usable_training_queries_say_so(
    tiny_bench: Path, tmp_path: Path, embedder: SentenceTransformerEmbedder, capsys: pytest.CaptureFixture[str]
) -> None:
    foreign = tmp_path / "foreign.jsonl"
    foreign.write_text(json.dumps({"id": "x", "question": "借钱不还", "positive_ids": ["not-here"]}) + "\n", "utf-8")
    argv = _argv(tiny_bench, tmp_path, "--modes", "bm25-adapted", "--train-queries", str(foreign))
    assert bench.main(argv, embedder=embedder) == 2
    assert "no answered question names a passage" in capsys.readouterr().err


def test_held_out_queries_are_ranked_by_the_mode_the_training_queries_chose(
    tiny_bench: Path, tmp_path: Path, embedder: SentenceTransformerEmbedder
) -> None:
    held_out = tmp_path / "held_out.jsonl"
    held_out.write_text(
        "".join(json.dumps({"id": f"new-{i}", "question": q, "positive_ids": p}) + "\n" for i, q, p in QUERIES[:2]),
        encoding="utf-8",
    )
    out = tmp_path / "ranked.jsonl"
    argv = _argv(tiny_bench, tmp_path, "--queries", str(held_out), "--out", str(out), "--no-check")
    assert bench.main(argv, embedder=CountingEmbedder(embedder)) == 0
    report = json.loads((tmp_path / "results" / "bench_tinystard_queries-held_out.json").read_text(encoding="utf-8"))
    on_training = bench.run_bench(
        tiny_bench, modes=("hybrid", "hybrid-adapted"), embedder=embedder, cache_root=tmp_path / "cache", progress=False
    ).scores()
    adapted_wins = on_training["hybrid-adapted"]["mrr@10"] > on_training["hybrid"]["mrr@10"]
    assert report["out_mode"] == ("hybrid-adapted" if adapted_wins else "hybrid")
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [line["id"] for line in lines] == ["new-q1", "new-q2"]


def test_sentence_scores_take_the_best_sentence_of_each_passage(tmp_path: Path) -> None:
    records = [
        formats.Passage("a", "怡良", "怡良是清朝官员。林则徐被撤职后，怡良署理两广总督。"),
        formats.Passage("b", "怡良", "无标点的一段"),
        formats.Passage("c", "", ""),
    ]
    texts, owners = sentence_texts(passage_file_passages(tmp_path / "corpus.jsonl", records), "title+text")
    assert texts == ["怡良\n怡良是清朝官员。", "怡良\n林则徐被撤职后，怡良署理两广总督。", "怡良\n无标点的一段"]
    assert owners.tolist() == [0, 0, 1]

    # passage a averages a matching and an unrelated sentence; b is half-way; c has no sentence text. The dense
    # leg's candidates come in its own order (c, a: b was not among them) and only they are re-scored.
    query = np.array([1.0, 0.0], dtype=np.float32)
    whole = np.array([[0.6, 0.8], [0.7, 0.714], [0.2, 0.98]], dtype=np.float32)
    sentence_rows = np.array([[0.0, 1.0], [1.0, 0.0], [0.7, 0.714]], dtype=np.float32)
    candidates = np.array([2, 0])
    sentences = SentenceVectors(sentence_rows, owners)
    scores = sentences.rescored(candidates, whole[candidates] @ query, query, mix=0.5)
    np.testing.assert_allclose(scores, [0.2, 0.5 * 0.6 + 0.5 * 1.0], rtol=1e-6)
    only_whole = sentences.rescored(candidates, whole[candidates] @ query, query, mix=1.0)
    np.testing.assert_allclose(only_whole, whole[candidates] @ query, rtol=1e-6)
    with pytest.raises(ValueError, match="grouped by passage"):
        SentenceVectors(sentence_rows, np.array([1, 0, 0]))


def test_sentence_mix_runs_as_its_own_variant(
    tiny_bench: Path, tmp_path: Path, embedder: SentenceTransformerEmbedder
) -> None:
    argv = _argv(tiny_bench, tmp_path, "--modes", "dense,hybrid", "--sentence-mix", "0.3", "--no-check")
    assert bench.main(argv, embedder=CountingEmbedder(embedder)) == 0
    report = json.loads((tmp_path / "results" / "bench_tinystard_sentences-0.3.json").read_text(encoding="utf-8"))
    passages = passage_file_passages(tiny_bench / "corpus.jsonl", formats.load_corpus(tiny_bench / "corpus.jsonl"))
    assert report["variant"] == "sentences-0.3"
    assert report["timings"]["sentences"] == len(sentence_texts(passages, "title+text")[0]) >= len(PASSAGES)
    assert report["scores"]["dense"]["recall@100"] == pytest.approx(3 / 4)  # every passage is still ranked


def test_bench_and_search_rank_identically_over_the_same_index(
    tiny_bench: Path, tmp_path: Path, embedder: SentenceTransformerEmbedder
) -> None:
    """One retriever: the bench's --out and `python -m assistant search --queries` over the index it leaves agree
    exactly, both for the plain hybrid and with the adaptation fitted on the training queries."""
    held_out = tmp_path / "held_out.jsonl"
    questions = [*(q for _, q, _ in QUERIES), "借钱以后不按用途花，出借的人能怎么办？", "保险 纠纷 法院"]
    held_out.write_text(
        "".join(json.dumps({"id": f"h{i}", "question": q}, ensure_ascii=False) + "\n" for i, q in enumerate(questions)),
        encoding="utf-8",
    )
    index = tmp_path / "index"
    for mode in ("hybrid", "hybrid-adapted", "bm25-adapted"):
        out, hits = tmp_path / f"{mode}.jsonl", tmp_path / f"{mode}-hits.jsonl"
        argv = _argv(tiny_bench, tmp_path, "--queries", str(held_out), "--out", str(out), "--no-check")
        assert bench.main([*argv, "--index", str(index), "--mode", mode], embedder=embedder) == 0
        assert (index / "adaptation.json").exists() == (mode != "hybrid")
        search_mode = bench.PRODUCT_MODES[mode][0]
        command = ["search", "--index", str(index), "--queries", str(held_out), "--k", "100", "--out", str(hits)]
        assert assistant_main([*command, "--mode", search_mode]) == 0
        ranked = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
        searched = [json.loads(line) for line in hits.read_text(encoding="utf-8").splitlines()]
        assert (
            [line["id"] for line in ranked]
            == [line["id"] for line in searched]
            == [f"h{i}" for i in range(len(questions))]
        )
        for bench_line, search_line in zip(ranked, searched, strict=True):
            assert bench_line["ranked"] == [hit["passage_id"] for hit in search_line["hits"]]
        assert sum(bool(line["ranked"]) for line in ranked) >= len(questions) - 1  # BM25 alone misses 离婚后孩子归谁
