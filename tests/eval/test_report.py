import json
from pathlib import Path

from eval.report import expected_from, regressions, write_report

RESULT = {
    "corpus": "corpus",
    "questions": 10,
    "answerable": 8,
    "passages": 100,
    "build_seconds": 12.5,
    "systems": {
        name: {
            "recall@1": 0.8,
            "recall@5": 0.9,
            "recall@10": 0.95,
            "mrr@10": 0.85,
            "ndcg@10": 0.87,
            "coverage@10 (multi-doc)": 0.9,
            "latency_p50_ms": 10.0,
            "latency_p95_ms": 20.0,
        }
        for name in ("bm25", "hybrid")
    },
    "answers": {"accuracy[who+when+number]": 0.8, "refusal_recall": 0.6, "false_refusal_rate": 0.04, "wrong": []},
}
SUMMARY = {"sets": {"seeds": RESULT, "dev-check": json.loads(json.dumps(RESULT))}}


def test_report_files_are_written(tmp_path: Path) -> None:
    files = write_report(SUMMARY, "python -m eval", tmp_path)
    assert all(path.exists() and path.stat().st_size > 0 for path in files)
    report = (tmp_path / "labelled.md").read_text(encoding="utf-8")
    assert "| hybrid | 0.800 | 0.900 |" in report and "## dev-check: 10 questions (8 answerable)" in report
    assert (tmp_path / "labelled_recall.png").read_bytes()[:4] == b"\x89PNG"


def test_regression_check_fails_only_below_tolerance(tmp_path: Path) -> None:
    expected = tmp_path / "expected.json"
    expected.write_text(json.dumps(expected_from(SUMMARY, tolerance=0.02)), encoding="utf-8")
    assert regressions(SUMMARY, expected) == []
    worse = json.loads(json.dumps(SUMMARY))
    check = worse["sets"]["dev-check"]
    check["systems"]["hybrid"]["recall@5"] = 0.885  # within tolerance
    assert regressions(worse, expected) == []
    check["systems"]["hybrid"]["recall@5"] = 0.85
    check["answers"]["refusal_recall"] = 0.5
    found = regressions(worse, expected)
    assert len(found) == 2 and "dev-check hybrid recall@5: 0.850" in found[0]
