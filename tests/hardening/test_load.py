"""The load benchmark, CI-sized: the real app on loopback, 4 clients for 5 s and an upload while serving."""

from __future__ import annotations

from assistant.engine import Engine
from eval.load import NEW_NAME, markdown, run_load
from tests.paths import CORPUS


def test_short_load_run_has_no_errors_and_serves_the_update(engine: Engine) -> None:
    summary = run_load(CORPUS, engine.index_dir, clients=4, seconds=5)
    assert summary["requests"] > 4 and summary["errors"] == 0
    assert summary["latency_ms"]["p50"] <= summary["latency_ms"]["p95"] <= summary["latency_ms"]["p99"]
    assert summary["update"]["status"] == 200 and summary["update"]["added"] == [NEW_NAME]
    assert summary["answers_changed_across_update"] == []
    assert summary["rss_mb"]["start"] > 100
    assert "| requests (errors) |" in markdown(summary)
